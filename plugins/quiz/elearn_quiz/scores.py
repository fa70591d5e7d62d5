"""The quiz's scores in the gradebook: one report column per quiz lesson of a course.

Each column names its lesson (``ReportColumn.lesson_id``), so the core's gradebook shows it under
that lesson and counts it in the course grade. The score is the learner's standing by the quiz's
grading method, as on their own page (a provisional one included: essays not marked yet count 0).
One query per quiz lesson for all the learners shown, never one per learner.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from elearn.plugin_api import Course, Lesson, ReportColumn, current_locale
from elearn_quiz.attempts import combined_score, summarise
from elearn_quiz.lesson import DEFAULT_SETTINGS
from elearn_quiz.models import AttemptState, QuizAttempt


def score_columns(db: Session, course: Course) -> list[ReportColumn]:
    lessons = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.type_name == "quiz", Lesson.retired_at.is_(None))
        .order_by(Lesson.position, Lesson.id)
    ).all()
    locale = current_locale()
    return [
        ReportColumn(f"quiz:{lesson.key}", _("Score — %(lesson)s", lesson=lesson.title_for(locale)),
                     _scores_of(lesson.id, _method(lesson)), groupable=False, order=60, lesson_id=lesson.id)
        for lesson in lessons
    ]


def _method(lesson: Lesson) -> str:
    return {**DEFAULT_SETTINGS, **(lesson.content or {}).get("settings", {})}["grading_method"]


def _scores_of(lesson_id: int, method: str):
    def values(db: Session, course: Course, user_ids: list[int]) -> dict[int, float | None]:
        attempts = db.scalars(
            select(QuizAttempt)
            .options(load_only(QuizAttempt.user_id, QuizAttempt.number, QuizAttempt.fraction,
                               QuizAttempt.pending_grading))
            .where(QuizAttempt.lesson_id == lesson_id, QuizAttempt.state == AttemptState.FINISHED,
                   QuizAttempt.user_id.in_(user_ids))
        ).all()
        by_learner: dict[int, list[QuizAttempt]] = defaultdict(list)
        for attempt in attempts:
            by_learner[attempt.user_id].append(attempt)
        return {user_id: combined_score(summarise(done), method) for user_id, done in by_learner.items()}

    return values
