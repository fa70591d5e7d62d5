"""Alembic, driven from code: the core's revisions plus every plugin's ``migrations/``.

Each plugin keeps its own branch of revisions (its first revision carries a
branch label and ``depends_on`` the core revision it needs), so ``upgrade
heads`` brings the core and all installed plugins to their newest schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
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


UPGRADE_COMMAND = "`elearn db upgrade`"
UPGRADE_HINT = f"run {UPGRADE_COMMAND}"


class DatabaseNeedsUpgrade(RuntimeError):
    """The database lacks revisions this code (core or an installed plugin) needs."""

    def __init__(self) -> None:
        super().__init__(f"the database is not up to date: {UPGRADE_HINT}")


@dataclass(frozen=True)
class UpgradeReport:
    """What ``upgrade`` did: the revisions it applied (oldest first) to a database that had ``before``."""

    before: frozenset[str]
    applied: tuple[str, ...]

    @property
    def created(self) -> bool:
        return not self.before and bool(self.applied)

    def __str__(self) -> str:
        revisions = ", ".join(self.applied)
        if self.created:
            return f"created the database: applied {len(self.applied)} revision(s): {revisions}"
        if self.applied:
            return f"upgraded the database: applied {len(self.applied)} revision(s): {revisions}"
        return f"the database is already up to date (at {', '.join(sorted(self.before))})"


def upgrade(app: Flask, revision: str = "heads") -> UpgradeReport:
    """Bring the database to ``revision`` (every branch's newest by default); says what it applied."""
    config = alembic_config(app)
    before = frozenset(current_heads(app))
    command.upgrade(config, revision)
    script = ScriptDirectory.from_config(config)
    had = _with_ancestors(script, before)
    applied = [rev.revision for rev in script.walk_revisions() if rev.revision not in had]
    reached = _with_ancestors(script, current_heads(app))
    return UpgradeReport(before, tuple(reversed([rev for rev in applied if rev in reached])))


def _with_ancestors(script: ScriptDirectory, heads: set[str] | frozenset[str]) -> set[str]:
    found: set[str] = set()
    for head in heads:
        try:
            found.update(rev.revision for rev in script.iterate_revisions(head, "base"))
        except Exception:  # a revision no installed code knows (a plugin removed since): nothing below it
            found.add(head)
    return found


def current_heads(app: Flask) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with app.extensions["elearn_db"].engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def needs_upgrade(app: Flask) -> bool:
    """Whether the database lacks a revision of the core or of an installed plugin (an empty or an
    older database). A database that cannot be reached at all does not count: that is another error."""
    try:
        script = ScriptDirectory.from_config(alembic_config(app))
        return not set(script.get_heads()) <= _with_ancestors(script, current_heads(app))
    except Exception:
        return False


def check_schema(app: Flask) -> None:
    """Raise ``DatabaseNeedsUpgrade`` when ``needs_upgrade``: the commands call it before their work."""
    if needs_upgrade(app):
        raise DatabaseNeedsUpgrade()
