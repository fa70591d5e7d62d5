"""pytest fixtures for elearn and for plugin authors (registered as the ``elearn`` pytest plugin).

Every test that uses ``app`` runs on SQLite and, when ``ELEARN_TEST_DATABASE_URL``
names a PostgreSQL database, on PostgreSQL too. The schema is migrated once per
run; each test starts from empty tables.

    def test_my_type(make_lesson, learner, login, client):
        lesson = make_lesson("mytype", {"text": "..."})
        login(client, learner)
        assert client.get(f"/lessons/{lesson.id}").status_code == 200

For plugin authors also: ``pack_files`` (the files ``import_content`` reads, from a dict or a
folder), ``register_plugin`` (a plugin object for one test, no package needed),
``lesson_type_conformance`` (the checks every lesson type should pass) and ``browser_login`` (a
Playwright page logged in as a user). docs/plugins.md lists them all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from elearn.plugins import hookspecs

PG_ENV = "ELEARN_TEST_DATABASE_URL"
TEST_PASSWORD = "correct horse battery"
# Hashing at full strength would make each login take 100 ms; tests check the
# production parameters separately.
FAST_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def test_config(database_url: str, instance: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH": FAST_HASH,
        "RATELIMIT_STORAGE_URI": "database://",  # the default: counted in the test database, as in production
        "API_CHECK_RESPONSES": True,  # every API answer must match its declared model
        # Background jobs run at once, right after the transaction that started them commits.
        "JOBS_IMMEDIATE": True,
        **extra,
    }


test_config.__test__ = False  # a helper, not a test, when imported into a test module


def _worker_suffix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def postgres_test_url(suffix: str = "", empty: bool = False) -> str | None:
    """A PostgreSQL database of this test process, created when missing; None without PostgreSQL.

    ``suffix`` names a database of its own next to the shared test database (for
    tests that need their own schema); ``empty`` drops it first.
    """
    base = os.environ.get(PG_ENV)
    if not base:
        return None
    url = make_url(base)
    url = url.set(database=f"{url.database}{'_' + suffix if suffix else ''}{_worker_suffix()}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if empty:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def install_dist(site: Path, dist: str, version: str, entry_points: dict[str, str]) -> None:
    """Write the ``.dist-info`` folder pip writes into ``site`` (a folder on ``sys.path``):
    importlib.metadata finds the plugin's ``elearn.plugins`` entry points there."""
    info = site / f"{dist}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[elearn.plugins]\n{lines}")


def fresh(db):
    """End the arranging session's snapshot so it sees what the requests wrote."""
    db.commit()
    db.expire_all()
    return db


def lesson_ids(db, course) -> list[int]:
    """The course's lessons in course order (module position, then lesson position)."""
    from sqlalchemy import select

    from elearn.models import Lesson, Module

    ids = list(
        db.scalars(
            select(Lesson.id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Lesson.course_id == course.id)
            .order_by(Module.position, Lesson.position)
        )
    )
    db.commit()
    return ids


def migrate_templates(folder: Path, suffix: str = "") -> dict[str, str]:
    """Migrate a SQLite template file in ``folder``, and the PostgreSQL test database if configured.

    With the plugins installed at the time of the call; ``suffix`` gives PostgreSQL a
    database of its own (emptied first), for tests that install extra plugins.
    """
    from elearn import create_app
    from elearn.db.migrate import upgrade

    found = {}
    template = folder / "template.sqlite3"
    targets = [("sqlite", f"sqlite:///{template}"), ("postgresql", postgres_test_url(suffix, empty=bool(suffix)))]
    for kind, url in targets:
        if url is None:
            continue
        app = create_app(test_config(url, folder))
        upgrade(app)
        app.extensions["elearn_db"].dispose()
        found[kind] = str(template) if kind == "sqlite" else url
    return found


def database_for(kind: str, templates: dict[str, str], tmp_path: Path) -> str:
    """A migrated, empty database: a copy of the SQLite template, or emptied PostgreSQL tables."""
    if kind == "sqlite":
        target = tmp_path / "elearn.sqlite3"
        shutil.copyfile(templates["sqlite"], target)
        return f"sqlite:///{target}"
    url = templates.get("postgresql")
    if url is None:
        pytest.skip(f"{PG_ENV} is not set")
    empty_postgres(url)
    return url


@pytest.fixture(scope="session")
def _migrated_databases(tmp_path_factory) -> dict[str, str]:
    """Migrate once per run."""
    return migrate_templates(tmp_path_factory.mktemp("template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, _migrated_databases, tmp_path) -> str:
    """A migrated, empty database, on SQLite and (when configured) on PostgreSQL."""
    return database_for(request.param, _migrated_databases, tmp_path)


def empty_postgres(url: str) -> None:
    """Every table emptied and every sequence back at 1, as on a freshly migrated database.

    DELETE with foreign-key triggers off (``session_replication_role``, a superuser's right, as the
    test server's ``postgres`` user has) takes ~40 ms where ``TRUNCATE ... RESTART IDENTITY`` takes
    ~600 ms: TRUNCATE gives each of the ~40 tables new files, and every PostgreSQL test pays it.
    Without the right, TRUNCATE it is."""
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        sequences = conn.execute(text("SELECT schemaname || '.' || sequencename FROM pg_sequences")).scalars().all()
        conn.rollback()
        if tables:
            try:
                with conn.begin():
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    conn.execute(text("; ".join(f'DELETE FROM "{table}"' for table in tables)))
                    if sequences:
                        conn.execute(text("SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in sequences)))
            except ProgrammingError:
                with conn.begin():
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict[str, Any]:
    """Override in a test module to change the app's configuration."""
    return test_config(database_url, tmp_path)


def _isolated_client_class():
    """A test client whose every request gets its own app context, as on a real server.

    The test keeps an app context pushed (``db``, pytest-flask's request context),
    and Flask reuses a pushed context for a request of the same app: then ``g``
    (the request's database session, the logged-in user, the CSRF token) would
    leak from one request to the next and hide bugs. Each request here starts
    from an empty ``contextvars`` context instead; contexts are not preserved
    after a request.
    """
    import contextvars

    from flask.testing import FlaskClient

    class IsolatedClient(FlaskClient):
        def __enter__(self):
            return self

        def open(self, *args, **kwargs):
            return contextvars.Context().run(super().open, *args, **kwargs)

    return IsolatedClient


@pytest.fixture
def app(app_config) -> Iterator:
    from elearn import create_app

    application = create_app(app_config)
    application.test_client_class = _isolated_client_class()
    yield application
    application.extensions["elearn_db"].dispose()


REDIS_TEST_URL = os.environ.get("ELEARN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", "redis"])
def render_cache(request, app):
    """The app's render cache (elearn/render_cache), emptied, on each store: the worker's memory, and
    Redis alone (every fragment read back from Redis; skipped when ``ELEARN_TEST_REDIS_URL``, by
    default redis://127.0.0.1:6379/0, does not answer), under keys of this test only. Its ``hits``
    and ``misses`` count from zero."""
    from elearn.render_cache import EXTENSION
    from elearn.render_cache.stores import MemoryStore, RedisStore

    cache = app.extensions[EXTENSION]
    if request.param == "memory":
        cache.store = MemoryStore(4 * 1024 * 1024)
    else:
        import uuid

        import redis

        try:
            redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
        except (redis.RedisError, OSError):
            pytest.skip(f"Redis does not answer at {REDIS_TEST_URL}")
        cache.store = RedisStore(REDIS_TEST_URL, f"elearn:test:{uuid.uuid4().hex}:", ttl=300)
    cache.hits = cache.misses = 0
    return cache


@pytest.fixture
def db(app):
    """A session for arranging data; each helper commits what it makes."""
    from elearn.db import get_database

    # Deferred transactions: a test holding this session open never blocks the app's writers.
    with app.app_context(), get_database(app).session() as session:
        yield session


@pytest.fixture
def make_user(app, db) -> Callable[..., Any]:
    from elearn.auth.accounts import create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "learner", email: str | None = None, name: str | None = None, password: str = TEST_PASSWORD):
        email = email or f"{role}{next(counter)}@example.org"
        user = create_user(db, email, name or f"{role.title()} {email.split('@')[0]}", password, role)
        db.commit()
        return user

    return make


@pytest.fixture
def learner(make_user):
    return make_user("learner", "an@example.org", "Nguyễn Văn An")


@pytest.fixture
def instructor(make_user):
    return make_user("instructor", "binh@example.org", "Trần Thị Bình")


@pytest.fixture
def admin(make_user):
    return make_user("admin", "chau@example.org", "Lê Minh Châu")


class DictFiles:
    """``PackFiles`` over a dict of ``{path: text}``: a pack's files for a test, without a folder.

    Paths are checked as a pack folder checks them (relative, inside the pack), and a missing
    file is a ``ContentInvalid`` naming it, so a type's file errors can be tested too.
    """

    def __init__(self, files: dict[str, str], pack_id: str = "test-pack", version: str = "1.0.0") -> None:
        self.files = dict(files)
        self.pack_id = pack_id
        self.version = version

    def _checked(self, path: str) -> str:
        from pathlib import PurePosixPath

        from elearn.plugins.lesson_type import ContentError, ContentInvalid

        pure = PurePosixPath(path) if isinstance(path, str) else None
        if pure is None or not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
            raise ContentInvalid([ContentError(str(path), "must be a relative path inside the pack")])
        if path not in self.files:
            raise ContentInvalid([ContentError(path, "file not found in the pack")])
        return path

    def exists(self, path: str) -> bool:
        return isinstance(path, str) and path in self.files

    def name_of(self, path: str) -> str:
        return path

    def read_text(self, path: str) -> str:
        return self.files[self._checked(path)]

    def media_url(self, path: str) -> str:
        from urllib.parse import quote

        return f"/media/packs/{quote(self.pack_id)}/{quote(self.version)}/{quote(self._checked(path))}"


def pack_files(source: dict[str, str] | Path | str, pack_id: str = "test-pack", version: str = "1.0.0"):
    """The ``files`` a lesson type's ``import_content`` gets, for tests: from a dict of
    ``{path: text}`` (``DictFiles``) or from a folder (the core's own ``FolderFiles``, as a pack
    install reads it). Pass it to ``make_course(..., files=...)``/``make_lesson`` or call
    ``import_content(raw, pack_files({...}))`` directly."""
    if isinstance(source, dict):
        return DictFiles(source, pack_id, version)
    from elearn.packs.files import FolderFiles

    return FolderFiles(Path(source), pack_id, version)


@pytest.fixture
def make_course(app, db) -> Callable[..., Any]:
    """A course from lesson specs ``(type, authored content)``, imported by each lesson type.

    Content may give texts in several languages (``{"vi": ..., "en": ...}``), as in a pack: the
    lesson then has its translations, imported by ``import_translation``. ``files`` is what the
    types read files through (``pack_files({...})`` or ``pack_files(folder)``); none by default.
    """
    from elearn.models import Course, Lesson, Module
    from elearn.models.courses import languages_of
    from elearn.packs.localise import import_lesson

    counter = iter(range(1, 10_000))

    def make(
        lessons: list[tuple[str, dict]] | None = None,
        modules: int = 1,
        slug: str | None = None,
        published: bool = True,
        title: str | None = None,
        files: Any = None,
    ):
        number = next(counter)
        files = files if files is not None else pack_files({})
        types = app.extensions["elearn_plugins"].lesson_types
        specs = lessons if lessons is not None else [("page", {"text": f"Bài {i + 1}"}) for i in range(3)]
        course = Course(
            slug=slug or f"khoa-hoc-{number}",
            title_vi=title or f"Khoá học {number}",
            title_en=f"Course {number}",
            summary_vi="Tóm tắt",
            is_published=published,
        )
        db.add(course)
        db.flush()
        module_rows = []
        for m in range(modules):
            module = Module(
                course_id=course.id, key=f"m{m + 1}", position=m, title_vi=f"Phần {m + 1}", title_en=f"Part {m + 1}"
            )
            db.add(module)
            module_rows.append(module)
        db.flush()
        for index, (type_name, content) in enumerate(specs):
            module = module_rows[index % modules]
            stored, translations = content, {}
            if type_name in types:
                stored, translations = import_lesson(types[type_name], content, files, app.config["LANGUAGES"])
            db.add(
                Lesson(
                    course_id=course.id,
                    module_id=module.id,
                    key=f"l{index + 1}",
                    position=index,
                    type_name=type_name,
                    title_vi=f"Bài {index + 1}",
                    title_en=f"Lesson {index + 1}",
                    content=stored,
                    translations=translations,
                    content_languages=languages_of(translations),
                )
            )
        db.commit()
        return course

    return make


@pytest.fixture
def make_lesson(make_course):
    """One lesson of ``type_name`` in a fresh course; returns the lesson."""

    def make(type_name: str, content: dict, files: Any = None):
        course = make_course([(type_name, content)], files=files)
        return course.modules[0].lessons[0]

    return make


@pytest.fixture
def enrol(db):
    from elearn.models import Enrolment

    def do(user, course):
        db.add(Enrolment(user_id=user.id, course_id=course.id))
        db.commit()

    return do


@pytest.fixture
def login() -> Callable[..., Any]:
    """Log a user in through the real form (CSRF token included)."""

    def do(client, user, password: str = TEST_PASSWORD):
        response = client.post(
            "/login", data={"login": user.email, "password": password, "csrf_token": csrf_token(client, "/login")}
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def api_token(client) -> Callable[..., str]:
    def get(user, password: str = TEST_PASSWORD) -> str:
        response = client.post("/api/v1/auth/token", json={"email": user.email, "password": password})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    return get


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on ``path``, as a browser would submit it."""
    import re

    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


@pytest.fixture
def count_queries(app) -> Callable[..., Any]:
    """``with count_queries() as counted: ...`` then ``counted.n`` is the SQL statements run."""
    from contextlib import contextmanager
    from dataclasses import dataclass, field

    @dataclass
    class Counted:
        n: int = 0
        statements: list[str] = field(default_factory=list)

    @contextmanager
    def counting():
        counted = Counted()
        engine = app.extensions["elearn_db"].engine

        def before(conn, cursor, statement, *args):
            if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
                counted.n += 1
                counted.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def register_plugin(app) -> Callable[..., Any]:
    """``register_plugin(plugin, name="mine", templates={"lesson.html": "..."})`` adds a plugin
    object to this test's app only, after the installed plugins: a module, or any object whose
    ``@hookimpl`` attributes are its hooks (a class instance, a ``SimpleNamespace``). Its lesson
    types are taken at once; ``templates`` are served as ``<name>/<file>``. Call it before the
    first request. Blueprints and migrations need an installed package (``install_dist``).
    Returns the plugin's ``PluginInfo``; a refused plugin fails the test with the reason."""
    from jinja2 import DictLoader, PrefixLoader

    def register(plugin: Any, name: str = "test_plugin", templates: dict[str, str] | None = None,
                 version: str = "0+test"):
        registry = app.extensions["elearn_plugins"]
        registry.add(name, plugin, version)
        assert name in registry.plugins, f"plugin {name} was refused: {registry.failed.get(name)}"
        if templates:
            prefixed = next(loader for loader in app.jinja_loader.loaders if isinstance(loader, PrefixLoader))
            prefixed.mapping[name] = DictLoader(templates)
        return registry.plugins[name]

    return register


@pytest.fixture
def lesson_type_conformance(
    app, db, make_course, make_user, enrol, login, api_token, count_queries
) -> Callable[..., Any]:
    """The checks every lesson type must pass, for its own tests:
    ``lesson_type_conformance("mytype", form={"choice": "2"}, json={"choice": 2})``.

    With the type's ``example_content()`` (or ``content``), imported as a pack would (both
    languages): the lesson page and ``GET /api/v1/lessons/<id>`` render for a learner, in
    Vietnamese and English, and for an instructor previewing; ``form`` is accepted by the HTML
    form (303) and ``json`` by the API (201); and the page and the API answer with the same number
    of SQL statements for a learner after other learners submitted too (no query per learner).
    Returns the lesson.
    """
    from flask_babel import force_locale

    from elearn.learning.service import plugin_failure_message

    def check(type_name: str, form: dict[str, Any], json: dict[str, Any], content: dict | None = None,
              others: int = 3):
        lesson_type = app.extensions["elearn_plugins"].lesson_types[type_name]
        course = make_course([(type_name, content if content is not None else lesson_type.example_content())])
        lesson = course.modules[0].lessons[0]
        page_url, api_url = f"/lessons/{lesson.id}", f"/api/v1/lessons/{lesson.id}"
        with app.test_request_context():
            failures = []
            for locale in app.config["LANGUAGES"]:
                with force_locale(locale):
                    failures.append(plugin_failure_message())

        def shown(client, **headers):
            response = client.get(page_url, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
            text = response.get_data(as_text=True)
            assert not any(failure in text for failure in failures), f"the {type_name} lesson failed to render"
            return text

        def viewed(client, token, language: str | None = None):
            headers = {"Authorization": f"Bearer {token}", **({"Accept-Language": language} if language else {})}
            response = client.get(api_url, headers=headers)
            body = response.get_json()
            assert response.status_code == 200 and "view" in body, body
            return body["view"]

        from elearn.models import CourseInstructor

        staff = make_user("instructor")
        db.add(CourseInstructor(course_id=course.id, user_id=staff.id))
        db.commit()
        with app.test_client() as client:
            login(client, staff)
            shown(client)

        learner = make_user("learner")
        enrol(learner, course)
        with app.test_client() as client:
            login(client, learner)
            token = api_token(learner)
            # Each language the site serves, chosen as a learner does (the page's switcher); the API by header.
            for language in [*app.config["LANGUAGES"], app.config["BABEL_DEFAULT_LOCALE"]]:
                switched = client.post("/language", data={"lang": language, "next": page_url,
                                                          "csrf_token": csrf_token(client, page_url)})
                assert switched.status_code == 303
                assert f'lang="{language}"' in shown(client)
                viewed(client, token, language)
            answered = client.post(f"{page_url}/submit", data={**form, "csrf_token": csrf_token(client, page_url)})
            assert answered.status_code == 303, answered.get_data(as_text=True)[:500]
            with count_queries() as page_before:
                shown(client)
            with count_queries() as api_before:
                viewed(client, token)

            for _ in range(others):
                other = make_user("learner")
                enrol(other, course)
                with app.test_client() as other_client:
                    response = other_client.post(f"{api_url}/submissions", json=json,
                                                 headers={"Authorization": f"Bearer {api_token(other)}"})
                    assert response.status_code == 201, response.get_json()
            with count_queries() as page_after:
                shown(client)
            with count_queries() as api_after:
                viewed(client, token)
        assert page_after.n == page_before.n, (
            f"the lesson page ran {page_before.n} then {page_after.n} SQL statements once {others} more learners "
            f"had submitted:\n" + "\n".join(page_after.statements))
        assert api_after.n == api_before.n, f"the API's lesson ran {api_before.n} then {api_after.n} SQL statements"
        return lesson

    return check


# -- background jobs -------------------------------------------------------------------------


def run_periodic(app, task: str) -> str:
    """Run the periodic task ``task`` ("<plugin>.<name>") now, as a worker's scheduler would when it
    is due (at once in the tests' immediate mode); answers its job's id. Its slot is the minute
    ``elearn.jobs.queue.utcnow`` says: patch a ``FakeClock`` there to choose it."""
    from elearn.jobs import get_queue

    return get_queue(app).run_now(task)


# -- time ----------------------------------------------------------------------------------


class FakeSender:
    """A ``MessageSender`` that keeps every ``Message`` it is given (``sent``) instead of sending it."""

    def __init__(self, kind: str = "sms") -> None:
        self.kind = kind
        self.sent: list = []

    def send(self, message) -> None:
        self.sent.append(message)


class FakeSenders:
    """A plugin to register for a test (``PLUGIN_OBJECTS={"fake_senders": FakeSenders("sms")}``) whose
    senders record what they are given: ``plugin.sent("sms")``."""

    def __init__(self, *kinds: str) -> None:
        self.senders = {kind: FakeSender(kind) for kind in kinds}

    @hookspecs.hookimpl
    def elearn_message_senders(self):
        return list(self.senders.values())

    def sent(self, kind: str = "sms") -> list:
        return self.senders[kind].sent


class FakeClock:
    """The server's "now", moved by the test: patch it over ``utcnow`` where your code reads the
    time (``monkeypatch.setattr("elearn_quiz.attempts.utcnow", clock)``), then ``clock.advance(minutes=31)``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# -- browser tests -------------------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives /usr/bin/chromium against a live server")
    _compile_each_url_builder_once()


def _compile_each_url_builder_once() -> None:
    """Every test makes its own app, and Werkzeug compiles two Python functions (with ``ast`` and
    ``compile``) for each of its ~160 URL rules: 70% of ``create_app``. Such a function depends only
    on the rule's text, its parsed parts and its defaults (the converters are looked up on the
    rule when it runs), so a test run compiles each once. Only where Werkzeug has that method."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "elearn_cached", False):
        return
    compiled: dict[tuple, Callable[..., Any]] = {}

    def cached(self, append_unknown: bool = True):
        defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
        key = (append_unknown, self.rule, tuple(self._trace), defaults)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    cached.elearn_cached = True
    Rule._compile_builder = cached

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def site(app) -> Iterator[str]:
    """The app served over HTTP in a thread, for browser tests; yields its base URL."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
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
    """Debian's chromium driven by Playwright (never a downloaded browser); skips without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_login(browser, site) -> Iterator[Callable[..., Any]]:
    """``page = browser_login(user)``: a new Playwright page (its own browser context, so its own
    cookies) logged in as ``user`` through the site's real login form, on ``site``. Options of
    ``browser.new_context`` pass through (``java_script_enabled=False``, ``viewport=...``).
    Every context it opened is closed after the test."""
    contexts = []

    def log_in(user, password: str = TEST_PASSWORD, **context_options: Any):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site}/login")
        page.fill("#login", user.email)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("main form button.button")
        assert "/login" not in page.url, f"{user.email} could not log in: still on {page.url}"
        return page

    yield log_in
    for context in contexts:
        context.close()


# -- accessibility ---------------------------------------------------------------------------

AXE_ENV = "ELEARN_AXE_SCRIPT"
AXE_IN_CHECKOUT = Path(__file__).resolve().parent.parent / "tests/browser/node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="session")
def axe_script() -> str:
    """The source of axe-core (npm), injected into pages by ``axe_violations``.

    Found at ``$ELEARN_AXE_SCRIPT``, else in a checkout's ``tests/browser/node_modules`` (``npm ci
    --prefix tests/browser``). Without it the test is skipped, except under CI (``CI`` set), where a
    missing checker must fail rather than pass unseen.
    """
    path = Path(os.environ.get(AXE_ENV) or AXE_IN_CHECKOUT)
    if not path.is_file():
        message = f"axe-core is not installed at {path} (npm ci --prefix tests/browser, or set {AXE_ENV})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


def axe_violations(page, axe_source: str, impacts: tuple[str, ...] = ("serious", "critical"),
                   rules: tuple[str, ...] = ()) -> list[str]:
    """What axe-core finds on the page as it is now, at ``impacts``: one line per rule and element.
    ``rules`` runs only those rules, experimental ones included (``label-content-name-mismatch``).

    The script is evaluated through the browser's devtools protocol, which the page's
    Content-Security-Policy does not govern, so the page is checked with its real policy on."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {violation['help']}"
        for violation in results["violations"] if violation["impact"] in impacts
        for node in violation["nodes"]
    ]
