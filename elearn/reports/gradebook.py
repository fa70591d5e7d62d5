"""A course's gradebook: its learners × its lessons, with each lesson's status and score.

Scores come from the lesson types, through the report columns that name a lesson
(``ReportColumn.lesson_id``, ``elearn_report_columns``): the core knows no lesson type, and a
lesson is graded exactly when such a column scores it. The course grade weighs those scores as
the pack says (elearn/reports/weights.py).

One page costs a fixed number of statements whatever the number of learners: the lessons, the
pack's weights, the filters' choices, the count and the page of learners (their profile,
cooperative and unit joined in), the page's progress rows, and one call per score column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, exists, false, or_, select
from sqlalchemy.orm import Session

from elearn.i18n import current_locale
from elearn.models import (
    AdminUnit,
    Cooperative,
    Course,
    CourseGroup,
    Enrolment,
    GroupMember,
    LearnerProfile,
    Lesson,
    LessonProgress,
    Module,
    Position,
    Status,
    Track,
    UnitLevel,
    User,
)
from elearn.organisations.access import OrgAccess
from elearn.pagination import Page, paginate
from elearn.plugins.isolation import recover
from elearn.plugins.surfaces import ReportColumn, collect
from elearn.reports.access import ReportScope, with_learner_unit
from elearn.reports.weights import GradedLesson, course_grade, effective_weights, pack_weights
from elearn.security import fail

log = logging.getLogger("elearn.reports")

SORTS = ("name", "-name", "enrolled", "-enrolled", "completed", "-completed")
EXPORT_LIMIT = 10_000
PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    """What the gradebook is narrowed to; every value comes from the query string, checked."""

    group: int | None = None
    cooperative: int | None = None
    unit: int | None = None  # a province, an area, a commune or a ward
    track: str = ""
    position: str = ""
    sort: str = "name"

    def args(self) -> dict[str, Any]:
        found = {"group": self.group, "cooperative": self.cooperative, "unit": self.unit, "track": self.track,
                 "position": self.position, "sort": self.sort if self.sort != "name" else ""}
        return {key: value for key, value in found.items() if value}


def whole_id(args, name: str) -> int | None:
    """``?name=`` as an id; None when absent or empty, a 400 when it is not one."""
    raw = str(args.get(name, "") or "").strip()
    if raw and _id(raw) is None:
        fail(400, _("“%(field)s” must be a whole number.", field=name))
    return _id(raw)


def _id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def parse_filters(args) -> Filters:
    """The filters of ``?group=&cooperative=&unit=&track=&position=&sort=``; a 400 for a value no
    list offers (a made-up track or sort), nothing for an empty one."""
    track, position, sort = (args.get(name, "").strip() for name in ("track", "position", "sort"))
    if track and track not in {t.value for t in Track}:
        fail(400, _("“%(value)s” is not a track.", value=track[:40]))
    if position and position not in {p.value for p in Position}:
        fail(400, _("“%(value)s” is not a position.", value=position[:40]))
    if sort and sort not in SORTS:
        fail(400, _("The gradebook cannot be sorted by “%(value)s”.", value=sort[:40]))
    found = {name: whole_id(args, name) for name in ("group", "cooperative", "unit")}
    return Filters(track=track, position=position, sort=sort or "name", **found)


@dataclass
class LessonColumn:
    lesson: Lesson
    module: Module
    graded: bool = False
    weight: float = 0.0  # share of the course grade, from 0.0 to 1.0
    error: str = ""


@dataclass
class Cell:
    status: Status
    score: float | None = None


@dataclass
class LearnerRow:
    user: User
    completed_at: Any
    position: Position | None
    cooperative: str
    unit: str
    cells: dict[int, Cell] = field(default_factory=dict)
    grade: float | None = None

    def cell(self, lesson_id: int) -> Cell:
        return self.cells.get(lesson_id) or Cell(Status.NOT_STARTED)


@dataclass
class Gradebook:
    course: Course
    lessons: list[LessonColumn]
    learners: Page
    filters: Filters
    errors: list[str] = field(default_factory=list)


def course_lessons(db: Session, course: Course) -> list[LessonColumn]:
    """The course's current lessons in order, with their modules (one query)."""
    rows = db.execute(
        select(Lesson, Module).join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id, Lesson.retired_at.is_(None), Module.retired_at.is_(None))
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    ).all()
    return [LessonColumn(lesson, module) for lesson, module in rows]


Scoring = dict[int, tuple[str, ReportColumn]]  # lesson id -> (plugin, its score column)


def score_columns(db: Session, course: Course, lessons: list[LessonColumn]) -> tuple[Scoring, list[str]]:
    """The report columns that score a current lesson of the course, by lesson id, and the
    plugins that failed to give their columns."""
    found = collect(current_app.extensions["elearn_plugins"], "elearn_report_columns", ReportColumn,
                    course=course, db=db)
    current = {column.lesson.id for column in lessons}
    scoring = {}
    for plugin, column in found.items:
        if column.lesson_id in current:
            scoring.setdefault(column.lesson_id, (plugin, column))
    return scoring, [failure.message for failure in found.failures]


def weigh(db: Session, course: Course, lessons: list[LessonColumn], graded_ids: set[int]) -> dict[int, float]:
    """Mark the graded lessons with their share of the course grade; the weights by lesson id."""
    graded = [GradedLesson(c.lesson.id, c.lesson.key, c.module.key) for c in lessons if c.lesson.id in graded_ids]
    weights = effective_weights(graded, pack_weights(db, course))
    total = sum(weights.values())
    for column in lessons:
        if column.lesson.id in weights:
            column.graded = True
            column.weight = weights[column.lesson.id] / total if total else 0.0
    return weights


def learners_query(course: Course, scope: ReportScope, filters: Filters) -> Select:
    """The course's learners the caller may read, filtered and sorted."""
    query = with_learner_unit(
        select(User, Enrolment.completed_at, LearnerProfile.position, Cooperative.name, AdminUnit.name)
        .join(Enrolment, Enrolment.user_id == User.id)
    ).where(Enrolment.course_id == course.id)
    condition = scope.condition(course.id)
    if condition is not None:
        query = query.where(condition)
    if filters.group:
        query = query.where(exists().where(GroupMember.user_id == User.id, GroupMember.group_id == filters.group,
                                           GroupMember.course_id == course.id))
    if filters.cooperative:
        query = query.where(LearnerProfile.cooperative_id == filters.cooperative)
    if filters.unit:
        query = query.where(or_(AdminUnit.id == filters.unit, AdminUnit.province_id == filters.unit,
                                AdminUnit.area_id == filters.unit))
    if filters.track:
        query = query.where(AdminUnit.level == (UnitLevel.WARD if filters.track == Track.URBAN else UnitLevel.COMMUNE))
    if filters.position:
        query = query.where(LearnerProfile.position == Position(filters.position))
    order = {
        "name": (User.name, User.id), "-name": (User.name.desc(), User.id.desc()),
        "enrolled": (Enrolment.enrolled_at, User.id), "-enrolled": (Enrolment.enrolled_at.desc(), User.id.desc()),
        # Not completed last, then the earliest completions first.
        "completed": (Enrolment.completed_at.is_(None), Enrolment.completed_at, User.name, User.id),
        "-completed": (Enrolment.completed_at.is_(None), Enrolment.completed_at.desc(), User.name, User.id),
    }[filters.sort]
    return query.order_by(*order)


def gradebook(db: Session, course: Course, scope: ReportScope, filters: Filters, page: Any = None,
              per_page: int | None = None) -> Gradebook:
    """One page of the gradebook (``per_page=EXPORT_LIMIT`` for a download)."""
    lessons = course_lessons(db, course)
    scoring, errors = score_columns(db, course, lessons)
    weights = weigh(db, course, lessons, set(scoring))
    found = paginate(db, learners_query(course, scope, filters), page, per_page or PAGE_SIZE, scalars=False,
                     args=filters.args())
    rows = [LearnerRow(user, completed_at, position, coop or "", unit or "")
            for user, completed_at, position, coop, unit in found.items]
    book = Gradebook(course, lessons, found, filters, errors)
    book.learners.items = rows
    _fill(db, book, scoring, weights)
    return book


def _fill(db: Session, book: Gradebook, scoring: Scoring, weights) -> None:
    by_id = {row.user.id: row for row in book.learners.items}
    if not by_id:
        return
    progress = db.execute(
        select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.status)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == book.course.id, LessonProgress.user_id.in_(list(by_id)))
    ).all()
    for user_id, lesson_id, status in progress:
        by_id[user_id].cells[lesson_id] = Cell(status)
    titles = {column.lesson.id: column for column in book.lessons}
    for lesson_id, (plugin, column) in scoring.items():
        try:
            values = dict(column.values(db, book.course, list(by_id)) or {})
        except Exception:
            log.exception("plugin %s: score column %s failed", plugin, column.key)
            recover(db, f"score column {column.key} of plugin {plugin}")
            titles[lesson_id].error = _("The “%(plugin)s” plugin could not give this lesson's scores.", plugin=plugin)
            continue
        for user_id, score in values.items():
            row = by_id.get(user_id)
            if row is None or not isinstance(score, int | float) or isinstance(score, bool):
                continue
            cell = row.cells.setdefault(lesson_id, Cell(Status.NOT_STARTED))
            cell.score = min(max(float(score), 0.0), 1.0)
    for row in book.learners.items:
        row.grade = course_grade({lesson_id: cell.score for lesson_id, cell in row.cells.items()}, weights)


# -- the filters' choices ---------------------------------------------------------------------


@dataclass
class Choices:
    groups: list[tuple[int, str]]
    cooperatives: list[tuple[int, str]]
    units: list[tuple[int, str]]


CHOICES_LIMIT = 500


def filter_choices(db: Session, course: Course, scope: ReportScope) -> Choices:
    """The groups of the course, and the cooperatives and units (provinces and areas) the caller
    reaches: three queries."""
    locale = current_locale()
    groups = [(group.id, group.title_for(locale)) for group in db.scalars(
        select(CourseGroup).where(CourseGroup.course_id == course.id).order_by(CourseGroup.group_set, CourseGroup.key))]
    condition = None if scope.condition(course.id) is None else _unit_condition(scope)
    coops = select(Cooperative.id, Cooperative.name).join(AdminUnit, AdminUnit.id == Cooperative.unit_id)
    units = select(AdminUnit.id, AdminUnit.name).where(AdminUnit.level.in_([UnitLevel.PROVINCE, UnitLevel.AREA]))
    if condition is not None:
        coops, units = coops.where(condition), units.where(condition)
    return Choices(
        groups,
        [tuple(row) for row in db.execute(coops.order_by(Cooperative.name).limit(CHOICES_LIMIT))],
        [tuple(row) for row in db.execute(units.order_by(AdminUnit.level.desc(), AdminUnit.name).limit(CHOICES_LIMIT))],
    )


def _unit_condition(scope: ReportScope):
    return OrgAccess(scope.user, scope.areas).unit_filter() if scope.areas else false()
