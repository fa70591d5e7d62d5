"""A submission's grade is summed up by the database (``finished_summary``) instead of loading every
attempt; the learner's page still summarises the attempts it lists (``summarise``). Both must give
the same standing by every grading method, or a learner would read one grade on the page and get
another stored."""

from __future__ import annotations

import pytest
from elearn_quiz.attempts import finished_summary, standing, summarise
from elearn_quiz.models import AttemptState, QuizAttempt
from sqlalchemy import select

from elearn.clock import utcnow

# (fraction, pending answers) of the learner's attempts in number order; None: still in progress.
HISTORIES = {
    "none": [],
    "one final": [(0.7, 0)],
    "waiting essays": [(0.4, 1), (0.9, 2), (0.6, 0)],
    "best is provisional": [(0.3, 0), (1.0, 1)],
    "open attempt last": [(0.1, 0), (0.2, 0), (0.7, 0), None],
    "no fraction stored": [(None, 0), (0.5, 0)],
}


@pytest.mark.parametrize("history", list(HISTORIES))
def test_the_database_and_the_page_give_the_same_standing(db, make_lesson, learner, make_user, history):
    lesson = make_lesson("quiz", {"questions": [{"id": "q1", "type": "truefalse", "stem": "Đúng?", "correct": True}]})
    other = make_user()
    now = utcnow()
    rows = [(learner.id, n, entry) for n, entry in enumerate(HISTORIES[history], start=1)]
    rows.append((other.id, 1, (1.0, 0)))  # another learner's attempt never counts
    for user_id, number, entry in rows:
        finished = entry is not None
        db.add(QuizAttempt(
            user_id=user_id, lesson_id=lesson.id, number=number, seq=1, question_order=["q1"], seed=1,
            state=AttemptState.FINISHED if finished else AttemptState.IN_PROGRESS, started_at=now,
            open_key=None if finished else f"{user_id}:{lesson.id}", fraction=entry[0] if finished else None,
            pending_grading=entry[1] if finished else 0,
        ))
    db.commit()
    attempts = db.scalars(select(QuizAttempt).where(QuizAttempt.user_id == learner.id,
                                                    QuizAttempt.state == AttemptState.FINISHED)).all()
    from_database, from_page = finished_summary(db, learner.id, lesson.id), summarise(attempts)
    assert from_database.count == from_page.count == len([e for e in HISTORIES[history] if e is not None])
    assert from_database.total == pytest.approx(from_page.total)
    assert (from_database.best, from_database.pending, from_database.best_final, from_database.first,
            from_database.last) == (from_page.best, from_page.pending, from_page.best_final, from_page.first,
                                    from_page.last)
    for method in ("highest", "last", "first", "average"):
        for pass_mark in (0.0, 0.5, 0.7, 1.0):
            by_database, by_page = standing(from_database, method, pass_mark), standing(attempts, method, pass_mark)
            assert by_database.pending == by_page.pending and by_database.passed == by_page.passed, method
            assert by_database.score == pytest.approx(by_page.score), method
