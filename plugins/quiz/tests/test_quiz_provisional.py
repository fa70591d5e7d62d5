"""A grade with an essay still to mark is provisional: the learner's page, the API's view and the
submission's message say so and what is pending, and no pass is recorded on it; the instructor's
mark on the last essay makes it final (and records the pass)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from elearn_quiz.attempts import standing
from elearn_quiz.models import QuizAttempt
from sqlalchemy import select

from elearn.models import CourseInstructor, LessonProgress
from elearn.models.progress import Status
from elearn.testing import csrf_token

QUESTIONS = [
    {"id": "q1", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True, "points": 3},
    {"id": "q2", "type": "essay", "stem": "Trình bày vai trò của ban kiểm soát.", "points": 1},
]
PENDING = "Còn 1 bài tự luận đang chờ giảng viên chấm."


@pytest.fixture
def quiz(app, db, make_lesson, learner, instructor, enrol, api_token):
    """The quiz (pass mark 60%, completed when passed), the learner's API and their signed-in browser."""

    def make(**settings):
        lesson = make_lesson("quiz", {"questions": QUESTIONS, "settings": {"pass_mark": 0.6, **settings}})
        db.add(CourseInstructor(course_id=lesson.course_id, user_id=instructor.id))
        db.commit()
        enrol(learner, lesson.course)
        headers = {"Authorization": f"Bearer {api_token(learner)}"}
        client = app.test_client()

        def submit(answers, seq=1):
            url = f"/api/v1/lessons/{lesson.id}/submissions"
            assert client.post(url, json={"action": "start"}, headers=headers).status_code == 201
            response = client.post(url, json={"action": "submit", "seq": seq, "answers": answers}, headers=headers)
            assert response.status_code == 201, response.get_json()
            return response.get_json()

        def view():
            return client.get(f"/api/v1/lessons/{lesson.id}", headers=headers).get_json()["view"]

        return SimpleNamespace(lesson=lesson, submit=submit, view=view)

    return make


def progress_of(db, lesson, user):
    db.rollback()
    return db.scalars(select(LessonProgress).filter_by(lesson_id=lesson.id, user_id=user.id)).one()


def page_text(client, lesson) -> str:
    html = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def grade_essay(app, login, instructor, lesson, mark: str):
    client = app.test_client()
    login(client, instructor)
    url = f"/x/quiz/lessons/{lesson.id}/grading"
    attempt_id = re.search(r'name="attempt" value="(\d+)"', client.get(url).get_data(as_text=True)).group(1)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "attempt": attempt_id,
                                      "question": "q2", "mark": mark})
    assert response.status_code == 303


def test_a_grade_waiting_for_an_essay_is_provisional_until_the_instructor_marks_it(
        app, db, quiz, learner, instructor, login, client):
    site = quiz()
    # 3 of 4 points before the essay is read: 75%, above the pass mark, but not a pass yet.
    body = site.submit({"q1": "true", "q2": "Ban kiểm soát giám sát hoạt động của hợp tác xã."})
    assert body["message"] == f"Đã nộp lượt làm bài 1: tạm tính 75%. {PENDING}"
    assert "đạt" not in body["message"]
    assert body["progress"]["status"] == "in_progress" and body["progress"]["score"] == 0.75

    view = site.view()
    assert view["score"] == 0.75 and view["provisional"] is True and view["passed"] is False
    assert view["pending_grading"] == 1 and view["pending_label"] == PENDING
    assert view["attempts"][0]["pending_grading"] == 1
    assert view["review"]["pending_grading"] == 1
    progress = progress_of(db, site.lesson, learner)
    assert progress.status == Status.IN_PROGRESS and progress.state["passed"] is False
    assert progress.state["pending_grading"] == 1

    login(client, learner)
    text = page_text(client, site.lesson)
    assert "Điểm tạm tính của bạn: 75%" in text and PENDING in text
    assert "75% (tạm tính)" in text  # the attempt's row
    assert "— đạt" not in text and "Điểm của bạn:" not in text

    # The instructor marks the essay 2/3 of its point: 3.67 / 4, the grade is final and a pass.
    grade_essay(app, login, instructor, site.lesson, "0,67")
    view = site.view()
    assert view["provisional"] is False and view["pending_grading"] == 0 and view["pending_label"] is None
    assert view["passed"] is True and view["score"] == pytest.approx(3.67 / 4)
    progress = progress_of(db, site.lesson, learner)
    assert progress.status == Status.COMPLETED and progress.state["passed"] is True
    assert progress.state["pending_grading"] == 0
    text = page_text(client, site.lesson)
    assert "Điểm của bạn: 92% — đạt" in text and "tạm tính" not in text


def test_a_pass_with_an_earlier_final_attempt_stands_while_a_later_one_waits(app, db, quiz, learner):
    site = quiz(grading_method="highest")
    first = site.submit({"q1": "true"})  # the essay left blank: 0 for it, nothing to wait for
    assert first["message"] == "Đã nộp lượt làm bài 1: 75%. Bạn đã đạt."
    second = site.submit({"q1": "false", "q2": "Một đoạn văn."}, seq=1)
    assert second["message"] == (f"Đã nộp lượt làm bài 2: tạm tính 0%. {PENDING} "
                                 "Bạn đã đạt bài kiểm tra này ở một lượt làm bài trước.")
    view = site.view()
    # The essay of attempt 2 may still raise the highest score: provisional, but passed is settled.
    assert view["provisional"] is True and view["passed"] is True and view["score"] == 0.75
    assert progress_of(db, site.lesson, learner).status == Status.COMPLETED


def test_completion_by_attempt_does_not_wait_for_the_essay(app, db, quiz, learner):
    site = quiz(completion="attempted")
    site.submit({"q1": "true", "q2": "Một đoạn văn."})
    view = site.view()
    assert view["provisional"] is True and view["passed"] is False
    assert progress_of(db, site.lesson, learner).status == Status.COMPLETED


@pytest.mark.parametrize(
    ("method", "attempts", "expected"),
    [
        # (fraction, pending) per attempt, in order -> (score, pending, passed) at a 60% pass mark
        ("highest", [(0.7, 0), (0.2, 1)], (0.7, 1, True)),
        ("highest", [(0.7, 1), (0.2, 0)], (0.7, 1, False)),
        ("first", [(0.7, 1), (0.9, 0)], (0.7, 1, False)),
        ("first", [(0.7, 0), (0.2, 2)], (0.7, 0, True)),
        ("last", [(0.2, 1), (0.9, 0)], (0.9, 0, True)),
        ("last", [(0.9, 0), (0.8, 1)], (0.8, 1, False)),
        ("average", [(0.9, 0), (0.8, 1)], (0.85, 1, False)),
        ("average", [(0.9, 0), (0.5, 0)], (0.7, 0, True)),
    ],
)
def test_which_attempts_make_a_grade_provisional(method, attempts, expected):
    finished = [QuizAttempt(number=n, fraction=f, pending_grading=p) for n, (f, p) in enumerate(attempts, start=1)]
    grade = standing(finished, method, 0.6)
    assert (round(grade.score, 4), grade.pending, grade.passed) == expected
    assert grade.provisional is (expected[1] > 0)


def test_attempts_graded_before_the_pending_column_are_counted_by_the_migration(app, db, quiz):
    """``quiz_0002`` fills ``pending_grading`` from the stored results of attempts finished before it."""
    from alembic import command
    from sqlalchemy import update

    from elearn.db.migrate import alembic_config, upgrade

    site = quiz()
    site.submit({"q1": "true", "q2": "Một đoạn văn."})
    db.execute(update(QuizAttempt).values(pending_grading=0))  # as the rows were before the column
    db.commit()
    db.close()
    command.downgrade(alembic_config(app), "quiz_0001")
    upgrade(app)
    assert db.scalars(select(QuizAttempt.pending_grading)).all() == [1]


# -- the core stores the grade: course completion, the progress hook, the completion rule ----------


def test_grading_the_essay_of_the_last_lesson_completes_the_course_and_tells_the_plugins(
        app, db, quiz, learner, instructor, login, monkeypatch):
    from elearn.models import Enrolment

    told = []
    registry = app.extensions["elearn_plugins"]
    real = registry.call_each
    monkeypatch.setattr(registry, "call_each", lambda hook, **kw: told.append((hook, kw.get("old_status"),
                        kw.get("progress"))) or real(hook, **kw))
    site = quiz()  # a course of one lesson: this quiz
    site.submit({"q1": "true", "q2": "Ban kiểm soát giám sát."})
    db.rollback()
    assert db.scalars(select(Enrolment).filter_by(user_id=learner.id)).one().completed_at is None
    told.clear()

    grade_essay(app, login, instructor, site.lesson, "1")
    db.rollback()
    assert db.scalars(select(Enrolment).filter_by(user_id=learner.id)).one().completed_at is not None
    progress = progress_of(db, site.lesson, learner)
    assert progress.status == Status.COMPLETED and progress.score == 1.0
    changed = [(old, view.status) for hook, old, view in told if hook == "elearn_progress_changed"]
    assert changed == [("in_progress", Status.COMPLETED)]


def regrade_after_a_correction(app, db, login, instructor, lesson, **settings):
    """The author finds the true/false question's answer was wrong: corrected, then regraded."""
    from elearn.models import Lesson

    corrected = [{**QUESTIONS[0], "correct": False}, QUESTIONS[1]]
    quiz_type = app.extensions["elearn_plugins"].lesson_types["quiz"]
    db.get(Lesson, lesson.id).content = quiz_type.import_content(
        {"questions": corrected, "settings": {"pass_mark": 0.6, **settings}}, files=None)
    db.commit()
    client = app.test_client()
    login(client, instructor)
    url = f"/x/quiz/lessons/{lesson.id}/regrade"
    assert client.post(url, data={"csrf_token": csrf_token(client, f"/x/quiz/lessons/{lesson.id}/attempts")}
                       ).status_code == 303


@pytest.mark.parametrize("may_uncomplete", [False, True])
def test_a_regrade_keeps_a_completion_unless_the_pack_lets_it_take_it_back(
        app, db, quiz, learner, instructor, login, may_uncomplete):
    from elearn.models import Enrolment

    site = quiz(regrade_may_uncomplete=may_uncomplete)
    site.submit({"q1": "true", "q2": "Ban kiểm soát giám sát."})
    grade_essay(app, login, instructor, site.lesson, "0")  # 3 of 4: 75%, passed at 60%
    assert progress_of(db, site.lesson, learner).status == Status.COMPLETED

    regrade_after_a_correction(app, db, login, instructor, site.lesson, regrade_may_uncomplete=may_uncomplete)
    progress = progress_of(db, site.lesson, learner)
    enrolment = db.scalars(select(Enrolment).filter_by(user_id=learner.id)).one()
    if may_uncomplete:
        assert progress.status == Status.IN_PROGRESS and progress.completed_at is None
        assert enrolment.completed_at is None
    else:
        assert progress.status == Status.COMPLETED and progress.completed_at is not None
        assert enrolment.completed_at is not None
    assert progress.state["passed"] is False and progress.score == 0.0
