"""Progress across courses and programmes, grouped by the organisation tree, track, position or cohort.

Each row counts enrolments (a learner in two courses counts twice): enrolled, started (a lesson
begun, or the course completed), completed, the average score (of the scores the lesson types
recorded in the learners' progress) and the average days from enrolling to completing. The table
is one statement (its total line another), whatever the number of learners: a derived table gives
each enrolment its flags, and the database groups it; the caller's reach (elearn/reports/access.py)
is its WHERE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from elearn.i18n import current_locale
from elearn.models import (
    AdminUnit,
    Cohort,
    CohortMember,
    Cooperative,
    Course,
    Enrolment,
    LearnerProfile,
    Lesson,
    LessonProgress,
    Position,
    Programme,
    ProgrammeCourse,
    Status,
    Track,
    UnitLevel,
)
from elearn.organisations.service import TRACK_LABELS
from elearn.profile.service import POSITION_LABELS
from elearn.reports.access import ReportScope, with_learner_unit
from elearn.security import fail

DIMENSIONS = {
    "province": _l("Province"),
    "area": _l("Area (former district)"),
    "unit": _l("Commune or ward"),
    "cooperative": _l("Cooperative"),
    "track": _l("Track"),
    "position": _l("Position in the cooperative"),
    "cohort": _l("Cohort"),
    "course": _l("Course"),
}
Province = aliased(AdminUnit, name="province_unit")
Area = aliased(AdminUnit, name="area_unit")


@dataclass(frozen=True)
class ProgressQuery:
    group_by: str = "area"
    course_id: int | None = None
    programme_id: int | None = None
    unit: int | None = None  # only the learners under this unit (a drill-down)
    year: int | None = None  # only the enrolments open during this year (Vietnam time), completions within it


@dataclass
class ProgressRow:
    key: Any
    label: str
    enrolled: int
    started: int
    completed: int
    average_score: float | None
    average_days: float | None

    @property
    def completion(self) -> float:
        return self.completed / self.enrolled if self.enrolled else 0.0


@dataclass
class ProgressReport:
    query: ProgressQuery
    rows: list[ProgressRow]
    total: ProgressRow


def _days_between(db: Session, start, end):
    """``end - start`` in days, as each database computes it."""
    if db.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _dimension(group_by: str):
    """(key, label) columns of a dimension, on the enrolment and the learner's unit."""
    if group_by == "province":
        return Province.id, Province.name
    if group_by == "area":
        return Area.id, Area.name
    if group_by == "unit":
        return AdminUnit.id, AdminUnit.name
    if group_by == "cooperative":
        return Cooperative.id, Cooperative.name
    if group_by == "track":
        return AdminUnit.level, literal("")
    if group_by == "position":
        return LearnerProfile.position, literal("")
    if group_by == "cohort":
        return Cohort.id, Cohort.name
    if current_locale() == "en":
        return Course.id, func.coalesce(func.nullif(Course.title_en, ""), Course.title_vi)
    return Course.id, Course.title_vi


def progress_report(db: Session, scope: ReportScope, query: ProgressQuery) -> ProgressReport:
    if query.group_by not in DIMENSIONS:
        fail(400, _("The report cannot be grouped by “%(key)s”.", key=query.group_by[:40]))
    key, label = _dimension(query.group_by)
    progressed = exists().where(
        LessonProgress.user_id == Enrolment.user_id, LessonProgress.status != Status.NOT_STARTED,
        LessonProgress.lesson_id == Lesson.id, Lesson.course_id == Enrolment.course_id)
    scored = (select(func.avg(LessonProgress.score))
              .join(Lesson, Lesson.id == LessonProgress.lesson_id)
              .where(LessonProgress.user_id == Enrolment.user_id, Lesson.course_id == Enrolment.course_id,
                     LessonProgress.score.is_not(None))
              .correlate(Enrolment).scalar_subquery())
    completed = Enrolment.completed_at.is_not(None)
    if query.year:
        start, end = year_bounds(query.year)
        completed = and_(completed, Enrolment.completed_at < end)
    per_enrolment = with_learner_unit(select(
        key.label("key"), label.label("label"),
        case((completed, 1), (progressed, 1), else_=0).label("started"),
        case((completed, 1), else_=0).label("completed"),
        scored.label("score"),
        case((completed, _days_between(db, Enrolment.enrolled_at, Enrolment.completed_at)), else_=None).label("days"),
    ).select_from(Enrolment).join(Course, Course.id == Enrolment.course_id))
    if query.year:
        per_enrolment = per_enrolment.where(Enrolment.enrolled_at < end, (Enrolment.completed_at.is_(None))
                                            | (Enrolment.completed_at >= start))
    per_enrolment = (per_enrolment.outerjoin(Province, Province.id == AdminUnit.province_id)
                     .outerjoin(Area, Area.id == AdminUnit.area_id))
    if query.group_by == "cohort":
        per_enrolment = (per_enrolment.join(CohortMember, CohortMember.user_id == Enrolment.user_id)
                         .join(Cohort, Cohort.id == CohortMember.cohort_id)
                         .join(ProgrammeCourse, and_(ProgrammeCourse.programme_id == Cohort.programme_id,
                                                     ProgrammeCourse.course_id == Enrolment.course_id)))
        if query.programme_id:
            per_enrolment = per_enrolment.where(Cohort.programme_id == query.programme_id)
    condition = scope.condition()
    if condition is not None:
        per_enrolment = per_enrolment.where(condition)
    if query.course_id:
        per_enrolment = per_enrolment.where(Enrolment.course_id == query.course_id)
    if query.programme_id:
        per_enrolment = per_enrolment.where(Enrolment.course_id.in_(
            select(ProgrammeCourse.course_id).where(ProgrammeCourse.programme_id == query.programme_id)))
    if query.unit:
        per_enrolment = per_enrolment.where((AdminUnit.id == query.unit) | (AdminUnit.province_id == query.unit)
                                            | (AdminUnit.area_id == query.unit))
    inner = per_enrolment.subquery()
    totals = (func.count(), func.sum(inner.c.started), func.sum(inner.c.completed), func.avg(inner.c.score),
              func.avg(inner.c.days))
    rows = db.execute(
        select(inner.c.key, func.max(inner.c.label), *totals).group_by(inner.c.key)
    ).all()
    found = [_row(query.group_by, row[0], row[1], row[2:]) for row in rows]
    found.sort(key=lambda row: (row.key is None, row.label.lower()))
    total = db.execute(select(*totals)).one()
    return ProgressReport(query, found, _row(query.group_by, "total", _("Total"), total))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first and last instant in Vietnam, in UTC as the database keeps them."""
    here = ZoneInfo("Asia/Ho_Chi_Minh")
    return (datetime(year, 1, 1, tzinfo=here).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=here).astimezone(UTC))


def _row(group_by: str, key: Any, label: str | None, values) -> ProgressRow:
    enrolled, started, completed, score, days = values
    if key == "total":
        text, key = str(label), None
    elif key is None:
        text = _("Not given")
    elif group_by == "track":
        text = str(TRACK_LABELS.get(_track(key), key))
    elif group_by == "position":
        text = str(POSITION_LABELS.get(Position(key), key))
    else:
        text = label or ""
    return ProgressRow(key, text, int(enrolled or 0), int(started or 0), int(completed or 0),
                       float(score) if score is not None else None, float(days) if days is not None else None)


def _track(level: Any) -> Track | None:
    level = UnitLevel(level)
    return {UnitLevel.WARD: Track.URBAN, UnitLevel.COMMUNE: Track.RURAL}.get(level)


def report_choices(db: Session, scope: ReportScope) -> dict[str, list[tuple[int, str]]]:
    """The courses and programmes the report can be narrowed to (two queries)."""
    locale = current_locale()
    courses = select(Course).order_by(Course.title_vi)
    if not scope.everything and not scope.areas:
        courses = courses.where(Course.id.in_(sorted(scope.taught)))
    return {
        "courses": [(c.id, c.title_for(locale)) for c in db.scalars(courses.limit(500))],
        "programmes": [(p.id, p.title_for(locale)) for p in db.scalars(select(Programme).order_by(Programme.title_vi))],
    }
