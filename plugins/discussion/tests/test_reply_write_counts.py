"""A reply costs the same few statements however long the thread and however many posts its author
has: the thread's counters give the reply its position (and the page to land on), the author's
stored counts give the completion rule its numbers; nothing counts rows. Measured with a thread of
3 posts and one of 2,000 (most by the replying learner), through the API and the HTML form. The
limits are today's counts: a change that adds a statement to a reply fails here."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from elearn_discussion.models import AuthorCounts, Post, PostState, Thread
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.models import LessonProgress

# The token's or session's user, the lesson with enrolment and progress, the viewer's posted and
# followed, the thread's counters (one UPDATE that locks and loads it), the rate limit, the post's
# insert, the people to tell, the in-app notification in its savepoint (3), the author's counts,
# the progress. PostgreSQL locks the progress row with one more statement.
LIMITS = {"api reply": 12, "form reply": 12}
PAGE_SIZE = 50
THREADS = 8


def bulk_posts(db, thread: Thread, authors: list[int], count: int) -> None:
    """``count`` more visible top-level replies in ``thread``, in turn by ``authors``, with the
    counters the posting code keeps (as the migration backfills them)."""
    now = utcnow()
    first = thread.post_count + 1
    rows = [{"thread_id": thread.id, "lesson_id": thread.lesson_id, "author_id": authors[i % len(authors)],
             "by_staff": False, "is_opening": False, "body_md": f"Ý kiến {i}", "body_html": f"<p>Ý kiến {i}</p>",
             "state": PostState.VISIBLE, "created_at": now, "position": first + i} for i in range(count)]
    ids = db.scalars(insert(Post).returning(Post.id, sort_by_parameter_order=True), rows).all()
    db.execute(update(Post).where(Post.id.in_(ids)).values(root_id=Post.id))
    db.execute(update(Thread).where(Thread.id == thread.id).values(
        post_count=Thread.post_count + count, reply_count=Thread.reply_count + count))
    for author in set(authors):
        mine = sum(1 for i in range(count) if authors[i % len(authors)] == author)
        replies = mine if author != thread.author_id else 0
        found = db.get(AuthorCounts, (thread.lesson_id, author))
        if found is None:
            db.add(AuthorCounts(lesson_id=thread.lesson_id, user_id=author, posts=mine, replies=replies, waiting=0))
        else:
            found.posts += mine
            found.replies += replies
    db.commit()


@pytest.fixture
def thread_site(discussion, as_api, signed_in):
    site = discussion(page_size=PAGE_SIZE)
    site.alice_api, site.bob_api = as_api(site.alice), as_api(site.bob)
    opening = site.alice_api.start(site.lesson, "Vì sao vắng mặt?", "Nội dung")
    site.tid = opening["thread_id"]
    site.bob_api.answer(site.lesson, site.tid, "một")
    site.alice_api.answer(site.lesson, site.tid, "hai")
    site.bob_browser = signed_in(site.bob)
    page = site.bob_browser.get(f"/x/discussion/lessons/{site.lesson.id}/threads/{site.tid}").get_data(as_text=True)
    site.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return site


def reply_twice(site, count_queries) -> tuple[dict[str, int], list]:
    """Bob replies through the API, then through the form; the statements of each, and the landing URL."""
    lid, counts = site.lesson.id, {}
    with count_queries() as counted:
        response = site.bob_api.send("POST", f"/lessons/{lid}/threads/{site.tid}/posts", {"body": "Bình trả lời"})
    assert response.status_code == 201, response.get_json()
    counts["api reply"] = counted.n
    with count_queries() as counted:
        response = site.bob_browser.post(f"/x/discussion/lessons/{lid}/threads/{site.tid}/posts",
                                         data={"csrf_token": site.csrf, "body": "Bình nói thêm"})
    assert response.status_code == 303
    counts["form reply"] = counted.n
    return counts, response.headers["Location"]


def test_a_reply_costs_the_same_few_statements_in_a_thread_of_3_or_2000_posts(db, thread_site, count_queries):
    site = thread_site
    few, landing = reply_twice(site, count_queries)
    # Posts 4 and 5 of the thread, on its first page, each counted for Bob (a reply to Alice's thread).
    mine = db.scalars(select(Post).where(Post.author_id == site.bob.id).order_by(Post.id)).all()
    assert [post.position for post in mine] == [2, 4, 5]
    assert landing.endswith(f"/threads/{site.tid}?page=1#post-{mine[-1].id}")
    progress = db.scalar(select(LessonProgress).where(LessonProgress.user_id == site.bob.id))
    assert (progress.state["posts"], progress.state["replies"]) == (3, 3)

    thread = db.get(Thread, site.tid)
    bulk_posts(db, thread, [site.bob.id, site.bob.id, site.bob.id, site.alice.id], 1995)
    many, landing = reply_twice(site, count_queries)
    assert many == few
    locking = 1 if db.get_bind().dialect.name == "postgresql" else 0
    assert many == {name: limit + locking for name, limit in LIMITS.items()}

    db.rollback()  # end the test's read snapshot to see what the requests wrote
    last = db.scalars(select(Post).where(Post.thread_id == site.tid).order_by(Post.id.desc())).first()
    assert last.position == 2002 == db.scalar(select(func.count()).where(Post.thread_id == site.tid))
    assert landing.endswith(f"/threads/{site.tid}?page={2001 // PAGE_SIZE + 1}#post-{last.id}")
    # The page named is the one the post is on.
    page = site.bob_browser.get(landing.split("#")[0]).get_data(as_text=True)
    assert f'id="post-{last.id}"' in page
    db.rollback()
    progress = db.scalar(select(LessonProgress).where(LessonProgress.user_id == site.bob.id))
    bob_posts = 5 + 1497  # 1,995 in turn: three of every four Bob's
    assert (progress.state["posts"], progress.state["replies"]) == (bob_posts, bob_posts)
    stored = db.get(AuthorCounts, (site.lesson.id, site.bob.id))
    assert (stored.posts, stored.replies, stored.waiting) == (bob_posts, bob_posts, 0)


def test_with_a_hidden_post_in_the_thread_the_landing_page_is_counted_for_the_reader(
        db, thread_site, as_api, count_queries):
    """A post hidden from others shifts the pages for them: the position alone would name a page too far."""
    site = thread_site
    thread = db.get(Thread, site.tid)
    bulk_posts(db, thread, [site.alice.id], PAGE_SIZE - 3)  # the thread now fills its first page exactly
    teacher = as_api(site.teacher)
    early = db.scalars(select(Post.id).where(Post.thread_id == site.tid).order_by(Post.id).offset(5)).first()
    teacher.moderate(site.lesson, early, "hide", "Lạc đề")
    _counts, landing = reply_twice(site, count_queries)
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    last = db.scalars(select(Post).where(Post.thread_id == site.tid).order_by(Post.id.desc())).first()
    # 52 posts, the hidden one unseen by Bob: his last reply is the 51st he sees, on page 2.
    assert last.position == PAGE_SIZE + 2
    assert landing.endswith(f"?page=2#post-{last.id}")
    assert db.get(Thread, site.tid).unshown_count == 1


def test_replies_sent_at_once_get_distinct_positions_and_are_all_counted(app, db, thread_site, make_user, enrol,
                                                                         api_token):
    """Eight learners replying at the same moment, each request on its own connection: positions
    4 to 11, each once, the thread's count and each author's counts right (on PostgreSQL the
    thread's row lock orders them; on SQLite the writers take turns)."""
    site = thread_site
    people = [make_user("learner", name=f"Học viên {n}") for n in range(THREADS)]
    for person in people:
        enrol(person, site.course)
    tokens = [api_token(person) for person in people]

    def send(token):
        return app.test_client().post(f"/api/v1/x/discussion/lessons/{site.lesson.id}/threads/{site.tid}/posts",
                                      json={"body": "Đồng ý."}, headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [response.status_code for response in pool.map(send, tokens)]
    assert statuses == [201] * THREADS
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    positions = db.scalars(select(Post.position).where(Post.thread_id == site.tid).order_by(Post.id)).all()
    assert positions == list(range(1, THREADS + 4))
    assert db.get(Thread, site.tid).post_count == THREADS + 3
    counts = db.scalars(select(AuthorCounts).where(AuthorCounts.user_id.in_([p.id for p in people]))).all()
    assert sorted((row.posts, row.replies) for row in counts) == [(1, 1)] * THREADS


def test_the_migration_backfills_positions_and_counts(app, db, thread_site):
    """``discussion_0003`` numbers the posts already there and counts each author's, as the code keeps them."""
    from alembic import command

    from elearn.db.migrate import alembic_config, upgrade

    site = thread_site
    db.execute(update(Post).values(position=0))
    db.commit()
    db.close()
    command.downgrade(alembic_config(app), "discussion_0002")
    upgrade(app)
    with Session(app.extensions["elearn_db"].engine) as fresh:
        assert fresh.scalars(select(Post.position).where(Post.thread_id == site.tid).order_by(Post.id)).all() \
            == [1, 2, 3]
        assert fresh.get(Thread, site.tid).post_count == 3
        counts = {row.user_id: (row.posts, row.replies, row.waiting) for row in fresh.scalars(select(AuthorCounts))}
        assert counts == {site.alice.id: (2, 0, 0), site.bob.id: (1, 1, 0)}


def test_a_refused_reply_leaves_the_threads_counters_as_they_were(db, thread_site, as_api):
    """The thread's counters count a reply before its checks: a refusal (a locked thread, a parent
    from another thread) is rolled back with them, through the API and the form alike."""
    site = thread_site
    lid = site.lesson.id
    locked = as_api(site.teacher).send("POST", f"/lessons/{lid}/threads/{site.tid}/moderation", {"action": "lock"})
    assert locked.status_code == 200
    refused = site.bob_api.send("POST", f"/lessons/{lid}/threads/{site.tid}/posts", {"body": "Muộn rồi"})
    assert refused.status_code == 409
    site.bob_browser.post(f"/x/discussion/lessons/{lid}/threads/{site.tid}/posts",
                          data={"csrf_token": site.csrf, "body": "Muộn rồi"})
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    thread = db.get(Thread, site.tid)
    assert (thread.post_count, thread.reply_count, thread.unshown_count) == (3, 2, 0)
    assert db.scalar(select(func.count()).where(Post.thread_id == site.tid)) == 3
