"""The server killed with SIGKILL in the middle of quiz saves: no acknowledged answer is lost.

A real ``elearn serve`` (gunicorn) on a real PostgreSQL database; several learners save answers
as fast as they can while the whole server (master and workers) is killed with ``kill -9`` at a
random moment, then started again, at least ten times. Every save the server answered 201 to
must be in the database afterwards, exactly once; a save cut off before its answer may or may
not be there (the learner saw no "saved"), and the next save carries on from what was kept.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from elearn.models import CourseInstructor
from elearn.testing import FAST_HASH, empty_postgres, migrate_templates

CYCLES = 10
LEARNERS = 4
QUIZ = {
    "questions": [{"id": "q1", "type": "short", "stem": "Tên cơ quan cao nhất?", "answers": ["Đại hội thành viên"]}],
    "settings": {"review": "immediately"},
}


@pytest.fixture(scope="module")
def _kill_database(tmp_path_factory) -> str:
    url = migrate_templates(tmp_path_factory.mktemp("kill-template"), suffix="kill").get("postgresql")
    if url is None:
        pytest.skip("needs PostgreSQL (ELEARN_TEST_DATABASE_URL)")
    return url


@pytest.fixture
def database_url(_kill_database) -> str:
    empty_postgres(_kill_database)
    return _kill_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``elearn serve`` in a process group of its own, so one signal reaches master and workers."""

    def __init__(self, database_url: str, instance: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ELEARN_DATABASE_URL": database_url,
            "ELEARN_INSTANCE_PATH": str(instance),
            "ELEARN_SECRET_KEY": "kill-test",
            "ELEARN_SESSION_COOKIE_SECURE": "false",
            "ELEARN_PASSWORD_HASH": f'{{"time_cost": {FAST_HASH["time_cost"]}, "memory_cost": '
                                    f'{FAST_HASH["memory_cost"]}, "parallelism": {FAST_HASH["parallelism"]}}}',
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [str(Path(sys.executable).parent / "elearn"), "serve", "--port", str(self.port), "--workers", "2"]
        self.process = subprocess.Popen(command, env=self.env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/courses", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


class Learner:
    """Saves answers in a loop; remembers every save the server acknowledged."""

    def __init__(self, server: Server, token: str, lesson_id: int) -> None:
        self.server, self.lesson_id = server, lesson_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acknowledged: dict[int, str] = {}

    def submissions(self, client: httpx.Client, body: dict) -> httpx.Response:
        return client.post(f"{self.server.url}/api/v1/lessons/{self.lesson_id}/submissions", json=body,
                           headers=self.headers, timeout=10)

    def save_until_killed(self) -> None:
        with httpx.Client() as client:
            try:
                view = client.get(f"{self.server.url}/api/v1/lessons/{self.lesson_id}", headers=self.headers,
                                  timeout=10).json()["view"]
                if view["attempt"] is None:
                    assert self.submissions(client, {"action": "start"}).status_code == 201
                    seq = 0
                else:
                    seq = view["attempt"]["seq"]  # what was kept, whether or not we heard it was
                while True:
                    seq += 1
                    answer = f"Câu trả lời số {seq}"
                    response = self.submissions(client, {"action": "save", "seq": seq, "answers": {"q1": answer}})
                    assert response.status_code == 201, response.text
                    self.acknowledged[seq] = answer
            except httpx.HTTPError:
                return  # the server is gone: whatever had no answer was never acknowledged


def test_no_acknowledged_save_is_lost_when_the_server_is_killed(app, db, make_user, make_course, enrol, tmp_path):
    from elearn_quiz.models import QuizAnswerStep, QuizAttempt

    from elearn.auth.sessions import issue_token

    course = make_course([("quiz", QUIZ)])
    lesson = course.modules[0].lessons[0]
    instructor = make_user("instructor")
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    tokens = []
    for _ in range(LEARNERS):
        learner = make_user("learner")
        enrol(learner, course)
        tokens.append((learner.id, issue_token(db, learner)[0]))
    db.commit()

    server = Server(app.config["DATABASE_URL"], tmp_path / "instance")
    learners = {user_id: Learner(server, token, lesson.id) for user_id, token in tokens}
    rng = random.Random(20261203)
    for _cycle in range(CYCLES):
        server.start()
        threads = [threading.Thread(target=learner.save_until_killed) for learner in learners.values()]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.3, 0.8))
        server.kill()
        for thread in threads:
            thread.join(timeout=30)

    db.expire_all()
    for user_id, learner in learners.items():
        assert len(learner.acknowledged) >= CYCLES, "the learner hardly saved anything: the test proved nothing"
        attempt = db.scalar(select(QuizAttempt).where(QuizAttempt.user_id == user_id))
        kept = dict(db.execute(select(QuizAnswerStep.seq, QuizAnswerStep.response)
                               .where(QuizAnswerStep.attempt_id == attempt.id)).all())
        lost = {seq: answer for seq, answer in learner.acknowledged.items() if kept.get(seq) != answer}
        assert lost == {}
        assert attempt.seq >= max(learner.acknowledged)
        doubled = db.scalar(select(func.count()).select_from(QuizAnswerStep)
                            .where(QuizAnswerStep.attempt_id == attempt.id)) - len(kept)
        assert doubled == 0
