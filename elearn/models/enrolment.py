"""Ways into courses other than one click: enrolment codes, and programmes followed by cohorts.

An enrolment code lets whoever types it (or scans its QR code) into one course, and into one of its
groups when it names one. ``uses`` is counted by a conditional UPDATE (``uses < max_uses``), never
read then written, so two learners redeeming the last use at once cannot both get in.

A programme is an ordered list of courses with target dates; a course of it may require completing
other courses of it first (``programme_prerequisites``). A cohort is a named set of learners who
follow one programme: adding a learner enrols them in all its courses at once, and the programme's
prerequisites bind the learners of its cohorts (a learner outside them enrols in a course as before).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import UTCDateTime
from elearn.models.courses import Course, Titled

# Easy to read aloud and to type on a phone: no 0/O, no 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class EnrolmentCode(Base):
    __tablename__ = "enrolment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # A code whose group is deleted keeps enrolling in the course, into no group.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("course_groups.id", ondelete="SET NULL"), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Programme(Titled, Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgrammeCourse(Base):
    """One course of a programme, at its place in the order, with the date to complete it by."""

    __tablename__ = "programme_courses"
    __table_args__ = (UniqueConstraint("programme_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    target_date: Mapped[date | None] = mapped_column(Date)


class ProgrammePrerequisite(Base):
    """In ``programme_id``, ``course_id`` opens once ``required_course_id`` is completed."""

    __tablename__ = "programme_prerequisites"
    __table_args__ = (Index("ix_programme_prerequisites_course", "course_id"),)

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    required_course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CohortMember(Base):
    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Whether any programme puts a prerequisite on the course: loaded with the course where a page needs it
# (deferred), so a course without prerequisites costs its pages no query for the lock.
Course.has_prerequisites = column_property(
    exists().where(ProgrammePrerequisite.course_id == Course.id), deferred=True
)
