"""Background jobs: started from a request, run by a worker (at once in the tests' immediate mode,
or by a real Huey worker consuming the SQLite queue in this process), retried with back-off,
their status visible to whoever started them and nobody else, and on /admin/plugins.

The tasks are the fixture plugin's (tests/fixtures/job_plugin), installed as pip would.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from elearn.cli import main
from elearn.jobs import get_queue
from elearn.models import Job, User
from elearn.testing import FakeClock, fresh, run_periodic
from elearn.testing import test_config as config_for


@pytest.fixture
def immediate() -> bool:
    """Jobs run where they are started (the tests' mode); parametrize with False for a real queue."""
    return True


REDIS = os.environ.get("ELEARN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def storage() -> str:
    """Where a real queue is: a SQLite file (the default); parametrize with "redis" for Redis."""
    return "sqlite"


@pytest.fixture
def app_config(jobs_plugin, database_url, tmp_path, immediate, storage):
    if storage == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        except redis.RedisError:
            pytest.skip(f"no Redis answers at {REDIS} (ELEARN_TEST_REDIS_URL)")
        url, queue = REDIS, f"elearn-test-{uuid.uuid4().hex}"  # a queue of this test's own
    else:
        url, queue = f"sqlite:///{tmp_path / 'queue' / 'jobs.sqlite3'}", "elearn"
    return config_for(database_url, tmp_path, JOBS_IMMEDIATE=immediate, JOBS_URL=url, JOBS_QUEUE=queue)


@pytest.fixture
def start(client, api_token):
    """``start(user, task, arguments, key=None, then_fail=False)``: the fixture plugin's API route,
    which starts the job ``jobdemo.<task>`` for the caller; returns the response."""
    tokens = {}

    def do(user, task: str, arguments: dict | None = None, key: str | None = None, then_fail: bool = False):
        if user.id not in tokens:
            tokens[user.id] = api_token(user)
        body = {"arguments": arguments or {}, "key": key, "then_fail": then_fail}
        return client.post(f"/api/v1/x/jobdemo/start/{task}", json=body,
                           headers={"Authorization": f"Bearer {tokens[user.id]}"})

    do.tokens = tokens
    return do


@pytest.fixture
def status(client, start):
    """``status(user, job_id)``: ``GET /api/v1/jobs/<id>`` as that user (who must have started a job)."""

    def do(user, job_id: str):
        return client.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {start.tokens[user.id]}"})

    return do


def started(response) -> str:
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_a_job_started_from_a_request_runs_and_its_starter_sees_the_result(learner, start, status):
    job_id = started(start(learner, "echo", {"word": "xin chào"}))

    answer = status(learner, job_id)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "done"
    assert body["task"] == "jobdemo.echo"
    assert body["attempts"] == 1
    assert body["error"] is None
    assert body["result"] == {"echo": {"word": "xin chào"}, "attempt": 1, "user_id": learner.id}
    assert body["started_at"] and body["finished_at"]


def test_another_user_or_nobody_cannot_see_a_job(client, learner, make_user, start, status, api_token):
    job_id = started(start(learner, "echo"))
    other = make_user("learner")
    admin = make_user("admin")
    for person in (other, admin):
        start.tokens[person.id] = api_token(person)
        answer = status(person, job_id)
        assert answer.status_code == 404
        assert answer.get_json()["error"]
    assert status(other, "0" * 32).status_code == 404  # no such job: the same answer
    assert status(learner, job_id.upper() + "%00").status_code == 404  # not an id at all
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401


def test_a_failed_attempt_is_retried_until_it_succeeds(learner, start, status):
    body = status(learner, started(start(learner, "flaky", {"fail_times": 2}))).get_json()
    assert body["status"] == "done"
    assert body["attempts"] == 3
    assert body["error"] is None
    assert body["result"] == {"attempt": 3}


def test_a_job_that_keeps_failing_fails_with_its_error_after_its_retries(learner, start, status):
    body = status(learner, started(start(learner, "flaky", {"fail_times": 99}))).get_json()
    assert body["status"] == "failed"
    assert body["attempts"] == 4  # the first try and 3 retries
    assert body["error"] == "ConnectionError: attempt 4 failed"
    assert body["finished_at"]


@pytest.mark.parametrize(("how", "attempts", "error"), [
    ("retry", 4, "RuntimeError: failed after the write"),
    ("final", 1, "This name is refused."),  # a JobError: no retry, its message for the starter
])
def test_a_failed_attempt_leaves_no_write_behind(db, learner, start, status, how, attempts, error):
    name = learner.name
    job_id = started(start(learner, "rename", {"user_id": learner.id, "name": "Đổi tên", "fail": how}))
    body = status(learner, job_id).get_json()
    assert (body["status"], body["attempts"], body["error"]) == ("failed", attempts, error)
    assert fresh(db).get(User, learner.id).name == name


def test_a_task_writes_in_its_own_transaction_committed_with_done(db, learner, start, status):
    job_id = started(start(learner, "rename", {"user_id": learner.id, "name": "Tên mới"}))
    assert status(learner, job_id).get_json()["status"] == "done"
    assert fresh(db).get(User, learner.id).name == "Tên mới"


def test_a_key_makes_starting_a_job_idempotent(db, learner, start, status):
    first = start(learner, "echo", {"n": 1}, key="export-course-7")
    again = start(learner, "echo", {"n": 2}, key="export-course-7")
    assert first.get_json()["created"] is True
    assert again.get_json()["created"] is False
    assert again.get_json()["id"] == first.get_json()["id"]
    body = status(learner, first.get_json()["id"]).get_json()
    assert body["attempts"] == 1 and body["result"]["echo"] == {"n": 1}  # ran once, with the first arguments
    other = start(learner, "echo", {"n": 3})  # no key: a new job each time
    assert other.get_json()["id"] != first.get_json()["id"]
    assert fresh(db).scalar(select(func.count()).select_from(Job)) == 2


def test_a_failed_job_started_again_with_its_key_runs_again(learner, start, status):
    failed = started(start(learner, "flaky", {"fail_times": 99}, key="k"))
    assert status(learner, failed).get_json()["status"] == "failed"
    again = start(learner, "flaky", {"fail_times": 0}, key="k")
    assert again.get_json()["id"] == failed
    body = status(learner, failed).get_json()
    assert (body["status"], body["attempts"], body["error"]) == ("done", 1, None)


def test_a_request_that_fails_starts_no_job(db, learner, start):
    answer = start(learner, "rename", {"user_id": learner.id, "name": "Không được"}, then_fail=True)
    assert answer.status_code == 409
    assert fresh(db).scalar(select(func.count()).select_from(Job)) == 0
    assert fresh(db).get(User, learner.id).name != "Không được"


def test_a_periodic_task_runs_once_per_slot_however_many_workers_run_it(app, db, monkeypatch):
    clock = FakeClock(datetime(2026, 12, 4, 1, 0, 5, tzinfo=UTC))
    monkeypatch.setattr("elearn.jobs.queue.utcnow", clock)
    run_periodic(app, "jobdemo.tick")
    clock.advance(seconds=20)
    run_periodic(app, "jobdemo.tick")  # a second worker's scheduler, the same minute
    jobs = list(fresh(db).scalars(select(Job).where(Job.task == "jobdemo.tick")))
    assert [(job.status.value, job.user_id) for job in jobs] == [("done", None)]
    assert jobs[0].result == {"key": jobs[0].key}

    clock.advance(hours=1)
    run_periodic(app, "jobdemo.tick")
    assert fresh(db).scalar(select(func.count()).where(Job.task == "jobdemo.tick")) == 2


def test_admin_plugins_lists_each_plugins_tasks_and_latest_jobs(client, admin, learner, login, start):
    start(learner, "echo")
    start(learner, "flaky", {"fail_times": 99})
    login(client, admin)
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "jobdemo.tick" in page and "jobdemo.echo" in page and "discussion.digest" in page
    assert "ConnectionError: attempt 4 failed" in page
    assert page.count('class="job-done"') == 1 and page.count('class="job-failed"') == 1


# -- a real worker on the SQLite queue ---------------------------------------------------------


def wait_for(check, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("gave up waiting")


@pytest.mark.parametrize("immediate", [False])
@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_real_worker_runs_queued_jobs_and_survives_a_crashing_one(app, learner, start, status, tmp_path, storage):
    crashing = started(start(learner, "crash"))
    job_id = started(start(learner, "echo", {"word": "sau"}))
    assert status(learner, job_id).get_json()["status"] == "queued"  # nobody has run it yet
    queue = get_queue(app)
    assert queue.huey.pending_count() == 2  # waiting in the SQLite file, or in Redis
    assert (tmp_path / "queue" / "jobs.sqlite3").is_file() == (storage == "sqlite")

    consumer = queue.consumer(workers=1, periodic=False, signals=False)
    consumer.start()
    try:
        done = wait_for(lambda: (body := status(learner, job_id).get_json())["status"] == "done" and body)
    finally:
        consumer.stop(graceful=True)
        if storage == "redis":
            queue.huey.storage.flush_all()
    assert done["result"]["echo"] == {"word": "sau"}
    crashed = status(learner, crashing).get_json()
    assert (crashed["status"], crashed["error"]) == ("failed", "SystemExit: 3")


@pytest.mark.parametrize("immediate", [False])
def test_a_job_interrupted_by_a_stop_is_queued_again_and_runs_once(app, learner, start, status, tmp_path):
    queue = get_queue(app)
    job_id = started(start(learner, "hold", {"folder": str(tmp_path)}))
    consumer = queue.consumer(workers=1, periodic=False, signals=False)
    consumer.start()
    try:
        wait_for(lambda: (tmp_path / "started").exists())
        queue.huey.notify_interrupted_tasks()  # what the worker does when stopped at once (Ctrl+C)
        assert queue.huey.pending_count() == 1  # back in the queue
        (tmp_path / "release").touch()  # here the job finishes after all; in a real stop it dies
        wait_for(lambda: status(learner, job_id).get_json()["status"] == "done")
        wait_for(lambda: queue.huey.pending_count() == 0)
    finally:
        consumer.stop(graceful=True)
    assert status(learner, job_id).get_json()["attempts"] == 1  # the second delivery found it done


@pytest.mark.parametrize("immediate", [False])
def test_retries_wait_longer_each_time(app, learner, start, status):
    """The worker's own steps, one at a time (take a job, run it; the scheduler moves due retries
    back to the queue): the retry of ``flaky`` waits 30 s, then 60 s."""
    queue = get_queue(app)
    huey = queue.huey
    job_id = started(start(learner, "flaky", {"fail_times": 2}))

    def attempt(now: datetime | None = None):
        when = None if now is None else now.astimezone(UTC).replace(tzinfo=None)  # Huey's time: naive UTC
        if when is not None:
            for task in huey.read_schedule(when):
                huey.enqueue(task)
        task = huey.dequeue()
        assert task is not None, "nothing due"
        huey.execute(task, when)
        return status(learner, job_id).get_json()

    first = attempt()
    assert (first["status"], first["attempts"], first["error"]) == ("queued", 1, "ConnectionError: attempt 1 failed")
    failed_at = datetime.fromisoformat(first["started_at"])
    retry_at = datetime.fromisoformat(first["next_attempt_at"])
    assert timedelta(seconds=29) < retry_at - failed_at < timedelta(seconds=32)
    assert huey.dequeue() is None  # not before its time
    assert huey.read_schedule((retry_at - timedelta(seconds=2)).astimezone(UTC).replace(tzinfo=None)) == []

    second = attempt(retry_at + timedelta(seconds=1))
    assert (second["status"], second["attempts"]) == ("queued", 2)
    wait = datetime.fromisoformat(second["next_attempt_at"]) - datetime.fromisoformat(second["started_at"])
    assert timedelta(seconds=59) < wait < timedelta(seconds=62)
    retry_at = datetime.fromisoformat(second["next_attempt_at"])
    assert huey.read_schedule((retry_at - timedelta(seconds=2)).astimezone(UTC).replace(tzinfo=None)) == []

    third = attempt(datetime.fromisoformat(second["next_attempt_at"]) + timedelta(seconds=1))
    assert (third["status"], third["attempts"], third["error"]) == ("done", 3, None)


@pytest.mark.parametrize("immediate", [False])
def test_a_periodic_jobs_slot_is_when_it_was_due_not_when_a_worker_got_to_it(app, db, monkeypatch):
    clock = FakeClock(datetime(2026, 12, 4, 1, 0, 5, tzinfo=UTC))
    monkeypatch.setattr("elearn.jobs.queue.utcnow", clock)
    huey = get_queue(app).huey
    run_periodic(app, "jobdemo.tick")
    run_periodic(app, "jobdemo.tick")  # two workers' schedulers at 01:00
    clock.advance(minutes=5)  # the workers are busy; they get to them later, one after the other
    for _copy in range(2):
        huey.execute(huey.dequeue())
        clock.advance(minutes=1)
    [job] = fresh(db).scalars(select(Job).where(Job.task == "jobdemo.tick"))
    assert (job.key, job.status.value) == ("2026-12-04T01:00+00:00", "done")


@pytest.mark.parametrize("immediate", [False])
def test_a_job_delivered_twice_runs_once(app, learner, start, status):
    queue = get_queue(app)
    job_id = started(start(learner, "echo"))
    task = queue.huey.dequeue()
    queue.huey.execute(task)
    queue.huey.execute(task)  # the same message again
    assert status(learner, job_id).get_json()["attempts"] == 1


def test_the_worker_command_refuses_immediate_mode_and_jobs_run_refuses_unknown_tasks(tmp_path, database_url):
    env = {"ELEARN_INSTANCE_PATH": str(tmp_path / "cli"), "ELEARN_DATABASE_URL": database_url,
           "ELEARN_JOBS_IMMEDIATE": "true"}
    result = CliRunner().invoke(main, ["worker"], env=env)
    assert result.exit_code == 1 and "JOBS_IMMEDIATE is on" in result.output
    result = CliRunner().invoke(main, ["jobs", "run", "nope.nothing"], env=env)
    assert result.exit_code == 1 and "no periodic task 'nope.nothing'" in result.output


def test_jobs_list_and_jobs_run_on_the_command_line(app, learner, start, tmp_path, database_url):
    start(learner, "flaky", {"fail_times": 99})
    env = {"ELEARN_INSTANCE_PATH": str(tmp_path / "cli"), "ELEARN_DATABASE_URL": database_url}
    listed = CliRunner().invoke(main, ["jobs", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "task jobdemo.tick (periodic)" in listed.output
    [line] = [line for line in listed.output.splitlines() if line.startswith("jobdemo\t")]
    assert "\tjobdemo.flaky\tfailed\t4\t" in line and line.endswith("ConnectionError: attempt 4 failed")

    queued = CliRunner().invoke(main, ["jobs", "run", "jobdemo.tick"], env=env)
    assert queued.exit_code == 0, queued.output
    assert queued.output.startswith("queued jobdemo.tick: job ")
    from huey import SqliteHuey

    assert SqliteHuey("elearn", filename=str(tmp_path / "cli" / "jobs.sqlite3")).pending_count() == 1  # for a worker


def test_a_queue_storage_the_site_cannot_use_is_refused_when_the_app_starts(tmp_path, database_url):
    from elearn import create_app

    with pytest.raises(ValueError, match="JOBS_URL 'ftp://queue': use sqlite:///<file>, redis://"):
        create_app(config_for(database_url, tmp_path, JOBS_URL="ftp://queue"))
