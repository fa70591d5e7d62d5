"""Benchmark a 50-question quiz attempt: start, save, submit and the page size. See benchmarks/README.md.

    .venv/bin/python benchmarks/quiz.py [--learners 200] [--threads 8]

Everything runs on 127.0.0.1 in a temporary folder that is removed at the end: a pack with one
50-question quiz is installed into a fresh instance, gunicorn (4 sync workers) serves it, and a
Python thread pool plays ``--learners`` learners, each doing start -> save (all 50 answers) -> submit
once through the JSON API. Bounded: it stops after ``--max-seconds`` of load even if learners remain.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from run import BIN, WORKERS, Browser, gunicorn

EMAIL, PASSWORD = "hocvien-1@example.org", "bench-password-2026"
TYPES = ("single", "multiple", "truefalse", "short", "numerical", "matching")


def question(n: int) -> dict:
    kind = TYPES[n % len(TYPES)]
    base = {"id": f"q{n}", "type": kind, "stem": f"Câu hỏi số {n}: **{kind}**?"}
    if kind == "single":
        return {**base, "choices": [{"text": "Một phiếu", "correct": True}, {"text": "Hai phiếu"}, {"text": "Ba"}]}
    if kind == "multiple":
        return {**base, "choices": [{"text": "Đúng A", "correct": True}, {"text": "Đúng B", "correct": True},
                                    {"text": "Sai C"}, {"text": "Sai D"}]}
    if kind == "truefalse":
        return {**base, "correct": True}
    if kind == "short":
        return {**base, "answers": ["HTX", {"text": "hợp tác", "fraction": 0.5}]}
    if kind == "numerical":
        return {**base, "answer": 20, "tolerance": 0.5}
    return {**base, "pairs": [{"prompt": "Một", "answer": "1"}, {"prompt": "Hai", "answer": "2"},
                              {"prompt": "Ba", "answer": "3"}]}


def write_pack(folder: Path, count: int) -> None:
    pack = {
        "id": "bench-quiz50",
        "version": "1.0.0",
        "title": {"vi": "Benchmark 50 câu"},
        "course": {"modules": [{"id": "m1", "title": {"vi": "Phần 1"}, "lessons": [{
            "id": "kiem-tra", "type": "quiz", "title": {"vi": "Kiểm tra 50 câu"},
            "content": {"questions": [question(n) for n in range(1, count + 1)],
                        "settings": {"pass_mark": 0.5, "attempts_allowed": 0}},
        }]}]},
    }
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True, sort_keys=False), encoding="utf-8")


SETUP = """
import sys
from sqlalchemy import select
from elearn import create_app
from elearn.auth.accounts import find_user
from elearn.auth.sessions import issue_token
from elearn.clock import utcnow
from elearn.db import get_database
from elearn.models.courses import Course
from elearn.models.progress import Enrolment
from elearn.models.users import User

count, slug = int(sys.argv[1]), sys.argv[2]
app = create_app()
with app.app_context(), get_database(app).transaction() as db:
    first = find_user(db, sys.argv[3])
    course = db.scalar(select(Course).where(Course.slug == slug))
    for n in range(2, count + 1):  # the password hash of the first learner: hashing 200 times is not measured
        user = User(email=f"hocvien-{n}@example.org", name=f"Học viên {n}", password_hash=first.password_hash,
                    role=first.role)
        db.add(user)
        db.flush()
        db.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=utcnow()))
        print(issue_token(db, user)[0])
"""


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: dict | None, token: str) -> tuple[float, int, dict]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        began = time.perf_counter()
        if body is None:
            self.connection.request("GET", path, headers=headers)
        else:
            self.connection.request("POST", path, json.dumps(body), headers)
        response = self.connection.getresponse()
        data = response.read()
        return time.perf_counter() - began, response.status, json.loads(data or b"{}")


def answers_for(view: dict) -> dict:
    found = {}
    for q in view["attempt"]["questions"]:
        kind = q["type"]
        if kind in ("single", "truefalse"):
            found[q["id"]] = q["choices"][0]["id"]
        elif kind == "multiple":
            found[q["id"]] = [c["id"] for c in q["choices"][:2]]
        elif kind == "short":
            found[q["id"]] = "HTX"
        elif kind == "numerical":
            found[q["id"]] = "20.2"
        elif kind == "matching":
            found[q["id"]] = {p["id"]: q["answers"][i % len(q["answers"])]["id"] for i, p in enumerate(q["prompts"])}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200, help="learners, each doing one attempt (default 200)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=30, help="stop the load after this (default 30)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="elearn-bench-quiz-") as tmp:
        folder = Path(tmp)
        write_pack(folder / "pack", args.questions)
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")},
            "ELEARN_INSTANCE_PATH": str(folder / "instance"),
            "ELEARN_SESSION_COOKIE_SECURE": "false",
        }
        quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
        subprocess.run([BIN / "elearn", "db", "upgrade"], **quiet)
        subprocess.run([BIN / "elearn", "pack", "install", folder / "pack"], **quiet)
        subprocess.run([BIN / "elearn", "user", "create", EMAIL, "--name", "Học viên 1"], input=PASSWORD + "\n",
                       text=True, **quiet)
        with gunicorn("elearn:create_app()", env, folder) as base:
            port = int(base.rsplit(":", 1)[1])
            first = Browser(base)
            token = first.api("/api/v1/auth/token", {"email": EMAIL, "password": PASSWORD})["token"]
            course = first.api("/api/v1/courses/bench-quiz50/enrol", {}, token)
            lesson_id = course["modules"][0]["lessons"][0]["id"]
            made = subprocess.run([sys.executable, "-c", SETUP, str(args.learners), "bench-quiz50", EMAIL],
                                  check=True, env=env, capture_output=True, text=True)
            tokens = [token, *made.stdout.split()]
            path = f"/api/v1/lessons/{lesson_id}/submissions"

            # (d) first: the page of an open 50-question attempt, for the first learner.
            first.post_form("/login", {"email": EMAIL, "password": PASSWORD})
            first.api(path, {"action": "start"}, token)
            page = first.get(f"/lessons/{lesson_id}")
            view = first.api_get(f"/api/v1/lessons/{lesson_id}", token)["view"]
            assert len(view["attempt"]["questions"]) == args.questions, view["attempt"]
            html_raw, html_gzip = len(page), len(gzip.compress(page, compresslevel=6))

            timings: dict[str, list[float]] = {"start": [], "view": [], "save": [], "submit": []}
            errors: list[str] = []
            deadline = time.monotonic() + args.max_seconds

            def learner(secret: str, client: Client) -> None:
                if time.monotonic() > deadline:
                    return
                took, status, body = client.post(path, {"action": "start"}, secret)
                timings["start"].append(took)
                if status not in (200, 201):
                    errors.append(f"start {status} {body}")
                    return
                took, status, body = client.post(path.removesuffix("/submissions"), None, secret)
                timings["view"].append(took)
                attempt = body.get("view", {}).get("attempt") or {}
                if status != 200 or not attempt:
                    errors.append(f"view {status} {body}")
                    return
                answers = answers_for(body["view"])
                took, status, body = client.post(path, {"action": "save", "seq": attempt["next_seq"],
                                                        "answers": answers}, secret)
                timings["save"].append(took)
                if status not in (200, 201):
                    errors.append(f"save {status} {body}")
                    return
                # The answers are saved: submit only grades them (50 questions) and closes the attempt.
                took, status, body = client.post(path, {"action": "submit", "attempt": attempt["number"]}, secret)
                timings["submit"].append(took)
                if status not in (200, 201) or body["progress"]["score"] is None:
                    errors.append(f"submit {status} {body}")

            clients: dict[int, Client] = {}

            def run(secret: str) -> None:
                import threading

                ident = threading.get_ident()
                if ident not in clients:
                    clients[ident] = Client(port)
                learner(secret, clients[ident])

            began = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(run, tokens[1:]))
            elapsed = time.perf_counter() - began
    _print(args, timings, elapsed, errors, html_raw, html_gzip, load_before)


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000:.1f}ms"


def _print(args, timings, elapsed, errors, html_raw, html_gzip, load_before) -> None:
    done = len(timings["submit"])
    print(f"\n{WORKERS} gunicorn sync workers, {args.threads} client threads (Python, keep-alive), "
          f"{args.questions} questions, on {os.cpu_count()} CPUs. Load average before the run: {load_before:.2f}.\n")
    print(f"| {'step (JSON API)':<44} | {'count':>6} | {'mean':>8} | {'p50':>8} | {'p99':>8} |")
    print(f"|{'-' * 46}|{'-' * 7}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|")
    names = {"start": "start an attempt", "view": "GET the lesson with its questions",
             "save": f"save all {args.questions} answers",
             "submit": f"submit (grade {args.questions} questions)"}
    for key, name in names.items():
        values = timings[key]
        mean = f"{statistics.fmean(values) * 1000:.1f}ms" if values else "-"
        print(f"| {name:<44} | {len(values):>6} | {mean:>8} | {_ms(values, 0.5):>8} | {_ms(values, 0.99):>8} |")
    print(f"\n(a) start -> get -> save -> submit, whole attempts: {done} in {elapsed:.1f} s = "
          f"{done / elapsed:.1f} attempts/s ({4 * done / elapsed:.0f} requests/s).")
    print(f"(d) lesson page with an open {args.questions}-question attempt: {html_raw:,} bytes of HTML, "
          f"{html_gzip:,} bytes gzip-compressed (level 6).")
    if errors:
        print(f"\n{len(errors)} learners failed, e.g. {errors[0][:300]}: the figures are not valid.")
        sys.exit(1)


if __name__ == "__main__":
    main()
