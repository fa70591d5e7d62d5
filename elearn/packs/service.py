"""Content packs as the CLI and the admin page use them: validate, install, diff, remove, export, scaffold.

Installing is all or nothing, database rows and files alike. The pack's files
(``pack.yaml`` and everything beside it) are copied into a staging folder under
``media_root``; the rows are written in one transaction; only when both are
ready is the staging folder renamed to ``<media_root>/<pack_id>/<version>/``,
and then the transaction commits. Any error before the commit removes the
staging folder, puts the previous files back and rolls the rows back.

That stored copy serves the pack's media and is what ``export_pack`` writes out.
Installs and removals on one instance take a file lock, so the CLI and the admin
page (in any worker) never interleave.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

import yaml
from flask import Flask
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import elearn
from elearn.models import Course, CourseInstructor, Enrolment, InstalledPack, Lesson, LessonProgress, Module, User
from elearn.packs.installer import InstallReport, PackRefused, install, type_changes
from elearn.packs.manifest import ID_PATTERN, MANIFEST, Pack, load_pack
from elearn.packs.source import PackInvalid, open_source
from elearn.plugins.lesson_type import ContentError

__all__ = [
    "InstallReport",
    "PackInvalid",
    "PackRefused",
    "diff_path",
    "export_pack",
    "install_path",
    "installed_packs",
    "installs_locked",
    "learners_with_records",
    "media_root",
    "remove_pack",
    "scaffold_pack",
    "validate_path",
]

STAGING_PREFIX = ".staging-"
TRASH_PREFIX = ".trash-"


def media_root(app: Flask) -> Path:
    """Where installed packs keep their files: ``<instance>/media/packs``."""
    return Path(app.instance_path) / "media" / "packs"


def _database(app: Flask):
    return app.extensions["elearn_db"]


def _load(app: Flask, root: Path) -> Pack:
    registry = app.extensions["elearn_plugins"]
    return load_pack(root, registry.lesson_types, plugins=registry.plugins, engine_version=elearn.__version__,
                     languages=app.config["LANGUAGES"], extra_keys=registry.manifest_keys(),
                     file_limits=registry.file_limits())


# -- reading ---------------------------------------------------------------------


def validate_path(app: Flask, path: Path) -> Pack:
    """Check a pack folder or ``.zip``; raise ``PackInvalid`` with every error. Writes nothing.

    When this site has the pack installed, the check includes what an upgrade may not
    change (``installer.type_changes``), as ``install_path`` would refuse it.
    """
    with open_source(Path(path), file_limits=app.extensions["elearn_plugins"].file_limits()) as root:
        pack = _load(app, root)
    if errors := _refused_here(app, pack):
        raise PackInvalid(errors)
    return pack


def _refused_here(app: Flask, pack: Pack) -> list[ContentError]:
    """``type_changes`` against this site's database, if it has one: validating never creates one."""
    database = _database(app)
    if database.is_sqlite:
        file = make_url(database.url).database
        if file and file != ":memory:" and not Path(file).is_file():
            return []
    try:
        with database.session() as session:
            if not inspect(session.connection()).has_table(InstalledPack.__tablename__):
                return []
            return type_changes(session, pack)
    except OperationalError:  # no database to reach (an author's computer): the pack alone is checked
        return []


def diff_path(app: Flask, path: Path) -> InstallReport:
    """What installing ``path`` would add, change and retire, computed and rolled back: nothing is written.

    Computed even for the installed version or an older one (``previous_version`` says which is installed).
    """
    pack = validate_path(app, path)
    with _database(app).session(write=True) as session:
        session.begin()
        try:
            report = install(session, pack, force=True)
        finally:
            session.rollback()
    report.unchanged = report.previous_version == pack.version and not (
        report.added or report.changed or report.retired
    )
    return report


def installed_packs(app: Flask) -> list[InstalledPack]:
    with _database(app).session() as session:
        return list(session.scalars(select(InstalledPack).order_by(InstalledPack.id)))


def learners_with_records(app: Flask, pack_id: str) -> int:
    """How many learners are enrolled in, or have progress on, the pack's course."""
    with _database(app).session() as session:
        course_id = session.scalar(select(Course.id).where(Course.pack_id == pack_id))
        return 0 if course_id is None else _learners(session, course_id)


def _learners(session, course_id: int) -> int:
    enrolled = select(Enrolment.user_id).where(Enrolment.course_id == course_id)
    progressed = (
        select(LessonProgress.user_id)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course_id)
    )
    users = enrolled.union(progressed).subquery()
    return session.scalar(select(func.count()).select_from(users)) or 0


# -- installing ------------------------------------------------------------------


def install_path(app: Flask, path: Path, force: bool = False, label: str | None = None,
                 actor: User | None = None) -> InstallReport:
    """Install or upgrade the pack at ``path`` (folder or ``.zip``): all of it, or nothing.

    Raises ``PackInvalid`` (nothing read could be installed) or ``PackRefused``
    (an older version without ``force``, a course address already taken). ``label`` names a
    zip in messages (an upload's own name), instead of the file's name at ``path``. ``actor``: the
    administrator who uploaded it, for the audit log (None: the command line).
    """
    with open_source(Path(path), label, file_limits=app.extensions["elearn_plugins"].file_limits()) as root:
        pack = _load(app, root)
        with installs_locked(app):
            media = media_root(app)
            _sweep(app, media)
            return _install_with_files(app, pack, root, media, force, actor)


def _install_with_files(app: Flask, pack: Pack, root: Path, media: Path, force: bool,
                        actor: User | None) -> InstallReport:
    pack_dir = media / pack.id
    final = pack_dir / pack.version
    staging = media / f"{STAGING_PREFIX}{pack.id}-{uuid.uuid4().hex}"
    aside = media / f"{TRASH_PREFIX}{pack.id}-{uuid.uuid4().hex}"
    created_pack_dir = not pack_dir.exists()
    swapped = False
    try:
        _copy_pack(root, staging)
        with _database(app).transaction() as session:
            report = install(session, pack, force=force, actor=actor)
            if report.unchanged and final.is_dir():
                return report
            # Everything is written and flushed: put the files in place, then commit.
            pack_dir.mkdir(parents=True, exist_ok=True)
            if final.exists():
                final.rename(aside)
            staging.rename(final)
            swapped = True
    except BaseException:
        if swapped:
            shutil.rmtree(final, ignore_errors=True)
        if aside.exists():
            aside.rename(final)
        if created_pack_dir:
            with suppress(OSError):
                pack_dir.rmdir()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # Committed: the files of the version replaced, or reinstalled, are no longer needed.
    shutil.rmtree(aside, ignore_errors=True)
    if report.previous_version and report.previous_version != pack.version:
        shutil.rmtree(pack_dir / report.previous_version, ignore_errors=True)
    return report


def _copy_pack(root: Path, target: Path) -> None:
    """Copy the pack's files (links followed, but only to files inside the pack) into ``target``."""
    root = root.resolve()
    target.mkdir(parents=True)
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in list(dirs):
            real = (here / name).resolve()
            if (here / name).is_symlink() and not real.is_relative_to(root):
                dirs.remove(name)
        for name in files:
            source = here / name
            real = source.resolve()
            if not real.is_relative_to(root) or not real.is_file():
                continue  # a link leading out of the pack is never copied
            destination = target / source.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real, destination)


def _sweep(app: Flask, media: Path) -> None:
    """Remove what a crashed install or removal left: staging folders, versions no pack points to."""
    if not media.is_dir():
        return
    with _database(app).session() as session:
        rows = session.execute(select(InstalledPack.id, InstalledPack.version))
        current = {pack_id: version for pack_id, version in rows}
    for entry in media.iterdir():
        if entry.name.startswith((STAGING_PREFIX, TRASH_PREFIX)):
            _remove(entry)
        elif entry.is_dir() and not entry.is_symlink():
            for version in entry.iterdir():
                if current.get(entry.name) != version.name:
                    _remove(version)
            with suppress(OSError):
                entry.rmdir()  # only when it is empty


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def installs_locked(app: Flask) -> Iterator[None]:
    """One install or removal at a time on this instance, across processes (a backup takes it too,
    so its database and its media show the same packs)."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: a single operator, no lock
        yield
        return
    with open(instance / "packs.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- removing --------------------------------------------------------------------


def remove_pack(app: Flask, pack_id: str, purge: bool = False) -> None:
    """Remove the pack, its course (modules, lessons, enrolments, progress) and its stored files.

    Refused (``PackRefused``) while learners have records, unless ``purge``.
    """
    with installs_locked(app):
        media = media_root(app)
        pack_dir = media / pack_id
        aside = media / f"{TRASH_PREFIX}{pack_id}-{uuid.uuid4().hex}"
        moved = False
        try:
            with _database(app).transaction() as session:
                installed = session.get(InstalledPack, pack_id)
                if installed is None:
                    raise PackRefused(f"no pack {pack_id!r} is installed")
                course_id = session.scalar(select(Course.id).where(Course.pack_id == pack_id))
                if course_id is not None:
                    learners = _learners(session, course_id)
                    if learners and not purge:
                        raise PackRefused(
                            f"{learners} learner(s) have enrolments or progress in this course; "
                            "use --purge to delete them too"
                        )
                    _delete_course(session, course_id)
                session.delete(installed)
                session.flush()
                if pack_dir.exists():
                    pack_dir.rename(aside)
                    moved = True
        except BaseException:
            if moved:
                aside.rename(pack_dir)
            raise
        shutil.rmtree(aside, ignore_errors=True)


def _delete_course(session, course_id: int) -> None:
    lesson_ids = select(Lesson.id).where(Lesson.course_id == course_id).scalar_subquery()
    # Plugins' tables follow through their foreign keys (ON DELETE CASCADE).
    session.execute(delete(LessonProgress).where(LessonProgress.lesson_id.in_(lesson_ids)))
    session.execute(delete(Enrolment).where(Enrolment.course_id == course_id))
    session.execute(delete(CourseInstructor).where(CourseInstructor.course_id == course_id))
    session.execute(delete(Lesson).where(Lesson.course_id == course_id))
    session.execute(delete(Module).where(Module.course_id == course_id))
    session.execute(delete(Course).where(Course.id == course_id))


# -- exporting and scaffolding ------------------------------------------------------


def export_pack(app: Flask, pack_id: str, target: Path) -> Path:
    """Write the installed pack, as it was installed, to the new folder ``target`` (or a ``.zip``).

    Returns what was written. Refused when ``target`` exists and is not an empty folder.
    """
    target = Path(target)
    with _database(app).session() as session:
        installed = session.get(InstalledPack, pack_id)
    if installed is None:
        raise PackRefused(f"no pack {pack_id!r} is installed")
    stored = media_root(app) / pack_id / installed.version
    if not (stored / MANIFEST).is_file():
        raise PackRefused(f"no stored copy of {pack_id} {installed.version}; install it again to keep one")
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise PackRefused(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".zip":
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in sorted(p for p in stored.rglob("*") if p.is_file()):
                    archive.write(file, f"{pack_id}/{file.relative_to(stored).as_posix()}")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return target
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    try:
        shutil.copytree(stored, partial)
        if target.exists():
            target.rmdir()
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def scaffold_pack(app: Flask, target: Path) -> Path:
    """Create a new pack folder with one lesson of each installed lesson type; it validates as is."""
    target = Path(target)
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise PackRefused(f"{target} already exists")
    registry = app.extensions["elearn_plugins"]
    pack_id = _slug(target.name)
    plugins = {}
    for info in sorted(registry.plugins.values(), key=lambda i: i.name):
        for type_name in info.lesson_types:
            plugins[type_name] = f">={info.version}" if _plain_version(info.version) else ">=0"
    lessons, files = [], {}
    for index, (type_name, lesson_type) in enumerate(sorted(registry.lesson_types.items()), start=1):
        content, named = lesson_type.example_lesson()
        lessons.append({
            "id": f"bai-{index}-{type_name}",
            "type": type_name,
            "title": {
                "vi": f"Bài {index}: {lesson_type.label('vi')}",
                "en": f"Lesson {index}: {lesson_type.label('en')}",
            },
            "content": content,
        })
        files.update(named)
    manifest = {
        "id": pack_id,
        "version": "1.0.0",
        "title": {"vi": "Khoá học mới", "en": "A new course"},
        "description": {"vi": "Viết một hai câu giới thiệu khoá học.", "en": "A sentence or two about the course."},
        "authors": ["Tên tác giả"],
        "licence": "CC-BY-4.0",
        "requires": {"engine": f">={elearn.__version__}", "plugins": plugins},
        "course": {
            "slug": pack_id,
            "modules": [{"id": "phan-1", "title": {"vi": "Phần 1", "en": "Part 1"}, "lessons": lessons}],
        },
    }
    header = "# A content pack: one course. See docs/content-packs.md for every field.\n"
    target.mkdir(parents=True, exist_ok=True)
    body = yaml.dump(manifest, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    (target / MANIFEST).write_text(header + body, encoding="utf-8")
    for path, data in sorted(files.items()):
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or str(pure) == MANIFEST:
            raise PackRefused(f"an example lesson names the file {path!r}, which is not a path inside the pack")
        (target / pure).parent.mkdir(parents=True, exist_ok=True)
        (target / pure).write_bytes(data)
    return target


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text as a ``|`` block, as an author would."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _plain_version(version: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)*", version or ""))


def _slug(name: str) -> str:
    """A pack id from a folder name: ``Quản trị HTX`` gives ``quan-tri-htx``."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:100].strip("-")
    return slug if ID_PATTERN.match(slug) else "goi-noi-dung-moi"
