"""Issue 13's table: each hot page and action of the demo beside the bare yardstick, in one interleaved run.

    .venv/bin/python benchmarks/hot_paths.py [--rounds 5] [--requests 100] [--database-url URL] [--gunicorn]
    .venv/bin/python benchmarks/hot_paths.py --profile lesson     # cProfile of one scenario, no table

In a temporary folder: the demo instance (``elearn.demo.prepare``: the shipped pack with its page, case
discussion and quiz lessons, the demo accounts) and the yardstick (``yardstick.py``: a bare Flask page
that loads one row of 10,000 with ``Session.get`` and renders a 2 KB Jinja layout; one INSERT + commit).
Every scenario is measured in this process through the Flask test client (no HTTP, no compression), in
``--rounds`` rounds that each run ``--requests`` requests of every scenario in turn, so a busy moment of
the machine falls on all of them alike. The table gives the median over the rounds of each round's
mean, the ratio to the bare read (reads) or to the bare insert (writes), as the issue states its goals
(bare ms / elearn ms: 1.00 is as fast as the yardstick), the SQL statements of one request (BEGIN not
counted), the round trips to the database (statements, BEGIN, COMMIT, the ROLLBACK that returns a
connection to the pool, and pre-ping's empty statement) and the 99th percentile of single requests.

With ``--database-url postgresql+psycopg://user@host/name`` both run on PostgreSQL, in two databases
``<name>_hot_paths`` and ``<name>_hot_paths_bare`` created (dropped first when they exist) and dropped
at the end. ``--gunicorn`` also serves both apps with gunicorn (``--workers`` x ``--threads``, gthread)
and loads the read pages with wrk (installed: ``apt-get install -y wrk``). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import yardstick  # noqa: E402

SECOND_LEARNER = ("hocvien-2@example.org", "Phạm Thị Dung")
PASSWORD = "hoctap-2026"  # elearn.demo's
REPLIES_IN_THREAD = 19  # the thread page shows the opening post and 19 replies


@dataclass
class Scenario:
    name: str
    write: bool
    call: Callable[[], object]  # one request; raises if the answer is not the expected one
    before: Callable[[], None] | None = None  # untimed work before each request (a submit needs an attempt)
    times: list[float] = field(default_factory=list)
    round_means: list[float] = field(default_factory=list)
    round_cpu_means: list[float] = field(default_factory=list)  # this thread's CPU time: less moved by other jobs
    statements: int = 0
    trips: int = 0
    calls: int = 0


class Counter:
    """SQL statements and round trips to the database of every engine of this process.

    Statements are what SQLAlchemy sends through a cursor. Round trips add what the driver sends on
    its own: psycopg's BEGIN before a transaction's first statement (SQLite's BEGIN is a statement
    here), a COMMIT or ROLLBACK of a transaction that is open on the connection (ending one that never
    began costs nothing), and pre-ping's empty statement when a connection is taken from the pool.
    """

    def __init__(self) -> None:
        from sqlalchemy import Engine, event
        from sqlalchemy.pool import Pool

        self.statements = self.trips = 0
        self.on = False
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "begin", self._begin)
        event.listen(Engine, "commit", self._end)
        event.listen(Engine, "rollback", self._end)
        event.listen(Pool, "checkout", self._checkout)
        event.listen(Pool, "reset", self._reset)

    def _statement(self, _conn, _cursor, statement, *_args) -> None:
        if self.on:
            self.trips += 1
            if not statement.lstrip().upper().startswith("BEGIN"):
                self.statements += 1

    def _begin(self, conn) -> None:
        dbapi = conn.connection.dbapi_connection
        if self.on and conn.dialect.name != "sqlite" and not getattr(dbapi, "autocommit", True):
            self.trips += 1

    def _end(self, conn) -> None:
        if self.on and _in_transaction(conn.connection.dbapi_connection):
            self.trips += 1

    def _checkout(self, _dbapi, record, _proxy) -> None:
        if self.on and record._ConnectionRecord__pool._pre_ping:
            self.trips += 1

    def _reset(self, dbapi, _record, _state=None) -> None:
        if self.on and _in_transaction(dbapi):
            self.trips += 1

    @contextmanager
    def counting(self):
        self.statements = self.trips = 0
        self.on = True
        try:
            yield self
        finally:
            self.on = False


def _in_transaction(dbapi) -> bool:
    info = getattr(dbapi, "info", None)
    if hasattr(info, "transaction_status"):  # psycopg 3
        return info.transaction_status.name != "IDLE"
    return bool(getattr(dbapi, "in_transaction", False))  # sqlite3


def expect(response, status: int = 200, contains: str | None = None):
    if response.status_code != status:
        raise SystemExit(f"{response.request.method} {response.request.path}: {response.status_code} "
                         f"(expected {status}) {response.get_data(as_text=True)[:300]}")
    if contains is not None and contains not in response.get_data(as_text=True):
        raise SystemExit(f"{response.request.path}: the page does not contain {contains!r}")
    return response


def login_form(client, email: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # The form's field is "login" (a phone number, username or e-mail) since sign-in by phone (bf69295).
    expect(client.post("/login", data={"login": email, "password": password, "csrf_token": token}), 303)


def api(client, method: str, path: str, token: str, body=None, status: int = 200):
    response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
    return expect(response, status).get_json()


def answers_for(view: dict) -> dict:
    """Answers to every question of the attempt (right or wrong does not matter: each is graded)."""
    found = {}
    for q in view["attempt"]["questions"]:
        kind = q["type"]
        if kind in ("single", "truefalse"):
            found[q["id"]] = q["choices"][0]["id"]
        elif kind == "multiple":
            found[q["id"]] = [c["id"] for c in q["choices"][:2]]
        elif kind == "numerical":
            found[q["id"]] = "20"
        elif kind == "matching":
            found[q["id"]] = {p["id"]: q["answers"][i % len(q["answers"])]["id"] for i, p in enumerate(q["prompts"])}
        else:
            found[q["id"]] = "hợp tác xã"
    return found


def elearn_scenarios(folder: Path, database_url: str | None) -> tuple[object, list[Scenario]]:
    """The demo instance, two logged-in learners with API tokens, a 20-post thread, an open quiz attempt."""
    os.environ.update({
        "ELEARN_INSTANCE_PATH": str(folder / "instance"),
        "ELEARN_SESSION_COOKIE_SECURE": "false",
        # Accounts hashed fast (the demo's are created here): logging in is not measured.
        "ELEARN_PASSWORD_HASH": '{"time_cost": 1, "memory_cost": 8, "parallelism": 1}',
        # The benchmark posts hundreds of replies a minute as one learner: the per-user posting limit
        # is raised (its counting statements still run), as serving.py raises the per-client limit.
        "ELEARN_DISCUSSION_POST_LIMITS": "1000000 per minute",
    })
    if database_url:
        os.environ["ELEARN_DATABASE_URL"] = database_url
    from sqlalchemy import select

    from elearn.auth.accounts import create_user
    from elearn.db import get_database
    from elearn.demo import DEMO_ACCOUNTS, prepare
    from elearn.models import Lesson, Role

    app = prepare(ROOT / "content_packs", echo=lambda _line: None)
    with app.app_context():
        with get_database(app).transaction() as db:
            create_user(db, SECOND_LEARNER[0], SECOND_LEARNER[1], PASSWORD, Role.LEARNER)
        with get_database(app).transaction() as db:
            ids = dict(db.execute(select(Lesson.key, Lesson.id)).all())
    course = "hop-tac-xa-co-ban"
    reading, case, quiz = ids["htx-la-gi"], ids["thao-luan-dai-hoi"], ids["kiem-tra-nhanh"]

    learners = []
    for email in (DEMO_ACCOUNTS[0][0], SECOND_LEARNER[0]):
        client = app.test_client()
        login_form(client, email, PASSWORD)
        credentials = {"email": email, "password": PASSWORD}
        token = api(client, "POST", "/api/v1/auth/token", "", credentials, status=201)["token"]
        api(client, "POST", f"/api/v1/courses/{course}/enrol", token, {}, status=201)
        learners.append((client, token))
    (reader, token), (other, token2) = learners

    posts = f"/api/v1/x/discussion/lessons/{case}"
    thread = api(reader, "POST", f"{posts}/threads", token, {
        "title": "Vì sao thành viên không đến dự đại hội?",
        "body": "Theo tôi, giấy mời gửi quá muộn, chỉ hai ngày trước đại hội."}, status=201)["post"]["thread_id"]
    # Replies go to a thread of their own, so the measured thread page keeps its 20 posts. (Its author
    # starts it first: in the case discussion's Q&A mode a learner sees others' posts after posting.)
    reply_thread = api(other, "POST", f"{posts}/threads", token2, {
        "title": "Công khai tài chính", "body": "Nên dán báo cáo ở nhà văn hoá."}, status=201)["post"]["thread_id"]
    for n in range(REPLIES_IN_THREAD):
        api(other if n % 2 else reader, "POST", f"{posts}/threads/{thread}/posts", token2 if n % 2 else token,
            {"body": f"Ý kiến {n + 1}: nên báo trước ít nhất **hai tuần** và họp sau mùa gặt."}, status=201)

    submissions = f"/api/v1/lessons/{quiz}/submissions"
    api(reader, "POST", submissions, token, {"action": "start"}, status=201)
    view = api(reader, "GET", f"/api/v1/lessons/{quiz}", token)["view"]
    answers = answers_for(view)
    seq = [view["attempt"]["next_seq"]]
    api(reader, "POST", submissions, token, {"action": "save", "seq": seq[0], "answers": answers}, status=201)
    seq[0] += 1

    def save():
        api(reader, "POST", submissions, token, {"action": "save", "seq": seq[0], "answers": answers}, status=201)
        seq[0] += 1

    attempt = {}

    def new_attempt():
        api(other, "POST", submissions, token2, {"action": "start"}, status=201)
        found = api(other, "GET", f"/api/v1/lessons/{quiz}", token2)["view"]["attempt"]
        api(other, "POST", submissions, token2,
            {"action": "save", "seq": found["next_seq"], "answers": answers_for({"attempt": found})}, status=201)
        attempt["number"] = found["number"]

    def submit():
        body = api(other, "POST", submissions, token2, {"action": "submit", "attempt": attempt["number"]},
                   status=201)
        assert body["progress"]["score"] is not None, body

    def page(path: str, contains: str):
        return lambda: expect(reader.get(path), 200, contains)

    scenarios = [
        Scenario("learner's reading page (page lesson)", False, page(f"/lessons/{reading}", "</html>")),
        Scenario("dashboard /me", False, page("/me", "</html>")),
        Scenario("course page", False, page(f"/courses/{course}", "</html>")),
        Scenario("case-discussion lesson page", False, page(f"/lessons/{case}", "Vì sao thành viên")),
        Scenario("thread page, 20 posts", False,
                 page(f"/x/discussion/lessons/{case}/threads/{thread}", f"Ý kiến {REPLIES_IN_THREAD}:")),
        Scenario("quiz page with an open attempt", False, page(f"/lessons/{quiz}", "</html>")),
        Scenario("quiz save (API, 5 answers)", True, save),
        Scenario("quiz submit (API, grade 5)", True, submit, before=new_attempt),
        Scenario("discussion reply (API)", True, lambda: api(
            reader, "POST", f"{posts}/threads/{reply_thread}/posts", token,
            {"body": "Tôi đồng ý, và nên gửi cả qua nhóm Zalo của thôn."}, status=201)),
    ]
    return app, scenarios


def bare_scenarios(url: str) -> tuple[Scenario, Scenario]:
    yardstick.fill(url)
    client = yardstick.create_app(url).test_client()
    ids = iter(range(10**9))
    read = Scenario("bare read: Session.get of 10,000 + 2 KB Jinja", False,
                    lambda: expect(client.get(f"/items/{next(ids) % yardstick.ROWS + 1}"), 200, "</html>"))
    insert = Scenario("bare insert + commit", True, lambda: expect(client.post("/items"), 201))
    return read, insert


def measure(scenarios: list[Scenario], rounds: int, requests: int, counter: Counter) -> None:
    for scenario in scenarios:  # warm-up, and one counted request
        for _ in range(10):
            if scenario.before:
                scenario.before()
            scenario.call()
        if scenario.before:
            scenario.before()
        profiler = cProfile.Profile()
        with counter.counting():
            profiler.runcall(scenario.call)
        scenario.statements, scenario.trips = counter.statements, counter.trips
        # Python function calls of one request: the work done, whatever the load of the machine.
        scenario.calls = pstats.Stats(profiler).total_calls - 1
    clock, cpu = time.perf_counter, time.thread_time
    for _round in range(rounds):
        for scenario in scenarios:
            took, used = [], 0.0
            for _ in range(requests):
                if scenario.before:
                    scenario.before()
                began, began_cpu = clock(), cpu()
                scenario.call()
                took.append(clock() - began)
                used += cpu() - began_cpu
            scenario.times += took
            scenario.round_means.append(statistics.fmean(took))
            scenario.round_cpu_means.append(used / requests)


def ms(seconds: float) -> float:
    return seconds * 1000


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(int(0.99 * len(ordered)), len(ordered) - 1)]


def print_table(title: str, read: Scenario, insert: Scenario, scenarios: list[Scenario]) -> None:
    print(f"\n{title}\n")
    print(f"| {'page or action':<48} | {'ms/request':>10} | {'ratio':>5} | {'CPU ms':>6} | {'CPU ratio':>9} | "
          f"{'statements':>10} | {'round trips':>11} | {'p99 ms':>7} | {'Python calls':>12} |")
    print(f"|{'-' * 50}|{'-' * 11}:|{'-' * 6}:|{'-' * 7}:|{'-' * 10}:|{'-' * 11}:|{'-' * 12}:|{'-' * 8}:|"
          f"{'-' * 13}:|")
    for scenario in [read, insert, *scenarios]:
        baseline = insert if scenario.write else read
        mean, base = statistics.median(scenario.round_means), statistics.median(baseline.round_means)
        cpu, base_cpu = statistics.median(scenario.round_cpu_means), statistics.median(baseline.round_cpu_means)
        print(f"| {scenario.name:<48} | {ms(mean):>10.2f} | {base / mean:>5.2f} | {ms(cpu):>6.2f} | "
              f"{base_cpu / cpu:>9.2f} | {scenario.statements:>10} | {scenario.trips:>11} | "
              f"{ms(p99(scenario.times)):>7.2f} | {scenario.calls:>12,} |")


@contextmanager
def databases(database_url: str | None, folder: Path):
    """(elearn's URL or None for the instance's SQLite file, the yardstick's URL)."""
    if not database_url:
        yield None, f"sqlite:///{folder / 'yardstick.sqlite3'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(database_url)
    names = [f"{base.database}_hot_paths", f"{base.database}_hot_paths_bare"]
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop():
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(base.set(database=name).render_as_string(hide_password=False) for name in names)
    finally:
        drop()
        admin.dispose()


def profile(scenario: Scenario, requests: int) -> None:
    for _ in range(20):
        scenario.call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        if scenario.before:
            scenario.before()
        scenario.call()
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    print(f"\ncProfile of {requests} requests: {scenario.name}")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    if os.environ.get("HOT_PATHS_CALLERS"):
        stats.print_callers(os.environ["HOT_PATHS_CALLERS"])
    # Own time summed by where the code lives: which library (or elearn module, or template) the time is spent in.
    areas: dict[str, float] = {}
    calls: dict[str, int] = {}
    for (filename, _line, _name), (all_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():
        areas[_area(filename)] = areas.get(_area(filename), 0.0) + own
        calls[_area(filename)] = calls.get(_area(filename), 0) + all_calls
    total = sum(areas.values())
    print(f"Own time by area ({ms(total) / requests:.2f} ms per request in all, under the profiler), "
          f"and Python calls per request:")
    for area, own in sorted(areas.items(), key=lambda item: -item[1])[:20]:
        print(f"  {area:<40} {100 * own / total:5.1f} %  {calls[area] / requests:8,.0f}")


def _area(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.endswith(".html"):
        return "templates (Jinja, compiled)"
    for marker in ("/elearn/", "/plugins/"):
        if marker in filename:
            rest = filename.rsplit(marker, 1)[1]
            return marker.strip("/") + "/" + rest.split("/", 1)[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    return "python stdlib"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--requests", type=int, default=100, help="requests per scenario and round (default 100)")
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql+psycopg://user@host/name)")
    parser.add_argument("--profile", metavar="SCENARIO", help="cProfile the scenario whose name contains this")
    parser.add_argument("--only", metavar="WORDS", help="measure only the scenarios whose names contain one of "
                        "these comma-separated words (and the two bare ones)")
    parser.add_argument("--gunicorn", action="store_true", help="also measure the read pages under gunicorn + wrk")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per page (default 5)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="elearn-hot-paths-") as tmp, \
            databases(args.database_url, Path(tmp)) as (elearn_url, bare_url):
        folder = Path(tmp)
        counter = Counter()
        app, scenarios = elearn_scenarios(folder, elearn_url)
        read, insert = bare_scenarios(bare_url)
        if args.profile:
            chosen = [s for s in [read, insert, *scenarios] if args.profile in s.name]
            profile(chosen[0], args.requests * args.rounds)
            return
        if args.only:
            words = args.only.split(",")
            scenarios = [s for s in scenarios if any(word in s.name for word in words)]
        measure([read, insert, *scenarios], args.rounds, args.requests, counter)
        import elearn

        database = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=NORMAL)"
        print(f"\nelearn from {Path(elearn.__file__).parent.parent}")
        print_table(f"In-process (Flask test client), {database}, {args.rounds} rounds x {args.requests} requests, "
                    f"{os.cpu_count()} CPUs, load average {load_before:.2f} before the run, "
                    f"{time.monotonic() - began:.0f} s in all:", read, insert, scenarios)
        if args.gunicorn:
            under_gunicorn(args, folder, app, scenarios, elearn_url, bare_url)


def under_gunicorn(args, folder: Path, app, scenarios: list[Scenario], elearn_url, bare_url) -> None:
    """The read pages served by gunicorn (gthread) and loaded by wrk, beside the yardstick's read."""
    import run

    if shutil.which("wrk") is None:
        raise SystemExit("--gunicorn needs wrk: apt-get install -y wrk")

    def serve(target: str, env: dict):
        return run.server(lambda port: [str(run.BIN / "gunicorn"), "-k", "gthread", "--workers", str(args.workers),
                                        "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}", target],
                          env, folder)

    env = {**os.environ, "PYTHONPATH": str(HERE), "BENCH_DATABASE_URL": bare_url}
    rows = []
    with serve("yardstick:app", env) as base:
        rows.append(("bare read", run.wrk(f"{base}/items/42", args.duration, 16)))
        rows.append(("bare insert", run.wrk(f"{base}/items", args.duration, 16, script=HERE / "insert.lua")))
    env = {key: value for key, value in os.environ.items() if key != "BENCH_DATABASE_URL"}
    with serve("elearn:create_app()", {**env, "ELEARN_CONCURRENT_REQUESTS_PER_CLIENT": "64"}) as base:
        browser = run.Browser(base)
        browser.post_form("/login", {"email": "hocvien@example.org", "password": PASSWORD})
        cookie = f"Cookie: {browser.cookie_header()}"
        for name, path in _read_paths(app, scenarios).items():
            # wrk counts a redirect (to the login page) as an answer: the page must be shown first.
            check = urllib.request.Request(base + path, headers={"Cookie": cookie.removeprefix("Cookie: ")})
            with urllib.request.build_opener(NoRedirect).open(check) as response:
                if response.status != 200:
                    raise SystemExit(f"{path}: {response.status} under gunicorn")
            rows.append((name, run.wrk(base + path, args.duration, 16, headers=[cookie])))
    bare = rows[0][1]["rps"]
    print(f"\ngunicorn gthread {args.workers} x {args.threads}, wrk 2 threads x 16 connections, {args.duration} s "
          f"each (after 2 s of warm-up):\n")
    print(f"| {'page':<48} | {'req/s':>7} | {'ratio':>5} | {'p50':>8} | {'p99':>8} | {'errors':>6} |")
    print(f"|{'-' * 50}|{'-' * 8}:|{'-' * 6}:|{'-' * 9}:|{'-' * 9}:|{'-' * 7}:|")
    for name, found in rows:
        base_rps = rows[1][1]["rps"] if name == "bare insert" else bare
        print(f"| {name:<48} | {found['rps']:>7.0f} | {found['rps'] / base_rps:>5.2f} | {found['p50']:>8} | "
              f"{found['p99']:>8} | {found['bad']:>6} |")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def _read_paths(app, scenarios: list[Scenario]) -> dict[str, str]:
    """Each read scenario's path, taken from the request it made last (the test client keeps it)."""
    found = {}
    for scenario in scenarios:
        if scenario.write:
            continue
        response = scenario.call()
        found[scenario.name] = response.request.full_path.rstrip("?")
    return found


if __name__ == "__main__":
    main()
