"""Groups of learners within a course, for activities that split a class.

Groups come in sets (a "group set" names one way of splitting the class: a
``track`` such as urban ward / rural commune, a ``district``, a ``class``), and
a learner is in at most one group of each set. An activity then names the set
it uses: a discussion split by ``track`` shows each learner their own track's
threads. This is the core's because several lesson types need the same groups.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import UTCDateTime
from elearn.models.courses import Course, Titled

# Sets and keys are named by plugins' settings and content packs, so they are plain slugs; the
# instructors' forms, the API and pack.yaml all check them against these.
GROUP_SET = re.compile(r"[a-z0-9-]{1,50}")
GROUP_KEY = re.compile(r"[a-z0-9-]{1,100}")
TITLE_MAX = 300


class CourseGroupSet(Base):
    """A set's own settings. ``course_groups.group_set`` names the set by text, so a set without a
    row here (a plugin's, say) simply has the defaults: instructors place the learners."""

    __tablename__ = "course_group_sets"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    learners_choose: Mapped[bool] = mapped_column(default=False)
    # What learners read ("Địa bàn"), when a pack gives it; the name ("track") otherwise.
    title_vi: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")

    def title_for(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else self.title_vi) or self.name


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


# Whether the course page needs the learner's group choices, answered inside the query that loads the
# course (deferred: only the course page asks), so a course without such sets costs no extra query.
Course.has_learner_chosen_groups = column_property(
    exists().where(CourseGroupSet.course_id == Course.id, CourseGroupSet.learners_choose.is_(True)),
    deferred=True,
)
# Whether the course has any group: the course page shows an enrolled learner their groups only then.
Course.has_groups = column_property(exists().where(CourseGroup.course_id == Course.id), deferred=True)
