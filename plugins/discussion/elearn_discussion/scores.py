"""The discussion's participation grades in the gradebook: a report column per discussion with a rubric.

A discussion graded by a rubric (``settings.rubric``) is a graded lesson: its column names the
lesson (``ReportColumn.lesson_id``), so the core's gradebook shows the instructor's assessment
(``Participation.score``, from 0 to 1) under it and counts it in the course grade. A discussion
without a rubric has no score and no column. One query per discussion for the learners shown.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.plugin_api import Course, Lesson, ReportColumn, current_locale
from elearn_discussion.content import Settings
from elearn_discussion.models import Participation


def score_columns(db: Session, course: Course) -> list[ReportColumn]:
    lessons = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.type_name == "discussion",
                             Lesson.retired_at.is_(None))
        .order_by(Lesson.position, Lesson.id)
    ).all()
    locale = current_locale()
    return [
        ReportColumn(f"discussion:{lesson.key}", _("Participation — %(lesson)s", lesson=lesson.title_for(locale)),
                     _scores_of(lesson.id), groupable=False, order=60, lesson_id=lesson.id)
        for lesson in lessons if Settings.of(lesson.content or {}).rubric
    ]


def _scores_of(lesson_id: int):
    def values(db: Session, course: Course, user_ids: list[int]) -> dict[int, float]:
        return dict(db.execute(
            select(Participation.user_id, Participation.score)
            .where(Participation.lesson_id == lesson_id, Participation.user_id.in_(user_ids),
                   Participation.score.is_not(None))
        ).all())

    return values
