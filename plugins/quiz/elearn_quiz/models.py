"""The quiz plugin's own tables: attempts, and the append-only history of answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.plugin_api import Base, JSONType, UTCDateTime, utcnow


class AttemptState:
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    FINISHED = "finished"
    ABANDONED = "abandoned"


class QuizAttempt(Base):
    """One try at a quiz. ``open_key`` is "<user>:<lesson>" while the attempt is in progress and NULL
    after, so the unique constraint allows at most one open attempt per learner and lesson (on SQLite
    and PostgreSQL alike: NULLs never collide)."""

    __tablename__ = "x_quiz_attempts"
    __table_args__ = (
        UniqueConstraint("open_key", name="uq_x_quiz_attempts_open_key"),
        UniqueConstraint("user_id", "lesson_id", "number", name="uq_x_quiz_attempts_user_lesson_number"),
        Index("ix_x_quiz_attempts_lesson_pending", "lesson_id", "pending_grading"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    open_key: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(default=0)
    question_order: Mapped[list[Any]] = mapped_column(JSONType)
    seed: Mapped[int]
    fraction: Mapped[float | None]
    marks: Mapped[float | None]
    max_marks: Mapped[float | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Answers of the finished attempt still waiting for a person's mark (essays): while it is not 0 the
    # attempt's score is provisional. Kept beside ``result`` so the grading queue is a plain indexed query.
    pending_grading: Mapped[int] = mapped_column(default=0, server_default="0")


class QuizAnswerStep(Base):
    """One saved answer to one question. Never updated: the current answer is the latest step."""

    __tablename__ = "x_quiz_answer_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("x_quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int]
    response: Mapped[Any] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
