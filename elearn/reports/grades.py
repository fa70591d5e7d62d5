"""The gradebook and a learner's own grades as tables: the rows a page, the API and a download share."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.i18n import current_locale
from elearn.models import Course, Enrolment, Status, User
from elearn.profile.service import POSITION_LABELS
from elearn.reports.access import ReportScope
from elearn.reports.gradebook import Filters, Gradebook, gradebook

STATUS_WORDS = {Status.NOT_STARTED: "not_started", Status.IN_PROGRESS: "in_progress", Status.COMPLETED: "completed"}


def status_label(status: Status) -> str:
    return {Status.COMPLETED: _("Completed"), Status.IN_PROGRESS: _("In progress")}.get(status, _("Not started"))


def percent(score: float | None) -> float | None:
    """A score as the percentage a download shows (one decimal), None for no score."""
    return None if score is None else round(score * 100, 1)


def gradebook_table(book: Gradebook) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a gradebook download: a status column per lesson, a score column per
    graded lesson (percent), and the course grade."""
    locale = current_locale()
    header = [_("Learner"), _("E-mail"), _("Cooperative"), _("Commune or ward"), _("Position in the cooperative"),
              _("Completed the course")]
    for column in book.lessons:
        title = column.lesson.title_for(locale)
        header.append(_("%(lesson)s — status", lesson=title))
        if column.graded:
            header.append(_("%(lesson)s — score (%%)", lesson=title))
    header.append(_("Course grade (%)"))
    rows = []
    for row in book.learners.items:
        line: list[Any] = [row.user.name, row.user.email, row.cooperative, row.unit,
                           str(POSITION_LABELS[row.position]) if row.position else "",
                           _("yes") if row.completed_at else _("no")]
        for column in book.lessons:
            cell = row.cell(column.lesson.id)
            line.append(status_label(cell.status))
            if column.graded:
                line.append(percent(cell.score))
        line.append(percent(row.grade))
        rows.append(line)
    return header, rows


def my_courses(db: Session, user: User) -> list[Course]:
    """The courses the learner is enrolled in, by title (one query)."""
    return list(db.scalars(select(Course).join(Enrolment, Enrolment.course_id == Course.id)
                           .where(Enrolment.user_id == user.id).order_by(Course.title_vi, Course.id)))


def my_grades(db: Session, user: User) -> list[Gradebook]:
    """The learner's own row of each course's gradebook: their statuses, scores and grade, nobody else's."""
    scope = ReportScope(user, learner=user.id)
    return [gradebook(db, course, scope, Filters()) for course in my_courses(db, user)]
