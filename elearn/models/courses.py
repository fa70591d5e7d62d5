"""What is taught: courses made of ordered modules made of ordered lessons.

A lesson names its type (provided by a plugin) and carries that type's content
as JSON. The core never looks inside ``content``. Lessons and modules have a
stable ``key`` so a content pack can be upgraded without losing anyone's
progress; removed ones are retired (``retired_at``), never deleted.

``content`` is the canonical content, in Vietnamese: what learners' records (answers,
scores) refer to. ``translations`` holds the same lesson in other languages, as its type
imported them (``LessonType.import_translation``), and ``content_languages`` says which
languages the lesson has, so outlines can say so without loading the translations.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy import inspect as inspect_row
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import JSONType, UTCDateTime

# The language every content pack must give: a lesson's ``content`` is in it.
CANONICAL_LOCALE = "vi"


def languages_of(translations: dict[str, Any]) -> list[str]:
    """A lesson's ``content_languages``: Vietnamese, then the languages it is translated into."""
    return [CANONICAL_LOCALE, *sorted(translations)]


class Titled:
    """Columns and lookup for text kept in Vietnamese and English."""

    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")

    def title_for(self, locale: str) -> str:
        if locale == "en" and self.title_en:
            return self.title_en
        return self.title_vi


class Course(Titled, Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    summary_vi: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    is_published: Mapped[bool] = mapped_column(default=True)
    pack_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    def summary_for(self, locale: str) -> str:
        if locale == "en" and self.summary_en:
            return self.summary_en
        return self.summary_vi


class Module(Titled, Base):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(Titled, Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    type_name: Mapped[str] = mapped_column(String(50))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Loaded only when read: a page in Vietnamese never needs it (the lesson page asks for it in English).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSONType, default=dict, deferred=True)
    content_languages: Mapped[list[str]] = mapped_column(JSONType, default=lambda: [CANONICAL_LOCALE])
    # Raised whenever the lesson's titles, content or translations change (a pack upgrade, any edit:
    # ``_raise_content_version``): the render cache keys a lesson's shared parts by it. A new lesson
    # starts at a random number, as SQLite may give a new lesson the id of one deleted before it.
    content_version: Mapped[int] = mapped_column(default=lambda: secrets.randbelow(2**30), server_default="1")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[Module] = relationship(back_populates="lessons")
    course: Mapped[Course] = relationship()

    def content_locale(self, locale: str) -> str:
        """The language a reader of ``locale`` is served: ``locale`` if the lesson has it, else Vietnamese."""
        return locale if locale in (self.content_languages or ()) else CANONICAL_LOCALE

    def content_for(self, locale: str) -> dict[str, Any]:
        """The stored content in ``content_locale(locale)``: a translation, or the canonical content."""
        served = self.content_locale(locale)
        return self.content if served == CANONICAL_LOCALE else self.translations[served]


_SHOWN = ("title_vi", "title_en", "content", "translations", "content_languages")


@event.listens_for(Lesson, "before_update")
def _raise_content_version(_mapper, _connection, lesson: Lesson) -> None:
    """A new content version for every change to what the lesson shows, however it was written (a pack
    install sets every field, changed or not: only a different value counts), so no worker or server
    serves a cached rendering of the old content; a value that was never loaded counts as changed."""
    state = inspect_row(lesson)
    for name in _SHOWN:
        history = state.attrs[name].history
        if history.added and (not history.deleted or history.added[0] != history.deleted[0]):
            lesson.content_version = (lesson.content_version or 1) + 1
            return


class CourseInstructor(Base):
    """An instructor who teaches (and may moderate and grade in) one course."""

    __tablename__ = "course_instructors"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
