"""Installing a checked pack into the database, in the caller's single transaction.

Modules and lessons are matched by their stable ids (``key``), so installing a
newer version updates content in place and keeps every learner's progress;
lessons the new version no longer has are retired, never deleted. Groups are
matched by set and id the same way and never deleted: learners may be in them.

A stable id keeps its lesson's type for good (``type_changes``): learners' progress,
scores and the type's own records (quiz attempts, discussion posts) mean nothing to
another type. A lesson may move to another module; it cannot leave its course, since
lessons are matched only within the pack's own course.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from elearn import audit
from elearn.clock import utcnow
from elearn.models import Course, CourseGroup, CourseGroupSet, InstalledPack, Lesson, Module, User
from elearn.models.courses import languages_of
from elearn.packs.manifest import MANIFEST, Pack, PackLesson, semver_key
from elearn.packs.source import PackInvalid
from elearn.plugins.lesson_type import ContentError


class PackRefused(Exception):
    """The pack is valid but cannot be installed here as asked (or is not installed).

    ``message`` says why, translated. ``option`` names what would install it anyway
    (``"force"``): the command line's text adds "(use --force)", the admin page names its
    checkbox instead.
    """

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(f"{message} (use --{option})" if option else message)
        self.message = message
        self.option = option


@dataclass
class InstallReport:
    pack_id: str
    version: str
    previous_version: str | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: bool = False
    # Lessons without an English title or content: English readers get them in Vietnamese.
    without_english: list[PackLesson] = field(default_factory=list)


def install(db: Session, pack: Pack, force: bool = False, actor: User | None = None) -> InstallReport:
    """Write ``pack`` into the caller's transaction; the caller commits, or rolls back on error.

    The install is recorded in the audit log, as done by ``actor`` (None: the command line).

    Raises ``PackRefused`` (an older version without ``force``, a course address taken) or
    ``PackInvalid`` (``type_changes``) before writing anything.
    """
    installed = db.get(InstalledPack, pack.id)
    report = InstallReport(pack.id, pack.version, installed.version if installed else None,
                           without_english=pack.lessons_without("en"))
    if installed is not None:
        if installed.version == pack.version and not force:
            report.unchanged = True
            return report
        if semver_key(pack.version) < semver_key(installed.version) and not force:
            older = _("version %(installed)s is installed; %(new)s is older", installed=installed.version,
                      new=pack.version)
            raise PackRefused(older, option="force")
    if errors := type_changes(db, pack):
        raise PackInvalid(errors)
    course = db.scalar(select(Course).where(Course.pack_id == pack.id))
    if course is None:
        clash = db.scalar(select(Course).where(Course.slug == pack.slug))
        if clash is not None:
            raise PackRefused(_("a course with the address %(slug)s already exists", slug=repr(pack.slug)))
        course = Course(slug=pack.slug, pack_id=pack.id, title_vi="")
        db.add(course)
    course.title_vi, course.title_en = pack.title["vi"], pack.title["en"]
    course.summary_vi, course.summary_en = pack.description["vi"], pack.description["en"]
    db.flush()
    _sync_outline(db, course, pack, report)
    _sync_groups(db, course, pack)
    # The plugins' manifest keys as their checkers returned them, for ``pack_extensions``.
    stored = {**pack.manifest, EXTENSIONS_KEY: {
        "course": pack.extensions,
        "modules": {module.key: module.extensions for module in pack.modules if module.extensions},
    }, CERTIFICATE_KEY: pack.certificate}
    if installed is None:
        db.add(InstalledPack(id=pack.id, version=pack.version, manifest=stored))
    else:
        installed.version, installed.manifest, installed.installed_at = pack.version, stored, utcnow()
    audit.record(db, actor, "pack.installed", subject_type="pack", subject_id=pack.id,
                 summary=f"{pack.id} {pack.version}" + (f" (← {report.previous_version})" if report.previous_version
                                                        else ""),
                 details={"version": pack.version, "previous_version": report.previous_version, "force": force})
    db.flush()
    return report


EXTENSIONS_KEY = "_extensions"  # in the stored manifest only: never a key of a pack.yaml
CERTIFICATE_KEY = "_certificate"  # the checked ``course.certificate``, likewise


def certificate_template(db: Session, course: Course) -> dict[str, Any] | None:
    """The checked certificate template of the pack ``course`` was installed from (None: the pack
    has none, or the course is not from a pack). One query."""
    if course.pack_id is None:
        return None
    manifest = db.scalar(select(InstalledPack.manifest).where(InstalledPack.id == course.pack_id)) or {}
    return manifest.get(CERTIFICATE_KEY)


def pack_extensions(db: Session, course: Course) -> dict[str, Any]:
    """The checked values of the plugins' manifest keys (``elearn_manifest_keys``) for the pack a
    course was installed from: ``{"course": {key: value}, "modules": {module key: {key: value}}}``,
    empty for a course that is not from a pack. One query."""
    empty: dict[str, Any] = {"course": {}, "modules": {}}
    if course.pack_id is None:
        return empty
    manifest = db.scalar(select(InstalledPack.manifest).where(InstalledPack.id == course.pack_id)) or {}
    return manifest.get(EXTENSIONS_KEY) or empty


def type_changes(db: Session, pack: Pack) -> list[ContentError]:
    """Every lesson of ``pack`` whose stable id this site has, retired or not, with another type.

    Refused even with ``force``: the new type would inherit learners' completions and scores,
    and the old type's records would hang on a lesson that no longer reads them.
    """
    rows = select(Lesson.key, Lesson.type_name).join(Course, Course.id == Lesson.course_id)
    installed = dict(db.execute(rows.where(Course.pack_id == pack.id)).all())
    errors = []
    for m_index, module in enumerate(pack.modules):
        for l_index, lesson in enumerate(module.lessons):
            before = installed.get(lesson.key)
            if before is None or before == lesson.type_name:
                continue
            message = _(
                "lesson %(id)s (%(title)s) is a %(old)s lesson on this site and cannot become a %(new)s lesson: "
                "learners' progress and answers belong to its type. Give the lesson a new id; the old one is "
                "then retired, with its records kept.",
                id=repr(lesson.key),
                title=lesson.title["vi"],
                old=repr(before),
                new=repr(lesson.type_name),
            )
            errors.append(ContentError(f"{MANIFEST}: course.modules[{m_index}].lessons[{l_index}].type", message))
    return errors + content_refusals(db, pack)


def content_refusals(db: Session, pack: Pack) -> list[ContentError]:
    """What each lesson's type refuses to let the new version change (``LessonType.update_refusals``):
    for a lesson of the same type on this site, which has learners' records."""
    from elearn.learning.service import lesson_type_of

    installed = {lesson.key: lesson for lesson in db.scalars(
        select(Lesson).join(Course, Course.id == Lesson.course_id).where(Course.pack_id == pack.id))}
    errors = []
    for m_index, module in enumerate(pack.modules):
        for l_index, pack_lesson in enumerate(module.lessons):
            lesson = installed.get(pack_lesson.key)
            if lesson is None or lesson.type_name != pack_lesson.type_name:
                continue
            lesson_type, _problem = lesson_type_of(lesson)
            if lesson_type is None:
                continue
            where = f"{MANIFEST}: course.modules[{m_index}].lessons[{l_index}].content"
            errors.extend(ContentError(where, reason)
                          for reason in lesson_type.update_refusals(db, lesson, pack_lesson.content))
    return errors


def _sync_outline(db: Session, course: Course, pack: Pack, report: InstallReport) -> None:
    now = utcnow()
    modules = {m.key: m for m in db.scalars(select(Module).where(Module.course_id == course.id))}
    query = select(Lesson).options(undefer(Lesson.translations)).where(Lesson.course_id == course.id)
    lessons = {item.key: item for item in db.scalars(query)}
    seen_modules, seen_lessons = set(), set()
    for m_position, pack_module in enumerate(pack.modules):
        module = modules.get(pack_module.key)
        if module is None:
            module = Module(course_id=course.id, key=pack_module.key, title_vi="")
            db.add(module)
        module.title_vi, module.title_en = pack_module.title["vi"], pack_module.title["en"]
        module.position, module.retired_at = m_position, None
        db.flush()
        seen_modules.add(pack_module.key)
        for l_position, pack_lesson in enumerate(pack_module.lessons):
            _write_lesson(db, course, module, l_position, pack_lesson, lessons.get(pack_lesson.key), report)
            seen_lessons.add(pack_lesson.key)
    for key, lesson in lessons.items():
        if key not in seen_lessons and lesson.retired_at is None:
            lesson.retired_at = now
            report.retired.append(key)
    for key, module in modules.items():
        if key not in seen_modules and module.retired_at is None:
            module.retired_at = now


def _sync_groups(db: Session, course: Course, pack: Pack) -> None:
    """Create the pack's sets and groups, update their settings and titles; leave any others as they are."""
    sets = {s.name: s for s in db.scalars(select(CourseGroupSet).where(CourseGroupSet.course_id == course.id))}
    groups = {
        (group.group_set, group.key): group
        for group in db.scalars(select(CourseGroup).where(CourseGroup.course_id == course.id))
    }
    for pack_set in pack.group_sets:
        group_set = sets.get(pack_set.name)
        if group_set is None:
            group_set = CourseGroupSet(course_id=course.id, name=pack_set.name)
            db.add(group_set)
        group_set.learners_choose = pack_set.learners_choose
        group_set.title_vi, group_set.title_en = pack_set.title["vi"], pack_set.title["en"]
        for pack_group in pack_set.groups:
            group = groups.get((pack_set.name, pack_group.key))
            if group is None:
                group = CourseGroup(course_id=course.id, group_set=pack_set.name, key=pack_group.key)
                db.add(group)
            group.title_vi, group.title_en = pack_group.title["vi"], pack_group.title["en"]
    db.flush()


def _write_lesson(
    db: Session,
    course: Course,
    module: Module,
    position: int,
    pack_lesson: PackLesson,
    lesson: Lesson | None,
    report: InstallReport,
) -> None:
    """Add one lesson, or update it in place (its id, and so every learner's progress, stays)."""
    values = dict(
        module_id=module.id,
        position=position,
        type_name=pack_lesson.type_name,
        title_vi=pack_lesson.title["vi"],
        title_en=pack_lesson.title["en"],
        content=pack_lesson.content,
        # A new version without a language removes that translation: learners then get the Vietnamese.
        translations=pack_lesson.translations,
        content_languages=languages_of(pack_lesson.translations),
        retired_at=None,
    )
    if lesson is None:
        db.add(Lesson(course_id=course.id, key=pack_lesson.key, **values))
        report.added.append(pack_lesson.key)
        return
    before = {name: getattr(lesson, name) for name in values}
    stored = ("content", "translations")
    # Compared as stored (JSON: tuples become lists, and so on), not as the type returned it.
    stored_before, stored_after = (
        json.dumps({name: before[name] for name in stored}, sort_keys=True),
        json.dumps({name: values[name] for name in stored}, sort_keys=True),
    )
    if report.previous_version and report.previous_version != report.version:
        # Media URLs name the version (/media/packs/<id>/<version>/...): a new version alone is no change.
        stored_before = stored_before.replace(
            f"/media/packs/{report.pack_id}/{report.previous_version}/",
            f"/media/packs/{report.pack_id}/{report.version}/",
        )
    if stored_before != stored_after or any(before[n] != values[n] for n in values if n not in stored):
        report.changed.append(pack_lesson.key)
    for name, value in values.items():
        setattr(lesson, name, value)
