"""The site's rate-limit storage, shared by every worker and process of the site.

``RATELIMIT_STORAGE_URI`` chooses where the counters live:

- ``database://`` (the default): the site's own database, table ``rate_limit_counters``;
- ``redis://host:port/db``: the ``limits`` library's Redis storage;
- ``memory://``: this process only. Each gunicorn worker would count on its own (with 4 workers a limit
  of 5 lets about 20 through), so it is for tests and single-process use.

Why a ``limits`` storage class rather than counters of our own: ``limits`` registers any ``Storage``
subclass under its ``STORAGE_SCHEME`` (its documented "custom storage backends"), and its fixed-window
strategy needs no more than ``incr``/``get``/``get_expiry``: one row per window, and a hit is one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on SQLite (3.35 and later) and PostgreSQL alike. So every
limit of the engine and its plugins is written once, in ``limits`` notation (``"5 per minute"``), and works
on whichever storage the site has. (The moving window would need one row per hit; a fixed window, opened by
its first hit as in ``limits``' own storages, is enough here.)

The database storage writes in the current request's transaction (``db_session()``): on SQLite a second
connection would wait for the request's own write lock. A count therefore stands when the request commits
(a refused post leaves none), and the login limiter commits its counts before it checks a password
(``commit_counts``). The hit's row stays locked until then on PostgreSQL, which is what makes simultaneous
hits of one key count one after the other.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import ClassVar

from flask import Flask, current_app
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, select
from sqlalchemy.exc import SQLAlchemyError

from elearn.clock import utcnow
from elearn.db import db_session
from elearn.models import RateLimitCounter

COUNTERS = RateLimitCounter.__table__
# Expired windows dropped per commit: enough to keep the table to the keys in use, cheap enough to do each time.
PURGE_BATCH = 100


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["elearn_rate_limiter"] = FixedWindowRateLimiter(storage)


def rate_limiter() -> FixedWindowRateLimiter:
    """The site's limiter, for any limit in ``limits`` notation: ``rate_limiter().hit(item, *identifiers)``."""
    return current_app.extensions["elearn_rate_limiter"]


def commit_counts() -> None:
    """Make this request's counts stand now, even if the request ends in an error later (a wrong password)."""
    storage = rate_limiter().storage
    if isinstance(storage, DatabaseStorage):
        storage.commit()


def _insert(db):
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(COUNTERS)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the site's database, in the current request's transaction."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["database"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        db = db_session()
        now = utcnow()
        insert = _insert(db).values(key=_digest(key), count=amount, expires_at=now + timedelta(seconds=expiry))
        expired = COUNTERS.c.expires_at <= now
        upsert = insert.on_conflict_do_update(
            index_elements=[COUNTERS.c.key],
            set_={
                "count": case((expired, insert.excluded.count), else_=COUNTERS.c.count + insert.excluded.count),
                "expires_at": case((expired, insert.excluded.expires_at), else_=COUNTERS.c.expires_at),
            },
        )
        return db.scalar(upsert.returning(COUNTERS.c.count))

    def _window(self, key: str):
        row = db_session().execute(
            select(COUNTERS.c.count, COUNTERS.c.expires_at).where(COUNTERS.c.key == _digest(key))
        ).first()
        return row if row is not None and row.expires_at > utcnow() else None

    def get(self, key: str) -> int:
        window = self._window(key)
        return window.count if window else 0

    def get_expiry(self, key: str) -> float:
        window = self._window(key)
        return (window.expires_at if window else utcnow()).timestamp()

    def check(self) -> bool:
        db_session().execute(select(1))
        return True

    def reset(self) -> int | None:
        return db_session().execute(delete(COUNTERS)).rowcount

    def clear(self, key: str) -> None:
        db_session().execute(delete(COUNTERS).where(COUNTERS.c.key == _digest(key)))

    def commit(self) -> None:
        """Drop a batch of expired windows, then commit the request's transaction.

        Last in the transaction, and skipping rows another transaction holds: a purge never waits, so it
        can never take part in a deadlock.
        """
        db = db_session()
        stale = (
            select(COUNTERS.c.key)
            .where(COUNTERS.c.expires_at <= utcnow())
            .limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        db.execute(delete(COUNTERS).where(COUNTERS.c.key.in_(stale)))
        db.commit()
