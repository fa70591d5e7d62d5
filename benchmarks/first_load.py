"""What each page of the demo costs a learner on a weak link: bytes over the wire and the time to load.

Debian's Chromium, phone-sized (360x740), with the network throttled as a rural 2G link is
(250 kbit/s down, 300 ms round trip, through the devtools protocol), loads each page of the demo
course as the learner, the instructor and the administrator, from an empty cache. For each page it
prints the bytes received (compressed, as sent: HTML, CSS, scripts, images) and the time until the
page's load event.

    .venv/bin/python benchmarks/first_load.py                # this checkout
    .venv/bin/python benchmarks/first_load.py --source DIR   # another checkout (e.g. an older commit,
                                                             # `git worktree add /tmp/old <rev>`)

About a minute. The server is `elearn demo` in a temporary instance, served by the checkout's own
code (``PYTHONPATH`` puts ``--source`` first); nothing of the site's own instance is touched.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent.parent
PASSWORD = "hoctap-2026"
ROLES = {"learner": "hocvien@example.org", "instructor": "giangvien@example.org", "admin": "quantri@example.org"}
LINK = {"offline": False, "latency": 300, "downloadThroughput": 250_000 / 8, "uploadThroughput": 50_000 / 8}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(source: Path, instance: Path, port: int) -> subprocess.Popen:
    paths = [str(source)] + [str(p) for p in sorted((source / "plugins").iterdir()) if p.is_dir()]
    env = {**os.environ, "ELEARN_INSTANCE_PATH": str(instance), "PYTHONPATH": os.pathsep.join(paths),
           "ELEARN_SESSION_COOKIE_SECURE": "false"}
    command = [sys.executable, "-c", "from elearn.cli import main; main()", "demo", "--port", str(port),
               "--packs", str(source / "content_packs")]
    log = (instance / "server.log").open("w")
    # Run from the instance folder: ``python -c`` puts the working directory first on sys.path.
    process = subprocess.Popen(command, env=env, cwd=instance, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the demo did not start:\n{(instance / 'server.log').read_text()[-2000:]}")


def measure(browser, base: str, email: str | None, paths: list[str]) -> list[tuple[str, int, float]]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    if email:
        page.goto(f"{base}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main form button")
        page.wait_for_load_state()
        page.goto(f"{base}/courses/hop-tac-xa-co-ban")
        enrol = page.locator("form[action$='/enrol'] button")
        if enrol.count():  # the learner takes the course, once
            enrol.click()
            page.wait_for_load_state()
    found = []
    for path in paths:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", LINK)
        received = []
        cdp.on("Network.loadingFinished", lambda event, got=received: got.append(event["encodedDataLength"]))
        started = time.perf_counter()
        page.goto(base + path, wait_until="load")
        found.append((path, sum(received), time.perf_counter() - started))
        cdp.detach()
    context.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=HERE, help="the checkout to serve (default: this one)")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as instance:
        server = serve(args.source.resolve(), Path(instance), port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"])
                course = "/courses/hop-tac-xa-co-ban"
                lessons = [f"/lessons/{n}" for n in range(1, 7)]
                plan = {
                    "anonymous": [("/", None)],
                    "learner": [(p, ROLES["learner"]) for p in ["/", course, "/me", *lessons]],
                    "instructor": [(p, ROLES["instructor"]) for p in [course, "/lessons/5", "/lessons/6",
                                   "/x/discussion/dashboard", "/x/quiz/lessons/6/attempts"]],
                    "admin": [(p, ROLES["admin"]) for p in ["/admin/users", "/admin/plugins", "/admin/packs"]],
                }
                print(f"{'who':<11} {'page':<34} {'bytes':>8} {'2G load':>9}")
                for who, pages in plan.items():
                    email = pages[0][1]
                    for path, size, seconds in measure(browser, base, email, [p for p, _e in pages]):
                        print(f"{who:<11} {path:<34} {size:>8,} {seconds:>8.2f}s")
                browser.close()
        finally:
            os.killpg(server.pid, 9)
            server.wait()


if __name__ == "__main__":
    main()
