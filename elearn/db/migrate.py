"""Alembic, driven from code: the core's revisions plus every plugin's ``migrations/``.

Each plugin keeps its own branch of revisions (its first revision carries a
branch label and ``depends_on`` the core revision it needs), so ``upgrade
heads`` brings the core and all installed plugins to their newest schema.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

CORE_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(app: Flask) -> Config:
    registry = app.extensions["elearn_plugins"]
    locations = [str(CORE_MIGRATIONS / "versions")]
    locations += [str(path / "versions") for _name, path in registry.resource_dirs("migrations")]
    config = Config()
    config.set_main_option("script_location", str(CORE_MIGRATIONS))
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.attributes["engine"] = app.extensions["elearn_db"].engine
    return config


def upgrade(app: Flask, revision: str = "heads") -> None:
    command.upgrade(alembic_config(app), revision)


def current_heads(app: Flask) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with app.extensions["elearn_db"].engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
