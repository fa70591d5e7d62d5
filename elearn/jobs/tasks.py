"""What a plugin declares and receives: a ``Task``, the ``JobContext`` it runs with, ``JobError``.

These are the plugin-facing pieces of the job queue (elearn/jobs/queue.py runs them); they are
re-exported by ``elearn.plugin_api``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from huey import crontab

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

__all__ = ["JobContext", "JobError", "QueuedJob", "Task", "crontab"]

TASK_NAME = re.compile(r"[a-z][a-z0-9_]{0,60}")


@dataclass(frozen=True)
class Task:
    """A task a plugin offers, returned from its ``elearn_tasks`` hook.

    ``run(job, **arguments)`` is called by a worker with a ``JobContext`` and the JSON arguments
    the job was started with; what it returns (JSON, or None) is kept as the job's result. It
    runs in its own app context and database transaction (``job.db``), committed with the
    job's "done": a task that raises leaves no write behind.

    A task that raises is tried again, ``retries`` times, the first time ``retry_delay``
    seconds later and each later time ``backoff`` times longer (10 s, 20 s, 40 s by default);
    raise ``JobError(message)`` for a failure that trying again cannot mend.

    ``schedule`` makes it periodic: ``crontab(minute="0", hour="0")`` runs it every day at
    00:00 UTC (07:00 in Vietnam), once per slot however many workers run (the slot is the
    job's key). A periodic task takes no arguments.
    """

    name: str  # the job's task is "<plugin>.<name>": lower case, digits and "_"
    run: Callable[..., Any]
    retries: int = 3
    retry_delay: float = 10.0
    backoff: float = 2.0
    schedule: Callable[[datetime], bool] | None = None
    description: str = ""  # shown on /admin/plugins: a lazy_gettext string, so it is in the admin's language

    def problem(self) -> str | None:
        """Why the task cannot be registered, or None."""
        if not isinstance(self.name, str) or not TASK_NAME.fullmatch(self.name):
            return f"task name {self.name!r} is not lower case letters, digits and _"
        if not callable(self.run):
            return f"task {self.name!r}: run is not callable"
        if self.retries < 0 or self.retry_delay < 0 or self.backoff < 1:
            return f"task {self.name!r}: retries and retry_delay must be >= 0 and backoff >= 1"
        return None

    def delay_after(self, attempt: int) -> float:
        """Seconds between the failure of attempt ``attempt`` (1 is the first) and the next one."""
        return self.retry_delay * self.backoff ** max(attempt - 1, 0)


@dataclass(frozen=True)
class QueuedJob:
    """What ``enqueue`` answers: the job's id (for ``GET /api/v1/jobs/<id>``), its status, and
    whether this call queued it (False: a job with that key existed and is the one returned)."""

    id: str
    status: str
    created: bool


@dataclass
class JobContext:
    """What a running task gets as its first argument."""

    id: str
    task: str
    key: str
    attempt: int  # 1 for the first try
    user_id: int | None  # who started it; None for a periodic job
    db: Session  # the task's transaction (also what ``db_session()`` answers inside the task)
    app: Flask
    arguments: Mapping[str, Any] = field(default_factory=dict)

    def enqueue(self, task: str, arguments: Mapping[str, Any] | None = None, *, key: str | None = None,
                user: Any = None) -> QueuedJob:
        """Start another job from this one, in this job's transaction: it is sent to the queue only
        if this job succeeds (a digest fanning out one job per recipient)."""
        from elearn.jobs import enqueue

        return enqueue(task, arguments, key=key, user=user, db=self.db)


class JobError(Exception):
    """A task's failure that retrying cannot mend (a file with bad rows): the job fails at once,
    with this message for whoever started it. ``retry=True`` retries it like any other failure."""

    def __init__(self, message: str, retry: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
