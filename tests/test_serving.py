"""``elearn serve`` keeps the site answering while a lesson type is slow (a real gunicorn).

The site is served as in production (``elearn serve`` with its default workers and threads) on a
scratch SQLite instance with the test plugin tests/fixtures/slow_lesson installed. 4, then 8,
learners open a lesson whose ``learner_view`` waits until the test lets it go; meanwhile another
learner reads the catalogue and a page lesson. Those answers must all come while every slow
request is still waiting: with gunicorn's sync workers (the old default) they queued behind the
slow requests. How long the probe waits under each worker class is measured by
benchmarks/serving.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from elearn.testing import database_for
from elearn.testing import test_config as config_for

BIN = Path(sys.executable).parent
WAIT_SECONDS = 30  # the slow lessons' own limit, should the test never let them go


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    """A scratch SQLite instance (gunicorn serves it from other processes)."""
    return database_for("sqlite", _migrated_databases, tmp_path)


@pytest.fixture
def app_config(database_url, tmp_path, slow_plugin):
    return config_for(database_url, tmp_path)


@pytest.fixture
def served(app, app_config, slow_plugin, tmp_path):
    """``elearn serve`` with its defaults on a free port, for the test's database; yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")}
    env.update({
        "ELEARN_INSTANCE_PATH": str(tmp_path),
        "ELEARN_DATABASE_URL": app_config["DATABASE_URL"],
        "ELEARN_SECRET_KEY": app_config["SECRET_KEY"],
        "ELEARN_SESSION_COOKIE_SECURE": "false",
        "ELEARN_PASSWORD_HASH": json.dumps(app_config["PASSWORD_HASH"]),
        "PYTHONPATH": os.pathsep.join([*slow_plugin, *filter(None, [env.get("PYTHONPATH")])]),
    })
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen([BIN / "elearn", "serve", "--port", str(port)], env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):
            assert process.poll() is None, log.read_text()
            try:
                get(base + "/")
                break
            except OSError:
                time.sleep(0.02)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the server and its workers: nothing to keep
        process.wait(timeout=30)


def get(url: str, **headers: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=WAIT_SECONDS + 30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_site_answers_while_slow_lessons_hold_requests(
    served, app, client, make_user, make_course, enrol, login, api_token, tmp_path
):
    rounds = {count: tmp_path / f"signals-{count}" for count in (4, 8)}
    slow_course = make_course([("slow", {"seconds": WAIT_SECONDS, "signal_dir": str(folder)})
                               for folder in rounds.values()])
    page_course = make_course([("page", {"text": "Điều lệ hợp tác xã"})])
    page = page_course.modules[0].lessons[0]
    learners = [make_user() for _ in range(max(rounds) + 1)]
    for learner in learners:
        enrol(learner, slow_course)
        enrol(learner, page_course)
    tokens = [api_token(learner) for learner in learners[:-1]]
    login(client, learners[-1])
    cookie = f"elearn_session={client.get_cookie('elearn_session').value}"

    for (count, signals), slow_lesson in zip(rounds.items(), slow_course.modules[0].lessons, strict=True):
        signals.mkdir()
        answers: dict[int, dict] = {}

        def open_slow_lesson(n: int, lesson_id: int = slow_lesson.id, answers: dict = answers) -> None:
            _status, body = get(f"{served}/api/v1/lessons/{lesson_id}", Authorization=f"Bearer {tokens[n]}")
            answers[n] = json.loads(body)

        slow = [threading.Thread(target=open_slow_lesson, args=(n,)) for n in range(count)]
        for thread in slow:
            thread.start()
        try:
            entered = wait_for_slow_requests(signals, answers, count)
            probes = [get(f"{served}/"), get(f"{served}/lessons/{page.id}", Cookie=cookie),
                      get(f"{served}/", Cookie=cookie), get(f"{served}/lessons/{page.id}", Cookie=cookie)]
            answered_while_probing = dict(answers)
        finally:
            (signals / "release").touch()
            for thread in slow:
                thread.join()

        assert [status for status, _body in probes] == [200] * 4, count
        assert "Điều lệ hợp tác xã" in probes[1][1]
        # Every slow lesson inside its lesson type was still waiting when the probe had its answers.
        assert [body for body in answered_while_probing.values() if "view" in body] == [], count
        views = [body["view"] for body in answers.values() if "view" in body]
        assert views == [{"text": "Done at last."}] * entered
        # At most PLUGIN_CONCURRENT_CALLS (4) calls of one lesson type run at once in a worker: any
        # other request for it was told at once to come back later.
        assert entered >= 4
        refused = [body["error"]["message"] for body in answers.values() if "view" not in body]
        assert len(refused) == count - entered
        assert all("tạm thời chưa mở được" in message for message in refused)


def wait_for_slow_requests(signals: Path, answers: dict, count: int) -> int:
    """Until each slow request is inside the lesson type or already answered; returns how many are inside."""
    for _ in range(1500):
        entered = len(list(signals.glob("entered-*")))
        if entered + len(answers) >= count:
            return entered
        time.sleep(0.02)
    pytest.fail(f"{entered} of {count} slow requests reached the lesson type, {len(answers)} were answered")
