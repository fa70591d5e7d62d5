"""Background jobs as the site sees them: who started what, where it stands, what came of it.

The queue itself (Huey, elearn/jobs) only carries a job's id to a worker; the job's status lives
here, in the site's database, so that the person who started it can ask about it
(``GET /api/v1/jobs/<id>``), /admin/plugins can list each plugin's recent jobs, and a task's own
writes and its "done" are committed in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import JSONType, UTCDateTime


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker, or for its next attempt after a failure
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # no attempt left, or the task said retrying would not help


class Job(Base):
    """One job. ``(task, key)`` is unique: starting a job again with the same key is the same job."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("task", "key"),
        Index("ix_jobs_plugin_created", "plugin", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex, also Huey's task id
    plugin: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(200))  # "<plugin>.<task>"
    key: Mapped[str] = mapped_column(String(200))
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=JobStatus.QUEUED,
    )
    # Who started it (None: the site itself, a periodic task); their job only, to them.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[Any | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
