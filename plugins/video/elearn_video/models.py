"""The video plugin's tables: what each learner watched of each video, and the batches received.

The watched intervals are kept merged on one row per learner and lesson, so the share is a sum
over a short list and an instructor's report reads one row per learner, never the reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.plugin_api import Base, JSONType, UTCDateTime, utcnow


class Watch(Base):
    __tablename__ = "x_video_watches"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # [[start, end], ...] in seconds, merged, sorted, inside the video's duration.
    intervals: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    share: Mapped[float] = mapped_column(default=0.0)  # watched_seconds / duration, 0 to 1
    position: Mapped[float] = mapped_column(default=0.0)
    last_watched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(Base):
    """A report already counted: the same ``batch_id`` sent again (a retried request, a beacon
    after a fetch that did arrive) changes nothing."""

    __tablename__ = "x_video_batches"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
