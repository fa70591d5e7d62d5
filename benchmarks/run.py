"""Run every benchmark and print one table. See benchmarks/README.md.

    .venv/bin/python benchmarks/run.py [--duration 10] [--connections 16]

Everything runs on 127.0.0.1 in a temporary folder that is removed at the end:
gunicorn (4 sync workers) serves a bare Flask baseline, then a seeded elearn
demo instance on SQLite, and ``wrk`` loads each URL for ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
WORKERS = 4
DEMO_LEARNER = ("hocvien@example.org", "hoctap-2026")  # elearn.demo's accounts
QUIZ_PACK = """\
id: bench-quiz
version: 1.0.0
title: {vi: Benchmark}
course:
  modules:
    - id: m1
      title: {vi: Phần 1}
      lessons:
        - id: q1
          type: bench_quiz
          title: {vi: Câu hỏi 1}
          content: {question: "Mỗi thành viên có mấy phiếu biểu quyết?", answer: 2}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app: str, env: dict[str, str], cwd: Path):
    """Serve ``app`` with gunicorn (sync workers) on a free port until the block ends; yields the base URL."""
    return server(lambda port: [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", app],
                  env, cwd)


@contextmanager
def server(command_for: Callable[[int], list[str]], env: dict[str, str], cwd: Path):
    """Run ``command_for(port)`` (a server) on a free port until the block ends; yields the base URL."""
    port = free_port()
    command = command_for(port)
    log = open(cwd / f"server-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise SystemExit(f"the server exited; see {log.name}:\n{Path(log.name).read_text()}")
            try:
                urllib.request.urlopen(base + "/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # it answers, even if with an error
            except OSError:
                time.sleep(0.1)
        time.sleep(1)  # let every worker finish booting
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wrk_options(parser: argparse.ArgumentParser) -> tuple[argparse.Namespace, dict]:
    """Parse the command line with the load options every wrk benchmark takes (--duration,
    --connections) added; return the arguments and the ``wrk()`` keywords. wrk must be installed."""
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per benchmark (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed; on Debian: sudo apt-get install -y wrk")
    return args, {"duration": args.duration, "connections": args.connections}


def wrk(url: str, duration: int, connections: int, script: Path | None = None, headers=(), env=None,
        timeout: str = "2s") -> dict:
    """Run wrk (after a 2-second warm-up) and return requests/s, latencies and errors. A request
    slower than ``timeout`` counts as an error (wrk's default is 2 s)."""
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--latency", "--timeout", timeout]
    for header in headers:
        command += ["--header", header]
    if script is not None:
        command += ["--script", str(script)]
    run_env = {**os.environ, **(env or {})}
    subprocess.run([*command, "--duration", "2s", url], check=True, capture_output=True, env=run_env)
    out = subprocess.run(
        [*command, "--duration", f"{duration}s", url], check=True, capture_output=True, text=True, env=run_env
    ).stdout
    found = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1),
        "p99": re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bad": 0,
    }
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    found["bad"] = (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)
    return found


class Browser:
    """Just enough of a browser: cookies, CSRF tokens from forms, JSON calls."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> bytes:
        return self.opener.open(self.base + path).read()

    def post_form(self, path: str, fields: dict[str, str]) -> None:
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1).decode()
        data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        self.opener.open(self.base + path, data=data)

    def api(self, path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, json.dumps(body).encode(), headers, method="POST")
        return json.loads(self.opener.open(request).read() or b"{}")

    def api_get(self, path: str, token: str) -> dict:
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {token}"})
        return json.loads(self.opener.open(request).read())

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def first_load_size(browser: Browser, path: str) -> tuple[int, int]:
    """Bytes of the page's HTML plus its stylesheets, raw and gzip-compressed (level 6)."""
    html = browser.get(path)
    parts = [html]
    for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html):
        parts.append(browser.get(href.decode().replace("&amp;", "&")))
    return sum(map(len, parts)), sum(len(gzip.compress(p, compresslevel=6)) for p in parts)


def plugin_site(folder: Path) -> Path:
    """A folder for PYTHONPATH holding the benchmark's lesson type as if pip had installed it."""
    site = folder / "site"
    shutil.copytree(HERE / "bench_plugin" / "elearn_bench_quiz", site / "elearn_bench_quiz")
    declare_plugin(site, "elearn_bench_quiz", "bench_quiz")
    return site


def declare_plugin(site: Path, module: str, name: str) -> None:
    """The ``.dist-info`` folder pip would write for ``module``, declaring the ``name`` entry point."""
    info = site / f"{module}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[elearn.plugins]\n{name} = {module}\n")


def main() -> None:
    args, load = wrk_options(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    load_before = os.getloadavg()[0]

    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
        folder = Path(tmp)
        # (a) and (d): the bare baseline.
        env = {**os.environ, "BENCH_DB": str(folder / "baseline.sqlite3")}
        subprocess.run([sys.executable, str(HERE / "baseline_app.py"), "init"], check=True, env=env)
        env["PYTHONPATH"] = str(HERE)
        with gunicorn("baseline_app:app", env, folder) as base:
            rows.append(("(a) baseline: Flask + SQLAlchemy, 1 primary-key read", wrk(f"{base}/items/42", **load)))
            rows.append(("(a') the same read through an ORM Session", wrk(f"{base}/orm/items/42", **load)))
            insert = wrk(f"{base}/items", **load, script=HERE / "insert.lua")
            rows.append(("(d) baseline: Flask + SQLAlchemy, 1 insert (WAL)", insert))

        # (b) and (c): elearn's demo instance, plus a pack with one graded question.
        env = elearn_environment(folder)
        for command in (["demo", "--no-serve"], ["pack", "install", folder / "pack"]):
            subprocess.run([BIN / "elearn", *command], check=True, env=env, stdout=subprocess.DEVNULL)
        with gunicorn("elearn:create_app()", env, folder) as base:
            learner = Browser(base)
            learner.post_form("/login", {"email": DEMO_LEARNER[0], "password": DEMO_LEARNER[1]})
            token = learner.api("/api/v1/auth/token", {"email": DEMO_LEARNER[0], "password": DEMO_LEARNER[1]})["token"]
            lessons = {}
            for slug in ("hop-tac-xa-co-ban", "bench-quiz"):
                course = learner.api(f"/api/v1/courses/{slug}/enrol", {}, token)
                lessons[slug] = course["modules"][0]["lessons"][0]["id"]
            lesson_path = f"/lessons/{lessons['hop-tac-xa-co-ban']}"
            raw, compressed = first_load_size(learner, lesson_path)
            cookie = f"Cookie: {learner.cookie_header()}"
            page = wrk(base + lesson_path, **load, headers=[cookie])
            rows.append(("(b) elearn: learner's lesson page (logged in)", page))
            submissions = f"/api/v1/lessons/{lessons['bench-quiz']}/submissions"
            answers = wrk(base + submissions, **load, script=HERE / "submit.lua", env={"BENCH_TOKEN": token})
            rows.append(("(c) elearn: store a graded answer (API POST)", answers))
            attempts = learner.api_get(f"/api/v1/lessons/{lessons['bench-quiz']}", token)["progress"]["attempts"]

    _print(rows, args, raw, compressed, attempts, load_before)


def elearn_environment(folder: Path) -> dict[str, str]:
    """Environment of the benchmark's elearn instance: its own folder, its plugin, no outside ELEARN_*."""
    (folder / "pack").mkdir()
    (folder / "pack" / "pack.yaml").write_text(QUIZ_PACK, encoding="utf-8")
    python_path = [str(plugin_site(folder)), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")},
        "ELEARN_INSTANCE_PATH": str(folder / "instance"),
        "ELEARN_SESSION_COOKIE_SECURE": "false",  # plain http on 127.0.0.1
        "PYTHONPATH": os.pathsep.join(python_path),
    }


def _print(rows, args, raw: int, compressed: int, attempts: int, load_before: float) -> None:
    print(f"\n{WORKERS} gunicorn sync workers, wrk 2 threads x {args.connections} connections, {args.duration} s each,")
    print(f"on {os.cpu_count()} CPUs (wrk shares them), SQLite in WAL mode.", end=" ")
    print(f"Load average before the run: {load_before:.2f}.\n")
    print(f"| {'benchmark':<56} | {'req/s':>8} | {'p50':>8} | {'p99':>8} | {'errors':>6} |")
    print(f"|{'-' * 58}|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|{'-' * 7}:|")
    for name, result in rows:
        print(f"| {name:<56} | {result['rps']:>8,.0f} | {result['p50']:>8} | {result['p99']:>8} | {result['bad']:>6} |")
    print(f"\nLesson page first load (HTML + CSS): {raw:,} bytes, {compressed:,} bytes gzip-compressed.")
    print(f"Graded answers stored by (c), counted in the learner's progress: {attempts:,}.")
    if any(result["bad"] for _name, result in rows):
        print("\nSome requests failed (non-2xx/3xx or socket errors): the figures above are not valid.")
        sys.exit(1)


if __name__ == "__main__":
    main()
