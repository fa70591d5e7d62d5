"""Database engine and the per-request session.

One SQLAlchemy engine per app. A request gets one session, lazily, and every
change a request makes is committed once by the view (or rolled back on error),
so nothing is ever half-written.

On SQLite the engine runs in WAL mode with foreign keys on, and a request that
writes (POST, PUT, PATCH, DELETE) begins its transaction with ``BEGIN
IMMEDIATE``: it takes the write lock before its first read, so two concurrent
writers queue on ``busy_timeout`` instead of failing with "database is locked"
when the second one upgrades its read lock. Before that BEGIN, a writer takes
its turn on a lock file beside the database (``<file>-writers``, ``flock``),
held until its transaction ends (or its connection goes back to the pool): writers of every process and
thread wait there, retried every millisecond, instead of in SQLite's busy
handler, which sleeps ever longer (up to 100 ms a time) and lets a newcomer
overtake a writer that has waited for a second. The turn only orders writers;
SQLite's lock still guards the data (a writer that waited ``busy_timeout`` for
its turn goes on to BEGIN IMMEDIATE and SQLite's own wait).

PostgreSQL aborts a transaction at its first failed statement, and a COMMIT of
an aborted transaction quietly rolls back. A plugin that swallowed such a
failure would make the view acknowledge a write that was never kept, so a
commit of an aborted transaction raises ``TransactionAborted`` instead, and
plugin code that runs inside a request's transaction is isolated from it
(``transaction_aborted`` tells when it broke it).
A served site (``elearn serve``) rebuilds the engine with ``configure_for_serving``: a pool as
large as a worker's threads, and a time limit per SQL statement, so a runaway query (a plugin's,
most likely) is cut instead of holding a thread and a connection: PostgreSQL's
``statement_timeout``, and on SQLite a progress handler that interrupts the statement.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class TransactionAborted(RuntimeError):
    """The database aborted the transaction (a statement failed): nothing in it can be kept."""


class Base(DeclarativeBase):
    """Declarative base shared by the core and by plugins' own tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database:
    """The engines of one app: ``read`` for safe requests, ``write`` for the others."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.echo = echo
        self.is_sqlite = url.startswith("sqlite")
        self._build()

    def _build(self, pool_size: int | None = None, statement_timeout: float | None = None) -> None:
        options: dict = {"echo": self.echo}
        if pool_size:
            # SQLAlchemy 2 pools file SQLite databases with a QueuePool too (5 + 10 overflow by default).
            options["pool_size"] = pool_size
        if self.is_sqlite:
            options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        elif statement_timeout:
            options["connect_args"] = {"options": f"-c statement_timeout={round(statement_timeout * 1000)}"}
        self.engine: Engine = create_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            path = self.engine.url.database
            if path and path != ":memory:" and not path.startswith("file:"):
                _queue_writers(self.engine, f"{path}-writers", WRITER_WAIT_SECONDS)
            if statement_timeout:
                _limit_sqlite_statements(self.engine, statement_timeout)
            self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            self.read_engine = self.engine
        else:
            event.listen(self.engine, "commit", _refuse_aborted_commit)
            _ping_after_idle(self.engine, PING_AFTER_IDLE_SECONDS)
            self.write_engine = self.engine
            # Reads run without a transaction: no BEGIN and no ROLLBACK round trip per page. Each
            # statement sees the data committed when it starts, as in the READ COMMITTED transaction
            # it replaces (PostgreSQL's default); a failed statement still spoils the rest of the read
            # (``transaction_aborted``), as it would have aborted that transaction.
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")  # see session()
            event.listen(self.engine, "handle_error", _note_failed_read)
            event.listen(self.engine.pool, "checkin", _forget_failed_read)

    def configure_for_serving(self, pool_size: int, statement_timeout: float | None) -> None:
        """Rebuild the engines for a server: ``pool_size`` connections kept per process (one per
        thread), statements cut after ``statement_timeout`` seconds (None or 0: never). Not for
        the command line's tasks, where a migration may rightly run long."""
        self.dispose()
        self._build(pool_size, statement_timeout)

    def session(self, write: bool = False, read_only: bool = False) -> Session:
        """A session on the write engine (``write``), or the read engine: in a transaction, or with
        ``read_only`` (a reading request's) without one on PostgreSQL, where it may not write."""
        if read_only and self.read_engine is not self.engine:
            session = Session(bind=self.read_engine, expire_on_commit=False)
            event.listen(session, "before_flush", _refuse_writes)
        else:
            session = Session(bind=self.write_engine if write else self.engine, expire_on_commit=False)
        session.info["write"] = write
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session outside a request (CLI, tests): committed on success."""
        with self.session(write=True) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "")
        if mode == "IMMEDIATE" and (take_turn := conn.connection.info.get("take_writer_turn")) is not None:
            take_turn()
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


WRITER_WAIT_SECONDS = 30  # as long as busy_timeout
WRITER_POLL_SECONDS = 0.001


def _queue_writers(engine: Engine, lock_path: str, wait: float) -> None:
    """Writers take turns on ``lock_path`` (see the module): each pooled connection opens the file
    once and ``flock``s it before its BEGIN IMMEDIATE, until it is returned to the pool."""
    import fcntl
    import os

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection, record):  # pragma: no cover - exercised by every test
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # the lock file cannot be made: SQLite's own wait, as before
            return
        record.info["writer_fd"] = fd

        def take_turn() -> None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        return  # SQLite's own wait decides now
                    time.sleep(WRITER_POLL_SECONDS)
                else:
                    record.info["writer_turn"] = True
                    return

        record.info["take_writer_turn"] = take_turn

    def end_turn(info) -> None:
        if info.pop("writer_turn", False):
            fcntl.flock(info["writer_fd"], fcntl.LOCK_UN)

    # The turn ends with the transaction, not only when the connection goes back to the pool: a
    # session kept open after its commit (a request that goes on to run a job at once, a test's
    # session) must not make every other writer wait out WRITER_WAIT_SECONDS.
    @event.listens_for(engine, "commit")
    def _end_turn_at_commit(conn):
        end_turn(conn.connection.info)

    @event.listens_for(engine, "rollback")
    def _end_turn_at_rollback(conn):
        end_turn(conn.connection.info)

    @event.listens_for(engine.pool, "reset")
    def _end_turn(_dbapi_connection, record, _reset_state):
        end_turn(record.info)

    @event.listens_for(engine.pool, "close")
    def _close(_dbapi_connection, record):
        record.info.pop("writer_turn", None)
        fd = record.info.pop("writer_fd", None)
        if fd is not None:
            os.close(fd)  # and with it the turn, if it held one


def _in_error(dbapi_connection) -> bool:
    """PostgreSQL (psycopg 3) says whether the connection's transaction is aborted; SQLite never aborts one."""
    info = getattr(dbapi_connection, "info", None)
    status = getattr(info, "transaction_status", None)
    return status is not None and status.name == "INERROR"


def _refuse_aborted_commit(conn) -> None:
    dbapi_connection = conn.connection.dbapi_connection
    if _in_error(dbapi_connection):
        # Ended here: SQLAlchemy takes the transaction for finished and would hand the connection
        # back to the pool still aborted.
        dbapi_connection.rollback()
        raise TransactionAborted("COMMIT of an aborted transaction: it would roll back, so it is refused")


def transaction_aborted(session: Session) -> bool:
    """Whether a failed statement aborted the session's transaction (PostgreSQL), or would have
    aborted it on a read that runs without one; never starts one."""
    if not session.in_transaction():
        return False
    connection = session.connection()
    return bool(connection.info.get(FAILED_READ)) or _in_error(connection.connection.dbapi_connection)


FAILED_READ = "elearn_failed_read"
# A pooled PostgreSQL connection idle longer than this is pinged before use (a restarted server has
# closed it); one in steady use is not, so a busy page pays no empty statement.
PING_AFTER_IDLE_SECONDS = 10


def _refuse_writes(session: Session, _flush_context, _instances) -> None:
    """A reading request's session runs without a transaction: a change flushed there would be kept
    at once, where it used to be rolled back with the request. Refused, so it shows in the tests."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a reading request (GET) tried to write to the database")


def _note_failed_read(context) -> None:
    connection = context.connection
    if connection is not None and not connection.invalidated \
            and connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        connection.info[FAILED_READ] = True


def _forget_failed_read(_dbapi_connection, record) -> None:
    if record is not None:
        record.info.pop(FAILED_READ, None)


def _ping_after_idle(engine: Engine, seconds: float) -> None:
    """``pool_pre_ping`` for connections that sat in the pool more than ``seconds`` only: one the
    server closed meanwhile (a restart, an idle timeout) is replaced before the request uses it,
    and a busy worker's connections, back in the pool for milliseconds, cost no empty statement."""
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine.pool, "checkin")
    def _idle_from(_dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        since = record.info.pop("idle_since", None)
        if since is not None and time.monotonic() - since > seconds:
            try:
                alive = engine.dialect.do_ping(dbapi_connection)
            except Exception as exc:
                raise DisconnectionError(f"the pooled connection is gone: {exc}") from exc
            if not alive:
                raise DisconnectionError("the pooled connection is gone")


def is_write_session(session: Session) -> bool:
    return bool(session.info.get("write"))
def _limit_sqlite_statements(engine: Engine, seconds: float) -> None:
    """Interrupt a statement still running ``seconds`` after it started (it fails with
    "interrupted"). SQLite calls the progress handler every few thousand virtual-machine steps,
    fetching rows included; waiting for the write lock (``busy_timeout``) is not cut."""

    @event.listens_for(engine, "connect")
    def _watch(dbapi_connection, record):  # pragma: no cover - exercised by the serving tests
        deadline = record.info["statement_deadline"] = [math.inf]
        dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, _cursor, _statement, _parameters, _context, _executemany):
        conn.info["statement_deadline"][0] = time.monotonic() + seconds

    # COMMIT and ROLLBACK come after the request's own work, however long it took: never cut.
    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _stop(conn):
        conn.info["statement_deadline"][0] = math.inf

    @event.listens_for(engine.pool, "reset")
    def _stop_on_return(_dbapi_connection, record, _reset_state):
        record.info["statement_deadline"][0] = math.inf


def init_app(app: Flask) -> Database:
    database = Database(app.config["DATABASE_URL"], echo=app.config.get("SQLALCHEMY_ECHO", False))
    app.extensions["elearn_db"] = database
    # Per request, not only per app context: a request inside an app context that
    # is already pushed (a CLI task, pytest-flask) shares ``g`` with it.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)
    return database


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["elearn_db"]


def db_session() -> Session:
    """The session of the current request (or app context), created on first use."""
    if "db_session" not in g:
        in_request = has_request_context()
        write = request.method in WRITE_METHODS if in_request else True
        g.db_session = get_database().session(write=write, read_only=in_request and not write)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def insert_if_missing(db: Session, model: type[Base], conflict: list[str], **values) -> int:
    """INSERT ... ON CONFLICT DO NOTHING: safe when two requests create the same row at once.
    Returns the rows inserted: 0 when the row was there (or another request's came first)."""
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
    # Counted from RETURNING: a cursor's rowcount is -1 on PostgreSQL once SQLAlchemy adds its own.
    return len(db.execute(statement.returning(*model.__table__.primary_key.columns)).all())
