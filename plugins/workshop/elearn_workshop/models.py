"""The workshop's tables: one plan per cooperative (or per learner), every saved version of it,
the reviews it gets, and the phase each workshop lesson is in.

A plan's ``content`` is ``{section key: {field key: value}}``; ``section_versions`` says at which
plan version each section last changed, which is what lets two co-authors save at once without
either losing text (``plans.save``: a section changed by someone else since the version a writer
started from is a conflict, not an overwrite).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.plugin_api import Base, JSONType, UTCDateTime, utcnow

PHASES = ("open", "assessment", "feedback", "closed")
"""open: drafting and submitting; assessment: plans are locked and reviewed; feedback: reviews are
published and authors may revise; closed: nothing changes any more."""


class Plan(Base):
    __tablename__ = "x_workshop_plans"
    __table_args__ = (UniqueConstraint("lesson_id", "group_id", name="uq_x_workshop_plans_lesson_group"),
                      UniqueConstraint("lesson_id", "owner_id", name="uq_x_workshop_plans_lesson_owner"))

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("course_groups.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    section_versions: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    editing: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # section → {user, name, at}
    version: Mapped[int] = mapped_column(default=0)
    submitted_version: Mapped[int | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanVersion(Base):
    """A saved state of a plan. ``kind``: ``save``, ``submit``, or ``conflict`` (a writer's text for
    sections someone else had changed meanwhile: kept here, never lost, not in the plan)."""

    __tablename__ = "x_workshop_versions"
    __table_args__ = (Index("ix_x_workshop_versions_plan_id_number", "plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("x_workshop_plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(10), default="save")
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    changed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Review(Base):
    """An assessment of a plan with the lesson's rubric: by an instructor, a peer or the authors
    themselves (``self``). Authors see an instructor's or a peer's review only once the lesson's
    feedback is published, and a peer's never with the reviewer's name when reviews are anonymous."""

    __tablename__ = "x_workshop_reviews"
    __table_args__ = (UniqueConstraint("plan_id", "reviewer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("x_workshop_plans.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # instructor | peer | self
    assessment: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    done: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LessonPhase(Base):
    __tablename__ = "x_workshop_phases"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    phase: Mapped[str] = mapped_column(String(12), default="open")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
