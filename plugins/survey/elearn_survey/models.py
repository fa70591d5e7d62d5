"""The survey plugin's tables: responses, drafts being written, and who has responded.

An anonymous survey's response carries no user id, no time and no order (its id is random), and
the marker that a learner has responded (``Respondent``) names no response: nobody, not even
with the database, can tell whose answers a response holds. A named survey's response keeps its
user and the day it was sent. ``profile`` is what the respondent's profile said when they sent it
(cooperative kind, area, track, position), so results can be filtered without linking anyone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.plugin_api import Base, JSONType, UTCDateTime, utcnow


class Response(Base):
    __tablename__ = "x_survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random: says nothing about when
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    others: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # "other: ___" texts by question
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    sent_on: Mapped[date | None] = mapped_column(Date)  # named surveys only


class Draft(Base):
    """Answers saved but not sent yet (save and continue later), and the page the learner is on."""

    __tablename__ = "x_survey_drafts"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    others: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    page: Mapped[int] = mapped_column(default=0)
    problems: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # question id → why it was not taken
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Respondent(Base):
    """That a learner has responded: one response each. No time, no link to the response."""

    __tablename__ = "x_survey_respondents"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
