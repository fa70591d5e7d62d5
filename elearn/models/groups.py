"""Groups of learners within a course, for activities that split a class.

Groups come in sets (a "group set" names one way of splitting the class: a
``track`` such as urban ward / rural commune, a ``district``, a ``class``), and
a learner is in at most one group of each set. An activity then names the set
it uses: a discussion split by ``track`` shows each learner their own track's
threads. This is the core's because several lesson types need the same groups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import UTCDateTime
from elearn.models.courses import Titled


class CourseGroup(Titled, Base):
    __tablename__ = "course_groups"
    __table_args__ = (UniqueConstraint("course_id", "group_set", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    group_set: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupMember(Base):
    """A learner's place in one group. ``course_id`` and ``group_set`` repeat the group's, so the
    database itself keeps a learner to one group per set."""

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("course_id", "group_set", "user_id"),
        Index("ix_group_members_user_course", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("course_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    group_set: Mapped[str] = mapped_column(String(50))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
