"""SQLite writers wait for their turn on a lock file, not in SQLite's busy handler: a writer that
had to wait goes on within milliseconds of the one before it finishing (the busy handler sleeps ever
longer, up to 100 ms a time, and wakes tens of milliseconds late), and a turn nobody gives back
never blocks writers longer than the wait SQLite itself would allow."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import text

import elearn.db
from elearn.db import Database

# The second writer starts 20 ms after the first; SQLite's busy handler, past its first second,
# looks again every 100 ms: after these holds it would go on about 100, 50, 100 and 50 ms late.
HOLDS = (0.45, 0.5, 0.55, 0.6)


@pytest.fixture
def database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with database.transaction() as session:
        session.execute(text("CREATE TABLE answers (id INTEGER PRIMARY KEY, who TEXT)"))
    yield database
    database.dispose()


def lag_after(database, hold: float) -> float:
    """How long after the first writer's commit the second, which had to wait, began."""
    times: dict[str, float] = {}
    holding = threading.Event()

    def first() -> None:
        with database.transaction() as session:
            session.execute(text("INSERT INTO answers (who) VALUES ('first')"))
            holding.set()
            time.sleep(hold)
        times["first committed"] = time.monotonic()

    def second() -> None:
        holding.wait()
        time.sleep(0.02)
        with database.transaction() as session:
            session.execute(text("INSERT INTO answers (who) VALUES ('second')"))
            times["second began"] = time.monotonic()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times["second began"] - times["first committed"]


def test_a_waiting_writer_goes_on_as_soon_as_the_one_before_it_commits(database):
    lags = [lag_after(database, hold) for hold in HOLDS]
    assert min(lags) > -0.005, "the second writer began before the first committed"
    assert sum(lags) / len(lags) < 0.02, [f"{lag * 1000:.1f} ms" for lag in lags]
    with database.transaction() as session:
        assert session.scalars(text("SELECT who FROM answers ORDER BY id")).all() == ["first", "second"] * len(HOLDS)


def test_a_turn_never_given_back_delays_a_writer_no_longer_than_the_wait(tmp_path, monkeypatch):
    monkeypatch.setattr(elearn.db, "WRITER_WAIT_SECONDS", 0.2)
    database = Database(f"sqlite:///{tmp_path / 'stuck.sqlite3'}")
    stuck = os.open(tmp_path / "stuck.sqlite3-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(stuck, fcntl.LOCK_EX)  # another process's turn, never given back
        began = time.monotonic()
        with database.transaction() as session:
            session.execute(text("CREATE TABLE answers (id INTEGER PRIMARY KEY)"))
            session.execute(text("INSERT INTO answers DEFAULT VALUES"))
        assert 0.2 <= time.monotonic() - began < 5
    finally:
        os.close(stuck)
        database.dispose()
