"""The discussion's staff lists — participants, moderation queue, moderation log, the dashboard —
come a page at a time (issue 11: with 166 learners the participants page weighed 366 KB, 13 s on
2G), filtered by GET forms that work without JavaScript, with the same number of SQL statements
for 10 rows as for 1,000."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from elearn_discussion.models import ModerationEntry, Post, PostState, Report, Thread

from elearn.clock import utcnow
from elearn.models import Enrolment, User

LIGHT = 80_000  # bytes: a page of 50 learners' assessment forms stays well under the 366 KB of issue 11


def add_crowd(db, site, count: int, start: int = 0) -> None:
    """``count`` more enrolled learners, each with a post waiting for approval in a thread of their
    own that no instructor answered, and one log entry about them: rows in bulk, not through the
    forms (1,000 sign-ups would be the whole run)."""
    people = [User(email=f"hv{i}@example.org", name=f"Học viên {i:04d}", role="learner",
                   password_hash=site.alice.password_hash) for i in range(start, start + count)]
    db.add_all(people)
    db.flush()
    db.add_all([Enrolment(user_id=person.id, course_id=site.course.id) for person in people])
    now = utcnow()
    threads = [Thread(lesson_id=site.lesson.id, author_id=person.id, title=f"Chủ đề {person.name}",
                      state=PostState.VISIBLE, created_at=now, last_activity_at=now) for person in people]
    db.add_all(threads)
    db.flush()
    posts = [Post(thread_id=thread.id, lesson_id=site.lesson.id, author_id=thread.author_id, is_opening=True,
                  body_md="Chờ duyệt", body_html="<p>Chờ duyệt</p>", state=PostState.PENDING, created_at=now)
             for thread in threads]
    db.add_all(posts)
    db.flush()
    for post in posts:
        post.root_id = post.id
    db.add_all([ModerationEntry(lesson_id=site.lesson.id, actor_id=site.teacher.id, action="approve",
                                post_id=post.id, thread_id=post.thread_id, subject_user_id=post.author_id,
                                reason="", details={}, created_at=now + timedelta(seconds=i))
                for i, post in enumerate(posts)])
    # One reported post among them: the queue's reports query runs.
    posts[0].open_reports = 1
    db.add(Report(post_id=posts[0].id, lesson_id=site.lesson.id, reporter_id=site.bob.id, reason="Lạc đề",
                  created_at=now))
    db.commit()


@pytest.fixture
def staff_pages(discussion, signed_in, as_api):
    site = discussion(completion={"posts": 1, "replies": 0})
    lid = site.lesson.id
    browser, api = signed_in(site.teacher), as_api(site.teacher)
    site.pages = {
        "participants": (browser.get, f"/x/discussion/lessons/{lid}/participants"),
        "participants filtered": (browser.get, f"/x/discussion/lessons/{lid}/participants?q=vi%C3%AAn&status=waiting"),
        "queue": (browser.get, f"/x/discussion/lessons/{lid}/queue"),
        "queue filtered": (browser.get, f"/x/discussion/lessons/{lid}/queue?kind=pending&q=0"),
        "log": (browser.get, f"/x/discussion/lessons/{lid}/log"),
        "log filtered": (browser.get, f"/x/discussion/lessons/{lid}/log?action=approve&q=0"),
        "dashboard": (browser.get, "/x/discussion/dashboard"),
        "participants API": (api.get, f"/lessons/{lid}/participants?status=incomplete"),
        "queue API": (api.get, f"/lessons/{lid}/queue?kind=pending"),
        "log API": (api.get, f"/lessons/{lid}/log?action=approve"),
        "dashboard API": (api.get, "/dashboard"),
    }
    site.browser, site.api = browser, api
    return site


def measure(count_queries, pages: dict) -> tuple[dict[str, int], dict[str, int]]:
    counts, sizes = {}, {}
    for name, (get, url) in pages.items():
        get(url)  # once before measuring: nothing cached differently between the two runs
        with count_queries() as counted:
            response = get(url)
        assert response.status_code == 200, (name, response.status_code, response.get_data(as_text=True)[:300])
        counts[name], sizes[name] = counted.n, len(response.get_data())
    return counts, sizes


def test_staff_lists_issue_the_same_queries_for_10_or_1000_rows_and_stay_light(db, staff_pages, count_queries):
    site = staff_pages
    add_crowd(db, site, 10)
    small, _ = measure(count_queries, site.pages)
    add_crowd(db, site, 990, start=10)
    large, large_sizes = measure(count_queries, site.pages)
    print(f"\nqueries with 10 rows: {small}\nqueries with 1,000 rows: {large}\nbytes with 1,000 rows: {large_sizes}")
    assert large == small, "a staff list runs a query per row"

    lid = site.lesson.id
    people = site.api.get(f"/lessons/{lid}/participants").get_json()
    assert (people["total"], people["pages"], people["page_size"], len(people["participants"])) == (1002, 21, 50, 50)
    assert [p["name"] for p in people["participants"][:2]] == ["Alice Nguyễn", "Bình Trần"]
    queue = site.api.get(f"/lessons/{lid}/queue").get_json()
    assert (queue["total"], len(queue["queue"])) == (1000, 50)
    log = site.api.get(f"/lessons/{lid}/log?page=20").get_json()
    assert (log["total"], log["page"], len(log["entries"])) == (1000, 20, 50)
    dashboard = site.api.get("/dashboard").get_json()
    assert (dashboard["queue_page"]["total"], len(dashboard["queue"])) == (1000, 20)
    assert (dashboard["unanswered_page"]["total"], len(dashboard["unanswered"])) == (1000, 20)
    # A post waiting for approval is taking part: only Alice and Bình have not.
    assert [s["name"] for s in dashboard["not_taken_part"][0]["learners"]] == ["Alice Nguyễn", "Bình Trần"]
    for name in ("participants", "queue", "log", "dashboard"):
        assert large_sizes[name] < LIGHT, (name, large_sizes[name])


def test_the_participants_page_filters_by_name_status_and_group_and_the_pager_keeps_the_filter(
        db, staff_pages, as_api, put_in_group):
    site = staff_pages
    lid = site.lesson.id
    add_crowd(db, site, 120)
    as_api(site.alice).start(site.lesson, "Ý của Alice", "Mở đầu")  # Alice completes the rule
    group = put_in_group(site.course, site.bob, "a")
    base = f"/x/discussion/lessons/{lid}/participants"

    def learners(query: str) -> list[str]:
        page = site.browser.get(f"{base}{query}").get_data(as_text=True)
        return re.findall(r'<li class="card" id="learner-\d+">\s*<h2>([^<]+?)\s*<', page)

    assert learners("?status=complete") == ["Alice Nguyễn"]
    assert learners("?status=silent") == ["Bình Trần"]
    assert learners(f"?group={group.id}") == ["Bình Trần"]
    assert learners("?q=0119") == ["Học viên 0119"]
    assert learners("?q=nobody") == []
    waiting = learners("?status=waiting")
    assert len(waiting) == 50 and waiting[0] == "Học viên 0000"
    page = site.browser.get(f"{base}?status=waiting&q=h").get_data(as_text=True)
    assert "Học viên 1–50 trong tổng số 120." in page
    # The pager's "next" keeps the filter; page 3 holds the last 20.
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "status=waiting" in next_link and "q=h" in next_link and "page=2" in next_link
    assert len(learners("?status=waiting&q=h&page=3")) == 20
    # A filter value that means nothing shows everyone, never an error.
    assert site.browser.get(f"{base}?status=nonsense&group=99999999999999999999&page=-4").status_code == 200
    assert site.api.get(f"/lessons/{lid}/participants?status=nonsense").status_code == 400

    # Saving an assessment from page 2 of a filtered list comes back to it.
    saved = site.browser.submit(base, user_id=str(site.bob.id), comment="Tốt", complete="1",
                                next=f"{base}?status=silent&page=2")
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"{base}?status=silent&page=2#learner-{site.bob.id}")
    # An id no learner can have is a 404 (as an unknown learner), not a server error.
    assert site.browser.submit(base, user_id="99999999999999999999", comment="", complete="1").status_code == 404


def test_the_queue_and_the_log_filter_by_kind_action_and_name(db, staff_pages, as_api):
    site = staff_pages
    lid = site.lesson.id
    add_crowd(db, site, 60)
    queue = site.api.get(f"/lessons/{lid}/queue?kind=reported").get_json()
    assert [q["author"] for q in queue["queue"]] == ["Học viên 0000"] and queue["total"] == 1
    assert site.api.get(f"/lessons/{lid}/queue?q=0059").get_json()["total"] == 1
    page = site.browser.get(f"/x/discussion/lessons/{lid}/queue?kind=pending").get_data(as_text=True)
    assert "Bài viết 1–50 trong tổng số 60." in page
    assert page.count('class="d-post card"') == 50
    assert f'rel="next" href="/x/discussion/lessons/{lid}/queue?kind=pending&amp;page=2"' in page

    as_api(site.teacher).moderate(site.lesson, as_api(site.alice).start(site.lesson, "Một", "Hai")["id"], "hide",
                                  "Lạc đề")
    hidden = site.api.get(f"/lessons/{lid}/log?action=hide").get_json()
    assert hidden["total"] == 1 and hidden["entries"][0]["subject"] == "Alice Nguyễn"
    assert site.api.get(f"/lessons/{lid}/log?q=alice").get_json()["total"] == 1
    log = site.browser.get(f"/x/discussion/lessons/{lid}/log?q=H%E1%BB%8Dc").get_data(as_text=True)
    assert "Thao tác 1–50 trong tổng số 60." in log and log.count("<tr>") == 51  # the head and 50 rows
    assert site.browser.get(f"/x/discussion/lessons/{lid}/log?action=nonsense").status_code == 200
    assert site.api.get(f"/lessons/{lid}/log?action=nonsense").status_code == 400


def test_the_dashboards_lists_page_each_on_its_own(db, staff_pages):
    site = staff_pages
    add_crowd(db, site, 45)
    first = site.browser.get("/x/discussion/dashboard?unanswered_page=3").get_data(as_text=True)
    # Page 3 of the unanswered threads (41–45), page 1 of the queue; each pager keeps the other's page.
    assert "Chủ đề Học viên 0044" in first and "Chủ đề Học viên 0039" not in first
    assert 'href="/x/discussion/dashboard?unanswered_page=3&amp;queue_page=2"' in first
    assert 'href="/x/discussion/dashboard?unanswered_page=2"' in first
    silent = site.api.get("/dashboard").get_json()["not_taken_part"]
    assert silent[0]["total"] == 2 and [s["name"] for s in silent[0]["learners"]] == ["Alice Nguyễn", "Bình Trần"]
