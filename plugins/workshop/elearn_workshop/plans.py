"""Whose plan a learner writes, and saving it so that nothing typed is lost.

One plan per cooperative: with the lesson's ``group_set``, the learners of one group of that set
(a cooperative's managers) write one plan together; without it, each learner writes their own.

A save names the plan version its writer started from (``base``). Sections the writer changed
since ``base`` are taken, unless someone else changed the same section after ``base``: that
section is a conflict, the other person's text stays in the plan, the writer's is kept in a
``conflict`` version and sent back, so neither loses text and the writer is told. Sections the
writer did not change keep what the others saved. A repeated save (same text) changes nothing,
and a stale tab's save cannot overwrite newer text: it is the conflict case. The plan row is
locked for the save (``FOR UPDATE``; on SQLite a POST's transaction is a write transaction from
its start), so two saves at once are merged one after the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select

from elearn.plugin_api import (
    CourseGroup,
    GroupMember,
    SubmissionError,
    User,
    current_locale,
    display_name,
    insert_if_missing,
    utcnow,
)
from elearn_workshop import fields
from elearn_workshop.models import LessonPhase, Plan, PlanVersion

EDITING_FRESH = timedelta(minutes=5)


@dataclass(frozen=True)
class Seat:
    """Where a learner's plan is: their group's (``group_id``), or their own (``owner_id``).
    ``no_group``: the lesson is written by groups and the learner is in none yet."""

    plan: Plan | None
    group_id: int | None
    owner_id: int | None

    @property
    def no_group(self) -> bool:
        return self.group_id is None and self.owner_id is None


@dataclass
class Saved:
    version: int
    changed: list[str] = field(default_factory=list)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)


def seat(db, lesson, content: Mapping[str, Any], user_id: int, lock: bool = False) -> Seat:
    """The learner's plan (or where it will be): one query to read it; to write it, the group
    first and then the plan row locked (PostgreSQL cannot lock the nullable side of an outer join)."""
    group_set = content.get("group_set")
    if not group_set:
        query = select(Plan).where(Plan.lesson_id == lesson.id, Plan.owner_id == user_id)
        return Seat(db.scalar(query.with_for_update() if lock else query), None, user_id)
    member = and_(GroupMember.user_id == user_id, GroupMember.course_id == lesson.course_id,
                  GroupMember.group_set == group_set)
    if lock:
        group_id = db.scalar(select(GroupMember.group_id).where(member))
        if group_id is None:
            return Seat(None, None, None)
        plan = db.scalar(select(Plan).where(Plan.lesson_id == lesson.id, Plan.group_id == group_id)
                         .with_for_update())
        return Seat(plan, group_id, None)
    found = db.execute(select(GroupMember.group_id, Plan)
                       .outerjoin(Plan, and_(Plan.lesson_id == lesson.id, Plan.group_id == GroupMember.group_id))
                       .where(member)).first()
    if found is None:
        return Seat(None, None, None)
    return Seat(found[1], found[0], None)


def phase(db, lesson_id: int) -> str:
    return db.scalar(select(LessonPhase.phase).where(LessonPhase.lesson_id == lesson_id)) or "open"


def phase_label(phase: str) -> str:
    return {"open": _("writing and handing in"), "assessment": _("assessment"),
            "feedback": _("feedback and revision"), "closed": _("closed")}.get(phase, phase)


def may_edit(phase_name: str, plan: Plan | None) -> bool:
    """Authors write while the workshop is open, and revise once feedback is published."""
    return phase_name == "open" or (phase_name == "feedback" and plan is not None)


def plan_for_writing(db, lesson, content: Mapping[str, Any], user) -> Plan:
    """The learner's plan, created if it is the first save, locked for this transaction."""
    place = seat(db, lesson, content, user.id, lock=True)
    if place.no_group:
        raise SubmissionError(_("This plan is written by each cooperative's group: ask your instructor to put "
                                "you in your cooperative's group first."), status=409)
    if place.plan is not None:
        return place.plan
    conflict = ["lesson_id", "group_id"] if place.group_id is not None else ["lesson_id", "owner_id"]
    insert_if_missing(db, Plan, conflict, lesson_id=lesson.id, group_id=place.group_id, owner_id=place.owner_id,
                      content={}, section_versions={}, editing={}, version=0, updated_at=utcnow())
    return seat(db, lesson, content, user.id, lock=True).plan


def base_content(db, plan: Plan, base: int) -> dict[str, Any]:
    """The plan as it was at version ``base`` (what the writer started from)."""
    if base == plan.version:
        return plan.content
    if base > plan.version or base < 0:
        raise SubmissionError(_("This plan has no version %(number)d. Reload the page.", number=base), status=409)
    if base == 0:
        return {}
    found = db.scalar(select(PlanVersion.content).where(PlanVersion.plan_id == plan.id, PlanVersion.number == base,
                                                        PlanVersion.kind != "conflict").limit(1))
    if found is None:
        raise SubmissionError(_("This plan has no version %(number)d. Reload the page.", number=base), status=409)
    return found


def save(db, plan: Plan, user, base: int, sections: Mapping[str, dict[str, Any]], kind: str = "save",
         editing: str | None = None) -> Saved:
    """Merge the writer's sections into the plan (see the module); one new version if anything changed."""
    started_from = base_content(db, plan, base)
    content = dict(plan.content)
    section_versions = dict(plan.section_versions)
    taken: dict[str, dict[str, Any]] = {}
    conflicts: dict[str, dict[str, Any]] = {}
    for key, values in sections.items():
        if values == started_from.get(key, {}) or values == content.get(key, {}):
            continue
        if section_versions.get(key, 0) > base:
            conflicts[key] = values
            continue
        taken[key] = values
    now = utcnow()
    result = Saved(version=plan.version)
    if taken or (kind == "submit" and not conflicts):
        plan.version += 1
        for key, values in taken.items():
            content[key] = values
            section_versions[key] = plan.version
        plan.content, plan.section_versions, plan.updated_at = content, section_versions, now
        db.add(PlanVersion(plan_id=plan.id, number=plan.version, kind=kind, content=content,
                           changed=sorted(taken), saved_by=user.id, saved_at=now))
        result = Saved(version=plan.version, changed=sorted(taken))
    if conflicts:
        db.add(PlanVersion(plan_id=plan.id, number=plan.version, kind="conflict", content=conflicts,
                           changed=sorted(conflicts), saved_by=user.id, saved_at=now))
        result.conflicts = {key: {"yours": mine, "theirs": content.get(key, {})} for key, mine in conflicts.items()}
    if editing is not None:
        marks = {key: mark for key, mark in plan.editing.items() if mark.get("user") != user.id}
        marks[editing] = {"user": user.id, "name": display_name(user), "at": now.isoformat()}
        plan.editing = marks
    return result


def others_editing(plan: Plan | None, user_id: int) -> dict[str, str]:
    """Sections another co-author was writing in the last few minutes: ``{section: their name}``."""
    if plan is None:
        return {}
    fresh = utcnow() - EDITING_FRESH
    return {key: mark["name"] for key, mark in plan.editing.items()
            if mark.get("user") != user_id and datetime.fromisoformat(mark["at"]) >= fresh}


def versions(db, plan: Plan) -> list[PlanVersion]:
    """Every kept version, newest first (the plan's history: who changed which section, when)."""
    return list(db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                           .order_by(PlanVersion.number.desc(), PlanVersion.id.desc())))


def record_hand_in(db, plan: Plan, user) -> int:
    """Mark the plan's current text as the version handed in, in its history: the save that came
    with the hand-in becomes the ``submit`` version, or, when it changed nothing, a ``submit``
    version of the same text is added. The version number handed in."""
    pending = next((row for row in db.new if isinstance(row, PlanVersion) and row.plan_id == plan.id
                    and row.number == plan.version and row.kind == "save"), None)
    if pending is not None:
        pending.kind = "submit"
    else:
        plan.version += 1
        db.add(PlanVersion(plan_id=plan.id, number=plan.version, kind="submit", content=plan.content, changed=[],
                           saved_by=user.id, saved_at=utcnow()))
    return plan.version


def plan_name(group: CourseGroup | None, owner: User | None) -> str:
    """Whose plan it is, for its authors and instructors: the cooperative's group, or the learner
    writing alone (never shown to a peer reviewer)."""
    if group is not None:
        return group.title_for(current_locale())
    return display_name(owner) if owner is not None else ""


def name_of(db, plan: Plan) -> str:
    return plan_name(db.get(CourseGroup, plan.group_id) if plan.group_id is not None else None,
                     db.get(User, plan.owner_id) if plan.owner_id is not None else None)


@dataclass(frozen=True)
class Listed:
    """A plan on the instructors' list: whose, the sections still missing, handed in late or not."""

    plan: Plan
    name: str
    missing: list[str]
    late: bool


def every_plan(db, lesson) -> list[Listed]:
    """Every plan of the lesson, handed-in ones first, in one statement (the page and the API)."""
    rows = db.execute(select(Plan, CourseGroup, User).outerjoin(CourseGroup, CourseGroup.id == Plan.group_id)
                      .outerjoin(User, User.id == Plan.owner_id).where(Plan.lesson_id == lesson.id)
                      .order_by(Plan.submitted_at.is_(None), Plan.updated_at.desc(), Plan.id)).all()
    due = lesson.content.get("submission_due")
    return [Listed(plan, plan_name(group, owner),
                   [section["title"] for section in lesson.content["sections"]
                    if fields.missing(section, plan.content.get(section["key"], {}))],
                   bool(due and plan.submitted_at and plan.submitted_at.isoformat() > due))
            for plan, group, owner in rows]
