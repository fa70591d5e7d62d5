"""A database that needs ``elearn db upgrade`` says exactly that, from every command and every page,
and ``elearn db upgrade`` says what it did.

Run on an empty database (a fresh instance) and on one a revision behind, on SQLite and, when
``ELEARN_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from elearn import create_app
from elearn.cli import main
from elearn.db.migrate import alembic_config, current_heads, upgrade
from elearn.testing import FAST_HASH, PG_ENV, csrf_token, install_dist, postgres_test_url, test_config

HINT = "run `elearn db upgrade`"
FLASHCARDS = Path(__file__).resolve().parent / "fixtures" / "flashcards"
PACK = "content_packs/hop-tac-xa-co-ban"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    url = postgres_test_url("schema_errors", empty=True)
    if url is None:
        pytest.skip(f"{PG_ENV} is not set")
    return url


@pytest.fixture
def elearn(empty_url, tmp_path):
    env = {"ELEARN_INSTANCE_PATH": str(tmp_path), "ELEARN_DATABASE_URL": empty_url,
           "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH)}

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), env=env, input=input)

    return run


def behind(url: str, tmp_path) -> None:
    """The database at the core's first revision: every later one (the plugins' too) not applied."""
    app = create_app(test_config(url, tmp_path))
    with app.app_context():
        upgrade(app, "0001_core")
    app.extensions["elearn_db"].dispose()


def revisions(tmp_path) -> list[str]:
    """Every revision of the core and the installed plugins."""
    app = create_app(test_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path))
    try:
        return [rev.revision for rev in ScriptDirectory.from_config(alembic_config(app)).walk_revisions()]
    finally:
        app.extensions["elearn_db"].dispose()


COMMANDS = [
    ("pack", "install", PACK),
    ("pack", "list"),
    ("pack", "diff", PACK),
    ("pack", "remove", "hop-tac-xa-co-ban", "--yes"),
    ("pack", "export", "hop-tac-xa-co-ban", "out"),
    ("user", "create", "an@example.org", "--name", "An"),
    ("user", "set-role", "an@example.org", "admin"),
    ("serve",),  # refused before it serves anything
]


@pytest.mark.parametrize("state", ["empty", "behind"])
def test_every_command_says_run_elearn_db_upgrade(elearn, empty_url, tmp_path, state, monkeypatch):
    monkeypatch.setattr("elearn.serving.run", lambda *args, **kwargs: pytest.fail("served an old database"))
    if state == "behind":
        behind(empty_url, tmp_path)
    for command in COMMANDS:
        result = elearn(*command, input="mat-khau-du-dai-2026\n")
        assert result.exit_code == 1, (command, result.output)
        assert result.output.strip() == f"Error: the database is not up to date: {HINT}", (command, result.output)


def test_a_plugins_command_says_it_too(elearn, tmp_path, monkeypatch):
    """A plugin's command reaches the app through ``app_context()``, which checks the same way."""
    install_dist(tmp_path / "site", "elearn_flashcards", "1.0", {"flashcards": "elearn_flashcards"})
    for folder in (tmp_path / "site", FLASHCARDS):
        monkeypatch.syspath_prepend(str(folder))
    result = elearn("flashcards-count")
    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"Error: the database is not up to date: {HINT}"


def test_db_upgrade_says_what_it_did(elearn, empty_url, tmp_path):
    behind(empty_url, tmp_path)
    upgraded = elearn("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    later = [rev for rev in revisions(tmp_path) if rev != "0001_core"]
    line = upgraded.output.strip()
    assert line.startswith(f"upgraded the database: applied {len(later)} revision(s): ")
    assert set(line.split(": ", 2)[2].split(", ")) == set(later)
    again = elearn("db", "upgrade")
    assert again.output.strip().startswith("the database is already up to date (at ")
    assert elearn("pack", "list").output.strip() == "no packs installed"


def test_db_upgrade_of_a_fresh_database_says_it_created_it(elearn, tmp_path):
    created = elearn("db", "upgrade")
    assert created.exit_code == 0, created.output
    count = len(revisions(tmp_path))
    assert created.output.startswith(f"created the database: applied {count} revision(s): 0001_core, ")


@pytest.mark.parametrize("state", ["empty", "behind"])
def test_pages_and_the_api_answer_503_with_the_hint(empty_url, tmp_path, state):
    """Every page and API call that reads what the database lacks: a fresh database lacks every table;
    one at the first revision lacks the lessons' translations (and more), which the course page reads."""
    if state == "behind":
        behind(empty_url, tmp_path)
        engine = create_engine(empty_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO courses (slug, title_vi, title_en, summary_vi, summary_en, is_published, "
                              "created_at) VALUES ('khoa-hoc', 'Khoá', '', '', '', true, CURRENT_TIMESTAMP)"))
        engine.dispose()
    app = create_app(test_config(empty_url, tmp_path, PROPAGATE_EXCEPTIONS=False))
    try:
        client = app.test_client()
        vietnamese = "Cơ sở dữ liệu của trang chưa được cập nhật: hãy chạy `elearn db upgrade`"
        paths = ["/courses/khoa-hoc"] + (["/"] if state == "empty" else [])
        for path in paths:
            page = client.get(path)
            assert page.status_code == 503, (path, page.status_code)
            assert vietnamese in page.get_data(as_text=True)
        english = client.get(paths[0], headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "This site&#39;s database is not up to date: run `elearn db upgrade`" in english
        api = client.get("/api/v1/courses/khoa-hoc", headers={"Accept-Language": "en"})
        assert api.status_code == 503
        assert api.get_json() == {"error": {"message": f"This site's database is not up to date: {HINT}, "
                                                       "then restart the server."}}
        if state == "empty":
            # The login form reads nothing; logging in does.
            logging_in = client.post("/login", data={"login": "an@example.org", "password": "x" * 12,
                                                     "csrf_token": csrf_token(client, "/login")})
            assert logging_in.status_code == 503 and vietnamese in logging_in.get_data(as_text=True)
    finally:
        app.extensions["elearn_db"].dispose()


def test_a_failing_statement_on_an_up_to_date_database_stays_a_500(app, client):
    """Only a database that lacks revisions gets the hint: another failure is the usual error."""
    @app.get("/_broken")
    def broken():
        from elearn.db import db_session

        db_session().execute(text("SELECT * FROM no_such_table"))
        return "never"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_broken").status_code == 500
    with app.app_context():
        assert current_heads(app)  # migrated: the failure is not the schema's
