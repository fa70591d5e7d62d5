"""The browser tests run once, on SQLite: they drive a real browser against the app (the
``site`` and ``browser`` fixtures of ``elearn.testing``) and the database is not what they
test, so ``database_url`` below replaces the parametrised one."""

from __future__ import annotations

import pytest

from elearn.testing import database_for


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    return database_for("sqlite", _migrated_databases, tmp_path)
