"""The job queue of one app: Huey carries job ids to the workers, the ``jobs`` table keeps the rest.

Why Huey: a small, long-kept queue library (since 2011, one maintainer, releases through 2026)
with the storages this project runs on: a SQLite file for the one-server demo (no service to
install), Redis when several workers or servers share the queue; retries with back-off,
periodic (crontab) tasks, an immediate mode for tests, and a thread-based consumer. Celery and
RQ need a broker service even for the demo; Dramatiq has no SQLite broker.

How a job travels:

1. ``enqueue`` (in a request, a command or another job) adds the job's row to the caller's
   transaction, ``queued``. The queue gets the job's id only once that transaction commits: a
   request that fails starts nothing, and the worker always finds the row.
2. A worker (``elearn worker``) takes the id, marks the row ``running`` in a short transaction
   of its own, then runs the task in its own app context and transaction; the task's writes and
   ``done`` are committed together. A job already ``done`` (the same id delivered twice) is not
   run again.
3. A task that raises is rolled back and marked ``queued`` again with the error and the time of
   its next attempt (Huey waits ``retry_delay``, then ``backoff`` times longer each time), or
   ``failed`` once no attempt is left. Huey's worker catches the exception: a failing task never
   takes the worker down, and one that raises ``SystemExit`` is turned into an ordinary failure.

Keys make starting a job idempotent: ``(task, key)`` is unique, so starting a job with a key
already used returns that job (a failed one is queued again). Without a key each call is a new
job. A periodic job's key is its slot (the UTC minute it is due), so two workers running the
schedule still run it once.

``JOBS_URL``: ``sqlite:///<path>`` (the default: ``jobs.sqlite3`` in the instance folder),
``redis://host:port/db``, or ``memory://`` (one process only). ``JOBS_IMMEDIATE``: run each job
in the process that started it, right after its transaction commits, retries at once (the
tests' mode). The web processes and the workers must run the same plugins.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import PeriodicTask
from huey.consumer import Consumer
from huey.signals import SIGNAL_ENQUEUED, SIGNAL_INTERRUPTED
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.db import get_database, insert_if_missing
from elearn.jobs.tasks import JobContext, JobError, QueuedJob, Task, crontab
from elearn.models.jobs import Job, JobStatus

if TYPE_CHECKING:
    from huey import Huey

    from elearn.plugins.manager import PluginRegistry

log = logging.getLogger("elearn.jobs")

CORE = "elearn"  # the plugin name of the core's own tasks
MAX_KEY = 200
ERROR_LENGTH = 2000
STORAGES = ("sqlite", "redis", "rediss", "unix", "memory")


class TaskCrashed(RuntimeError):
    """A task raised something that is not an ``Exception`` (``SystemExit``): an ordinary failure here,
    so Huey's worker catches it and goes on."""


class JobQueue:
    """The tasks every plugin offers, and the Huey instance that runs them (built on first use)."""

    def __init__(self, app: Flask, registry: PluginRegistry) -> None:
        self.app = app
        self.immediate = bool(app.config.get("JOBS_IMMEDIATE"))
        self.url = app.config.get("JOBS_URL") or f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite3'}"
        if self.url.partition("://")[0] not in STORAGES:
            raise ValueError(f"JOBS_URL {self.url!r}: use sqlite:///<file>, redis://<host>:<port>/<db> or memory://")
        self.tasks: dict[str, tuple[str, Task]] = {}
        self._huey: Huey | None = None
        self._wrappers: dict[str, Any] = {}
        self._lock = threading.Lock()
        for task in core_tasks():
            self._add(CORE, task, registry)
        for plugin, tasks in registry.call_each("elearn_tasks", at_startup=True):
            for task in tasks or []:
                self._add(plugin, task, registry)

    def _add(self, plugin: str, task: Any, registry: PluginRegistry) -> None:
        problem = task.problem() if isinstance(task, Task) else f"returned something that is not a Task: {task!r}"
        name = f"{plugin}.{getattr(task, 'name', '')}"
        if problem is None and name in self.tasks:
            problem = f"task {name!r} is already registered"
        if problem is not None:
            registry.failed.setdefault(plugin, problem)
            log.error("plugin %s: %s", plugin, problem)
            return
        self.tasks[name] = (plugin, task)

    # -- Huey ------------------------------------------------------------------------------

    @property
    def huey(self) -> Huey:
        with self._lock:
            if self._huey is None:
                self._huey = self._build()
            return self._huey

    def _build(self) -> Huey:
        options = {"name": self.app.config.get("JOBS_QUEUE") or "elearn", "results": False, "utc": True,
                   "immediate": self.immediate}
        scheme = self.url.partition("://")[0]
        if scheme == "sqlite":
            path = Path(self.url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(filename=str(path), **options)
        elif scheme in ("redis", "rediss", "unix"):
            huey = RedisHuey(url=self.url, **options)
        else:  # memory://
            huey = MemoryHuey(**options)
        for name, (_plugin, task) in self.tasks.items():
            self._wrappers[name] = self._register(huey, name, task)

        @huey.signal(SIGNAL_ENQUEUED)
        def stamp_slot(_signal: str, task: Any) -> None:
            # A periodic job's slot is the minute its scheduler found it due, carried with the job:
            # two workers' schedulers that minute make the same slot, however late each copy runs.
            if isinstance(task, PeriodicTask) and "slot" not in task.kwargs:
                task.kwargs = {**task.kwargs, "slot": _minute(utcnow())}

        @huey.signal(SIGNAL_INTERRUPTED)
        def requeue(_signal: str, task: Any) -> None:
            # A worker stopped at once (not gracefully) while running it: put it back, so the next
            # worker runs it (its transaction died with the worker; a job done meanwhile is skipped).
            log.warning("job %s interrupted by the worker's stop: queued again", task.id)
            huey.enqueue(task)

        return huey

    def _register(self, huey: Huey, name: str, task: Task):
        # In immediate mode a retry runs at once: tests do not wait for back-off.
        delay = 0 if self.immediate else task.retry_delay
        settings = {"retries": task.retries, "retry_delay": delay, "retry_backoff": task.backoff if delay else 0,
                    "context": True, "name": name}
        if task.schedule is None:

            def run(job_id: str, task: Any) -> None:
                self.execute(name, job_id, task.retries)

            return huey.task(**settings)(run)

        def run_periodic(task: Any, slot: str | None = None) -> None:
            self.execute_periodic(name, task, slot or _minute(utcnow()))

        return huey.periodic_task(task.schedule, **settings)(run_periodic)

    def consumer(self, workers: int = 2, periodic: bool = True, signals: bool = True) -> Consumer:
        """Huey's consumer for this queue, with threads; ``signals=False`` for one started in a thread
        (the tests), which cannot take the process's signals."""
        if self.immediate:
            raise RuntimeError("JOBS_IMMEDIATE is on: jobs run where they are started, there is no worker to run")
        huey = self.huey

        class ElearnConsumer(Consumer):
            def _set_signal_handlers(self) -> None:
                if signals:
                    super()._set_signal_handlers()

        # SIGTERM (systemd, docker, the demo) stops gracefully: running jobs finish first. SIGINT
        # (Ctrl+C) stops at once, and the jobs it interrupts are queued again.
        return ElearnConsumer(huey, workers=workers, periodic=periodic, worker_type="thread",
                              max_delay=2.0, scheduler_interval=1, graceful_signal="TERM")

    # -- starting jobs ---------------------------------------------------------------------

    def enqueue(self, db: Session, task: str, arguments: Mapping[str, Any] | None = None, *,
                key: str | None = None, user_id: int | None = None) -> QueuedJob:
        if task not in self.tasks:
            raise LookupError(f"no task {task!r}; the tasks are: {', '.join(sorted(self.tasks)) or 'none'}")
        plugin, spec = self.tasks[task]
        if spec.schedule is not None:
            raise ValueError(f"{task} is periodic: it runs on its schedule (or with run_now), not with enqueue")
        arguments = dict(arguments or {})
        try:
            json.dumps(arguments)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"the arguments of a job must be JSON: {exc}") from None
        job_id = uuid.uuid4().hex
        key = str(key) if key is not None else job_id
        if len(key) > MAX_KEY:
            raise ValueError(f"a job's key is at most {MAX_KEY} characters")
        insert_if_missing(db, Job, ["task", "key"], id=job_id, plugin=plugin, task=task, key=key,
                          status=JobStatus.QUEUED, user_id=user_id, arguments=arguments, attempts=0,
                          created_at=utcnow())
        job = db.scalar(select(Job).where(Job.task == task, Job.key == key).execution_options(populate_existing=True))
        send = job.id == job_id
        if not send and job.status == JobStatus.FAILED:
            # Started again after it failed for good: a fresh set of attempts.
            job.status, job.error, job.attempts, job.finished_at, job.next_attempt_at = \
                JobStatus.QUEUED, None, 0, None, None
            job.arguments = arguments
            db.flush()
            send = True
        if send:
            self._send_after_commit(db, task, job.id)
        return QueuedJob(job.id, job.status.value, job.id == job_id)

    def run_now(self, task: str) -> str:
        """Queue a periodic task now, outside its schedule (by hand, or in a test); its job's id."""
        if task not in self.tasks or self.tasks[task][1].schedule is None:
            raise LookupError(f"no periodic task {task!r}")
        instance = self._wrapper(task).s()
        self.huey.enqueue(instance)
        return uuid.UUID(instance.id).hex

    def _wrapper(self, task: str):
        _ = self.huey  # built, with every task registered
        return self._wrappers[task]

    def _send_after_commit(self, db: Session, task: str, job_id: str) -> None:
        outbox = db.info.setdefault("elearn_jobs_outbox", [])
        outbox.append((task, job_id))
        if not db.info.get("elearn_jobs_listening"):
            db.info["elearn_jobs_listening"] = True
            event.listen(db, "after_commit", self._flush_outbox)
            event.listen(db, "after_rollback", _forget_outbox)

    def _flush_outbox(self, db: Session) -> None:
        outbox, db.info["elearn_jobs_outbox"] = db.info.get("elearn_jobs_outbox", []), []
        for task, job_id in outbox:
            try:
                self.huey.enqueue(self._wrapper(task).s(job_id, id=job_id))
            except Exception:
                # The row says queued; the job is lost to the queue (its storage is down).
                log.exception("job %s (%s) could not be sent to the queue", job_id, task)

    # -- running jobs ----------------------------------------------------------------------

    def execute(self, task_name: str, job_id: str, retries_left: int) -> None:
        """Run one attempt of a job (Huey's task body): claim it, run it, record what happened."""
        _plugin, task = self.tasks[task_name]
        with self.app.app_context():
            database = get_database(self.app)
            with database.transaction() as db:
                claimed = db.execute(
                    update(Job).where(Job.id == job_id, Job.status != JobStatus.DONE)
                    .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_at=utcnow(),
                            next_attempt_at=None)
                ).rowcount
                job = db.get(Job, job_id) if claimed else None
            if job is None:
                log.info("job %s (%s) is done already or unknown: not run", job_id, task_name)
                return
            try:
                with database.transaction() as db:
                    g.db_session = db
                    try:
                        context = JobContext(id=job.id, task=task_name, key=job.key, attempt=job.attempts,
                                             user_id=job.user_id, db=db, app=self.app, arguments=job.arguments)
                        result = task.run(context, **job.arguments)
                        json.dumps(result)
                        db.execute(update(Job).where(Job.id == job_id).values(
                            status=JobStatus.DONE, result=result, error=None, finished_at=utcnow()))
                    finally:
                        g.pop("db_session", None)
            except JobError as exc:
                self._record_failure(job, task, exc.message, final=not exc.retry or retries_left <= 0)
                if exc.retry and retries_left > 0:
                    raise
            except Exception as exc:
                self._record_failure(job, task, _describe(exc), final=retries_left <= 0)
                raise
            except KeyboardInterrupt:
                self._record_failure(job, task, "interrupted: the worker was stopped", final=True)
                raise
            except BaseException as exc:
                self._record_failure(job, task, _describe(exc), final=retries_left <= 0)
                raise TaskCrashed(_describe(exc)) from exc

    def _record_failure(self, job: Job, task: Task, error: str, final: bool) -> None:
        now = utcnow()
        values: dict[str, Any] = {"error": error[:ERROR_LENGTH]}
        if final:
            values.update(status=JobStatus.FAILED, finished_at=now)
        else:
            delay = 0 if self.immediate else task.delay_after(job.attempts)
            values.update(status=JobStatus.QUEUED, next_attempt_at=now + timedelta(seconds=delay))
        log.warning("job %s (%s) attempt %d failed%s: %s", job.id, job.task, job.attempts,
                    "" if final else ", will be retried", error)
        try:
            with get_database(self.app).transaction() as db:
                db.execute(update(Job).where(Job.id == job.id).values(**values))
        except Exception:
            log.exception("job %s: its failure could not be recorded", job.id)

    def execute_periodic(self, task_name: str, huey_task: Any, slot: str) -> None:
        """A periodic task's run: its row is made on its first attempt, keyed by its slot (the UTC
        minute it was due), so a second worker running the same schedule finds the slot taken."""
        job_id = uuid.UUID(huey_task.id).hex
        plugin, _task = self.tasks[task_name]
        with self.app.app_context(), get_database(self.app).transaction() as db:
            if db.get(Job, job_id) is None:  # not a retry
                insert_if_missing(db, Job, ["task", "key"], id=job_id, plugin=plugin, task=task_name, key=slot,
                                  status=JobStatus.QUEUED, user_id=None, arguments={}, attempts=0,
                                  created_at=utcnow())
                owner = db.scalar(select(Job.id).where(Job.task == task_name, Job.key == slot))
                if owner != job_id:
                    log.info("periodic %s for %s already run (job %s)", task_name, slot, owner)
                    return
        self.execute(task_name, job_id, huey_task.retries)

    # -- reading ---------------------------------------------------------------------------

    def recent_by_plugin(self, db: Session, per_plugin: int = 10) -> dict[str, list[Job]]:
        """Each plugin's latest jobs, newest first (one query)."""
        rank = func.row_number().over(partition_by=Job.plugin, order_by=(Job.created_at.desc(), Job.id)).label("rank")
        ranked = select(Job.id, rank).subquery()
        rows = db.scalars(select(Job).join(ranked, ranked.c.id == Job.id).where(ranked.c.rank <= per_plugin)
                          .order_by(Job.plugin, Job.created_at.desc(), Job.id))
        found: dict[str, list[Job]] = {}
        for job in rows:
            found.setdefault(job.plugin, []).append(job)
        return found

    def describe_storage(self) -> str:
        """Where the queue is, for /admin/plugins: the URL without a password."""
        if self.immediate:
            return "immediate (JOBS_IMMEDIATE)"
        scheme, _sep, rest = self.url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"


def _minute(when) -> str:
    return when.astimezone(UTC).replace(second=0, microsecond=0).isoformat(timespec="minutes")


def _forget_outbox(db: Session) -> None:
    db.info["elearn_jobs_outbox"] = []


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- the core's own tasks ---------------------------------------------------------------------


def prune_jobs(job: JobContext) -> dict[str, int]:
    """Forget finished jobs older than ``JOBS_KEEP_DAYS`` (30): the table stays small."""
    before = utcnow() - timedelta(days=float(job.app.config.get("JOBS_KEEP_DAYS") or 30))
    deleted = job.db.execute(delete(Job).where(Job.status.in_([JobStatus.DONE, JobStatus.FAILED]),
                                               Job.finished_at < before)).rowcount
    return {"deleted": deleted}


def core_tasks() -> Iterable[Task]:
    return [Task("prune_jobs", prune_jobs, schedule=crontab(minute="30", hour="19"),  # 02:30 in Vietnam
                 description=_l("Forget finished jobs older than JOBS_KEEP_DAYS (30 days by default)"))]


def get_queue(app: Flask) -> JobQueue:
    return app.extensions["elearn_jobs"]


def init_app(app: Flask, registry: PluginRegistry) -> JobQueue:
    queue = JobQueue(app, registry)
    app.extensions["elearn_jobs"] = queue
    return queue

