"""The quiz's scores reach the core's gradebook through its report columns (``ReportColumn.lesson_id``):
each learner's standing by the quiz's grading method, under the quiz lesson, counted in the course grade."""

from __future__ import annotations

import re

import pytest
from elearn_quiz.models import AttemptState, QuizAttempt

from elearn.clock import utcnow
from elearn.models import Enrolment

QUESTION = {"id": "q1", "type": "truefalse", "stem": "Đúng?", "correct": True}


@pytest.mark.parametrize(("method", "expected"), [("highest", "80%"), ("last", "40%"), ("average", "60%")])
def test_the_gradebook_shows_the_quiz_standing_by_its_grading_method(
    client, db, make_course, make_user, admin, login, method, expected
):
    course = make_course([("quiz", {"questions": [QUESTION], "settings": {"grading_method": method}}),
                          ("page", {"text": "Đọc"})])
    quiz = course.modules[0].lessons[0]
    learner, idle = make_user(name="Hoàng Thị Mai"), make_user(name="Vũ Văn Nam")
    now = utcnow()
    for user in (learner, idle):
        db.add(Enrolment(user_id=user.id, course_id=course.id))
    for number, fraction in ((1, 0.8), (2, 0.4)):
        db.add(QuizAttempt(user_id=learner.id, lesson_id=quiz.id, number=number, seq=1, question_order=["q1"],
                           seed=1, state=AttemptState.FINISHED, started_at=now, fraction=fraction))
    db.add(QuizAttempt(user_id=idle.id, lesson_id=quiz.id, number=1, seq=1, question_order=["q1"], seed=1,
                       state=AttemptState.IN_PROGRESS, open_key=f"{idle.id}:{quiz.id}", started_at=now))
    db.commit()
    login(client, admin)
    page = client.get(f"/courses/{course.slug}/gradebook").get_data(as_text=True)
    rows = {m[0]: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m[1])) for m in
            re.findall(r'<tr data-learner="(\d+)">(.*?)</tr>', page, re.S)}
    # The quiz is the only graded lesson: the course grade is its score.
    assert rows[str(learner.id)].count(expected) == 2
    assert "0%" in rows[str(idle.id)] and "—" in rows[str(idle.id)]  # an open attempt is no score
    assert page.count("100%") == 1  # the quiz weighs the whole grade; the page lesson is not graded
