"""Storing a quiz answer costs the same few statements however many attempts exist: a start, a save
and a submit (through the API, and the HTML form's save and submit) measured with 10 and with
1,000 finished attempts in the lesson, a third of them the learner's own. The limits are today's
counts, the session or token lookup and the lesson's own query included: a change that adds a
statement to these requests fails here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from elearn_quiz.models import AttemptState, QuizAnswerStep, QuizAttempt
from sqlalchemy import func, insert, select, update

from elearn.clock import utcnow
from elearn.models import Enrolment, User
from elearn.testing import csrf_token

QUESTIONS = [
    {"id": "q1", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True},
    {"id": "q2", "type": "short", "stem": "Viết tắt của hợp tác xã?", "answers": ["HTX"]},
]
# Each: the user's lookup, the lesson with enrolment and progress, the open attempt with its answers
# (a submit's with the summary of the learner's finished attempts, for the standing); then a start's
# numbers, the new attempt; a save's answer, the attempt's seq; a submit's graded attempt, the
# progress (the form's submit also stores an answer). A start or a save
# changes only the progress row's time, written at most once a minute (the learner's previous
# request was a moment ago). PostgreSQL locks the progress row with one more statement (SQLite's
# writer holds the lock).
LIMITS = {"api start": 5, "api save": 5, "api submit": 5, "form save": 5, "form submit": 6}


@pytest.fixture
def quiz(app, db, make_lesson, learner, enrol, api_token, login):
    """The quiz with the learner enrolled (API token and logged-in browser), and ``add(n)``: n more
    finished attempts with an answer each, one in three of them the learner's."""
    lesson = make_lesson("quiz", {"questions": QUESTIONS, "settings": {"grading_method": "average"}})
    enrol(learner, lesson.course)
    api, browser = app.test_client(), app.test_client()
    headers = {"Authorization": f"Bearer {api_token(learner)}"}
    login(browser, learner)
    csrf = csrf_token(browser, f"/lessons/{lesson.id}")

    def add(count: int) -> None:
        now = utcnow()
        others = db.scalars(insert(User).returning(User.id), [
            {"email": f"hv-{now.timestamp()}-{i}@example.org", "name": f"Học viên {i}", "password_hash": "x",
             "role": "learner"} for i in range(count - count // 3)]).all()
        db.execute(insert(Enrolment), [{"user_id": user_id, "course_id": lesson.course_id, "enrolled_at": now}
                                       for user_id in others])
        number = db.scalar(select(func.max(QuizAttempt.number)).where(QuizAttempt.user_id == learner.id)) or 0
        owners = [(user_id, 1) for user_id in others] + [(learner.id, number + n + 1) for n in range(count // 3)]
        rows = [{"user_id": user_id, "lesson_id": lesson.id, "number": n, "state": AttemptState.FINISHED,
                 "started_at": now, "finished_at": now + timedelta(seconds=1), "seq": 1,
                 "question_order": ["q1", "q2"], "seed": 1, "fraction": 0.5, "marks": 1.0, "max_marks": 2.0,
                 "result": {"questions": {}}, "pending_grading": 0} for user_id, n in owners]
        ids = db.scalars(insert(QuizAttempt).returning(QuizAttempt.id), rows).all()
        db.execute(insert(QuizAnswerStep), [{"attempt_id": attempt_id, "question_id": "q2", "seq": 1,
                                             "response": "HTX", "created_at": now} for attempt_id in ids])
        db.commit()

    def one_attempt(count_queries) -> dict[str, int]:
        """An attempt through the API, then one through the form; the statements of each request."""
        counts = {}
        url = f"/api/v1/lessons/{lesson.id}/submissions"

        def send(name: str, via, *args, **kwargs) -> None:
            with count_queries() as counted:
                response = via(*args, **kwargs)
            assert response.status_code in (201, 303), response.get_data(as_text=True)
            counts[name] = counted.n

        def attempt() -> dict:
            return api.get(f"/api/v1/lessons/{lesson.id}", headers=headers).get_json()["view"]["attempt"]

        send("api start", api.post, url, json={"action": "start"}, headers=headers)
        seq = attempt()["next_seq"]
        send("api save", api.post, url, json={"action": "save", "seq": seq, "answers": {"q1": "true"}},
             headers=headers)
        send("api submit", api.post, url, json={"action": "submit"}, headers=headers)
        api.post(url, json={"action": "start"}, headers=headers)
        current = attempt()
        form = {"csrf_token": csrf, "attempt": str(current["number"]), "q.q1": "true"}
        send("form save", browser.post, f"/lessons/{lesson.id}/submit",
             data={**form, "action": "save", "seq": str(current["next_seq"])})
        send("form submit", browser.post, f"/lessons/{lesson.id}/submit",
             data={**form, "action": "submit", "seq": str(current["next_seq"] + 1), "q.q2": "htx"})
        return counts

    return add, one_attempt


def test_a_save_and_a_submit_cost_the_same_few_statements_with_10_or_1000_attempts(db, quiz, count_queries):
    add, one_attempt = quiz
    one_attempt(count_queries)  # the learner's first: their progress row is made, the lesson completed
    add(10)
    few = one_attempt(count_queries)
    add(990)
    many = one_attempt(count_queries)
    assert many == few
    locking = 1 if db.get_bind().dialect.name == "postgresql" else 0
    assert many == {name: limit + locking for name, limit in LIMITS.items()}


def test_a_save_a_minute_after_the_last_write_moves_the_progress_time(app, db, quiz, learner, api_token,
                                                                    count_queries):
    """The progress row's ``updated_at`` still says when the learner last did something, to the minute:
    a save rewrites it when it is older than that, and a save right after costs no progress write."""
    from elearn.models import LessonProgress

    _add, one_attempt = quiz
    one_attempt(count_queries)  # leaves an attempt open (the form's was submitted: start another)
    progress_id = db.scalar(select(LessonProgress.id).where(LessonProgress.user_id == learner.id))
    lesson_id = db.get(LessonProgress, progress_id).lesson_id
    api, headers = app.test_client(), {"Authorization": f"Bearer {api_token(learner)}"}
    url = f"/api/v1/lessons/{lesson_id}/submissions"
    api.post(url, json={"action": "start"}, headers=headers)
    long_ago = utcnow() - timedelta(minutes=2)
    db.rollback()  # end the test's read snapshot before writing
    db.execute(update(LessonProgress).where(LessonProgress.id == progress_id).values(updated_at=long_ago))
    db.commit()
    costs = []
    for answer in ("true", "false"):
        seq = api.get(f"/api/v1/lessons/{lesson_id}", headers=headers).get_json()["view"]["attempt"]["next_seq"]
        with count_queries() as counted:
            response = api.post(url, json={"action": "save", "seq": seq, "answers": {"q1": answer}}, headers=headers)
        assert response.status_code == 201, response.get_json()
        costs.append(counted.n)
    locking = 1 if db.get_bind().dialect.name == "postgresql" else 0
    assert costs == [LIMITS["api save"] + locking + 1, LIMITS["api save"] + locking]
    db.rollback()
    assert db.scalar(select(LessonProgress.updated_at).where(LessonProgress.id == progress_id)) \
        > long_ago + timedelta(minutes=1)
