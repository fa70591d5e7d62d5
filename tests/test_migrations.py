"""Migrations: ``elearn db upgrade`` builds the whole schema, plugins' tables included, and matches the models.

Each test migrates a brand-new database (a SQLite file, or a PostgreSQL
database created for it), never the shared test databases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Column, Integer, MetaData, create_engine, inspect

from elearn import create_app
from elearn.cli import main
from elearn.db import Base
from elearn.db.migrate import current_heads
from elearn.testing import FAST_HASH, PG_ENV, postgres_test_url
from elearn.testing import test_config as config_for

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "flashcards"
PLUGIN_TABLE = "x_flashcards_review"


def install_flashcards(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install the fixture plugin the way pip does: a dist-info with its entry point, on sys.path."""
    info = site / "elearn_flashcards-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: elearn_flashcards\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[elearn.plugins]\nflashcards = elearn_flashcards\n")
    monkeypatch.syspath_prepend(str(FIXTURES))
    monkeypatch.syspath_prepend(str(site))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> str:
    """The URL of a database with no table at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    url = postgres_test_url("migrations", empty=True)
    if url is None:
        pytest.skip(f"{PG_ENV} is not set")
    return url


def run_upgrade(database_url: str, instance: Path):
    env = {
        "ELEARN_INSTANCE_PATH": str(instance),
        "ELEARN_DATABASE_URL": database_url,
        "ELEARN_PASSWORD_HASH": str(FAST_HASH).replace("'", '"'),
    }
    return CliRunner().invoke(main, ["db", "upgrade"], env=env, catch_exceptions=False)


def expected_tables(app) -> set[str]:
    """The tables of Base.metadata that belong to the core or to a plugin this app loaded.

    Base.metadata is shared by the whole process: a plugin imported by another
    test has its table declared there even when this app does not load it.
    """
    owners = ("elearn.", *(f"{info.module.__name__}." for info in app.extensions["elearn_plugins"].plugins.values()))
    found = set()
    for mapper in Base.registry.mappers:
        if mapper.class_.__module__.startswith(owners):
            found.update(table.name for table in mapper.tables)
    return found


def schema_diff(app, metadata: MetaData = Base.metadata) -> list:
    """What autogenerate would write to bring the migrated database to the models: must be nothing."""
    tables = expected_tables(app)

    def include(obj, name, type_, _reflected, _compare_to):
        return type_ != "table" or name in tables

    engine = app.extensions["elearn_db"].engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
        return compare_metadata(context, metadata)


def table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def check_upgrade_builds_the_schema(database_url: str, instance: Path, plugins: list[str] | None = None) -> set[str]:
    assert table_names(database_url) == set()
    first = run_upgrade(database_url, instance)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("created the database: applied ")

    app = create_app(config_for(database_url, instance, PLUGINS=plugins))
    try:
        expected = expected_tables(app)
        assert table_names(database_url) == expected | {"alembic_version"}
        assert schema_diff(app) == []
        heads = current_heads(app)

        again = run_upgrade(database_url, instance)
        assert again.exit_code == 0, again.output
        assert again.output.startswith("the database is already up to date (at ")
        assert table_names(database_url) == expected | {"alembic_version"}
        assert current_heads(app) == heads
    finally:
        app.extensions["elearn_db"].dispose()
    return expected


def test_upgrade_creates_the_core_schema_and_is_idempotent(empty_database, tmp_path, monkeypatch):
    tables = check_upgrade_builds_the_schema(empty_database, tmp_path)
    assert {"users", "courses", "modules", "lessons", "lesson_progress", "enrolments", "installed_packs"} <= tables
    assert PLUGIN_TABLE not in tables


def test_upgrade_with_the_flashcards_plugin_installed_creates_its_table(empty_database, tmp_path, monkeypatch):
    install_flashcards(tmp_path / "site-packages", monkeypatch)
    tables = check_upgrade_builds_the_schema(empty_database, tmp_path)
    assert PLUGIN_TABLE in tables
    app = create_app(config_for(empty_database, tmp_path))
    try:
        assert "fc0001_flashcards" in current_heads(app)
    finally:
        app.extensions["elearn_db"].dispose()


def test_a_plugin_installed_later_gets_its_table_on_the_next_upgrade(tmp_path, monkeypatch):
    database_url = f"sqlite:///{tmp_path / 'later.sqlite3'}"
    assert run_upgrade(database_url, tmp_path).exit_code == 0
    assert PLUGIN_TABLE not in table_names(database_url)
    install_flashcards(tmp_path / "site-packages", monkeypatch)
    assert run_upgrade(database_url, tmp_path).exit_code == 0
    assert PLUGIN_TABLE in table_names(database_url)


def test_the_schema_diff_sees_a_model_change(tmp_path, monkeypatch):
    """The drift check is live: a column the migrations lack shows up in the diff."""
    database_url = f"sqlite:///{tmp_path / 'drift.sqlite3'}"
    assert run_upgrade(database_url, tmp_path).exit_code == 0
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["courses"].append_column(Column("not_migrated", Integer))
    app = create_app(config_for(database_url, tmp_path))
    try:
        diff = schema_diff(app, changed)
    finally:
        app.extensions["elearn_db"].dispose()
    assert [(op[0], op[2], op[3].name) for op in diff] == [("add_column", "courses", "not_migrated")]


def test_0011_keeps_the_accounts_and_lets_an_account_have_no_email(empty_database, tmp_path):
    """The batch copy of ``users`` on SQLite (an ALTER on PostgreSQL) keeps every row; afterwards an
    account may have no e-mail, and usernames are unique."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from elearn import create_app
    from elearn.db.migrate import upgrade
    from elearn.testing import test_config

    app = create_app(test_config(empty_database, tmp_path))
    add = ("INSERT INTO users (email, username, name, password_hash, role, is_active, created_at) "
           "VALUES (:email, :username, :name, 'x', 'learner', true, CURRENT_TIMESTAMP)")
    engine = create_engine(empty_database)
    try:
        with app.app_context():
            upgrade(app, "0010_organisations")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, name, password_hash, role, is_active, created_at) "
                              "VALUES ('an@example.org', 'An', 'x', 'learner', true, CURRENT_TIMESTAMP)"))
        with app.app_context():
            upgrade(app)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT email, must_change_password FROM users")).all() == [
                ("an@example.org", False)]
            conn.execute(text(add), {"email": None, "username": "pao", "name": "Páo"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(add), {"email": None, "username": "pao", "name": "Páo 2"})
    finally:
        engine.dispose()
        app.extensions["elearn_db"].dispose()
