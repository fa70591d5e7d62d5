"""Background jobs: work that must not run inside a request (renditions, exports, digests, imports).

A plugin offers tasks through its ``elearn_tasks`` hook (``Task``), starts a job with
``enqueue`` and tells whoever started it where it stands (``GET /api/v1/jobs/<id>``); ``elearn
worker`` runs the jobs, and ``elearn demo`` runs a worker for itself. How a job travels, and why
Huey: elearn/jobs/queue.py. For plugins: docs/plugins.md, "Background jobs".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from elearn.jobs.queue import JobQueue, get_queue, init_app
from elearn.jobs.tasks import JobContext, JobError, QueuedJob, Task, crontab
from elearn.models.jobs import Job, JobStatus

JOB_ID = re.compile(r"[0-9a-f]{32}")  # what enqueue makes (uuid4().hex); anything else names no job


def enqueue(task: str, arguments: Mapping[str, Any] | None = None, *, key: str | None = None,
            user: Any = None, db: Session | None = None) -> QueuedJob:
    """Start the job ``task`` ("<plugin>.<name>") with JSON ``arguments``, in the transaction ``db``
    (the current request's or job's by default): it reaches the queue when that transaction commits.

    ``key`` makes it idempotent: while a job of this task with this key exists, the same job is
    answered (``created`` False) and nothing new runs; one that failed is queued again. Without a
    key each call starts a new job. ``user`` (a ``User`` or an id) is who may see its status.
    """
    if db is None:
        from elearn.db import db_session

        db = db_session()
    user_id = getattr(user, "id", user)
    return get_queue(current_app).enqueue(db, task, arguments, key=key, user_id=user_id)


def job_for(db: Session, job_id: str, user: Any) -> Job | None:
    """The job ``job_id`` if ``user`` started it; None otherwise (another's job is nobody's business)."""
    user_id = getattr(user, "id", user)
    if user_id is None or not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        return None
    job = db.get(Job, job_id)
    return job if job is not None and job.user_id == user_id else None


__all__ = [
    "Job",
    "JobContext",
    "JobError",
    "JobQueue",
    "JobStatus",
    "QueuedJob",
    "Task",
    "crontab",
    "enqueue",
    "get_queue",
    "init_app",
    "job_for",
]
