"""Plugins' state documents, kept by the core by scope (what Open edX XBlock calls field scopes).

One row is one JSON document of one plugin, named by the plugin (``key``), in one scope: a lesson
(shared by everyone who takes it), a learner in a lesson, a learner in a course, a learner across
the site, or a course group. ``subject`` spells the scope's ids as text (``u12/c3``) so that one
unique constraint on non-null columns keeps every document single, on SQLite and PostgreSQL alike
(NULLs are never equal in a unique constraint); the id columns repeat it with foreign keys, so
deleting a user, a course, a lesson or a group deletes their documents (ON DELETE CASCADE).

``version`` counts the writes: a write names the version it read, and the core refuses it when
the document has moved on (``elearn.state``). Plugins reach these rows only through
``elearn.plugin_api.StateDocument``, never as a model.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import JSONType, UTCDateTime


class Scope(StrEnum):
    """Whose a state document is; each names the objects that identify one document."""

    LESSON = "lesson"  # lesson=: the same for every learner (shared content-level state)
    LEARNER_LESSON = "learner_lesson"  # user=, lesson=
    LEARNER_COURSE = "learner_course"  # user=, course=
    LEARNER = "learner"  # user=: one learner across the site (a learning plan)
    GROUP = "group"  # group=: a course group (a cooperative's shared plan)


class PluginState(Base):
    __tablename__ = "plugin_state"
    __table_args__ = (UniqueConstraint("plugin", "scope", "subject", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(50))
    scope: Mapped[Scope] = mapped_column(
        Enum(Scope, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    subject: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("course_groups.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    version: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
