"""Stalled learners, and reminding them: in the app and through every notification channel.

A learner is stalled in a course they have not completed when they have done nothing in it for
``days`` days (their last progress, or their enrolment if they never started), or when they tried a
lesson twice or more without completing it ("failed twice", whatever the lesson's type). The list
is one page of one statement (and its count), within the caller's reach.

A reminder is kept as the learner's document for that course (``StateDocument``, the core's state
store), which their dashboard shows until they complete the course, and handed to ``notify`` so
e-mail, SMS or Zalo channels reach them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import url_for
from pydantic import BaseModel
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.models import (
    AdminUnit,
    Cooperative,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    PluginState,
    ProgrammeCourse,
    Scope,
    Status,
    User,
)
from elearn.pagination import Page, paginate
from elearn.plugins.notifications import Notification, notify
from elearn.reports.access import ReportScope, with_learner_unit
from elearn.state import StateDocument

DEFAULT_DAYS = 14
MAX_DAYS = 3650
MAX_REMINDERS = 200
REMINDER_KIND = "reports.reminder"


class Reminder(BaseModel):
    sent_at: datetime
    sender: str


REMINDER = StateDocument("reports", Scope.LEARNER_COURSE, "reminder", model=Reminder)


@dataclass(frozen=True)
class StalledQuery:
    days: int = DEFAULT_DAYS
    course_id: int | None = None
    programme_id: int | None = None
    unit: int | None = None


@dataclass
class StalledRow:
    enrolment_id: int
    user: User
    course: Course
    last_activity: datetime
    failed_twice: bool
    cooperative: str


def _last_activity():
    latest = (select(func.max(LessonProgress.updated_at)).join(Lesson, Lesson.id == LessonProgress.lesson_id)
              .where(LessonProgress.user_id == Enrolment.user_id, Lesson.course_id == Enrolment.course_id)
              .correlate(Enrolment).scalar_subquery())
    return func.coalesce(latest, Enrolment.enrolled_at)


def _failed_twice():
    return exists().where(
        LessonProgress.user_id == Enrolment.user_id, LessonProgress.attempts >= 2,
        LessonProgress.status != Status.COMPLETED, LessonProgress.lesson_id == Lesson.id,
        Lesson.course_id == Enrolment.course_id, Lesson.retired_at.is_(None))


def stalled_select(scope: ReportScope, query: StalledQuery, now: datetime | None = None) -> Select:
    """The stalled enrolments the caller may read, the longest idle first."""
    cutoff = (now or utcnow()) - timedelta(days=query.days)
    last, failed = _last_activity(), _failed_twice()
    found = with_learner_unit(
        select(Enrolment.id, User, Course, last.label("last_activity"), failed.label("failed"), Cooperative.name)
        .select_from(Enrolment).join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
    ).where(Enrolment.completed_at.is_(None), User.is_active.is_(True), or_(last < cutoff, failed))
    condition = scope.condition()
    if condition is not None:
        found = found.where(condition)
    if query.course_id:
        found = found.where(Enrolment.course_id == query.course_id)
    if query.programme_id:
        found = found.where(Enrolment.course_id.in_(
            select(ProgrammeCourse.course_id).where(ProgrammeCourse.programme_id == query.programme_id)))
    if query.unit:
        found = found.where(or_(AdminUnit.id == query.unit, AdminUnit.province_id == query.unit,
                                AdminUnit.area_id == query.unit))
    return found.order_by(last, User.name, Enrolment.id)


def _rows(rows) -> list[StalledRow]:
    return [StalledRow(enrolment_id, user, course, last, bool(failed), coop or "")
            for enrolment_id, user, course, last, failed, coop in rows]


def stalled(db: Session, scope: ReportScope, query: StalledQuery, page: Any = None,
            per_page: int | None = None, args: dict[str, Any] | None = None) -> Page:
    found = paginate(db, stalled_select(scope, query), page, per_page or 50, scalars=False, args=args)
    found.items = _rows(found.items)
    return found


def remind(db: Session, sender: User, scope: ReportScope, enrolment_ids: list[int]) -> int:
    """Remind the learners of these enrolments (only those the sender reaches, not completed):
    a reminder on their dashboard, and a notification through every channel. How many were reminded."""
    ids = sorted(set(enrolment_ids))[:MAX_REMINDERS]
    if not ids:
        return 0
    rows = with_learner_unit(
        select(Enrolment.id, User, Course).select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
    ).where(Enrolment.id.in_(ids), Enrolment.completed_at.is_(None))
    condition = scope.condition()
    if condition is not None:
        rows = rows.where(condition)
    by_course: dict[int, tuple[Course, list[User]]] = {}
    now = utcnow()
    for _id, user, course in db.execute(rows).all():
        _data, version = REMINDER.get(db, user=user, course=course)
        REMINDER.put(db, Reminder(sent_at=now, sender=sender.name), expected_version=version, user=user,
                     course=course)
        by_course.setdefault(course.id, (course, []))[1].append(user)
    for course, users in by_course.values():
        notify(users, Notification(REMINDER_KIND, url=url_for("learning.course", slug=course.slug, _external=True),
                                   data={"course": course.slug, "title": course.title_vi, "sender": sender.name}),
               db=db)
    return sum(len(users) for _course, users in by_course.values())


@dataclass
class ShownReminder:
    course: Course
    sent_at: datetime
    sender: str


def my_reminders(db: Session, user: User) -> list[ShownReminder]:
    """The reminders of the learner's courses not completed yet (one query), the latest first."""
    rows = db.execute(
        select(PluginState.data, Course)
        .join(Course, Course.id == PluginState.course_id)
        .join(Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == PluginState.user_id))
        .where(PluginState.plugin == REMINDER.plugin, PluginState.key == REMINDER.key,
               PluginState.scope == Scope.LEARNER_COURSE, PluginState.user_id == user.id,
               Enrolment.completed_at.is_(None))
    ).all()
    found = [ShownReminder(course, reminder.sent_at, reminder.sender)
             for reminder, course in ((Reminder.model_validate(data), course) for data, course in rows)]
    return sorted(found, key=lambda reminder: reminder.sent_at, reverse=True)
