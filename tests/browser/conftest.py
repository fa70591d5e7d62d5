"""A live server and Debian's chromium for the browser tests.

These tests drive a real browser against the app; the database is not what they
test, so they run once, on SQLite (``database_url`` below replaces the
parametrised one of ``elearn.testing``). Playwright never downloads a browser:
it starts /usr/bin/chromium.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives /usr/bin/chromium against a live server")


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    """SQLite only: a copy of the migrated template."""
    target = tmp_path / "elearn.sqlite3"
    shutil.copyfile(_migrated_databases["sqlite"], target)
    return f"sqlite:///{target}"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def site(app) -> Iterator[str]:
    """The app served over HTTP in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
