"""Backups of an instance: its database and its media in one ``.tar.gz``, and restoring one.

A backup holds, as ``tar`` entries:

- ``database.sqlite3`` (SQLite, copied with the online backup API: one read transaction, so the
  copy is consistent while the site keeps serving and writing) or ``database.pgdump``
  (PostgreSQL, ``pg_dump --format=custom``, which reads one snapshot too);
- ``media/...``: every file under ``<instance>/media/``, where the installer keeps the packs'
  files and plugins keep theirs (``elearn.plugin_api.media_folder``); names starting with a dot
  (an install's staging or trash folders) and symbolic links are left out. The media are read
  after the database is copied, so a document uploaded meanwhile is in the archive without its
  row (harmless), rather than a row without its file;
- ``manifest.json``, last: the format version, the elearn version, the database's alembic
  revision of every branch (the core's and each plugin's), the database kind, when it was made,
  and every other entry with its size and sha256.

Restoring needs an empty instance (a database without tables, no media): it never mixes two
sites. It reads the archive twice, first its headers (any entry that is not a plain file with a
plain relative name, or that is listed twice, too big, or missing from the manifest, refuses the
archive before anything is written), then the files into a staging folder, checking each
sha256; only then does it load the database and move the media into place. A backup whose
schema is newer than this code (a revision it does not know) is refused; an older one is
restored, and the caller is told to run ``elearn db upgrade``. Restoring into another kind of
database (SQLite into PostgreSQL) is not supported.

Not in a backup: ``instance/config.py`` and the ``secret_key`` (settings and a credential, to be
kept apart; without the old key the restored site only signs everyone out).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

import elearn
from elearn.clock import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA = "media"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why and what to do."""


@dataclass
class Restored:
    """What a restore did: the backup's manifest, and whether the schema needs ``elearn db upgrade``."""

    manifest: dict[str, Any]
    needs_upgrade: bool


def media_root(app: Flask) -> Path:
    """``<instance>/media``: everything in it is in every backup."""
    return Path(app.instance_path) / MEDIA


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL databases, not {backend}")
    return backend


# -- backup ----------------------------------------------------------------------


def create_backup(app: Flask, target: Path, overwrite: bool = False) -> dict[str, Any]:
    """Write the backup of ``app``'s instance to ``target``; returns its manifest.

    The archive is written beside ``target`` and renamed into place when complete, so ``target``
    is never a half-written backup. Pack installs and removals wait while the database is
    copied and the media are read (they take the same lock), so both show the same packs.
    """
    from elearn.packs.service import installs_locked

    url = app.config["DATABASE_URL"]
    kind = database_kind(url)
    target = Path(target).absolute()
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose another name (or pass --overwrite)")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    media = media_root(app)
    if target.resolve().is_relative_to(media.resolve()):
        raise BackupError(f"write the backup outside the media folder {media}, which it backs up")
    pg_dump = _tool("pg_dump") if kind == "postgresql" else None

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".elearn-backup-") as work:
        work_dir = Path(work)
        database_file = work_dir / DATABASE_FILES[kind]
        archive = work_dir / "backup.tar.gz"
        with installs_locked(app):
            created_at = utcnow()  # the moment the database is copied: what the backup shows
            if kind == "sqlite":
                _copy_sqlite(_sqlite_path(url), database_file)
                revisions = _sqlite_revisions(database_file)
            else:
                revisions = _postgres_revisions(url)
                _run(pg_dump, ["--format=custom", "--no-owner", "--no-privileges", f"--file={database_file}"], url)
            files = []
            with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
                files.append(_add(tar, DATABASE_FILES[kind], database_file))
                for relative, path in _media_files(media):
                    try:
                        files.append(_add(tar, f"{MEDIA}/{relative}", path))
                    except FileNotFoundError:  # deleted since the folder was listed: not part of the site now
                        continue
                manifest = {
                    "format": FORMAT,
                    "elearn_version": elearn.__version__,
                    "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "database": {"kind": kind, "file": DATABASE_FILES[kind]},
                    "revisions": _by_branch(app, revisions),
                    "files": files,
                }
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = _file_info(MANIFEST, len(data))
                tar.addfile(info, io.BytesIO(data))
        os.chmod(archive, 0o600)  # password hashes and learners' work: for the owner's eyes only
        os.replace(archive, target)
    return manifest


def _copy_sqlite(source: Path, target: Path) -> None:
    """The whole database in one step of the online backup API: one read transaction, so the copy
    is one consistent state however many requests write meanwhile (WAL lets them go on)."""
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _sqlite_revisions(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in connection.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.OperationalError:
        raise BackupError("the database has no schema yet (run elearn db upgrade first)") from None
    finally:
        connection.close()


def _postgres_revisions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                raise BackupError("the database has no schema yet (run elearn db upgrade first)")
            return sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def _by_branch(app: Flask, revisions: list[str]) -> dict[str, str]:
    """``{"core": "0005_...", "discussion": "discussion_0002", ...}``: each head with the branch it
    belongs to (the label of its first revision; the core's has none)."""
    script = _scripts(app)
    found = {}
    for revision in revisions:
        label = revision
        try:
            current = script.get_revision(revision)
            while current is not None and not current.branch_labels and current.down_revision:
                down = current.down_revision
                current = script.get_revision(down if isinstance(down, str) else down[0])
            label = sorted(current.branch_labels)[0] if current is not None and current.branch_labels else "core"
        except Exception:  # a revision this code does not know: named by itself
            pass
        found[label] = revision
    return dict(sorted(found.items()))


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix name, path) of every plain file under ``root``, sorted; dot-names (staging
    and trash folders of an install) and symbolic links are not followed."""
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (base / d).is_symlink())
        for name in sorted(names):
            path = base / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


class _Hashing:
    """A file read by tarfile, hashed on the way: each byte is read once."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha.update(data)
        return data


def _file_info(name: str, size: int, mtime: float | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.mtime = int(mtime if mtime is not None else utcnow().timestamp())
    return info


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        reader = _Hashing(handle)
        tar.addfile(_file_info(name, stat.st_size, stat.st_mtime), reader)
    return {"path": name, "size": stat.st_size, "sha256": reader.sha.hexdigest()}


# -- restore ---------------------------------------------------------------------


def restore_backup(app: Flask, source: Path) -> Restored:
    """Restore the backup at ``source`` into ``app``'s instance, which must be empty."""
    url = app.config["DATABASE_URL"]
    kind = database_kind(url)
    # What a restore accepts at most: an archive that claims more is refused before it is unpacked.
    max_bytes = int(app.config["BACKUP_MAX_BYTES"])
    max_files = int(app.config["BACKUP_MAX_FILES"])
    with _opened(source) as tar:
        members = _checked_members(tar, max_bytes, max_files)
        manifest = _read_manifest(tar, members)
        listed = _check_manifest(manifest, members, kind)
        _check_revisions(app, manifest)
        pg_restore = _tool("pg_restore") if kind == "postgresql" else None
        _check_empty(app, url, kind)
        instance = Path(app.instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(instance).free
        needed = sum(m.size for m in members.values())
        if needed > free:
            raise BackupError(f"the backup needs {needed} bytes and {instance} has {free} free")
        staging = instance / f".restore-{uuid.uuid4().hex}"
        try:
            _unpack(tar, members, listed, staging)
            database_file = staging / manifest["database"]["file"]
            app.extensions["elearn_db"].dispose()
            if kind == "sqlite":
                _load_sqlite(database_file, _sqlite_path(url))
            else:
                _run(pg_restore, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                                  str(database_file)], url, dbname_option=True)
            staged_media = staging / MEDIA
            if staged_media.is_dir():
                media = media_root(app)
                if media.exists():
                    shutil.rmtree(media)  # only empty folders: _check_empty made sure
                os.replace(staged_media, media)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    from elearn.db.migrate import current_heads

    heads = set(_scripts(app).get_heads())
    return Restored(manifest=manifest, needs_upgrade=current_heads(app) != heads)


@contextmanager
def _opened(source: Path) -> Iterator[tarfile.TarFile]:
    try:
        tar = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed below; only its own errors mean "not a backup"
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{source} is not an elearn backup (a .tar.gz file): {exc}") from None
    with tar:
        yield tar


def _checked_members(tar: tarfile.TarFile, max_bytes: int, max_files: int) -> dict[str, tarfile.TarInfo]:
    """The archive's entries by name, each checked as soon as its header is read (before tarfile
    skips its data): plain files only, plain relative names, no name twice, sizes within limits."""
    members: dict[str, tarfile.TarInfo] = {}
    total = 0
    try:
        while (member := tar.next()) is not None:
            name = member.name
            if not member.isreg():
                kind = "a symbolic link" if member.issym() else "a hard link" if member.islnk() else \
                    "a folder" if member.isdir() else "a special file"
                raise BackupError(f"refused: the archive holds {kind} ({name!r}); a backup holds plain files only")
            _check_name(name)
            if name in members:
                raise BackupError(f"refused: the archive holds {name!r} twice")
            total += member.size
            if total > max_bytes:
                raise BackupError(f"refused: the archive unpacks to more than {max_bytes} bytes (BACKUP_MAX_BYTES)")
            if len(members) >= max_files:
                raise BackupError(f"refused: the archive holds more than {max_files} files (BACKUP_MAX_FILES)")
            members[name] = member
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"refused: the archive is damaged ({exc})") from None
    return members


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    allowed = name in (MANIFEST, *DATABASE_FILES.values()) or (len(path.parts) > 1 and path.parts[0] == MEDIA)
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or ":" in path.parts[0]
        or any(part in ("", ".", "..") or part.startswith(".") for part in name.split("/"))
        or not allowed
    ):
        raise BackupError(f"refused: the archive holds an entry with an unsafe or unknown name: {name!r}")


def _read_manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict[str, Any]:
    member = members.get(MANIFEST)
    if member is None:
        raise BackupError(f"refused: the archive has no {MANIFEST}; it is not an elearn backup")
    if member.size > MAX_MANIFEST_BYTES:
        raise BackupError(f"refused: {MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except (ValueError, tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"refused: {MANIFEST} cannot be read ({exc})") from None
    if not isinstance(manifest, dict):
        raise BackupError(f"refused: {MANIFEST} is not a JSON object")
    return manifest


def _check_manifest(manifest: dict[str, Any], members: dict[str, tarfile.TarInfo], kind: str) -> dict[str, dict]:
    """The manifest's files by name, once the manifest is known to describe this archive exactly."""
    if manifest.get("format") != FORMAT:
        raise BackupError(f"refused: backup format {manifest.get('format')!r}; this elearn reads format {FORMAT}")
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("kind") not in DATABASE_FILES \
            or database.get("file") != DATABASE_FILES[database["kind"]]:
        raise BackupError(f"refused: {MANIFEST} does not say which database the backup holds")
    if database["kind"] != kind:
        raise BackupError(
            f"this backup holds a {KIND_NAMES[database['kind']]} database and this instance uses "
            f"{KIND_NAMES[kind]}; restoring across database kinds is not supported: restore into a "
            f"{KIND_NAMES[database['kind']]} database (ELEARN_DATABASE_URL)"
        )
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("size"), int)
        and isinstance(f.get("sha256"), str) for f in files
    ):
        raise BackupError(f"refused: the file list of {MANIFEST} is malformed")
    listed = {f["path"]: f for f in files}
    archived = set(members) - {MANIFEST}
    if len(listed) != len(files) or set(listed) != archived:
        unlisted = sorted(archived - set(listed))[:5]
        missing = sorted(set(listed) - archived)[:5]
        raise BackupError(f"refused: the archive and its manifest disagree (not listed: {unlisted}; "
                          f"missing: {missing})")
    if database["file"] not in listed:
        raise BackupError("refused: the archive holds no database")
    for name, entry in listed.items():
        if entry["size"] != members[name].size:
            raise BackupError(f"refused: {name} is not the size the manifest gives; the archive was altered")
    if not isinstance(manifest.get("revisions"), dict) or not all(
        isinstance(r, str) for r in manifest["revisions"].values()
    ):
        raise BackupError(f"refused: {MANIFEST} does not list the schema revisions")
    return listed


def _check_revisions(app: Flask, manifest: dict[str, Any]) -> None:
    """Refuse a schema this code does not know (made by a newer elearn, or with a plugin that is
    not installed here): it could not be upgraded, and the code would misread it."""
    script = _scripts(app)
    for branch, revision in manifest["revisions"].items():
        try:
            known = script.get_revision(revision)
        except Exception:
            known = None
        if known is None:
            raise BackupError(
                f"refused: the backup's schema is newer than this code: revision {revision} ({branch}) is unknown "
                f"here. The backup was made by elearn {manifest.get('elearn_version', '?')}; install that version "
                f"(and the plugin {branch!r}, if it is one) and restore again"
            )


def _check_empty(app: Flask, url: str, kind: str) -> None:
    shown = make_url(url).render_as_string(hide_password=True)
    how = (
        "Restore into a new, empty database: "
        + ("set ELEARN_DATABASE_URL to a SQLite file that does not exist yet"
           if kind == "sqlite" else "create one (createdb NEW_NAME) and set ELEARN_DATABASE_URL to it")
        + ", with an ELEARN_INSTANCE_PATH whose media folder is empty, and do not run elearn db upgrade first "
        "(the backup brings its schema)."
    )
    if kind == "sqlite":
        path = _sqlite_path(url)
        tables = _sqlite_tables(path) if path.exists() else []
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                tables = inspect(conn).get_table_names()
        except Exception as exc:
            raise BackupError(f"cannot reach the database {shown}: {exc}") from None
        finally:
            engine.dispose()
    if tables:
        more = ", ..." if len(tables) > 3 else ""
        raise BackupError(f"refused: the database {shown} is not empty (it has {len(tables)} table(s): "
                          f"{', '.join(sorted(tables)[:3])}{more}). {how}")
    media = media_root(app)
    if media.is_dir() and any(p.is_file() or p.is_symlink() for p in media.rglob("*")):
        raise BackupError(f"refused: the media folder {media} is not empty. {how}")


def _sqlite_tables(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"refused: {path} is not an empty SQLite database ({exc})") from None
    finally:
        connection.close()


def _unpack(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], listed: dict[str, dict],
            staging: Path) -> None:
    """Every listed file into ``staging``, each checked against its sha256 (any mismatch refuses
    the whole archive: nothing has been put in place yet)."""
    staging.mkdir()
    for name, member in members.items():  # in the archive's order: a gzip stream is read once, forwards
        if name == MANIFEST:
            continue
        entry = listed[name]
        target = staging.joinpath(*PurePosixPath(name).parts)
        if not target.resolve().is_relative_to(staging.resolve()):  # _check_name already refused it
            raise BackupError(f"refused: unsafe name {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256()
        written = 0
        try:
            source = tar.extractfile(member)
            with open(target, "xb") as out:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    if written > entry["size"]:
                        break
                    sha.update(chunk)
                    out.write(chunk)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"refused: {name} cannot be read from the archive ({exc})") from None
        if written != entry["size"] or sha.hexdigest() != entry["sha256"]:
            raise BackupError(f"refused: {name} does not match its sha256 in the manifest; the archive was altered "
                              "or damaged, and nothing was restored")
        os.utime(target, (member.mtime, member.mtime))  # the files' dates (and so their ETags) as they were


def _load_sqlite(staged: Path, target: Path) -> None:
    check = sqlite3.connect(staged)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"refused: the backup's database cannot be read ({exc})") from None
    finally:
        check.close()
    if result != "ok":
        raise BackupError(f"refused: the backup's database is damaged ({result})")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(staged)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# -- shared ----------------------------------------------------------------------


def _scripts(app: Flask):
    from alembic.script import ScriptDirectory

    from elearn.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(app))


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: backups of a PostgreSQL database use the PostgreSQL client tools "
            "pg_dump and pg_restore; install them (Debian and Ubuntu: apt install postgresql-client), "
            "of the server's major version or newer"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as libpq's, without the password (which goes in PGPASSWORD, not on the
    command line that ``ps`` shows)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(tool: str, arguments: list[str], url: str, dbname_option: bool = False) -> None:
    dsn, env = _libpq(url)
    command = [tool, *arguments[:-1], f"--dbname={dsn}", arguments[-1]] if dbname_option \
        else [tool, *arguments, f"--dbname={dsn}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(tool).name} failed: {result.stderr.strip() or result.returncode}")
