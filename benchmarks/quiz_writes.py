"""What a quiz answer costs to store, in-process, beside a bare INSERT + commit.

    .venv/bin/python benchmarks/quiz_writes.py [--rounds 3] [--attempts 100] [--learners 50] [--statements]

No server, no network: the Flask test client calls the app in this process, so the figures are
the engine's own work (routing, session or token, the lesson service, the quiz, SQLite) and
nothing of gunicorn or wrk. In a temporary folder (removed at the end) it builds the demo
instance (``elearn.demo.prepare``: schema, the shipped pack, the demo accounts) plus a pack with
a one-question quiz, enrols the demo learner and gives them an API token, then runs interleaved
rounds of:

- ``bare insert``: ``POST /items`` of ``baseline_app.py`` (bare Flask + SQLAlchemy, one INSERT and
  COMMIT on SQLite in WAL mode with ``synchronous=NORMAL``), in this process too;
- the quiz through ``/api/v1`` (bearer token): ``start`` an attempt, ``save`` its one answer,
  ``submit`` it (graded on the server); "graded answer" is save + submit;
- the same through the HTML form (``POST /lessons/<id>/submit`` with the session cookie and the
  page's CSRF token, answered with a 303 redirect that is not followed).

The learners take turns (``--learners``), so no learner's history grows long. Printed per step:
the median over rounds of the mean ms per request, p99 over all requests, the rate as a ratio to
the bare insert's (higher is better; the issue's goals: a save >= 0.50, a graded answer >= 0.30),
and the SQL statements of one request (BEGIN and COMMIT not counted; each request is one
transaction) in a learner's later attempt and in their first, which also creates their progress
row and completes the lesson. ``--statements`` lists those of a later attempt. About two minutes
with the defaults.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EMAIL, PASSWORD = "hocvien@example.org", "hoctap-2026"  # elearn.demo's learner
ONE_QUESTION_PACK = """\
id: bench-one-question
version: 1.0.0
title: {vi: Một câu hỏi}
course:
  slug: bench-one-question
  modules:
    - id: m1
      title: {vi: Phần 1}
      lessons:
        - id: mot-cau
          type: quiz
          title: {vi: Một câu}
          content:
            questions:
              - {id: q1, type: single, stem: "Mỗi thành viên có mấy phiếu biểu quyết?",
                 choices: [{text: Một phiếu, correct: true}, {text: Theo số vốn góp}]}
            settings: {pass_mark: 0.5, attempts_allowed: 0}
"""


class Counter:
    """Counts the SQL statements an engine runs; BEGIN, COMMIT and ROLLBACK on their own."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.sql: list[str] = []
        self.transaction = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_args) -> None:
        if statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.transaction += 1
        elif not statement.startswith("PRAGMA"):
            self.sql.append(" ".join(statement.split()))

    @contextmanager
    def counting(self):
        self.sql, self.transaction = [], 0
        yield self


def build(folder: Path, learners: int, database_url: str | None = None):
    """The demo instance and the one-question quiz, with ``learners`` more learners enrolled (the
    demo learner's password hash, so that logging them in costs one hash check each); returns
    (app, lesson id, their emails)."""
    os.environ["ELEARN_INSTANCE_PATH"] = str(folder / "instance")
    if database_url:
        os.environ["ELEARN_DATABASE_URL"] = database_url
    os.environ["ELEARN_SESSION_COOKIE_SECURE"] = "false"
    (folder / "packs").mkdir()
    (folder / "packs" / "one").mkdir()
    (folder / "packs" / "one" / "pack.yaml").write_text(ONE_QUESTION_PACK, encoding="utf-8")
    from sqlalchemy import select

    from elearn.auth.accounts import find_user
    from elearn.clock import utcnow
    from elearn.db import get_database
    from elearn.demo import prepare
    from elearn.models import Course, Enrolment, User
    from elearn.packs.service import install_path

    app = prepare(ROOT / "content_packs", echo=lambda _line: None)
    install_path(app, folder / "packs" / "one")
    emails = [f"hocvien-{n}@example.org" for n in range(learners)]
    with app.app_context(), get_database(app).transaction() as db:
        first = find_user(db, EMAIL)
        course = db.scalar(select(Course).where(Course.slug == "bench-one-question"))
        for n, email in enumerate(emails):
            user = User(email=email, name=f"Học viên {n}", password_hash=first.password_hash, role=first.role)
            db.add(user)
            db.flush()
            db.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=utcnow()))
        lesson_id = course.modules[0].lessons[0].id
    return app, lesson_id, emails


def baseline(folder: Path):
    """baseline_app.py's Flask app on its own WAL database, and its test client."""
    os.environ["BENCH_DB"] = str(folder / "baseline.sqlite3")
    sys.path.insert(0, str(HERE))
    import baseline_app

    baseline_app.Base.metadata.create_all(baseline_app.engine)
    return baseline_app.app.test_client()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--attempts", type=int, default=100, help="quiz attempts per round and way (default 100)")
    parser.add_argument("--learners", type=int, default=50,
                        help="learners taking turns, so that no one's history grows long (default 50)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead of SQLite "
                        "(postgresql+psycopg://...); the bare insert stays on SQLite")
    parser.add_argument("--statements", action="store_true", help="list the statements of each step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="elearn-quiz-writes-") as tmp:
        run(Path(tmp), args)


class Learner:
    """One learner's API token and logged-in browser, and their open attempt as last read."""

    def __init__(self, app, email: str, lesson_id: int) -> None:
        self.api = app.test_client()
        token = self.api.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).get_json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.browser = app.test_client()
        csrf = csrf_of(self.browser.get("/login").get_data(as_text=True))
        login = {"email": email, "password": PASSWORD, "csrf_token": csrf}
        assert self.browser.post("/login", data=login).status_code == 303
        self.csrf = csrf_of(self.browser.get(f"/lessons/{lesson_id}").get_data(as_text=True))
        self.seq = self.number = 0
        self.choice = ""


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def run(folder: Path, args) -> None:
    import logging

    logging.disable(logging.WARNING)
    app, lesson_id, emails = build(folder, args.learners, args.database_url)
    bare = baseline(folder)
    path = f"/api/v1/lessons/{lesson_id}/submissions"
    learners = [Learner(app, email, lesson_id) for email in emails]
    turn = {"now": learners[0]}
    counter = Counter(app.extensions["elearn_db"].engine)
    bare_counter = Counter(sys.modules["baseline_app"].engine)

    def api_post(body) -> Callable[[], None]:
        def call() -> None:
            who = turn["now"]
            response = who.api.post(path, json=body(who), headers=who.headers)
            assert response.status_code == 201, response.get_data(as_text=True)
        return call

    def read_attempt() -> None:
        who = turn["now"]
        view = who.api.get(f"/api/v1/lessons/{lesson_id}", headers=who.headers).get_json()["view"]
        who.seq, who.number = view["attempt"]["next_seq"], view["attempt"]["number"]
        who.choice = view["attempt"]["questions"][0]["choices"][0]["id"]

    def form_post(fields) -> Callable[[], None]:
        def call() -> None:
            who = turn["now"]
            response = who.browser.post(f"/lessons/{lesson_id}/submit", data={"csrf_token": who.csrf, **fields(who)})
            assert response.status_code == 303, response.get_data(as_text=True)
        return call

    steps: dict[str, Callable[[], None]] = {
        "bare insert": lambda: bare.post("/items"),
        "api start": api_post(lambda who: {"action": "start"}),
        "api save": api_post(lambda who: {"action": "save", "seq": who.seq, "answers": {"q1": who.choice}}),
        "api submit": api_post(lambda who: {"action": "submit", "attempt": who.number}),
        "form start": form_post(lambda who: {"action": "start"}),
        "form save": form_post(lambda who: {"action": "save", "seq": str(who.seq), "attempt": str(who.number),
                                            "q.q1": who.choice}),
        # The form sends its fields again with a submit: the same answer, under the next seq.
        "form submit": form_post(lambda who: {"action": "submit", "seq": str(who.seq + 1),
                                              "attempt": str(who.number), "q.q1": who.choice}),
    }
    timings: dict[str, list[list[float]]] = {name: [] for name in steps}
    counts: dict[str, tuple[int, int, list[str]]] = {}

    def timed(name: str, samples: dict[str, list[float]]) -> None:
        began = time.perf_counter()
        steps[name]()
        samples.setdefault(name, []).append(time.perf_counter() - began)

    first_counts: dict[str, int] = {}

    def counted(name: str, _samples) -> None:
        which = bare_counter if name == "bare insert" else counter
        with which.counting():
            steps[name]()
        counts[name] = (len(which.sql), which.transaction, list(which.sql))

    def counted_first(name: str, _samples) -> None:
        with counter.counting():
            steps[name]()
        first_counts[name] = len(counter.sql)

    def attempt(way: str, measure, samples) -> None:
        """One attempt of the next learner: start, read back (not measured: the save needs its seq),
        save, submit."""
        turn["now"] = learners[(learners.index(turn["now"]) + 1) % len(learners)]
        measure(f"{way} start", samples)
        read_attempt()
        measure(f"{way} save", samples)
        measure(f"{way} submit", samples)

    # The statements of a learner's first attempt (their progress row is created, the lesson
    # completed), then after a warm-up in which every learner made an attempt, of a later one.
    for way in ("api", "form"):
        attempt(way, counted_first, None)
    for way in ("api", "form"):
        for _ in learners:
            attempt(way, timed, {})
        attempt(way, counted, None)
    for _ in range(5):
        steps["bare insert"]()
    counted("bare insert", None)

    for _round in range(args.rounds):
        samples: dict[str, list[float]] = {}
        for _ in range(args.attempts):
            timed("bare insert", samples)
        for way in ("api", "form"):
            for _ in range(args.attempts):
                attempt(way, timed, samples)
            for _ in range(args.attempts):
                timed("bare insert", samples)
        for name, values in samples.items():
            timings[name].append(values)

    def mean_ms(name: str) -> float:
        return statistics.median(statistics.fmean(values) for values in timings[name]) * 1000

    def p99_ms(name: str) -> float:
        values = sorted(v for round_ in timings[name] for v in round_)
        return values[min(len(values) - 1, int(len(values) * 0.99))] * 1000

    bare_ms = mean_ms("bare insert")
    first_counts["bare insert"] = counts["bare insert"][0]
    rows = [(name, mean_ms(name), p99_ms(name), counts[name][0], first_counts[name]) for name in steps]
    for way in ("api", "form"):
        save, submit = f"{way} save", f"{way} submit"
        rows.append((f"{way} graded answer (save + submit)", mean_ms(save) + mean_ms(submit), None,
                     counts[save][0] + counts[submit][0], first_counts[save] + first_counts[submit]))
    load = os.getloadavg()[0]
    print(f"in-process, {args.rounds} rounds x {args.attempts} attempts per way by {args.learners} learners, "
          f"{'PostgreSQL' if args.database_url else 'SQLite (WAL, synchronous=NORMAL)'}, load average {load:.2f}")
    print(f"| {'step':<36} | {'ms/request':>10} | {'p99 ms':>7} | {'ratio to bare insert':>20} | "
          f"{'SQL':>3} | {'SQL, first attempt':>18} |")
    print(f"|{'-' * 38}|{'-' * 11}:|{'-' * 8}:|{'-' * 21}:|{'-' * 4}:|{'-' * 19}:|")
    for name, ms, p99, sql, first in rows:
        p99_text = f"{p99:.2f}" if p99 is not None else ""
        print(f"| {name:<36} | {ms:>10.2f} | {p99_text:>7} | {bare_ms / ms:>20.2f} | {sql:>3} | {first:>18} |")
    if args.statements:
        for name in steps:
            print(f"\n{name}:")
            for statement in counts[name][2]:
                print(f"  {statement[:160]}")


if __name__ == "__main__":
    main()
