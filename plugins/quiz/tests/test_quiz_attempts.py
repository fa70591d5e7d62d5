"""The attempt state machine: time limits, sequence numbers, idempotency, concurrency, attempts and grading."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from elearn_quiz.models import QuizAnswerStep, QuizAttempt
from sqlalchemy import select

from elearn.models import LessonProgress
from elearn.testing import FakeClock, test_config

THREADS = 8


@pytest.fixture
def app_config(database_url, tmp_path):
    """One learner's THREADS requests at once: more than a client may have running by default."""
    return test_config(database_url, tmp_path, CONCURRENT_REQUESTS_PER_CLIENT=THREADS)

QUESTIONS = [
    {"id": "q1", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True},
    {"id": "q2", "type": "short", "stem": "Viết tắt của hợp tác xã?", "answers": ["HTX"]},
]


def quiz(**settings):
    return {"questions": QUESTIONS, "settings": settings}


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    for module in ("elearn_quiz.attempts", "elearn_quiz.lesson"):
        monkeypatch.setattr(f"{module}.utcnow", fake)
    return fake


@pytest.fixture
def taker(app, make_lesson, learner, enrol, api_token):
    """``taker(content)`` -> a function posting submissions as the enrolled learner, and the lesson."""

    def make(content):
        lesson = make_lesson("quiz", content)
        enrol(learner, lesson.course)
        headers = {"Authorization": f"Bearer {api_token(learner)}"}
        url = f"/api/v1/lessons/{lesson.id}"

        def send(**body):
            return app.test_client().post(f"{url}/submissions", json=body, headers=headers)

        def view():
            return app.test_client().get(url, headers=headers).get_json()["view"]

        send.view, send.lesson = view, lesson
        return send

    return make


def attempts(db, lesson):
    db.rollback()  # end the test's snapshot to see what the requests wrote
    return db.scalars(select(QuizAttempt).where(QuizAttempt.lesson_id == lesson.id).order_by(QuizAttempt.number)).all()


def steps(db, attempt):
    db.rollback()
    return db.scalars(
        select(QuizAnswerStep).where(QuizAnswerStep.attempt_id == attempt.id).order_by(QuizAnswerStep.id)
    ).all()


def progress(db, lesson):
    db.rollback()
    return db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))


def test_starting_twice_returns_the_open_attempt(db, taker):
    send = taker(quiz())
    assert send(action="start").status_code == 201
    again = send(action="start")
    assert again.status_code == 201
    assert "in progress" in again.get_json()["message"] or "chưa nộp" in again.get_json()["message"]
    assert len(attempts(db, send.lesson)) == 1
    assert progress(db, send.lesson).attempts == 0  # starting is not an attempt


def test_the_deadline_comes_from_the_server_clock(db, taker, clock):
    send = taker(quiz(time_limit_minutes=10))
    send(action="start")
    (attempt,) = attempts(db, send.lesson)
    assert attempt.started_at == clock.now and attempt.deadline == clock.now + timedelta(minutes=10)
    view = send.view()
    assert view["attempt"]["seconds_left"] == 600 and view["attempt"]["deadline"] == attempt.deadline.isoformat()


def test_answers_after_the_deadline_and_grace_do_not_count(db, taker, clock):
    send = taker(quiz(time_limit_minutes=10))
    send(action="start")
    clock.advance(minutes=5)
    assert send(action="save", seq=1, answers={"q1": "true"}).status_code == 201
    clock.advance(minutes=5, seconds=20)  # past the deadline, inside the grace: still accepted
    assert send(action="save", seq=2, answers={"q2": "HTX"}).status_code == 201
    clock.advance(seconds=11)  # past deadline + 30 s: the attempt is closed when touched
    late = send(action="save", seq=3, answers={"q1": "false"})
    assert late.status_code == 201
    body = late.get_json()
    assert "hết giờ" in body["message"].lower() or "time" in body["message"].lower()
    outcome = (body["progress"]["status"], body["progress"]["score"], body["progress"]["attempts"])
    assert outcome == ("completed", 1.0, 1)
    (attempt,) = attempts(db, send.lesson)
    assert attempt.state == "finished" and attempt.result["timed_out"] is True
    assert [(s.question_id, s.response) for s in steps(db, attempt)] == [("q1", "true"), ("q2", "HTX")]
    assert attempt.finished_at == attempt.deadline + timedelta(seconds=30)
    # Touched again: the same result, not a second grading.
    again = send(action="submit", seq=4, answers={"q1": "false"})
    assert again.status_code == 201 and again.get_json()["progress"]["attempts"] == 1


def test_an_overdue_attempt_is_shown_as_time_up_and_closed_on_the_next_post(db, taker, clock):
    send = taker(quiz(time_limit_minutes=1))
    send(action="start")
    send(action="save", seq=1, answers={"q1": "false"})
    clock.advance(minutes=5)
    view = send.view()
    assert view["attempt"]["time_up"] is True and view["attempt"]["questions"] == []
    assert attempts(db, send.lesson)[0].state == "in_progress"  # a GET never writes
    closed = send(action="start")  # any post touches it
    assert closed.status_code == 201 and closed.get_json()["progress"]["score"] == 0.0
    assert attempts(db, send.lesson)[0].state == "finished"
    assert send(action="start").status_code == 201  # then a new attempt may start
    assert [a.number for a in attempts(db, send.lesson)] == [1, 2]


def test_stale_and_repeated_sequence_numbers(db, taker):
    send = taker(quiz())
    send(action="start")
    assert send(action="save", seq=1, answers={"q1": "true"}).status_code == 201
    assert send(action="save", seq=2, answers={"q2": "htx"}).status_code == 201
    repeat = send(action="save", seq=2, answers={"q2": "htx"})  # a retry of the same save
    assert repeat.status_code == 201
    stale = send(action="save", seq=1, answers={"q1": "false"})  # an old tab
    assert stale.status_code == 409
    assert "1" in stale.get_json()["error"]["message"] and "2" in stale.get_json()["error"]["message"]
    conflicting = send(action="save", seq=2, answers={"q2": "khác"})  # same number, other answers
    assert conflicting.status_code == 409
    (attempt,) = attempts(db, send.lesson)
    assert attempt.seq == 2
    assert [(s.question_id, s.seq, s.response) for s in steps(db, attempt)] == [("q1", 1, "true"), ("q2", 2, "htx")]
    assert send(action="save", seq=3, answers={"q1": "false"}).status_code == 201
    assert [(s.question_id, s.seq) for s in steps(db, attempt)][-1] == ("q1", 3)  # appended, never edited
    assert len(steps(db, attempt)) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"action": "save", "seq": 0, "answers": {}},
        {"action": "save", "seq": "1", "answers": {}},
        {"action": "save", "seq": 1, "answers": []},
        {"action": "save", "seq": 1, "answers": {"nope": "true"}},
        {"action": "save", "seq": 1, "answers": {"q1": "maybe"}},
        {"action": "save", "seq": 1, "answers": {"q1": ["true"]}},
        {"action": "dance"},
        {"action": "start", "extra": 1},
        {"action": "submit", "attempt": "1"},
    ],
)
def test_malformed_submissions_are_refused_and_store_nothing(db, taker, body):
    send = taker(quiz())
    send(action="start")
    response = send(**body)
    assert response.status_code == 400, response.get_json()
    (attempt,) = attempts(db, send.lesson)
    assert attempt.seq == 0 and steps(db, attempt) == []


def test_saving_or_submitting_without_an_attempt_is_a_conflict(taker):
    send = taker(quiz())
    assert send(action="save", seq=1, answers={"q1": "true"}).status_code == 409
    assert send(action="submit").status_code == 409


def test_submit_is_idempotent(db, taker):
    send = taker(quiz())
    send(action="start")
    first = send(action="submit", seq=1, answers={"q1": "true"})
    second = send(action="submit", seq=1, answers={"q1": "true"})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["progress"] == second.get_json()["progress"]
    assert second.get_json()["progress"]["attempts"] == 1
    assert send(action="save", seq=2, answers={"q1": "false"}, attempt=1).status_code == 409
    (attempt,) = attempts(db, send.lesson)
    assert attempt.fraction == 0.5


def test_concurrent_submits_grade_once_and_lose_no_answer(app, db, taker):
    send = taker(quiz())
    send(action="start")
    assert send(action="save", seq=1, answers={"q2": "HTX"}).status_code == 201

    def submit(_):
        response = send(action="submit", seq=2, attempt=1, answers={"q1": "true"})
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(submit, range(THREADS)))

    assert [status for status, _body in results] == [201] * THREADS, results
    assert {body["progress"]["score"] for _status, body in results} == {1.0}
    (attempt,) = attempts(db, send.lesson)
    assert attempt.state == "finished" and attempt.fraction == 1.0
    assert sorted((s.question_id, s.seq) for s in steps(db, attempt)) == [("q1", 2), ("q2", 1)]
    assert progress(db, send.lesson).attempts == 1


def test_concurrent_starts_open_one_attempt(app, db, taker):
    send = taker(quiz())
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda _: send(action="start").status_code, range(THREADS)))
    assert statuses == [201] * THREADS
    assert len(attempts(db, send.lesson)) == 1


def test_attempts_allowed_is_enforced(db, taker):
    send = taker(quiz(attempts_allowed=2, review="after_last_attempt"))
    for number in (1, 2):
        assert send(action="start").status_code == 201
        assert send(action="submit", seq=1, answers={"q1": "false"}).status_code == 201
        assert send.view()["attempts_left"] == 2 - number
    refused = send(action="start")
    assert refused.status_code == 409
    view = send.view()
    assert view["can_start"] is False and len(view["attempts"]) == 2
    assert view["review"] is not None  # after the last attempt
    assert len(attempts(db, send.lesson)) == 2


@pytest.mark.parametrize(
    ("method", "expected", "status"),
    [("highest", 1.0, "completed"), ("last", 0.5, "completed"), ("first", 0.0, "in_progress"),
     ("average", 0.5, "in_progress")],
)
def test_grading_methods(db, taker, method, expected, status):
    send = taker(quiz(grading_method=method, pass_mark=1.0))
    tries = [{"q1": "false"}, {"q1": "true", "q2": "HTX"}, {"q1": "true"}]
    for answers in tries:
        send(action="start")
        body = send(action="submit", seq=1, answers=answers).get_json()
    assert [a.fraction for a in attempts(db, send.lesson)] == [0.0, 1.0, 0.5]
    assert body["progress"]["score"] == pytest.approx(expected)
    assert send.view()["score"] == pytest.approx(expected)
    # Passed means the quiz's score (by the grading method) reached the pass mark (100 % here) after some
    # attempt ("last" did, after the second); a completed lesson stays completed.
    assert progress(db, send.lesson).status == status


def test_completion_when_attempted(db, taker):
    send = taker(quiz(completion="attempted", pass_mark=1.0))
    send(action="start")
    body = send(action="submit", seq=1, answers={"q1": "false"}).get_json()
    assert body["progress"]["status"] == "completed" and body["progress"]["score"] == 0.0


def test_not_passed_stays_in_progress(db, taker):
    send = taker(quiz(pass_mark=0.8))
    send(action="start")
    body = send(action="submit", seq=1, answers={"q1": "true"}).get_json()
    assert body["progress"]["status"] == "in_progress" and body["progress"]["score"] == 0.5


def test_draw_and_shuffle_are_stable_within_an_attempt(db, taker):
    pool = [{"id": f"p{i}", "type": "truefalse", "stem": f"Câu {i}", "correct": True, "tags": ["luat"]}
            for i in range(6)]
    send = taker({"questions": pool, "settings": {"draw": {"count": 3, "tags": ["luat"]}, "shuffle_questions": True}})
    send(action="start")
    first = [q["id"] for q in send.view()["attempt"]["questions"]]
    assert len(first) == 3 and set(first) <= {q["id"] for q in pool}
    assert [q["id"] for q in send.view()["attempt"]["questions"]] == first
    (attempt,) = attempts(db, send.lesson)
    assert attempt.question_order == first
    assert send(action="save", seq=1, answers={next(q["id"] for q in pool if q["id"] not in first): "true"}
                ).status_code == 400  # not a question of this attempt
