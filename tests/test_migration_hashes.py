"""Committed migrations are never edited in place: each revision file matches the sha256 recorded
in ``tests/migration_hashes.json``.

A site that already ran a revision never runs it again, so an edited revision changes the schema
of new sites only, and old and new sites drift apart without anyone noticing. A change to the
schema is a new revision. A new revision file must be added to the record (the failure says the
line to add); the record is never changed for a file already in it.

Run ``python tests/test_migration_hashes.py`` to print the record the files have now.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = Path(__file__).resolve().parent / "migration_hashes.json"
PATTERNS = ("elearn/migrations/versions/*.py", "plugins/*/elearn_*/migrations/versions/*.py")


def migration_files() -> dict[str, str]:
    """Every committed revision file (core and built-in plugins) with the sha256 of its bytes."""
    files = sorted(path for pattern in PATTERNS for path in ROOT.glob(pattern) if path.name != "__init__.py")
    return {path.relative_to(ROOT).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def recorded() -> dict[str, str]:
    return json.loads(RECORD.read_text(encoding="utf-8"))


def test_the_record_covers_the_core_and_every_built_in_plugin():
    record = recorded()
    assert "elearn/migrations/versions/0001_core_schema.py" in record
    plugins = {path.split("/")[1] for path in record if path.startswith("plugins/")}
    assert plugins == {"quiz", "discussion", "video", "survey", "workshop"}


def test_no_committed_migration_was_edited_or_deleted():
    found, record = migration_files(), recorded()
    edited = [path for path, digest in record.items() if path in found and found[path] != digest]
    deleted = [path for path in record if path not in found]
    assert not edited, (
        f"committed migrations were edited in place: {edited}. Sites that already ran them will never run "
        "them again: restore them (git checkout -- <file>) and put the change in a new revision."
    )
    assert not deleted, f"committed migrations were deleted: {deleted}. Sites may have run them: restore them."


def test_every_migration_is_recorded():
    found, record = migration_files(), recorded()
    missing = {path: digest for path, digest in found.items() if path not in record}
    assert not missing, (
        "new migrations are not in tests/migration_hashes.json: add these lines to it (once the revision "
        "is final; it may never change after it is committed):\n"
        + "\n".join(f'  "{path}": "{digest}",' for path, digest in missing.items())
        + "\n(or print the whole record with: python tests/test_migration_hashes.py)"
    )


if __name__ == "__main__":
    json.dump(migration_files(), sys.stdout, indent=2)
    sys.stdout.write("\n")
