"""Building the course report from its columns, in a fixed number of queries.

The rows are the course's enrolled learners; every column (the core's, elearn/core_plugin.py,
and each plugin's) gives its values for all the rows shown at once. Grouped by a column, the
report has one row per value of it, with how many learners have that value and how many of
them completed the course, so an organisation or a district can be compared with the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.learning.service import get_course
from elearn.models import Course, Enrolment, User
from elearn.pagination import Page, paginate
from elearn.permissions import course_access, require_course_view
from elearn.plugins.isolation import recover
from elearn.plugins.surfaces import Failure, ReportColumn, collect
from elearn.security import fail

log = logging.getLogger("elearn.reports")


@dataclass
class Column:
    """A column as the report shows it: its values, or the error that replaced them."""

    key: str
    label: str
    groupable: bool
    values: dict[int, Any] = field(default_factory=dict)
    missing: str = "—"
    error: str = ""
    scores_lesson: bool = False  # values are scores from 0.0 to 1.0, shown as percentages

    def value(self, user_id: int) -> Any:
        return self.values.get(user_id, self.missing)


@dataclass
class GroupRow:
    value: Any
    learners: int
    completed: int


@dataclass
class Report:
    course: Course
    columns: list[Column]
    learners: Page | None = None  # ungrouped: one page of learners
    group_by: Column | None = None
    groups: list[GroupRow] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def report_course(db: Session, user: User | None, slug: str) -> Course:
    """The course, for its instructors and admins only (401 anonymous, 404 hidden, 403 others)."""
    if user is None:
        fail(401, _("Please log in to continue."))
    course = get_course(db, slug)
    access = course_access(db, user, course)
    require_course_view(access)
    if not access.can_teach:
        fail(403, _("Only the course's instructors can see its report."))
    return course


def course_report(db: Session, course: Course, group_by: str = "", page: Any = None) -> Report:
    found = collect(current_app.extensions["elearn_plugins"], "elearn_report_columns", ReportColumn,
                    course=course, db=db)
    providers = {column.key: (plugin, column) for plugin, column in found.items}
    columns = [Column(c.key, c.label, c.groupable, missing=c.missing, scores_lesson=c.lesson_id is not None)
               for _p, c in found.items]
    report = Report(course, columns, failures=found.failures)
    chosen = next((c for c in columns if c.key == group_by and c.groupable), None)
    if group_by and chosen is None:
        fail(400, _("The report cannot be grouped by “%(key)s”.", key=group_by))
    if chosen is not None:
        report.group_by = chosen
        completed = dict(db.execute(
            select(Enrolment.user_id, Enrolment.completed_at).where(Enrolment.course_id == course.id)
        ).all())
        _fill(db, course, [chosen], providers, list(completed))
        counts: dict[Any, GroupRow] = {}
        for user_id, completed_at in completed.items():
            value = chosen.value(user_id)
            row = counts.setdefault(value, GroupRow(value, 0, 0))
            row.learners += 1
            row.completed += completed_at is not None
        report.groups = sorted(counts.values(), key=lambda row: (row.value == chosen.missing, str(row.value)))
        return report
    learners = (select(User).join(Enrolment, Enrolment.user_id == User.id)
                .where(Enrolment.course_id == course.id).order_by(User.name, User.id))
    report.learners = paginate(db, learners, page)
    _fill(db, course, columns, providers, [learner.id for learner in report.learners.items])
    return report


def _fill(db: Session, course: Course, columns: list[Column], providers, user_ids: list[int]) -> None:
    """Each column's values for these learners; a provider that raises leaves an error in its
    column, never takes the report down. No savepoint per column: the report only reads, so a
    transaction a provider spoiled is simply rolled back (``recover``) and the next one goes on."""
    for column in columns:
        plugin, provider = providers[column.key]
        if not user_ids:
            continue
        try:
            column.values = dict(provider.values(db, course, user_ids) or {})
        except Exception:
            log.exception("plugin %s: report column %s failed", plugin, column.key)
            recover(db, f"report column {column.key} of plugin {plugin}")
            column.error = _("The “%(plugin)s” plugin could not fill this column.", plugin=plugin)
