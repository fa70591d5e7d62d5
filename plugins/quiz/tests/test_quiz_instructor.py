"""The quiz's instructor pages: attempts, one attempt, essay grading, regrading, statistics, CSV."""

from __future__ import annotations

import csv
import io
import math

import pytest
from elearn_quiz import reports
from elearn_quiz.lesson import QuizLesson
from elearn_quiz.models import QuizAttempt
from sqlalchemy import select

from elearn.models import AuditEntry, CourseInstructor, LessonProgress
from elearn.models.progress import Status
from elearn.testing import csrf_token

STATS_QUESTIONS = [
    {"id": "q1", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True},
    {"id": "q2", "type": "single", "stem": "Mỗi thành viên có mấy phiếu?",
     "choices": [{"text": "Một phiếu", "correct": True}, {"text": "Hai phiếu"}, {"text": "Theo vốn góp"}]},
    {"id": "q3", "type": "truefalse", "stem": "Hợp tác xã không cần điều lệ.", "correct": False},
]
ESSAY_QUESTIONS = [
    {"id": "q1", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True},
    {"id": "q2", "type": "essay", "stem": "Trình bày vai trò của ban kiểm soát.", "points": 2},
]


@pytest.fixture
def setup(app, db, make_lesson, make_user, instructor, enrol, api_token):
    """``setup(questions, **settings)`` -> (lesson, answer); ``answer(user, answers)`` takes one attempt."""

    def make(questions, **settings):
        lesson = make_lesson("quiz", {"questions": questions, "settings": settings})
        db.add(CourseInstructor(course_id=lesson.course_id, user_id=instructor.id))
        db.commit()

        def answer(user, answers):
            if not hasattr(user, "_token"):
                enrol(user, lesson.course)
                user._token = api_token(user)
            headers = {"Authorization": f"Bearer {user._token}"}
            url = f"/api/v1/lessons/{lesson.id}/submissions"
            client = app.test_client()
            assert client.post(url, json={"action": "start"}, headers=headers).status_code < 300
            response = client.post(url, json={"action": "submit", "seq": 1, "answers": answers}, headers=headers)
            assert response.status_code < 300, response.get_json()

        return lesson, answer

    return make


def choice_ids(lesson, qid):
    question = next(q for q in lesson.content["questions"] if q["id"] == qid)
    return [c["id"] for c in question["choices"]]


def fresh(db, model, **where):
    db.rollback()
    return db.scalars(select(model).filter_by(**where).order_by(model.id)).all()


# -- permissions ---------------------------------------------------------------------


def test_permissions(app, db, setup, make_lesson, make_user, learner, instructor, admin, login):
    lesson, answer = setup(STATS_QUESTIONS)
    answer(learner, {"q1": "true"})
    attempt_id = fresh(db, QuizAttempt, lesson_id=lesson.id)[0].id
    page = make_lesson("page", {"text": "Bài đọc"})
    base = f"/x/quiz/lessons/{lesson.id}"
    urls = [f"{base}/attempts", f"{base}/attempts/{attempt_id}", f"{base}/grading", f"{base}/statistics",
            f"{base}/attempts.csv"]
    for url in urls:
        assert app.test_client().get(url).status_code == 401, url
    other = make_user("instructor")
    for user, status in ((learner, 403), (other, 403), (instructor, 200), (admin, 200)):
        client = app.test_client()
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == status, (user.email, url)
        for url in (f"/x/quiz/lessons/{page.id}/attempts", "/x/quiz/lessons/999999/attempts",
                    f"{base}/attempts/999999" if status == 200 else "/x/quiz/lessons/999999/statistics"):
            assert client.get(url).status_code == 404, (user.email, url)
    # POSTs: CSRF first, then the same rules
    assert app.test_client().post(f"{base}/regrade").status_code in (400, 401)
    client = app.test_client()
    login(client, learner)
    token = csrf_token(client, f"/lessons/{lesson.id}")
    assert client.post(f"{base}/regrade", data={"csrf_token": token}).status_code == 403
    assert client.post(f"{base}/grading", data={"csrf_token": token, "attempt": attempt_id, "question": "q1",
                                                 "mark": "1"}).status_code == 403
    client = app.test_client()
    login(client, instructor)
    assert client.post(f"{base}/regrade").status_code == 400  # no CSRF token


def test_instructor_link_on_lesson_page(app, setup, instructor, login):
    lesson, _answer = setup(STATS_QUESTIONS)
    client = app.test_client()
    login(client, instructor)
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert f"/x/quiz/lessons/{lesson.id}/attempts" in page


# -- attempts ------------------------------------------------------------------------


def test_attempts_list_and_detail(app, db, setup, learner, instructor, login):
    lesson, answer = setup(STATS_QUESTIONS)
    wrong = choice_ids(lesson, "q2")[1]
    answer(learner, {"q1": "true", "q2": wrong})
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    client = app.test_client()
    login(client, instructor)
    page = client.get(f"/x/quiz/lessons/{lesson.id}/attempts").get_data(as_text=True)
    assert learner.name in page
    assert "1 / 3 (33%)" in page
    assert f"/x/quiz/lessons/{lesson.id}/attempts/{attempt.id}" in page
    detail = client.get(f"/x/quiz/lessons/{lesson.id}/attempts/{attempt.id}").get_data(as_text=True)
    assert "Hai phiếu" in detail and "Một phiếu" in detail  # the learner's answer and the right one
    assert "Mỗi thành viên có mấy phiếu?" in detail
    assert detail.count("0 / 1") == 2 and "1 / 1" in detail  # q1 right, q2 wrong, q3 blank


def test_attempt_queries_are_bounded(app, db, setup, make_user, instructor, login, count_queries):
    lesson, answer = setup(STATS_QUESTIONS)
    for _i in range(2):
        answer(make_user("learner"), {"q1": "true"})
    client = app.test_client()
    login(client, instructor)
    with count_queries() as few:
        assert client.get(f"/x/quiz/lessons/{lesson.id}/attempts").status_code == 200
    for _i in range(4):
        answer(make_user("learner"), {"q1": "false"})
    with count_queries() as many:
        assert client.get(f"/x/quiz/lessons/{lesson.id}/attempts").status_code == 200
    assert many.n == few.n


# -- essay grading -------------------------------------------------------------------


def test_essay_grading_updates_attempt_progress_and_review(app, db, setup, learner, instructor, login, api_token):
    lesson, answer = setup(ESSAY_QUESTIONS, pass_mark=0.6)
    answer(learner, {"q1": "false", "q2": "Ban kiểm soát giám sát hoạt động."})
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    assert attempt.marks == 0 and attempt.result["questions"]["q2"]["state"] == "needs_grading"
    progress = fresh(db, LessonProgress, lesson_id=lesson.id, user_id=learner.id)[0]
    assert progress.status == Status.IN_PROGRESS and progress.score == 0

    client = app.test_client()
    login(client, instructor)
    url = f"/x/quiz/lessons/{lesson.id}/grading"
    queue = client.get(url).get_data(as_text=True)
    assert "Ban kiểm soát giám sát hoạt động." in queue
    token = csrf_token(client, url)
    for bad in ("3", "-1", "abc", ""):
        response = client.post(url, data={"csrf_token": token, "attempt": attempt.id, "question": "q2", "mark": bad})
        assert response.status_code == 303
    assert fresh(db, QuizAttempt, lesson_id=lesson.id)[0].marks == 0
    response = client.post(url, data={"csrf_token": token, "attempt": attempt.id, "question": "q2",
                                      "mark": "1,5", "comment": "Khá tốt <b>đủ ý</b>"})
    assert response.status_code == 303

    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    assert attempt.marks == 1.5 and attempt.max_marks == 3 and attempt.fraction == pytest.approx(0.5)
    assert attempt.result["questions"]["q2"]["state"] == "partial"
    progress = fresh(db, LessonProgress, lesson_id=lesson.id, user_id=learner.id)[0]
    assert progress.score == pytest.approx(0.5) and progress.status == Status.IN_PROGRESS
    assert "Ban kiểm soát giám sát" not in client.get(url).get_data(as_text=True)  # left the queue

    # a second mark, full this time, passes the learner
    attempt_result = dict(attempt.result)
    attempt_result["questions"] = {**attempt.result["questions"],
                                   "q2": {**attempt.result["questions"]["q2"], "state": "needs_grading"}}
    attempt.result = attempt_result
    db.commit()
    client.post(url, data={"csrf_token": token, "attempt": attempt.id, "question": "q2", "mark": "2",
                           "comment": "Khá tốt <b>đủ ý</b>"})
    progress = fresh(db, LessonProgress, lesson_id=lesson.id, user_id=learner.id)[0]
    assert progress.score == pytest.approx(2 / 3) and progress.status == Status.COMPLETED

    headers = {"Authorization": f"Bearer {api_token(learner)}"}
    view = app.test_client().get(f"/api/v1/lessons/{lesson.id}", headers=headers).get_json()["view"]
    essay = next(q for q in view["review"]["questions"] if q["id"] == "q2")
    assert essay["fraction"] == 1.0
    assert "Khá tốt &lt;b&gt;đủ ý&lt;/b&gt;" in essay["feedback_html"]


def test_each_manual_mark_is_recorded_in_the_audit_log(app, db, setup, learner, instructor):
    lesson, answer = setup(ESSAY_QUESTIONS)
    answer(learner, {"q1": "true", "q2": "Giám sát."})
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    lesson = db.merge(lesson)
    with app.test_request_context():
        reports.grade_answer(db, lesson, attempt.id, "q2", "1", "", instructor.id)
        reports.grade_answer(db, lesson, attempt.id, "q2", "2", "Tốt", instructor.id)
    db.commit()
    entries = fresh(db, AuditEntry, action="grade.changed")
    assert [(e.actor_id, e.actor_name, e.details["previous"], e.details["mark"]) for e in entries] == [
        (instructor.id, "Trần Thị Bình", None, 1.0), (instructor.id, "Trần Thị Bình", 1.0, 2.0)]
    assert entries[1].subject_id == str(attempt.id) and "Nguyễn Văn An" in entries[1].summary


# -- regrading -----------------------------------------------------------------------


def test_regrade_after_correcting_a_question(app, db, setup, learner, make_user, instructor, login):
    lesson, answer = setup(STATS_QUESTIONS, pass_mark=0.6)
    right = choice_ids(lesson, "q2")[0]
    answer(learner, {"q1": "false", "q2": right, "q3": "false"})  # 2 / 3
    other = make_user("learner")
    answer(other, {"q1": "true", "q2": right, "q3": "false"})  # 3 / 3
    progress = fresh(db, LessonProgress, lesson_id=lesson.id, user_id=learner.id)[0]
    assert progress.score == pytest.approx(2 / 3) and progress.status == Status.COMPLETED

    corrected = [dict(STATS_QUESTIONS[0], correct=False), *STATS_QUESTIONS[1:]]
    db.rollback()
    lesson = db.merge(lesson)
    lesson.content = QuizLesson().import_content({"questions": corrected, "settings": {"pass_mark": 0.6}}, None)
    db.commit()

    client = app.test_client()
    login(client, instructor)
    url = f"/x/quiz/lessons/{lesson.id}/attempts"
    response = client.post(f"/x/quiz/lessons/{lesson.id}/regrade", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Đã chấm lại 2 lượt làm bài theo câu hỏi hiện tại. Điểm của 2 lượt làm bài đã thay đổi." in page
    by_user = {a.user_id: a for a in fresh(db, QuizAttempt, lesson_id=lesson.id)}
    assert by_user[learner.id].marks == 3 and by_user[other.id].marks == 2
    progress = {p.user_id: p for p in fresh(db, LessonProgress, lesson_id=lesson.id)}
    assert progress[learner.id].score == 1.0 and progress[learner.id].status == Status.COMPLETED
    assert progress[other.id].score == pytest.approx(2 / 3)
    # nothing changes the second time
    total, changed = reports.regrade(db, db.merge(lesson))
    assert (total, changed) == (2, 0)
    db.rollback()


def test_regrade_keeps_manual_essay_marks(app, db, setup, learner, instructor):
    lesson, answer = setup(ESSAY_QUESTIONS)
    answer(learner, {"q1": "true", "q2": "Giám sát."})
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    lesson = db.merge(lesson)
    with app.test_request_context():
        reports.grade_answer(db, lesson, attempt.id, "q2", "2", "Tốt", instructor.id)
    db.commit()
    assert reports.regrade(db, lesson) == (1, 0)
    db.commit()
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    assert attempt.marks == 3 and attempt.result["questions"]["q2"]["comment"] == "Tốt"


# -- statistics ----------------------------------------------------------------------


def test_item_statistics(app, db, setup, make_user, instructor, login):
    lesson, answer = setup(STATS_QUESTIONS)
    a, b, c = choice_ids(lesson, "q2")
    learners = [make_user("learner") for _i in range(4)]
    answer(learners[0], {"q1": "true", "q2": a, "q3": "false"})  # 1 1 1
    answer(learners[1], {"q1": "true", "q2": b, "q3": "false"})  # 1 0 1
    answer(learners[2], {"q1": "false", "q2": a, "q3": "true"})  # 0 1 0
    answer(learners[3], {"q1": "false", "q2": c, "q3": "false"})  # 0 0 1
    answer(learners[3], {"q1": "true", "q2": a, "q3": "false"})  # a second attempt: 1 1 1

    db.rollback()
    items, used = reports.item_statistics(db, db.merge(lesson), "first")
    assert used == 4
    q1, q2, q3 = items
    assert (q1.facility, q2.facility, q3.facility) == (0.5, 0.5, 0.75)
    # q1 against the rest (q2 + q3): x = 1 1 0 0, rest = 2 1 1 1 -> r = 0.5 / sqrt(1 * 0.75)
    assert q1.discrimination == pytest.approx(1 / math.sqrt(3))
    # q2 against q1 + q3: x = 1 0 1 0, rest = 2 2 0 1 -> r = -0.5 / sqrt(1 * 2.75)
    assert q2.discrimination == pytest.approx(-0.5 / math.sqrt(2.75))
    assert [o.count for o in q2.options] == [2, 1, 1] and q2.blank == 0
    assert [o.count for o in q1.options] == [2, 2]

    items, used = reports.item_statistics(db, db.merge(lesson), "all")
    assert used == 5 and items[0].facility == pytest.approx(0.6)
    db.rollback()

    client = app.test_client()
    login(client, instructor)
    page = client.get(f"/x/quiz/lessons/{lesson.id}/statistics").get_data(as_text=True)
    assert "57,74%" in page and "-30,15%" in page and "75,00%" in page
    page = client.get(f"/x/quiz/lessons/{lesson.id}/statistics?attempts=all").get_data(as_text=True)
    assert "60,00%" in page


# -- CSV -----------------------------------------------------------------------------


def test_csv_export(app, db, setup, make_user, instructor, login):
    lesson, answer = setup(STATS_QUESTIONS)
    a, b, _c = choice_ids(lesson, "q2")
    first = make_user("learner", name="=Nguyễn Thị Hoa")
    answer(first, {"q1": "true", "q2": b})
    answer(first, {"q1": "true", "q2": a, "q3": "false"})
    client = app.test_client()
    login(client, instructor)
    response = client.get(f"/x/quiz/lessons/{lesson.id}/attempts.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="quiz-{lesson.id}-attempts.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == 3
    assert rows[0][-3:] == ["q1 (/1)", "q2 (/1)", "q3 (/1)"]
    assert rows[1][0] == "'=Nguyễn Thị Hoa"
    assert rows[1][2] == "1" and rows[1][3] == "Đã nộp" and rows[1][-4:] == ["33.3333", "1", "0", "0"]
    assert rows[2][2] == "2" and rows[2][-4:] == ["100", "1", "1", "1"]


def test_csv_export_words_states_and_gives_local_times(app, db, setup, learner, instructor, login, monkeypatch):
    from elearn.testing import FakeClock

    clock = FakeClock()  # 2026-03-01 08:00 UTC
    monkeypatch.setattr("elearn_quiz.attempts.utcnow", clock)
    lesson, answer = setup(ESSAY_QUESTIONS)
    answer(learner, {"q1": "true", "q2": "Giám sát."})
    client = app.test_client()
    login(client, instructor)
    text = client.get(f"/x/quiz/lessons/{lesson.id}/attempts.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][3:6] == ["Trạng thái", "Bắt đầu (giờ Asia/Ho_Chi_Minh)", "Nộp lúc (giờ Asia/Ho_Chi_Minh)"]
    assert rows[1][3:6] == ["Đã nộp, đang chờ chấm", "2026-03-01 15:00:00", "2026-03-01 15:00:00"]


def test_true_and_false_are_translated_on_staff_pages(app, db, setup, learner, instructor, login):
    lesson, answer = setup(STATS_QUESTIONS)
    answer(learner, {"q1": "true", "q3": "false"})
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    client = app.test_client()
    login(client, instructor)
    for url in (f"/x/quiz/lessons/{lesson.id}/statistics", f"/x/quiz/lessons/{lesson.id}/attempts/{attempt.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "True" not in page and "False" not in page, url
        assert "Đúng" in page and "Sai" in page, url


def test_attempt_detail_of_every_question_type_escapes_learner_text(app, db, setup, learner, instructor, login):
    lesson, answer = setup([
        {"id": "m", "type": "matching", "stem": "Ghép.", "pairs": [{"prompt": "Đại hội", "answer": "Quyết định"},
                                                                  {"prompt": "Ban kiểm soát", "answer": "Giám sát"}]},
        {"id": "o", "type": "ordering", "stem": "Sắp xếp.", "items": ["Họp", "Biểu quyết"]},
        {"id": "n", "type": "numerical", "stem": "Số?", "answers": [{"value": 7, "tolerance": 0.5}]},
        {"id": "s", "type": "short", "stem": "Viết tắt?", "answers": ["HTX"]},
    ])
    answer(learner, {"s": "<script>alert(1)</script>", "n": "7,2"})
    attempt = fresh(db, QuizAttempt, lesson_id=lesson.id)[0]
    client = app.test_client()
    login(client, instructor)
    detail = client.get(f"/x/quiz/lessons/{lesson.id}/attempts/{attempt.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;" in detail
    assert "Ban kiểm soát" in detail and "Giám sát" in detail and "Biểu quyết" in detail and "HTX" in detail
    assert "7,2" in detail


def test_gift_export_round_trips_and_is_for_instructors_only(app, db, setup, learner, instructor, login):
    from elearn_quiz.gift import parse_gift
    from elearn_quiz.grading import grade

    lesson, _answer = setup(STATS_QUESTIONS)
    url = f"/x/quiz/lessons/{lesson.id}/questions.gift"
    student = app.test_client()
    login(student, learner)
    assert student.get(url).status_code == 403
    teacher = app.test_client()
    login(teacher, instructor)
    response = teacher.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="quiz-{lesson.id}.gift"'
    exported = parse_gift(response.get_data(as_text=True), "export.gift")
    from elearn_quiz.lesson import question_from_json

    original = [question_from_json(q) for q in lesson.content["questions"]]
    assert [q.id for q in exported] == [q.id for q in original]
    for before, after in zip(original, exported, strict=True):
        for choice in before.choices:
            assert grade(before, choice.id if before.type != "multiple" else [choice.id]).fraction == grade(
                after, choice.id if after.type != "multiple" else [choice.id]
            ).fraction
