"""The instructors' lists of a quiz stay a page long and cost the same few queries however many
attempts there are: the attempts list (filtered by learner and state) and the essay grading queue,
measured with 10 and with 1,000 attempts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from elearn_quiz.listing import ATTEMPTS_PAGE_SIZE, QUEUE_PAGE_SIZE
from elearn_quiz.models import AttemptState, QuizAnswerStep, QuizAttempt
from sqlalchemy import func, insert, select

from elearn.clock import utcnow
from elearn.models import CourseInstructor, User

QUESTIONS = [
    {"id": "q1", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True},
    {"id": "q2", "type": "essay", "stem": "Trình bày vai trò của ban kiểm soát."},
]


@pytest.fixture
def quiz(app, db, make_lesson, instructor, login):
    """The quiz, its instructor's browser, and ``add(n)``: n more learners, each with a finished attempt
    (every third one with its essay waiting for a mark) and every fifth with an attempt in progress."""
    lesson = make_lesson("quiz", {"questions": QUESTIONS})
    db.add(CourseInstructor(course_id=lesson.course_id, user_id=instructor.id))
    db.commit()
    client = app.test_client()
    login(client, instructor)
    made = []

    def add(count: int) -> None:
        start = len(made)
        now = utcnow()
        users = [{"email": f"hoc-vien-{i:04d}@example.org", "name": f"Học viên {i:04d}", "password_hash": "x",
                  "role": "learner"} for i in range(start, start + count)]
        ids = db.scalars(insert(User).returning(User.id), users).all()
        rows = []
        for i, user_id in zip(range(start, start + count), ids, strict=True):
            waiting = i % 3 == 0
            results = {"q1": {"fraction": 1.0, "state": "correct", "feedback_html": ""},
                       "q2": ({"fraction": None, "state": "needs_grading", "feedback_html": ""} if waiting
                              else {"fraction": 1.0, "state": "correct", "feedback_html": "", "manual": True})}
            rows.append({"user_id": user_id, "lesson_id": lesson.id, "number": 1, "state": AttemptState.FINISHED,
                         "started_at": now, "finished_at": now + timedelta(seconds=i), "seq": 1,
                         "question_order": ["q1", "q2"], "seed": 1, "fraction": 0.5 if waiting else 1.0,
                         "marks": 1.0 if waiting else 2.0, "max_marks": 2.0, "result": {"questions": results},
                         "pending_grading": 1 if waiting else 0})
            if i % 5 == 0:
                rows.append({"user_id": user_id, "lesson_id": lesson.id, "number": 2,
                             "state": AttemptState.IN_PROGRESS, "open_key": f"{user_id}:{lesson.id}",
                             "started_at": now, "seq": 0, "question_order": ["q1", "q2"], "seed": 1,
                             "pending_grading": 0})
        attempt_ids = db.scalars(insert(QuizAttempt).returning(QuizAttempt.id, QuizAttempt.number), rows).all()
        db.execute(insert(QuizAnswerStep), [
            {"attempt_id": attempt_id, "question_id": "q2", "seq": 1, "response": f"Bài viết {attempt_id}",
             "created_at": now} for attempt_id in attempt_ids
        ])
        db.commit()
        made.extend(ids)

    return lesson, client, add


def measure(count_queries, client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url)  # once before measuring: nothing cached differently between the two runs
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = counted.n
    return counts


def rows_of(client, url) -> list[str]:
    html = client.get(url).get_data(as_text=True)
    return re.findall(r"<td>(Học viên \d{4})</td>", html)


def test_staff_lists_cost_the_same_queries_for_10_or_1000_attempts(quiz, count_queries):
    lesson, client, add = quiz
    base = f"/x/quiz/lessons/{lesson.id}"
    urls = [f"{base}/attempts", f"{base}/attempts?page=2", f"{base}/attempts?state=needs_grading&q=vi%C3%AAn",
            f"{base}/grading", f"{base}/grading?page=2&q=0"]
    add(10)
    few = measure(count_queries, client, urls)
    add(990)
    many = measure(count_queries, client, urls)
    assert many == few
    assert max(many.values()) <= 12


def test_the_attempts_list_is_paged_and_filtered(db, quiz):
    lesson, client, add = quiz
    add(120)  # 120 finished attempts (40 waiting for a mark) and 24 in progress
    url = f"/x/quiz/lessons/{lesson.id}/attempts"
    page = client.get(url).get_data(as_text=True)
    assert len(rows_of(client, url)) == ATTEMPTS_PAGE_SIZE
    assert "144 lượt làm bài" in page and "Trang 1 / 3" in page and "40 câu trả lời đang chờ chấm." in page
    assert f'href="{url}?page=2"' in page
    assert rows_of(client, url)[:2] == ["Học viên 0000", "Học viên 0000"]  # by name, then attempt number
    last = client.get(f"{url}?page=3").get_data(as_text=True)
    assert len(rows_of(client, f"{url}?page=3")) == 144 - 2 * ATTEMPTS_PAGE_SIZE and "Trang 3 / 3" in last
    assert rows_of(client, f"{url}?page=99") == rows_of(client, f"{url}?page=3")  # past the end: the last page
    assert rows_of(client, f"{url}?page=abc") == rows_of(client, url)

    assert rows_of(client, f"{url}?q=0042") == ["Học viên 0042"]
    assert rows_of(client, f"{url}?q=HOC-VIEN-0042%40example") == ["Học viên 0042"]  # email, any case
    assert rows_of(client, f"{url}?q=%25") == []  # % is a character to find, not a wildcard
    waiting = client.get(f"{url}?state=needs_grading").get_data(as_text=True)
    assert "40 lượt làm bài" in waiting and waiting.count("<td>Đã nộp, đang chờ chấm</td>") == 40
    assert len(rows_of(client, f"{url}?state=in_progress")) == 24
    filtered = client.get(f"{url}?state=finished&q=vi%C3%AAn%2000").get_data(as_text=True)  # "viên 00"
    assert "100 lượt làm bài" in filtered
    assert f'href="{url}?q=vi%C3%AAn+00&amp;state=finished&amp;page=2"' in filtered  # the filter is kept
    assert 'value="viên 00"' in filtered and '<option value="finished" selected>' in filtered
    assert "Không có lượt làm bài nào phù hợp." in client.get(f"{url}?q=nobody").get_data(as_text=True)


def test_the_grading_queue_is_paged_and_a_mark_returns_to_its_page(db, quiz):
    from elearn.testing import csrf_token

    lesson, client, add = quiz
    add(90)  # 30 attempts waiting for a mark
    url = f"/x/quiz/lessons/{lesson.id}/grading"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="quiz-grade"') == QUEUE_PAGE_SIZE
    assert "30 lượt làm bài có câu trả lời đang chờ chấm." in page and "Trang 1 / 2" in page
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert second.count('class="quiz-grade"') == 30 - QUEUE_PAGE_SIZE
    assert client.get(f"{url}?q=0087").get_data(as_text=True).count('class="quiz-grade"') == 1

    attempt_id = re.search(r'name="attempt" value="(\d+)"', second).group(1)
    action = re.search(r'<form class="stack" method="post" action="([^"]+)"', second).group(1)
    assert action == f"{url}?page=2"
    response = client.post(action, data={"csrf_token": csrf_token(client, url), "attempt": attempt_id,
                                         "question": "q2", "mark": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{url}?page=2")
    db.rollback()
    assert db.scalar(select(func.sum(QuizAttempt.pending_grading))) == 29
