"""Who may open a plan: its authors (the owner, or the members of its cooperative's group) and the
course's instructors. Anyone else gets a 404, as if the plan did not exist: another
cooperative's plan is never shown, nor is it said to exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select
from werkzeug.exceptions import HTTPException

from elearn.plugin_api import GroupMember, Lesson, fail, get_lesson, lesson_to_teach
from elearn_workshop.models import Plan


@dataclass(frozen=True)
class PlanAccess:
    plan: Plan
    lesson: Lesson
    is_author: bool
    can_teach: bool


def open_plan(db, user, plan_id: int) -> PlanAccess:
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    plan = db.get(Plan, plan_id)
    if plan is None:
        fail(404, _("There is no such plan."))
    lesson = get_lesson(db, plan.lesson_id)
    is_author = plan.owner_id == user.id or (plan.group_id is not None and bool(db.scalar(select(exists().where(
        GroupMember.group_id == plan.group_id, GroupMember.user_id == user.id)))))
    can_teach = teaches(db, user, lesson.id)
    if not (is_author or can_teach):
        fail(404, _("There is no such plan."))
    return PlanAccess(plan, lesson, is_author, can_teach)


def teaches(db, user, lesson_id: int) -> bool:
    """Whether ``user`` teaches the course of this workshop lesson (its instructors, administrators)."""
    try:
        return lesson_to_teach(db, user, lesson_id, "workshop", "") is not None
    except HTTPException:
        return False
