"""The reports as tables of plain values (the header and rows of a CSV or XLSX download), and a learner's own grades."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.i18n import current_locale, format_when
from elearn.models import Course, Enrolment, Status, User
from elearn.pagination import Page
from elearn.profile.service import POSITION_LABELS
from elearn.reports.access import ReportScope
from elearn.reports.gradebook import Filters, Gradebook, gradebook
from elearn.reports.progress import DIMENSIONS, ProgressReport


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


def progress_table(report: ProgressReport) -> tuple[list[str], list[list[Any]]]:
    header = [str(DIMENSIONS[report.query.group_by]), _("Enrolled"), _("Started"), _("Completed"),
              _("Completion (%)"), _("Average score (%)"), _("Average days to complete")]
    rows = [[row.label, row.enrolled, row.started, row.completed, percent(row.completion),
             percent(row.average_score), None if row.average_days is None else round(row.average_days, 1)]
            for row in [*report.rows, report.total]]
    return header, rows


def stalled_table(found: Page) -> tuple[list[str], list[list[Any]]]:
    header = [_("Learner"), _("E-mail"), _("Cooperative"), _("Course"), _("Last activity"), _("Failed a lesson twice")]
    locale = current_locale()
    rows = [[row.user.name, row.user.email, row.cooperative, row.course.title_for(locale),
             format_when(row.last_activity, date_only=True), _("yes") if row.failed_twice else _("no")]
            for row in found.items]
    return header, rows
