"""Reading and checking ``pack.yaml``: every problem is reported, with where it is.

Nothing is written here. ``load_pack`` returns a ``Pack`` whose lessons carry
the content their lesson type has already imported, or the list of errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from elearn.packs.files import FolderFiles
from elearn.plugins.lesson_type import ContentError, ContentInvalid, LessonType

MANIFEST = "pack.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$|^[a-z0-9]$")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass
class PackLesson:
    key: str
    type_name: str
    title: dict[str, str]
    content: dict[str, Any]


@dataclass
class PackModule:
    key: str
    title: dict[str, str]
    lessons: list[PackLesson] = field(default_factory=list)


@dataclass
class Pack:
    id: str
    version: str
    title: dict[str, str]
    description: dict[str, str]
    slug: str
    modules: list[PackModule]
    manifest: dict[str, Any]


class PackInvalid(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class _Checker:
    def __init__(self) -> None:
        self.errors: list[ContentError] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(ContentError(f"{MANIFEST}: {where}" if where else MANIFEST, message))

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.error(where, "must be a mapping")
            return {}
        return value

    def text(self, value: Any, where: str, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            self.error(where, "is required text")
            return ""
        if pattern is not None and not pattern.match(value):
            self.error(where, f"{value!r} is not {what}")
        return value

    def titles(self, value: Any, where: str, required: bool = True) -> dict[str, str]:
        if value is None and not required:
            return {"vi": "", "en": ""}
        found = self.mapping(value, where)
        vi = self.text(found.get("vi"), f"{where}.vi") if found or required else ""
        en = found.get("en", "")
        if not isinstance(en, str):
            self.error(f"{where}.en", "must be text")
            en = ""
        return {"vi": vi, "en": en}


def load_pack(path: Path, lesson_types: dict[str, LessonType]) -> Pack:
    """Read and check a pack folder; raise ``PackInvalid`` with every error found."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise PackInvalid([ContentError(str(path), f"no {MANIFEST} in this folder")])
    raw = _read_yaml(manifest_path)
    check = _Checker()
    data = check.mapping(raw, "")
    pack_id = check.text(data.get("id"), "id", ID_PATTERN, "an id of lower-case letters, digits and dashes")
    version = check.text(data.get("version"), "version", SEMVER, "a semantic version such as 1.0.0")
    title = check.titles(data.get("title"), "title")
    description = check.titles(data.get("description"), "description", required=False)
    course = check.mapping(data.get("course"), "course")
    slug = course.get("slug", pack_id)
    check.text(slug, "course.slug", ID_PATTERN, "a slug of lower-case letters, digits and dashes")
    files = FolderFiles(path)
    modules = _modules(check, course.get("modules"), lesson_types, files)
    if check.errors:
        raise PackInvalid(check.errors)
    return Pack(pack_id, version, title, description, slug, modules, data)


def _read_yaml(path: Path) -> Any:
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise PackInvalid([ContentError(MANIFEST, "larger than 1 MB")])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise PackInvalid([ContentError(MANIFEST, "is not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{MANIFEST}:{mark.line + 1}" if mark else MANIFEST
        raise PackInvalid([ContentError(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None


def _modules(check: _Checker, value: Any, lesson_types, files) -> list[PackModule]:
    if not isinstance(value, list) or not value:
        check.error("course.modules", "must be a non-empty list")
        return []
    modules, module_keys, lesson_keys = [], set(), set()
    for m_index, raw_module in enumerate(value):
        where = f"course.modules[{m_index}]"
        data = check.mapping(raw_module, where)
        key = check.text(data.get("id"), f"{where}.id", KEY_PATTERN, "an id of letters, digits, . _ -")
        if key in module_keys:
            check.error(f"{where}.id", f"{key!r} is used twice")
        module_keys.add(key)
        module = PackModule(key, check.titles(data.get("title"), f"{where}.title"))
        lessons = data.get("lessons")
        if not isinstance(lessons, list) or not lessons:
            check.error(f"{where}.lessons", "must be a non-empty list")
            lessons = []
        for l_index, raw_lesson in enumerate(lessons):
            lesson = _lesson(check, raw_lesson, f"{where}.lessons[{l_index}]", lesson_types, files)
            if lesson is None:
                continue
            if lesson.key in lesson_keys:
                check.error(f"{where}.lessons[{l_index}].id", f"{lesson.key!r} is used twice")
            lesson_keys.add(lesson.key)
            module.lessons.append(lesson)
        modules.append(module)
    return modules


def _lesson(check: _Checker, raw: Any, where: str, lesson_types, files) -> PackLesson | None:
    data = check.mapping(raw, where)
    if not data:
        return None
    key = check.text(data.get("id"), f"{where}.id", KEY_PATTERN, "an id of letters, digits, . _ -")
    title = check.titles(data.get("title"), f"{where}.title")
    type_name = check.text(data.get("type"), f"{where}.type")
    content = data.get("content", {})
    if not isinstance(content, dict):
        check.error(f"{where}.content", "must be a mapping")
        return None
    lesson_type = lesson_types.get(type_name)
    if type_name and lesson_type is None:
        check.error(f"{where}.type", f"lesson type {type_name!r} is not installed")
        return None
    if lesson_type is None:
        return None
    try:
        imported = lesson_type.import_content(content, files)
    except ContentInvalid as exc:
        for error in exc.errors:
            inner = f"{where}.content.{error.where}" if error.where else f"{where}.content"
            check.error(inner, error.message)
        return None
    except Exception as exc:
        check.error(f"{where}.content", f"lesson type {type_name!r} failed to read it: {exc!r}")
        return None
    return PackLesson(key, type_name, title, imported)
