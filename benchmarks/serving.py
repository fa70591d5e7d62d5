"""Which gunicorn worker class serves elearn best: speed, and whether slow plugins freeze the site.

    .venv/bin/python benchmarks/serving.py [--duration 10] [--connections 16] [--slow-seconds 4]
                                           [--servers default,sync2,...] [--gevent]

Everything runs on 127.0.0.1 in a temporary folder that is removed at the end: the demo instance
(as in run.py) plus the benchmark's graded lesson type and the test suite's slow lesson type
(tests/fixtures/slow_lesson), and 8 more learners. Each server configuration is started in turn
(``elearn serve --workers W --threads T``; gevent through gunicorn itself) and measured with:

- wrk on the logged-in learner's lesson page and on storing a graded answer (as run.py's (b), (c));
- the slow-plugin scenario: N requests at once (N = 4, then 8; one learner each, API tokens) to a
  lesson whose ``learner_view`` sleeps ``--slow-seconds`` (``busy``: computes instead of sleeping),
  while a probe (another learner, logged in) fetches the catalogue and a page lesson one after
  the other until the slow requests have all answered. Printed: the probe's latencies, and
  how many probe answers came before the first slow lesson was shown.

See benchmarks/README.md, "Serving: worker class".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from run import BIN, DEMO_LEARNER, ROOT, Browser, declare_plugin, elearn_environment, server, wrk, wrk_options

HERE = Path(__file__).resolve().parent
SLOW_PLUGIN = ROOT / "tests" / "fixtures" / "slow_lesson"
LEARNERS = 8
PASSWORD = "bench-password-2026"
SLOW_PACK = """\
id: bench-slow
version: 1.0.0
title: {{vi: Chậm}}
course:
  modules:
    - id: m1
      title: {{vi: Phần 1}}
      lessons:
        - {{id: sleeps, type: slow, title: {{vi: Ngủ}}, content: {{seconds: {seconds}}}}}
        - {{id: busy, type: slow, title: {{vi: Tính}}, content: {{seconds: {seconds}, busy: true}}}}
"""
ADD_LEARNERS = f"""
from elearn import create_app
from elearn.auth.accounts import create_user
from elearn.db import get_database
app = create_app()
with app.app_context(), get_database(app).transaction() as db:
    for n in range({LEARNERS}):
        create_user(db, f"cham-{{n}}@example.org", f"Học viên {{n}}", {PASSWORD!r}, "learner")
"""
SERVERS = {
    "sync2": ("sync, 2 workers (the old default)", ["--workers", "2", "--threads", "1"]),
    "sync4": ("sync, 4 workers", ["--workers", "4", "--threads", "1"]),
    "default": ("gthread, 2 workers x 8 threads (the default)", []),
    "gthread4x4": ("gthread, 4 workers x 4 threads", ["--workers", "4", "--threads", "4"]),
    "gthread2x4": ("gthread, 2 workers x 4 threads", ["--workers", "2", "--threads", "4"]),
}


def slow_plugin_site(folder: Path) -> Path:
    """A folder for PYTHONPATH that makes tests/fixtures/slow_lesson an installed plugin."""
    site = folder / "slow-site"
    declare_plugin(site, "elearn_slow_lesson", "slow_lesson")
    return site


def timed_get(opener, url: str, headers: dict[str, str] | None = None) -> tuple[float, str, float]:
    """(started, status, seconds) of one GET; the status of a lesson that says it is unavailable
    is "unavailable"."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=120) as answer:
            body = answer.read()
            status = str(answer.status)
    except urllib.error.HTTPError as error:
        body, status = b"", str(error.code)
    if url.rstrip("0123456789").endswith("/api/v1/lessons/") and b'"error"' in body:
        status = "unavailable"
    return started, status, time.monotonic() - started


def slow_scenario(base: str, tokens: list[str], lesson_id: int, probe: Browser, probe_paths: list[str]) -> dict:
    """len(tokens) requests at once to the slow lesson while the probe fetches ``probe_paths`` in turn."""
    slow_answers: list[tuple[float, int, float]] = []

    def slow(token: str) -> None:
        opener = urllib.request.build_opener()
        headers = {"Authorization": f"Bearer {token}"}
        slow_answers.append(timed_get(opener, f"{base}/api/v1/lessons/{lesson_id}", headers))

    threads = [threading.Thread(target=slow, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the slow requests are in the server now
    probes = []
    while not probes or any(thread.is_alive() for thread in threads):
        for path in probe_paths:
            started, status, seconds = timed_get(probe.opener, base + path)
            probes.append((started + seconds, status, seconds))
    for thread in threads:
        thread.join()
    # The first slow lesson shown (one refused as "temporarily unavailable" answers at once).
    first_slow = min((started + seconds for started, status, seconds in slow_answers if status == "200"),
                     default=float("inf"))
    latencies = [seconds for _end, _status, seconds in probes]
    return {
        "probes": len(probes),
        "p50": statistics.median(latencies),
        "max": max(latencies),
        "probe_errors": sum(status != "200" for _end, status, _s in probes),
        "before_first_slow": sum(end < first_slow for end, _status, _s in probes),
        "slow_statuses": sorted(status for _started, status, _seconds in slow_answers),
        "slow_max": max(seconds for _started, _status, seconds in slow_answers),
    }


def lesson_ids(learner: Browser, token: str, slug: str) -> list[int]:
    course = learner.api(f"/api/v1/courses/{slug}/enrol", {}, token)
    return [lesson["id"] for module in course["modules"] for lesson in module["lessons"]]


def measure(base: str, load: dict, log: Path) -> dict:
    learner = Browser(base)
    learner.post_form("/login", {"email": DEMO_LEARNER[0], "password": DEMO_LEARNER[1]})
    token = learner.api("/api/v1/auth/token", {"email": DEMO_LEARNER[0], "password": DEMO_LEARNER[1]})["token"]
    page_id = lesson_ids(learner, token, "hop-tac-xa-co-ban")[0]
    quiz_id = lesson_ids(learner, token, "bench-quiz")[0]
    tokens = []
    for n in range(LEARNERS):
        other = Browser(base)
        login = {"email": f"cham-{n}@example.org", "password": PASSWORD}
        tokens.append(other.api("/api/v1/auth/token", login)["token"])
        sleeps, busy = lesson_ids(other, tokens[-1], "bench-slow")
    found = {
        "page": wrk(f"{base}/lessons/{page_id}", **load, headers=[f"Cookie: {learner.cookie_header()}"]),
        "write": wrk(f"{base}/api/v1/lessons/{quiz_id}/submissions", **load, script=HERE / "submit.lua",
                     env={"BENCH_TOKEN": token}),
    }
    # A lesson type refused while wrk ran would be a "temporarily unavailable" page counted as a success.
    found["refused"] = log.read_text().count("plugin call")
    probe_paths = ["/", f"/lessons/{page_id}"]
    for name, lesson_id, count in (("sleep x4", sleeps, 4), ("sleep x8", sleeps, 8), ("busy x4", busy, 4)):
        found[name] = slow_scenario(base, tokens[:count], lesson_id, learner, probe_paths)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-seconds", type=float, default=4, help="how long a slow lesson takes (default 4)")
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"which of {', '.join(SERVERS)}")
    parser.add_argument("--gevent", action="store_true", help="also gunicorn's gevent worker (pip install gevent)")
    args, load = wrk_options(parser)
    chosen = [(SERVERS[key][0], ["serve", *SERVERS[key][1]]) for key in args.servers.split(",")]
    if args.gevent:
        chosen.append(("gevent, 2 workers x 100 connections", None))
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory(prefix="elearn-serving-") as tmp:
        folder = Path(tmp)
        env = elearn_environment(folder)
        # wrk's 16 connections are all one learner: measure the server, not the per-client limit
        # (the slow scenario has one learner per slow request).
        env["ELEARN_CONCURRENT_REQUESTS_PER_CLIENT"] = "64"
        env["PYTHONPATH"] = os.pathsep.join([str(slow_plugin_site(folder)), str(SLOW_PLUGIN), env["PYTHONPATH"]])
        (folder / "slow").mkdir()
        (folder / "slow" / "pack.yaml").write_text(SLOW_PACK.format(seconds=args.slow_seconds), encoding="utf-8")
        for command in (["demo", "--no-serve"], ["pack", "install", folder / "pack"],
                        ["pack", "install", folder / "slow"]):
            subprocess.run([BIN / "elearn", *command], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-c", ADD_LEARNERS], check=True, env=env)
        for label, command in chosen:
            if command is None:
                def start(port):
                    return [str(BIN / "gunicorn"), "-k", "gevent", "--workers", "2", "--worker-connections", "100",
                            "--bind", f"127.0.0.1:{port}", "elearn:create_app()"]
            else:
                def start(port, command=command):
                    return [str(BIN / "elearn"), *command, "--port", str(port)]
            with server(start, env, folder) as base:
                print(f"measuring {label}...", file=sys.stderr)
                results.append((label, measure(base, load, folder / f"server-{base.rsplit(':', 1)[1]}.log")))
    _print(results, args, load_before)


def _print(results, args, load_before: float) -> None:
    print(f"\nwrk 2 threads x {args.connections} connections, {args.duration} s each, on {os.cpu_count()} CPUs "
          f"(wrk shares them), SQLite in WAL mode; slow lessons take {args.slow_seconds:g} s. "
          f"Load average before the run: {load_before:.2f}.\n")
    print(f"| {'server':<46} | {'page req/s':>10} | {'page p99':>8} | {'errors':>6} | {'write req/s':>11} "
          f"| {'write p99':>9} | {'errors':>6} | {'refused':>7} |")
    print(f"|{'-' * 48}|{'-' * 11}:|{'-' * 9}:|{'-' * 7}:|{'-' * 12}:|{'-' * 10}:|{'-' * 7}:|{'-' * 8}:|")
    for label, found in results:
        page, write = found["page"], found["write"]
        print(f"| {label:<46} | {page['rps']:>10,.0f} | {page['p99']:>8} | {page['bad']:>6} | {write['rps']:>11,.0f} "
              f"| {write['p99']:>9} | {write['bad']:>6} | {found['refused']:>7} |")
    print("\n(errors: non-2xx answers and socket errors, a request slower than 2 s included; refused: plugin calls"
          " logged as refused or slow while wrk ran)")
    print("\nWhile slow requests are running, a probe (catalogue, page lesson, in turn):\n")
    print(f"| {'server':<46} | {'slow':>8} | {'probes':>6} | {'p50':>8} | {'max':>8} | {'before 1st slow':>15} "
          f"| {'slow answers':<22} |")
    print(f"|{'-' * 48}|{'-' * 9}:|{'-' * 7}:|{'-' * 9}:|{'-' * 9}:|{'-' * 16}:|{'-' * 24}|")
    for label, found in results:
        for name in ("sleep x4", "sleep x8", "busy x4"):
            slow = found[name]
            statuses = json.dumps({s: slow["slow_statuses"].count(s) for s in sorted(set(slow["slow_statuses"]))})
            print(f"| {label:<46} | {name:>8} | {slow['probes']:>6} | {slow['p50'] * 1000:>6.0f}ms "
                  f"| {slow['max'] * 1000:>6.0f}ms | {slow['before_first_slow']:>15} | {statuses:<22} |")
    bad = [label for label, found in results if found["page"]["bad"] or found["write"]["bad"] or found["refused"]]
    if bad:
        print(f"\nSome wrk requests failed on {', '.join(bad)}: those figures are not valid.")
        sys.exit(1)


if __name__ == "__main__":
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed; on Debian: sudo apt-get install -y wrk")
    main()
