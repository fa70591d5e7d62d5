"""Issue 18: each report's time at 10,000 learners and 100,000 progress rows on PostgreSQL (goal: under 200 ms).

    .venv/bin/python benchmarks/bench_reports.py [--server postgresql+psycopg://postgres@127.0.0.1:5432]
                                                 [--requests 15] [--explain]

The database ``elearn_bench_reports`` on that server is dropped and created again, migrated as the tests
migrate theirs (``elearn.testing.test_config`` + ``elearn.db.migrate.upgrade``), then filled in bulk with
SQLAlchemy Core inserts (lists of dicts: 100,000 ORM objects would take minutes to build):

- an organisation tree: one province, 8 areas, 80 communes and wards (one in four a ward), 400 cooperatives;
- 10,000 learners with a profile (a cooperative, a position), one administrator;
- 5 courses of 20 ``page`` lessons in two modules;
- 20,000 enrolments (each learner in 2 courses), enrolled over 2025 and 2026, a third of them completed;
- 100,000 lesson progress rows with scores: 12 completed lessons per completed enrolment (as if the course
  had grown after they finished it; 20 each would be 133,000 rows), and the rest spread over the others,
  in progress or completed, some tried twice without success (the stalled list's "failed twice").

Then every report is requested in this process through the Flask test client, as the administrator (logged
in through the form for the pages, with an API token for the API): one untimed warm-up, then ``--requests``
timed requests each. The table gives the median, the 95th percentile, the median time spent in SQL (the
driver's execute) and the SQL statements of one request, beside the goal. ``--explain`` prints EXPLAIN
ANALYZE of the two slowest statements of each report whose median is over the goal; ``--no-jit`` runs the
app's connections with ``jit=off``. The database is left in place to look at (``psql elearn_bench_reports``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from hot_paths import api, expect, login_form  # noqa: E402

DATABASE = "elearn_bench_reports"
GOAL_MS = 200.0
ADMIN = ("quantri@bench.example", "Quản trị viên", "bench-reports-2026")
LEARNERS = 10_000
PROGRESS_ROWS = 100_000
COURSES, LESSONS = 5, 20
AREAS, UNITS_PER_AREA, COOPS_PER_UNIT = 8, 10, 5


def fresh_database(server: str) -> str:
    """Drop and create ``elearn_bench_reports``; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server).set(database=DATABASE)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def make_app(url: str, folder: Path):
    from elearn import create_app
    from elearn.db.migrate import upgrade
    from elearn.testing import test_config

    # API_CHECK_RESPONSES is the tests' extra validation of every API answer: not what a server does.
    app = create_app(test_config(url, folder, API_CHECK_RESPONSES=False))
    upgrade(app)
    return app


def fill(app) -> str:
    """The bulk data; returns the slug of the first course."""
    from sqlalchemy import insert, select, text

    from elearn.auth.accounts import create_user
    from elearn.db import get_database
    from elearn.models import (
        AdminUnit,
        Cooperative,
        Course,
        Enrolment,
        LearnerProfile,
        Lesson,
        LessonProgress,
        Module,
        Role,
        Status,
        User,
    )
    from elearn.models.organisations import CooperativeKind, UnitLevel
    from elearn.models.profiles import Position

    rng = random.Random(18)
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    span = (end - start).total_seconds()
    with app.app_context(), get_database(app).transaction() as db:
        create_user(db, ADMIN[0], ADMIN[1], ADMIN[2], Role.ADMIN)
        province = db.scalar(insert(AdminUnit).returning(AdminUnit.id),
                             [{"code": "11", "name": "Tỉnh Điện Biên", "level": UnitLevel.PROVINCE}])
        areas = db.scalars(insert(AdminUnit).returning(AdminUnit.id, sort_by_parameter_order=True), [
            {"code": f"K{a}", "name": f"Khu vực {a}", "level": UnitLevel.AREA, "parent_id": province,
             "province_id": province, "area_id": None} for a in range(AREAS)]).all()
        unit_rows = [{"code": f"K{a}-{u}", "name": f"{'Phường' if u % 4 == 0 else 'Xã'} {a}-{u}",
                      "level": UnitLevel.WARD if u % 4 == 0 else UnitLevel.COMMUNE, "parent_id": area,
                      "province_id": province, "area_id": area}
                     for a, area in enumerate(areas) for u in range(UNITS_PER_AREA)]
        units = db.scalars(insert(AdminUnit).returning(AdminUnit.id, sort_by_parameter_order=True), unit_rows).all()
        kinds = list(CooperativeKind)
        coops = db.scalars(insert(Cooperative).returning(Cooperative.id, sort_by_parameter_order=True), [
            {"name": f"HTX {u}-{c}", "kind": kinds[c % len(kinds)], "registration_number": f"R-{u}-{c}",
             "unit_id": unit, "created_at": now} for u, unit in enumerate(units) for c in range(COOPS_PER_UNIT)]).all()

        users = db.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
            {"email": f"hocvien{i}@bench.example", "name": f"Học viên {i:05d}", "password_hash": "!",
             "role": Role.LEARNER, "is_active": True, "created_at": start} for i in range(LEARNERS)]).all()
        positions = list(Position)
        db.execute(insert(LearnerProfile), [
            {"user_id": user, "cooperative_id": coops[i % len(coops)], "position": positions[i % len(positions)],
             "updated_at": now} for i, user in enumerate(users)])

        course_ids = db.scalars(insert(Course).returning(Course.id, sort_by_parameter_order=True), [
            {"slug": f"khoa-{c}", "title_vi": f"Khoá {c}", "title_en": f"Course {c}", "summary_vi": "Tóm tắt",
             "summary_en": "", "is_published": True, "created_at": start} for c in range(COURSES)]).all()
        module_rows = [{"course_id": course, "key": f"m{m}", "position": m, "title_vi": f"Phần {m}", "title_en": ""}
                       for course in course_ids for m in range(2)]
        module_ids = db.scalars(insert(Module).returning(Module.id, sort_by_parameter_order=True), module_rows).all()
        lesson_rows = [{"course_id": module["course_id"], "module_id": module_id, "key": f"l{i}", "position": i,
                        "type_name": "page", "title_vi": f"Bài {i}", "title_en": "",
                        "content": {"markdown": f"Bài {i}", "html": f"<p>Bài {i}</p>"}}
                       for module, module_id in zip(module_rows, module_ids, strict=True)
                       for i in range(module["position"], LESSONS, 2)]
        lesson_ids = db.scalars(insert(Lesson).returning(Lesson.id, sort_by_parameter_order=True), lesson_rows).all()
        by_course: dict[int, list[int]] = {}
        for row, lesson in zip(lesson_rows, lesson_ids, strict=True):
            by_course.setdefault(row["course_id"], []).append(lesson)

        enrolments, progress = [], []
        # Two different courses each, every pair of courses about as often as another.
        pairs = [(user, course_ids[c]) for i, user in enumerate(users)
                 for c in (i % COURSES, (i % COURSES + 1 + (i // COURSES) % (COURSES - 1)) % COURSES)]
        done_per_completed = 12
        completed = [k % 3 == 0 for k in range(len(pairs))]
        left = PROGRESS_ROWS - done_per_completed * sum(completed)
        others = len(pairs) - sum(completed)
        other = 0  # the how-manieth enrolment not completed
        for k, (user, course) in enumerate(pairs):
            enrolled = start + timedelta(seconds=rng.random() * span)
            lessons = by_course[course]
            if completed[k]:
                count = done_per_completed
            else:  # spread what is left evenly: the first ``left % others`` get one more
                count = left // others + (1 if other < left % others else 0)
                other += 1
            last = enrolled
            for n, lesson in enumerate(lessons[:count]):
                touched = min(enrolled + timedelta(days=n + rng.random() * 20), now - timedelta(hours=1))
                last = max(last, touched)
                failing = not completed[k] and n == count - 1 and rng.random() < 0.3
                status = (Status.COMPLETED if completed[k] or (n < count - 1)
                          else Status.IN_PROGRESS)
                progress.append({"user_id": user, "lesson_id": lesson, "status": status,
                                 "attempts": 2 if failing else 1,
                                 "score": round(rng.uniform(0.2, 0.45) if failing else rng.uniform(0.5, 1.0), 2),
                                 "state": {}, "started_at": touched,
                                 "completed_at": touched if status == Status.COMPLETED else None,
                                 "updated_at": touched})
            enrolments.append({"user_id": user, "course_id": course, "enrolled_at": enrolled,
                               "completed_at": last if completed[k] else None})
        db.execute(insert(Enrolment), enrolments)
        for chunk in range(0, len(progress), 20_000):
            db.execute(insert(LessonProgress), progress[chunk:chunk + 20_000])
        slug = db.scalar(select(Course.slug).where(Course.id == course_ids[0]))
    with app.app_context(), get_database(app).transaction() as db:
        counts = {name: db.scalar(text(f"SELECT count(*) FROM {name}")) for name in
                  ("users", "learner_profiles", "admin_units", "cooperatives", "enrolments", "lesson_progress")}
    engine = get_database(app).engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would have after such a load
    print("rows:", ", ".join(f"{name} {count:,}" for name, count in counts.items()), flush=True)
    return slug


class Statements:
    """The SQL statements (with their parameters) of every engine of this process, while ``on``."""

    def __init__(self) -> None:
        from sqlalchemy import Engine, event

        self.seen: list[tuple[str, object]] = []
        self.sql_ms = 0.0  # time spent in the driver's execute: the database's share of the request
        self.on = False
        self._began = 0.0
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "after_cursor_execute", self._done)

    def _statement(self, _conn, _cursor, statement, parameters, *_args) -> None:
        self._began = time.perf_counter()
        if self.on and not statement.lstrip().upper().startswith("BEGIN"):
            self.seen.append((statement, parameters))

    def _done(self, *_args) -> None:
        if self.on:
            self.sql_ms += (time.perf_counter() - self._began) * 1000

    @contextmanager
    def recording(self):
        self.seen = []
        self.sql_ms = 0.0
        self.on = True
        try:
            yield self
        finally:
            self.on = False


def measure(call, requests: int, statements: Statements):
    """Each request's wall time and time in SQL (ms), and the statements of the last one."""
    call()  # warm-up: templates compiled, plugins' caches filled
    times, sql, seen = [], [], []
    for _ in range(requests):
        with statements.recording() as recorder:
            began = time.perf_counter()
            call()
            times.append((time.perf_counter() - began) * 1000)
        sql.append(recorder.sql_ms)
        seen = recorder.seen
    return times, sql, seen


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def explain(app, seen: list[tuple[str, object]]) -> None:
    """EXPLAIN ANALYZE of the request's statements that read (the slowest first, with its own timing)."""
    from elearn.db import get_database

    engine = get_database(app).engine
    timed = []
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT") and "SELECT" not in statement[:60].upper():
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in cursor.fetchall()]
            total = float(plan[-1].split(":")[1].split("ms")[0]) if "Execution Time" in plan[-1] else 0.0
            timed.append((total, statement, plan))
        conn.rollback()
    for total, statement, plan in sorted(timed, key=lambda t: -t[0])[:2]:
        print(f"\n--- {total:.1f} ms: {' '.join(statement.split())[:300]}")
        print("\n".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE of the reports over the goal")
    parser.add_argument("--no-jit", action="store_true",
                        help="the app's connections with jit=off (a server setting, to see what JIT costs)")
    args = parser.parse_args()

    os.environ.setdefault("ELEARN_SESSION_COOKIE_SECURE", "false")
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    began = time.perf_counter()
    url = fresh_database(args.server)
    if args.no_jit:
        from sqlalchemy.engine import make_url

        url = make_url(url).update_query_dict({"options": "-c jit=off"}).render_as_string(hide_password=False)
    app = make_app(url, folder)
    slug = fill(app)
    print(f"built in {time.perf_counter() - began:.0f} s; measuring {args.requests} requests each", flush=True)

    page = app.test_client()
    login_form(page, ADMIN[0], ADMIN[2])
    client = app.test_client()
    token = expect(client.post("/api/v1/auth/token", json={"email": ADMIN[0], "password": ADMIN[2]}),
                   201).get_json()["token"]

    def get(path: str, contains: str | None = None):
        return lambda: expect(page.get(path), 200, contains)

    def get_api(path: str):
        return lambda: api(client, "GET", path, token)

    scenarios = [
        ("progress by area (page)", get("/reports?group_by=area", "Khu vực 0")),
        ("progress by area (API)", get_api("/api/v1/reports/progress?group_by=area")),
        ("progress by cooperative (page)", get("/reports?group_by=cooperative", "HTX 0-0")),
        ("progress by cooperative (API)", get_api("/api/v1/reports/progress?group_by=cooperative")),
        ("progress by course (page)", get("/reports?group_by=course", "Khoá 0")),
        ("progress by course (API)", get_api("/api/v1/reports/progress?group_by=course")),
        ("stalled learners (page)", get("/reports/stalled")),
        ("stalled learners (API)", get_api("/api/v1/reports/stalled")),
        ("yearly report 2026 (page)", get("/reports/yearly?year=2026")),
        ("yearly report 2026 (API)", get_api("/api/v1/reports/yearly?year=2026")),
        (f"gradebook /courses/{slug} (page)", get(f"/courses/{slug}/gradebook")),
        ("gradebook (API)", get_api(f"/api/v1/courses/{slug}/gradebook")),
        ("course report (page)", get(f"/courses/{slug}/report")),
        ("course report (API)", get_api(f"/api/v1/courses/{slug}/report")),
    ]
    statements = Statements()
    results = []
    for name, call in scenarios:
        times, sql, seen = measure(call, args.requests, statements)
        results.append((name, statistics.median(times), p95(times), statistics.median(sql), len(seen), seen))
        print(f"  {name}: {statistics.median(times):.1f} ms", flush=True)

    print(f"\nPostgreSQL, {LEARNERS:,} learners, {PROGRESS_ROWS:,} progress rows, {args.requests} requests each "
          f"(load average {os.getloadavg()[0]:.2f}{', jit=off' if args.no_jit else ''})\n")
    print(f"| {'report':<40} | {'median ms':>9} | {'p95 ms':>8} | {'goal ms':>7} | {'in SQL ms':>9} "
          f"| {'statements':>10} | under goal |")
    print(f"|{'-' * 42}|{'-' * 10}:|{'-' * 9}:|{'-' * 8}:|{'-' * 10}:|{'-' * 11}:|------------|")
    for name, median, high, in_sql, count, _seen in results:
        verdict = "yes" if high < GOAL_MS else "median only" if median < GOAL_MS else "NO"
        print(f"| {name:<40} | {median:>9.1f} | {high:>8.1f} | {GOAL_MS:>7.0f} | {in_sql:>9.1f} | {count:>10} "
              f"| {verdict:<10} |")
    if args.explain:
        with app.app_context():
            for name, median, _high, _sql, _count, seen in results:
                if median >= GOAL_MS:
                    print(f"\n=== {name}: {median:.0f} ms")
                    explain(app, seen)


if __name__ == "__main__":
    main()
