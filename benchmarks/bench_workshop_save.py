"""What a business-plan workshop draft save costs, in-process, beside the bare yardstick.

    .venv/bin/python benchmarks/bench_workshop_save.py [--rounds 5] [--requests 100] [--profile SCENARIO]

The workshop (plugins/workshop) saves a cooperative's plan as its managers type: each save is
``POST /api/v1/lessons/<id>/submissions`` ``{"action": "save", "base": N, "sections": {...}}``,
merged section by section into the group's one plan (``plans.save``), and every save that changes
something keeps a whole copy of the plan as a new version. This script measures, as ``hot_paths.py``
does (and with its counter, its measuring loop and its yardstick, ``yardstick.py``: a bare Flask page
that loads one row of 10,000 with ``Session.get`` and renders a ~2 KB Jinja layout, and one INSERT +
commit, on SQLite in WAL mode with ``synchronous=NORMAL``), in one interleaved run:

- (a) a save of one changed section by one author (its base the plan's current version);
- (b) two co-authors of the same group plan saving in turn, each a different section, each from the
  version they saw last, which the other has moved on since: the merge path (the base version is read
  back from the kept versions, no conflict);
- (c) the same save again with nothing changed (no new version);
- the learner's lesson page ``GET /lessons/<id>`` with all 9 sections of the plan filled.

In a temporary folder: the demo instance (``elearn.demo.prepare``) and a pack with two identical
workshop lessons of 9 sections (text, long text of about 2 KB, number, money, date, choice; a 20-row
table in three of them; the financial plan in the last), written by the course's group set: the
demo learner and a second learner are the one group "HTX Tân Phú", each with an API token and a
session cookie from the real login form. The plan of the first lesson is brought to 10 versions, the
second's to 1,000 (by real saves through the API, about 20 s), so each scenario runs on both and the
table shows whether a save or the page grows with the plan's history. During the run the first
plan's versions older than its 10 newest are deleted before each request (untimed), so it stays at
10; the second plan only grows (its count before and after is printed).

Columns as hot_paths.py's: **req/s** is 1 / the median over the rounds of each round's mean wall time,
**ratio** the scenario's rate over the yardstick's (the bare read for the page, the bare insert for
the saves; 1.00 is as fast as the yardstick), **CPU ms** / **CPU ratio** the same with this thread's
CPU time (read these when the machine is busy), **statements** the SQL statements of one request
(BEGIN not counted), **round trips** with BEGIN, COMMIT and ROLLBACK, **p99** over every request,
**Python calls** of one request under cProfile (the work done, independent of the machine's load).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import hot_paths  # noqa: E402
import workshop_plan  # noqa: E402
from hot_paths import Counter, Scenario, api, expect, login_form  # noqa: E402
from workshop_plan import PARAGRAPH  # noqa: E402

PASSWORD = hot_paths.PASSWORD
SECOND_AUTHOR = ("dong-tac-gia@example.org", "Trần Văn Minh")
GROUP_SET = "hop-tac-xa"
SECTIONS = 9
KEPT = 10  # versions the first plan keeps during the run
MANY = 1_000  # versions of the second plan before the run

RICE = {  # the financial plan of plugins/workshop/tests/test_finance.py
    "opening_cash": "10000000", "own_capital": "50000000",
    "products": [{"name": "Gạo ST25", "unit": "tấn", "price": "10000000", "unit_cost": "6000000",
                  "quantities": ["0", "0", "10", "0", "0", "10", "0", "0", "10", "0", "0", "10"]}],
    "fixed_costs": [{"name": "Lương quản lý", "amount": "5000000"}],
    "investments": [{"name": "Máy sấy", "amount": "120000000", "period": "1", "life_years": "5"}],
    "loan": {"amount": "120000000", "rate": "12", "term": "6", "grace": "2", "method": "equal-principal"},
}


def template() -> dict:
    """The shared nine-section plan (workshop_plan.py, as bench_workshop_pdf.py's), in pack form."""
    return {"intro": "Cùng ban quản trị viết phương án của hợp tác xã.", "group_set": GROUP_SET,
            "sections": workshop_plan.sections(SECTIONS)}


def filled(number: int) -> dict:
    """Section ``number``'s values, as the API takes them."""
    values = {"tom-tat": PARAGRAPH * 8, "chi-tieu": "Tăng sản lượng 15%", "so-luong": "120",
              "so-tien": str(250_000_000 * number), "ngay": "2027-03-01", "muc-do": "cao"}
    if number in workshop_plan.TABLE_SECTIONS:
        values["bang"] = [{"hang": f"Vật tư số {row}: phân bón hữu cơ vi sinh", "sl": str(row * 10),
                           "gia": "185000", "tien": str(row * 1_850_000)} for row in range(1, 21)]
    if number == SECTIONS:
        values["tai-chinh"] = RICE
    return values


def pack() -> dict:
    lesson = {"type": "workshop", "content": template()}
    return {"id": "bench-workshop", "version": "1.0.0", "title": {"vi": "Phương án kinh doanh"},
            "course": {"slug": "bench-workshop",
                       "groups": {GROUP_SET: {"title": {"vi": "Hợp tác xã"},
                                              "groups": [{"id": "tan-phu", "title": {"vi": "HTX Tân Phú"}}]}},
                       "modules": [{"id": "m1", "title": {"vi": "Phương án"}, "lessons": [
                           {**lesson, "id": f"phuong-an-{versions}", "title": {"vi": f"Phương án ({versions})"}}
                           for versions in (KEPT, MANY)]}]}}


class Author:
    """One co-author: a logged-in test client, an API token, and the plan version they saw last."""

    def __init__(self, client, token: str) -> None:
        self.client, self.token, self.base = client, token, 0

    def save(self, lesson_id: int, sections: dict) -> dict:
        body = {"action": "save", "base": self.base, "sections": sections}
        result = api(self.client, "POST", f"/api/v1/lessons/{lesson_id}/submissions", self.token, body,
                     status=201)["result"]
        if result["conflicts"] or result["problems"]:
            raise SystemExit(f"save refused or in conflict: {result}")
        self.base = result["version"]
        return result


def build(folder: Path):
    """The demo instance, the pack, the two co-authors in one group; returns (app, lessons, authors)."""
    os.environ.update({
        "ELEARN_INSTANCE_PATH": str(folder / "instance"),
        "ELEARN_SESSION_COOKIE_SECURE": "false",
        "ELEARN_PASSWORD_HASH": '{"time_cost": 1, "memory_cost": 8, "parallelism": 1}',
    })
    (folder / "pack").mkdir()
    (folder / "pack" / "pack.yaml").write_text(json.dumps(pack(), ensure_ascii=False), encoding="utf-8")
    from sqlalchemy import select

    from elearn.auth.accounts import create_user, find_user
    from elearn.db import get_database
    from elearn.demo import DEMO_ACCOUNTS, prepare
    from elearn.models import Course, CourseGroup, GroupMember, Lesson, Role
    from elearn.packs.service import install_path

    app = prepare(ROOT / "content_packs", echo=lambda _line: None)
    with app.app_context():
        install_path(app, folder / "pack")
    emails = (DEMO_ACCOUNTS[0][0], SECOND_AUTHOR[0])
    with app.app_context():
        with get_database(app).transaction() as db:
            create_user(db, SECOND_AUTHOR[0], SECOND_AUTHOR[1], PASSWORD, Role.LEARNER)
        with get_database(app).transaction() as db:
            course = db.scalar(select(Course).where(Course.slug == "bench-workshop"))
            lessons = dict(db.execute(select(Lesson.key, Lesson.id).where(Lesson.course_id == course.id)).all())
            group = db.scalar(select(CourseGroup).where(CourseGroup.course_id == course.id))
            course_id, group_id = course.id, group.id
    authors = []
    for email in emails:
        client = app.test_client()
        login_form(client, email, PASSWORD)
        token = api(client, "POST", "/api/v1/auth/token", "", {"email": email, "password": PASSWORD},
                    status=201)["token"]
        api(client, "POST", "/api/v1/courses/bench-workshop/enrol", token, {}, status=201)
        authors.append(Author(client, token))
    with app.app_context(), get_database(app).transaction() as db:
        for email in emails:
            db.add(GroupMember(group_id=group_id, user_id=find_user(db, email).id, course_id=course_id,
                               group_set=GROUP_SET))
    return app, (lessons[f"phuong-an-{KEPT}"], lessons[f"phuong-an-{MANY}"]), authors


def bring_to(lesson_id: int, versions: int, authors: list[Author]) -> None:
    """The plan filled (one save per section, by the two authors in turn), then edited to ``versions``."""
    lan, minh = authors
    lan.base = minh.base = 0
    for number in range(1, SECTIONS + 1):
        writer = lan if number % 2 else minh
        writer.base = max(lan.base, minh.base)
        writer.save(lesson_id, {f"phan-{number}": filled(number)})
    n = SECTIONS
    while n < versions:
        writer = lan if n % 2 else minh
        writer.base = max(lan.base, minh.base)
        writer.save(lesson_id, {"phan-3": {"chi-tieu": f"Tăng sản lượng {n}%"}})
        n += 1
    lan.base = minh.base = versions


def count_versions(app, lesson_id: int) -> int:
    from elearn_workshop.models import Plan, PlanVersion
    from sqlalchemy import func, select

    from elearn.db import get_database

    with app.app_context(), get_database(app).transaction() as db:
        return db.scalar(select(func.count()).select_from(PlanVersion).join(Plan, Plan.id == PlanVersion.plan_id)
                         .where(Plan.lesson_id == lesson_id))


def trimmer(app, lesson_id: int):
    """Untimed, before each request: delete the plan's versions older than its ``KEPT`` newest."""
    from elearn_workshop.models import Plan, PlanVersion
    from sqlalchemy import delete, select

    from elearn.db import get_database

    def trim() -> None:
        with app.app_context(), get_database(app).transaction() as db:
            plan_id, version = db.execute(select(Plan.id, Plan.version).where(Plan.lesson_id == lesson_id)).one()
            db.execute(delete(PlanVersion).where(PlanVersion.plan_id == plan_id,
                                                 PlanVersion.number <= version - KEPT))

    return trim


def scenarios(app, lesson_id: int, versions: int, authors: list[Author], trim) -> list[Scenario]:
    lan, minh = authors
    turn = [0]

    def one_section() -> None:
        turn[0] += 1
        lan.base = max(lan.base, minh.base)
        result = lan.save(lesson_id, {"phan-1": {"chi-tieu": f"Tăng sản lượng {turn[0]}% mỗi năm"}})
        assert result["changed"] == ["phan-1"], result

    def merged() -> None:
        # Each author saves from the version they saw last: the other has saved since, so the base is
        # one version behind and is read back from the kept versions (no conflict: another section).
        turn[0] += 1
        writer, section = (lan, "phan-2") if turn[0] % 2 else (minh, "phan-4")
        writer.base = stale = max(lan.base, minh.base) - 1  # (the other's save came after the writer's last)
        result = writer.save(lesson_id, {section: {"chi-tieu": f"Giảm chi phí {turn[0]}%"}})
        assert result["changed"] == [section] and result["version"] == stale + 2, result

    unchanged = {"phan-5": filled(5)}

    def nothing_changed() -> None:
        lan.base = max(lan.base, minh.base)
        before = lan.base
        result = lan.save(lesson_id, unchanged)
        assert result["version"] == before and result["changed"] == [], result

    def page():
        return expect(lan.client.get(f"/lessons/{lesson_id}"), 200, "Phần 9: kế hoạch")

    label = f"{versions:,} versions"
    return [
        Scenario(f"(a) save, 1 section changed, 1 author [{label}]", True, one_section, before=trim),
        Scenario(f"(b) 2 co-authors in turn, merged [{label}]", True, merged, before=trim),
        Scenario(f"(c) save again, nothing changed [{label}]", True, nothing_changed, before=trim),
        Scenario(f"lesson page, plan of 9 sections [{label}]", False, page, before=trim),
    ]


def print_table(title: str, read: Scenario, insert: Scenario, rows: list[Scenario]) -> None:
    import statistics

    print(f"\n{title}\n")
    print(f"| {'page or action':<56} | {'req/s':>7} | {'ratio':>5} | {'CPU ms':>6} | {'CPU ratio':>9} | "
          f"{'statements':>10} | {'round trips':>11} | {'p99 ms':>7} | {'Python calls':>12} |")
    print(f"|{'-' * 58}|{'-' * 8}:|{'-' * 6}:|{'-' * 7}:|{'-' * 10}:|{'-' * 11}:|{'-' * 12}:|{'-' * 8}:|"
          f"{'-' * 13}:|")
    for scenario in [read, insert, *rows]:
        baseline = insert if scenario.write else read
        mean, base = statistics.median(scenario.round_means), statistics.median(baseline.round_means)
        cpu, base_cpu = statistics.median(scenario.round_cpu_means), statistics.median(baseline.round_cpu_means)
        print(f"| {scenario.name:<56} | {1 / mean:>7,.0f} | {base / mean:>5.2f} | {cpu * 1000:>6.2f} | "
              f"{base_cpu / cpu:>9.2f} | {scenario.statements:>10} | {scenario.trips:>11} | "
              f"{hot_paths.p99(scenario.times) * 1000:>7.2f} | {scenario.calls:>12,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--requests", type=int, default=100, help="requests per scenario and round (default 100)")
    parser.add_argument("--profile", metavar="SCENARIO", help="cProfile the scenario whose name contains this")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="elearn-workshop-save-") as tmp:
        folder = Path(tmp)
        counter = Counter()
        app, (few, many), authors = build(folder)
        bring_to(few, KEPT, authors)
        bring_to(many, MANY, authors)
        seeded = time.monotonic() - began
        before_many = count_versions(app, many)
        rows = [*scenarios(app, few, KEPT, authors, trimmer(app, few)),
                *scenarios(app, many, MANY, authors, None)]
        rows = [rows[i // 2 + (i % 2) * 4] for i in range(8)]  # each scenario's two plans side by side
        read, insert = hot_paths.bare_scenarios(f"sqlite:///{folder / 'yardstick.sqlite3'}")
        if args.profile:
            chosen = [s for s in [read, insert, *rows] if args.profile in s.name]
            hot_paths.profile(chosen[0], args.requests * args.rounds)
            return
        # Each author's base is tracked per lesson: they work on one plan at a time, so save the
        # bases of both plans around each scenario's requests.
        _keep_bases_per_lesson(rows, authors, {few: KEPT, many: MANY})
        hot_paths.measure([read, insert, *rows], args.rounds, args.requests, counter)
        after_few, after_many = count_versions(app, few), count_versions(app, many)
        import elearn

        print(f"\nelearn from {Path(elearn.__file__).parent.parent}")
        print(f"Plans: {few}: kept at {after_few} versions; {many}: {before_many:,} versions before the run, "
              f"{after_many:,} after (seeding both took {seeded:.0f} s).")
        print_table(f"In-process (Flask test client), SQLite (WAL, synchronous=NORMAL), {args.rounds} rounds x "
                    f"{args.requests} requests, {os.cpu_count()} CPUs, load average {load_before:.2f} before the "
                    f"run, {time.monotonic() - began:.0f} s in all:", read, insert, rows)


def _keep_bases_per_lesson(rows: list[Scenario], authors: list[Author], start: dict[int, int]) -> None:
    """The two plans have their own version numbers: each scenario swaps in its plan's bases."""
    bases = {lesson: [versions, versions] for lesson, versions in start.items()}
    for scenario in rows:
        lesson = next(lesson for lesson, versions in start.items() if f"[{versions:,} versions]" in scenario.name)
        call = scenario.call

        def wrapped(call=call, lesson=lesson):
            for author, base in zip(authors, bases[lesson], strict=True):
                author.base = base
            try:
                return call()
            finally:
                bases[lesson] = [author.base for author in authors]

        scenario.call = wrapped


if __name__ == "__main__":
    main()
