"""API of the reports: the same service calls and the same reach as the pages (elearn/reports/access.py).

An area's staff get their area's learners only, whatever the filter; a learner gets 403 for every
report but their own grades (``/me/grades``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask import Blueprint, jsonify
from pydantic import Field

from elearn.api.auth import api_user, token_required
from elearn.contract import Id, RequestModel, ResponseModel, operation
from elearn.db import db_session
from elearn.i18n import current_locale
from elearn.learning.service import get_course
from elearn.reports import service as report_service
from elearn.reports.access import course_scope, report_scope
from elearn.reports.gradebook import Gradebook, LearnerRow, gradebook, parse_filters
from elearn.reports.grades import my_grades
from elearn.reports.progress import ProgressQuery, progress_report
from elearn.reports.stalled import DEFAULT_DAYS, MAX_DAYS, MAX_REMINDERS, StalledQuery, remind, stalled
from elearn.reports.yearly import FIRST_YEAR, LAST_YEAR, this_year, yearly_report
from elearn.security import csrf

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_PAGE = 1_000_000
StatusName = Literal["not_started", "in_progress", "completed"]


class GradebookQuery(RequestModel):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE, description="The page to show, from 1.")] = 1
    group: Id | None = Field(default=None, description="A group of the course.")
    cooperative: Id | None = Field(default=None, description="A cooperative.")
    unit: Id | None = Field(default=None, description="A province, area, commune or ward.")
    track: Literal["", "urban", "rural"] = ""
    position: Literal["", "director", "board_chair", "board_member", "controller", "accountant", "member",
                      "other"] = ""
    sort: Literal["name", "-name", "enrolled", "-enrolled", "completed", "-completed"] = "name"


class LessonOut(ResponseModel):
    id: int
    key: str
    module: str
    title: str
    graded: bool
    weight: float = Field(description="Share of the course grade, from 0 to 1 (0 for a lesson not graded).")


class LearnerOut(ResponseModel):
    id: int
    name: str


class CellOut(ResponseModel):
    lesson_id: int
    status: StatusName
    score: float | None = Field(description="From 0 to 1, given by the lesson's type; null: no score.")


class GradebookRow(ResponseModel):
    learner: LearnerOut
    cooperative: str
    unit: str
    position: str | None
    completed_at: datetime | None
    grade: float | None = Field(description="The course grade from 0 to 1, by the pack's weights.")
    cells: list[CellOut]


class GradebookOut(ResponseModel):
    course: str
    lessons: list[LessonOut]
    items: list[GradebookRow]
    page: int
    pages: int | None
    total: int | None


class MyLesson(ResponseModel):
    id: int
    key: str
    title: str
    status: StatusName
    score: float | None
    graded: bool
    weight: float


class MyCourseGrades(ResponseModel):
    slug: str
    title: str
    grade: float | None
    completed_at: datetime | None
    lessons: list[MyLesson]


class MyGrades(ResponseModel):
    courses: list[MyCourseGrades]


def _lessons(book: Gradebook) -> list[dict]:
    locale = current_locale()
    return [{"id": c.lesson.id, "key": c.lesson.key, "module": c.module.key, "title": c.lesson.title_for(locale),
             "graded": c.graded, "weight": c.weight} for c in book.lessons]


def _row(book: Gradebook, row: LearnerRow) -> dict:
    return {
        "learner": {"id": row.user.id, "name": row.user.name},
        "cooperative": row.cooperative, "unit": row.unit,
        "position": row.position.value if row.position else None,
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
        "grade": row.grade,
        "cells": [{"lesson_id": c.lesson.id, "status": row.cell(c.lesson.id).status.value,
                   "score": row.cell(c.lesson.id).score} for c in book.lessons],
    }


@bp.get("/courses/<slug>/gradebook")
@token_required
@operation(query=GradebookQuery, responses={200: GradebookOut}, errors=(404,))
def course_gradebook(slug: str, query: GradebookQuery):
    """The course's gradebook: learners × lessons (its instructors and admins; an area's staff: their area)"""
    db = db_session()
    course = get_course(db, slug)
    scope = course_scope(db, api_user(), course)
    filters = parse_filters({key: "" if value is None else str(value)
                             for key, value in query.model_dump().items() if key != "page"})
    book = gradebook(db, course, scope, filters, query.page)
    found = book.learners
    return jsonify(course=course.slug, lessons=_lessons(book), items=[_row(book, row) for row in found.items],
                   page=found.page, pages=found.pages, total=found.total)


@bp.get("/me/grades")
@token_required
@operation(responses={200: MyGrades})
def grades():
    """The caller's own grades in each course they are enrolled in"""
    db, user = db_session(), api_user()
    locale = current_locale()
    courses = []
    for book in my_grades(db, user):
        row = book.learners.items[0] if book.learners.items else None
        if row is None:
            continue
        courses.append({
            "slug": book.course.slug, "title": book.course.title_for(locale), "grade": row.grade,
            "completed_at": row.completed_at.isoformat() if row.completed_at else None,
            "lessons": [{"id": c.lesson.id, "key": c.lesson.key, "title": c.lesson.title_for(locale),
                         "status": row.cell(c.lesson.id).status.value, "score": row.cell(c.lesson.id).score,
                         "graded": c.graded, "weight": c.weight} for c in book.lessons],
        })
    return jsonify(courses=courses)


GroupBy = Literal["province", "area", "unit", "cooperative", "track", "position", "cohort", "course"]


class ProgressFilter(RequestModel):
    group_by: GroupBy = "area"
    course: Id | None = Field(default=None, description="Only this course (its id).")
    programme: Id | None = Field(default=None, description="Only the courses of this programme.")
    unit: Id | None = Field(default=None, description="Only the learners under this unit.")


class ProgressRowOut(ResponseModel):
    key: str | int | None = Field(description="The group's id (a unit, cooperative, cohort, course) or value; "
                                              "null: not given.")
    label: str
    enrolled: int
    started: int
    completed: int
    average_score: float | None = Field(description="From 0 to 1.")
    average_days: float | None = Field(description="From enrolling to completing, for those who completed.")


class ProgressOut(ResponseModel):
    group_by: GroupBy
    rows: list[ProgressRowOut]
    total: ProgressRowOut


class StalledFilter(RequestModel):
    days: Annotated[int, Field(ge=1, le=MAX_DAYS, description="No activity for at least this many days.")] = \
        DEFAULT_DAYS
    course: Id | None = None
    programme: Id | None = None
    unit: Id | None = None
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1


class StalledRowOut(ResponseModel):
    enrolment_id: int
    learner: LearnerOut
    course: str
    cooperative: str
    last_activity: datetime
    failed_twice: bool


class StalledOut(ResponseModel):
    items: list[StalledRowOut]
    page: int
    pages: int | None
    total: int | None


class ReminderBody(RequestModel):
    enrolments: Annotated[list[Id], Field(min_length=1, max_length=MAX_REMINDERS,
                                          description="Enrolment ids from the stalled learners list.")]


class RemindersSent(ResponseModel):
    sent: int = Field(description="Learners reminded (enrolments outside the caller's reach, or completed, "
                                  "are left out).")


def _progress_row(row) -> dict:
    key = row.key.value if hasattr(row.key, "value") else row.key
    return {"key": key, "label": row.label, "enrolled": row.enrolled, "started": row.started,
            "completed": row.completed, "average_score": row.average_score, "average_days": row.average_days}


@bp.get("/reports/progress")
@token_required
@operation(query=ProgressFilter, responses={200: ProgressOut})
def progress(query: ProgressFilter):
    """Enrolled, started, completed, average score and days to complete, by a level of the organisation tree,
    track, position, cohort or course (administrators: all; instructors: their courses; area staff: their area)"""
    db = db_session()
    report = progress_report(db, report_scope(db, api_user()), ProgressQuery(
        group_by=query.group_by, course_id=query.course, programme_id=query.programme, unit=query.unit))
    return jsonify(group_by=query.group_by, rows=[_progress_row(row) for row in report.rows],
                   total=_progress_row(report.total))


class YearlyFilter(RequestModel):
    year: Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="The calendar year (Vietnam time); left out, "
                                                                   "this year.")] | None = None


class YearlyOut(ResponseModel):
    year: int
    courses_held: int = Field(description="Courses with an enrolment open at some time in the year.")
    course: ProgressOut
    area: ProgressOut
    track: ProgressOut
    position: ProgressOut


@bp.get("/reports/yearly")
@token_required
@operation(query=YearlyFilter, responses={200: YearlyOut})
def yearly(query: YearlyFilter):
    """The year's training report: courses held, and enrolled, started, completed and average score by course,
    area, track and position (the enrolments open during the year; completions within it), in the caller's reach"""
    db = db_session()
    report = yearly_report(db, report_scope(db, api_user()), query.year or this_year())
    return jsonify(year=report.year, courses_held=report.courses_held, **{
        key: {"group_by": key, "rows": [_progress_row(row) for row in part.rows], "total": _progress_row(part.total)}
        for key, part in report.by.items()})


@bp.get("/reports/stalled")
@token_required
@operation(query=StalledFilter, responses={200: StalledOut})
def stalled_learners(query: StalledFilter):
    """Learners with no activity for some days, or who failed a lesson twice, in courses not completed"""
    db = db_session()
    found = stalled(db, report_scope(db, api_user()), StalledQuery(
        days=query.days, course_id=query.course, programme_id=query.programme, unit=query.unit), query.page)
    return jsonify(items=[{"enrolment_id": row.enrolment_id, "learner": {"id": row.user.id, "name": row.user.name},
                           "course": row.course.slug, "cooperative": row.cooperative,
                           "last_activity": row.last_activity.isoformat(), "failed_twice": row.failed_twice}
                          for row in found.items], page=found.page, pages=found.pages, total=found.total)


@bp.post("/reports/stalled/reminders")
@token_required
@operation(body=ReminderBody, responses={200: RemindersSent})
def send_reminders(body: ReminderBody):
    """Remind these learners: on their dashboard, and through every notification channel"""
    db, user = db_session(), api_user()
    sent = remind(db, user, report_scope(db, user), body.enrolments)
    db.commit()
    return jsonify(sent=sent)


class CourseReportQuery(RequestModel):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    group_by: Annotated[str, Field(max_length=120, description="A groupable column's key: one row per value.")] = ""


class ReportColumnOut(ResponseModel):
    key: str
    label: str
    groupable: bool
    error: str = Field(description="Why the column is empty (its plugin failed); empty otherwise.")


Value = str | int | float | None


class CourseReportRow(ResponseModel):
    learner: LearnerOut
    values: dict[str, Value]


class CourseReportGroup(ResponseModel):
    value: Value
    learners: int
    completed: int


class CourseReportOut(ResponseModel):
    columns: list[ReportColumnOut]
    items: list[CourseReportRow] = Field(description="One page of learners (when not grouped).")
    groups: list[CourseReportGroup] = Field(description="One row per value of ``group_by`` (when grouped).")
    page: int
    pages: int | None
    total: int | None


def _value(value) -> Value:
    """A column's value as JSON: text and numbers as they are, anything else (a yes/no, a date) as text."""
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    return str(value)


@bp.get("/courses/<slug>/report")
@token_required
@operation(query=CourseReportQuery, responses={200: CourseReportOut}, errors=(404,))
def course_report(slug: str, query: CourseReportQuery):
    """The course report: its learners with every column plugins give, or grouped by one (its instructors and admins)"""
    db = db_session()
    course = report_service.report_course(db, api_user(), slug)
    report = report_service.course_report(db, course, query.group_by, query.page)
    columns = [{"key": c.key, "label": c.label, "groupable": c.groupable, "error": c.error} for c in report.columns]
    learners = report.learners
    return jsonify(
        columns=columns,
        items=[{"learner": {"id": user.id, "name": user.name},
                "values": {c.key: _value(c.values.get(user.id)) for c in report.columns}}
               for user in (learners.items if learners else [])],
        groups=[{"value": _value(row.value), "learners": row.learners, "completed": row.completed}
                for row in report.groups],
        page=learners.page if learners else 1, pages=learners.pages if learners else 1,
        total=learners.total if learners else len(report.groups))
