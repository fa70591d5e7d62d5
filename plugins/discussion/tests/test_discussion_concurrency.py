"""Many people acting on one thread at once: every reply, helpful mark and moderation lands, and the
counters kept on the rows (replies per thread, helpful marks per post) match what is stored."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from elearn_discussion.models import HelpfulMark, Post, Thread
from sqlalchemy import func, select

THREADS = 8


def test_replies_and_helpful_marks_sent_at_once_are_all_counted(app, db, discussion, as_api, make_user, enrol,
                                                                api_token):
    site = discussion()
    opening = as_api(site.alice).start(site.lesson, "Giờ họp", "Nên họp buổi tối.")
    people = [make_user("learner", name=f"Học viên {n}") for n in range(THREADS)]
    for person in people:
        enrol(person, site.course)
    tokens = [api_token(person) for person in people]
    base = f"/api/v1/x/discussion/lessons/{site.lesson.id}"

    def act(token):
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        replied = client.post(f"{base}/threads/{opening['thread_id']}/posts", json={"body": "Đồng ý."},
                              headers=headers)
        marked = client.put(f"{base}/posts/{opening['id']}/helpful", headers=headers)
        return replied.status_code, marked.status_code

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(act, tokens))

    assert results == [(201, 200)] * THREADS
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    thread = db.get(Thread, opening["thread_id"])
    stored = db.scalar(select(func.count()).where(Post.thread_id == thread.id, ~Post.is_opening))
    assert thread.reply_count == stored == THREADS
    post = db.get(Post, opening["id"])
    assert post.helpful_count == db.scalar(select(func.count()).where(HelpfulMark.post_id == post.id)) == THREADS
