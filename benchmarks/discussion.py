"""Benchmark a case discussion with 5,000 posts: lesson page, thread pages, replies, SQL per page.

    .venv/bin/python benchmarks/discussion.py [--duration 10] [--connections 16] [--show-sql] [--explain]

Everything runs on 127.0.0.1 in a temporary folder that is removed at the end: a pack with two
discussion lessons is installed into a fresh instance, one discussion is seeded with 5,000 posts
(100 threads, one of them with 2,000 posts) by 200 enrolled learners and the other with 50, with
bulk inserts; gunicorn (4 sync workers) serves it and ``wrk`` loads each URL. The SQL statements
per page are then counted in-process (Flask test client, a SQLAlchemy event listener), for the
big and the small discussion. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import run
import yaml
from run import BIN, WORKERS, Browser, first_load_size, gunicorn

EMAIL, PASSWORD = "hocvien-1@example.org", "bench-password-2026"
SLUG = "bench-discussion"
BIG, SMALL = "thao-luan", "thao-luan-nho"
# (threads, posts in all, posts in the big thread): posts include each thread's opening post.
SIZES = {BIG: (100, 5_000, 2_000), SMALL: (6, 50, 45)}

REPLY_LUA = """\
-- wrk script: reply in a thread through the JSON API, each request as the next of many learners.
local tokens, offset, n = {}, 0, 0
function setup(thread)
  offset = offset + 37
  thread:set("offset", offset)
end
function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  n = offset
end
function request()
  n = n + 1
  local body = '{"body": "Theo tôi, ban quản trị nên gửi giấy mời sớm hơn và họp vào buổi tối (ý kiến '
    .. n .. ')."}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1]}, body)
end
"""

BODIES = [
    "Theo tôi, thành viên không đến vì **giấy mời** gửi quá muộn, chỉ hai ngày trước đại hội.",
    "Tôi đồng ý. Ở hợp tác xã chúng tôi, họp vào mùa gặt thì gần như không ai đến được.\n\n"
    "Nên chọn thời điểm sau thu hoạch, và báo trước ít nhất *hai tuần*.",
    "Đại hội chỉ hợp lệ khi có đủ số thành viên tham dự theo điều lệ. Cần xem lại:\n\n"
    "- điều lệ quy định bao nhiêu phần trăm;\n- biên bản kiểm tra tư cách đại biểu;\n"
    "- danh sách thành viên có quyền biểu quyết.",
    "Ban quản trị nên công khai báo cáo tài chính trên bảng tin ở nhà văn hoá và gửi qua nhóm Zalo.",
    "Một ý nữa: có thể cho thành viên ở xa biểu quyết bằng văn bản, nếu điều lệ cho phép.",
    "> Nên chọn thời điểm sau thu hoạch\n\nĐúng vậy, và nên có người nhắc trực tiếp từng hộ.",
    "Tôi nghĩ vấn đề sâu hơn là thành viên không thấy lợi ích khi tham gia. Nếu được chia lãi theo "
    "mức sử dụng dịch vụ, họ sẽ quan tâm hơn đến đại hội.",
    "Cảm ơn mọi người. Tóm lại: báo sớm, họp đúng lúc, công khai tài chính và giải thích quyền lợi.",
]


def wrk(url: str, duration: int, connections: int, **options) -> dict:
    """``run.wrk`` with a 10-second timeout instead of wrk's 2: on a busy machine a reply waiting for
    SQLite's write lock can take longer and is still stored; the p99 shows it, and it is not counted
    as a failed request."""
    return run.wrk(url, duration, connections, timeout="10s", **options)


def write_pack(folder: Path) -> None:
    case = ("Hợp tác xã A có 120 thành viên nhưng chỉ 40 người đến dự đại hội thường niên. "
            "Ban quản trị vẫn thông qua phương án phân phối lợi nhuận.")
    lessons = [
        {"id": key, "type": "discussion", "title": {"vi": title},
         "content": {"case": case, "questions": ["Đại hội này có hợp lệ không?", "Ban quản trị nên làm gì?"]}}
        for key, title in ((BIG, "Thảo luận tình huống"), (SMALL, "Thảo luận nhỏ"))
    ]
    pack = {"id": SLUG, "version": "1.0.0", "title": {"vi": "Benchmark thảo luận"},
            "course": {"modules": [{"id": "m1", "title": {"vi": "Phần 1"}, "lessons": lessons}]}}
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_app(env: dict[str, str]):
    """elearn's app in this process, on the benchmark's instance (for seeding and counting SQL)."""
    for key in [k for k in os.environ if k.startswith("ELEARN_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("ELEARN_")})
    from elearn import create_app

    return create_app()


def seed(app, learners: int) -> dict:
    """200 learners (enrolled, one API token each) and the two discussions' threads and posts, by bulk
    inserts with the counters the app keeps: reply_count, last_activity_at, root_id, state."""
    from elearn_discussion.models import Post, Thread
    from sqlalchemy import func, insert, select

    from elearn.auth.accounts import find_user
    from elearn.auth.sessions import issue_token
    from elearn.clock import utcnow
    from elearn.db import get_database
    from elearn.markdown import render_markdown
    from elearn.models.courses import Course, Lesson
    from elearn.models.progress import Enrolment
    from elearn.models.users import User

    rng = random.Random(2026)
    bodies = [(md, render_markdown(md)) for md in BODIES]
    now = utcnow()
    with app.app_context(), get_database(app).transaction() as db:
        first = find_user(db, EMAIL)
        course = db.scalar(select(Course).where(Course.slug == SLUG))
        lessons = dict(db.execute(select(Lesson.key, Lesson.id).where(Lesson.course_id == course.id)).all())
        db.execute(insert(User.__table__), [
            {"email": f"hocvien-{n}@example.org", "name": f"Học viên {n}", "password_hash": first.password_hash,
             "role": first.role, "is_active": True, "created_at": now} for n in range(2, learners + 1)])
        users = list(db.scalars(select(User).where(User.email.like("hocvien-%@example.org")).order_by(User.id)))
        db.execute(insert(Enrolment.__table__), [
            {"user_id": u.id, "course_id": course.id, "enrolled_at": now} for u in users])
        tokens = [issue_token(db, u)[0] for u in users]
        ids = [u.id for u in users]
        next_thread = (db.scalar(select(func.max(Thread.id))) or 0) + 1
        next_post = (db.scalar(select(func.max(Post.id))) or 0) + 1
        found = {"lessons": lessons, "tokens": tokens, "big_thread": {}}
        for key, (count, total, big) in SIZES.items():
            threads, posts = [], []
            rest = total - big
            sizes = [big] + [rest // (count - 1) + (1 if i < rest % (count - 1) else 0) for i in range(count - 1)]
            for t, size in enumerate(sizes):
                tid = next_thread
                next_thread += 1
                began = now - timedelta(days=30) + timedelta(hours=6 * t)
                tops: list[int] = []
                when = began
                for p in range(size):
                    pid = next_post
                    next_post += 1
                    when = began + timedelta(minutes=3 * p)
                    root = pid
                    parent = None
                    if p and tops and rng.random() < 0.25:  # a quarter of replies nest under a top-level post
                        parent = rng.choice(tops[-10:])
                        root = parent
                    elif p:
                        tops.append(pid)
                    quote = rng.choice(range(pid - p, pid)) if p and rng.random() < 0.1 else None
                    md, html = bodies[(t + p) % len(bodies)]
                    posts.append({
                        "id": pid, "thread_id": tid, "lesson_id": lessons[key], "author_id": rng.choice(ids),
                        "by_staff": False, "is_opening": p == 0, "root_id": root, "parent_id": parent,
                        "quote_id": quote, "body_md": md, "body_html": html, "state": "visible",
                        "is_synthesis": False, "moderation_reason": "", "helpful_count": 0, "open_reports": 0,
                        "created_at": when, "edited_at": None})
                    if p == 0:
                        tops.append(pid)
                threads.append({
                    "id": tid, "lesson_id": lessons[key], "group_id": None, "author_id": posts[-size]["author_id"],
                    "by_staff": False, "title": f"Chủ đề {t + 1}: vì sao thành viên vắng mặt?", "state": "visible",
                    "pinned": False, "locked": False, "reply_count": size - 1, "staff_replied": False,
                    "resolved_post_id": None, "created_at": began, "last_activity_at": when})
            db.execute(insert(Thread.__table__), threads)
            db.execute(insert(Post.__table__), posts)
            found["big_thread"][key] = threads[0]["id"]
    return found


def check(app, lessons: dict[str, int]) -> str:
    """The counters agree with the rows (threads' reply_count and last activity, every post's root)."""
    from elearn_discussion.models import Post, Thread
    from sqlalchemy import func, select

    from elearn.db import get_database

    with app.app_context(), get_database(app).transaction() as db:
        posts = {k: db.scalar(select(func.count()).where(Post.lesson_id == v)) for k, v in lessons.items()}
        bad = db.scalar(
            select(func.count()).select_from(Thread).where(
                Thread.reply_count != select(func.count() - 1).where(Post.thread_id == Thread.id).scalar_subquery()))
        stale = db.scalar(
            select(func.count()).select_from(Thread).where(
                Thread.last_activity_at != select(func.max(Post.created_at)).where(Post.thread_id == Thread.id)
                .scalar_subquery()))
        roots = db.scalar(select(func.count()).where(Post.root_id.is_(None)))
    if bad or stale or roots:
        raise SystemExit(f"counters are wrong: {bad} threads with a wrong reply_count, {stale} with a wrong "
                         f"last_activity_at, {roots} posts without root_id")
    return ", ".join(f"{k}: {v:,} posts" for k, v in posts.items())


def count_queries(app, cookie: str, paths: dict[str, str], show: bool, explain: bool) -> dict[str, tuple]:
    """SQL statements per page, counted with an event listener on every engine (second request of each),
    and the median time of 15 more requests, in this process (Flask test client, no HTTP)."""
    from sqlalchemy import Engine, event

    from elearn.db import get_database

    statements: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    client = app.test_client(use_cookies=False)  # else its own (empty) cookie jar replaces the header
    found = {}
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        for name, path in paths.items():
            client.get(path, headers={"Cookie": cookie})
            statements.clear()
            response = client.get(path, headers={"Cookie": cookie})
            if response.status_code != 200 or "Chủ đề" not in response.get_data(as_text=True):
                raise SystemExit(f"{path}: {response.status_code} {response.headers.get('Location')}")
            seen = [(st, params) for st, params in statements if not st.lstrip().upper().startswith("BEGIN")]
            timings = []
            for _ in range(15):
                began = time.perf_counter()
                client.get(path, headers={"Cookie": cookie})
                timings.append(time.perf_counter() - began)
            # the BEGIN each request's transaction starts with is not counted
            found[name] = (len(seen), sorted(timings)[len(timings) // 2] * 1000)
            if show or explain:
                print(f"\n-- {name} ({path}): {len(seen)} statements")
                for statement, parameters in seen:
                    print("   ", " ".join(statement.split()), parameters if show else "")
                    if explain and statement.lstrip().upper().startswith("SELECT"):
                        with get_database(app).engine.connect() as conn:
                            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                        for row in plan:
                            print("        plan:", row[-1])
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--show-sql", action="store_true", help="print the statements of each counted page")
    parser.add_argument("--explain", action="store_true", help="print SQLite's EXPLAIN QUERY PLAN of each SELECT")
    args, load = run.wrk_options(parser)
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="elearn-bench-discussion-") as tmp:
        folder = Path(tmp)
        write_pack(folder / "pack")
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")},
            "ELEARN_INSTANCE_PATH": str(folder / "instance"),
            "ELEARN_SESSION_COOKIE_SECURE": "false",
            "ELEARN_DISCUSSION_POST_LIMITS": "1000000/minute",  # many replies a second, from 200 learners
        }
        quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
        subprocess.run([BIN / "elearn", "db", "upgrade"], **quiet)
        subprocess.run([BIN / "elearn", "pack", "install", folder / "pack"], **quiet)
        subprocess.run([BIN / "elearn", "user", "create", EMAIL, "--name", "Học viên 1"], input=PASSWORD + "\n",
                       text=True, **quiet)
        app = make_app(env)
        began = time.perf_counter()
        seeded = seed(app, args.learners)
        seconds = time.perf_counter() - began
        summary = check(app, seeded["lessons"])
        print(f"Seeded in {seconds:.1f} s: {summary}; {args.learners} learners.")
        lesson_id, small_id = seeded["lessons"][BIG], seeded["lessons"][SMALL]
        thread_id, small_thread = seeded["big_thread"][BIG], seeded["big_thread"][SMALL]
        middle = -(-SIZES[BIG][2] // 20) // 2
        (folder / "tokens.txt").write_text("\n".join(seeded["tokens"]) + "\n")
        (folder / "reply.lua").write_text(REPLY_LUA)
        with gunicorn("elearn:create_app()", env, folder) as base:
            learner = Browser(base)
            learner.post_form("/login", {"email": EMAIL, "password": PASSWORD})
            cookie = learner.cookie_header()
            thread_path = f"/x/discussion/lessons/{lesson_id}/threads/{thread_id}"
            html = learner.get(thread_path)
            assert b"post-" in html, html[:500]
            thread_size = (len(html), len(gzip.compress(html, compresslevel=6)), *first_load_size(learner, thread_path))
            lesson_html = learner.get(f"/lessons/{lesson_id}")
            assert "Chủ đề 100:".encode() in lesson_html, "the lesson page shows no threads"  # newest activity
            lesson_size = (len(lesson_html), len(gzip.compress(lesson_html, compresslevel=6)))
            header = [f"Cookie: {cookie}"]
            rows.append(("(a) lesson page, first page of 100 threads", wrk(f"{base}/lessons/{lesson_id}", **load,
                                                                           headers=header)))
            rows.append(("(b) big thread (2,000 posts), first page", wrk(base + thread_path, **load, headers=header)))
            rows.append((f"(b) big thread, middle page ({middle})", wrk(f"{base}{thread_path}?page={middle}",
                                                                       **load, headers=header)))
            small_path = f"{base}/x/discussion/lessons/{small_id}/threads/{small_thread}"
            rows.append(("(b') small thread (45 posts), first page", wrk(small_path, **load, headers=header)))
            reply = f"{base}/api/v1/x/discussion/lessons/{lesson_id}/threads/{thread_id}/posts"
            rows.append(("(c) reply through the JSON API (POST)", wrk(
                reply, **load, script=folder / "reply.lua", env={"BENCH_TOKENS": str(folder / "tokens.txt")})))
            failures = [line for log in folder.glob("gunicorn-*.log") for line in log.read_text().splitlines()
                        if "Error" in line or "WORKER TIMEOUT" in line]
        stored = check(app, seeded["lessons"])
        paths = {
            "(a) lesson page": (f"/lessons/{small_id}", f"/lessons/{lesson_id}"),
            "(b) thread, first page": (f"/x/discussion/lessons/{small_id}/threads/{small_thread}", thread_path),
            "(b) thread, middle page": (f"/x/discussion/lessons/{small_id}/threads/{small_thread}?page=2",
                                        f"{thread_path}?page={middle}"),
        }
        small = count_queries(app, cookie, {k: v[0] for k, v in paths.items()}, args.show_sql, args.explain)
        large = count_queries(app, cookie, {k: v[1] for k, v in paths.items()}, args.show_sql, args.explain)
    _print(args, rows, small, large, thread_size, lesson_size, stored, load_before, failures)


def _print(args, rows, small, large, thread_size, lesson_size, stored, load_before, failures) -> None:
    print(f"\n{WORKERS} gunicorn sync workers, wrk 2 threads x {args.connections} connections, {args.duration} s each,")
    print(f"on {os.cpu_count()} CPUs (wrk shares them), SQLite in WAL mode.", end=" ")
    print(f"Load average before the run: {load_before:.2f}.\n")
    print(f"| {'benchmark':<46} | {'req/s':>8} | {'p50':>8} | {'p99':>8} | {'errors':>6} |")
    print(f"|{'-' * 48}|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|{'-' * 7}:|")
    for name, result in rows:
        print(f"| {name:<46} | {result['rps']:>8,.0f} | {result['p50']:>8} | {result['p99']:>8} | {result['bad']:>6} |")
    print("\n(d) SQL statements per page (learner, logged in; counted in-process, without the BEGIN):\n")
    print(f"| {'page':<26} | {'50 posts':>8} | {'5,000 posts':>11} | {'ms, 50':>7} | {'ms, 5,000':>9} |")
    print(f"|{'-' * 28}|{'-' * 9}:|{'-' * 12}:|{'-' * 8}:|{'-' * 10}:|")
    for name in small:
        print(f"| {name:<26} | {small[name][0]:>8} | {large[name][0]:>11} | {small[name][1]:>7.1f} | "
              f"{large[name][1]:>9.1f} |")
    print("(ms: median time of one request in-process, Flask test client, no HTTP and no concurrency)")
    print(f"\n(e) thread page (first page, 20 posts): {thread_size[0]:,} bytes of HTML, "
          f"{thread_size[1]:,} gzip-compressed; with its stylesheets {thread_size[2]:,} bytes, "
          f"{thread_size[3]:,} gzip-compressed (level 6).")
    print(f"    lesson page: {lesson_size[0]:,} bytes of HTML, {lesson_size[1]:,} gzip-compressed.")
    print(f"After the run: {stored}.")
    if failures:
        print(f"\nThe server logged {len(failures)} errors, e.g.: {failures[-1][:300]}")
    if any(result["bad"] for _name, result in rows):
        print("\nSome requests failed (non-2xx/3xx or socket errors): the figures above are not valid.")
        sys.exit(1)


if __name__ == "__main__":
    main()
