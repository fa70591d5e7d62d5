"""Reading and checking ``pack.yaml``: every problem is reported, with where it is.

Nothing is written here. ``load_pack`` returns a ``Pack`` whose lessons carry
the content their lesson type has already imported (in Vietnamese, and its
translations: see ``localise``), or the list of errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from flask_babel import gettext as _
from flask_babel import ngettext
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from elearn.certificates.template import check_template
from elearn.models.groups import GROUP_KEY, GROUP_SET, TITLE_MAX
from elearn.packs.files import FolderFiles
from elearn.packs.localise import import_lesson
from elearn.packs.source import PackInvalid, links_leaving, load_yaml, unsafe_names
from elearn.plugins.lesson_type import ContentError, ContentInvalid, LessonType
from elearn.plugins.questions import collecting_notes

if TYPE_CHECKING:
    from elearn.plugins.manager import PluginInfo
    from elearn.plugins.settings import ManifestKey

MANIFEST = "pack.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$|^[a-z0-9]$")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
DEFAULT_LANGUAGES = ("vi", "en")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass
class PackLesson:
    key: str
    type_name: str
    title: dict[str, str]
    content: dict[str, Any]
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)  # language -> stored content
    notes: list[ContentError] = field(default_factory=list)  # the type's notes to the author (``content_note``)

    def lacks(self, locale: str) -> list[str]:
        """What of this lesson is not written in ``locale``: ``"title"``, ``"content"``, both or neither."""
        return [part for part, given in (("title", self.title.get(locale)), ("content", locale in self.translations))
                if not given]


@dataclass
class PackModule:
    key: str
    title: dict[str, str]
    lessons: list[PackLesson] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)  # plugins' keys (``elearn_manifest_keys``), checked


@dataclass
class PackGroup:
    key: str
    title: dict[str, str]


@dataclass
class PackGroupSet:
    name: str
    learners_choose: bool
    groups: list[PackGroup]
    title: dict[str, str]


@dataclass
class Pack:
    id: str
    version: str
    title: dict[str, str]
    description: dict[str, str]
    slug: str
    modules: list[PackModule]
    manifest: dict[str, Any]
    authors: list[str] = field(default_factory=list)
    licence: str = ""
    requires: dict[str, Any] = field(default_factory=dict)
    group_sets: list[PackGroupSet] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)  # the course's keys from plugins, checked
    certificate: dict[str, Any] | None = None  # ``course.certificate``, checked (elearn/certificates/template.py)

    @property
    def lessons(self) -> list[PackLesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def lessons_without(self, locale: str) -> list[PackLesson]:
        """The lessons that lack a title or content in ``locale``: its readers get them in Vietnamese."""
        return [lesson for lesson in self.lessons if lesson.lacks(locale)]


def semver_key(version: str) -> tuple:
    """Order semantic versions: 1.0.0-rc.1 < 1.0.0 < 1.0.1 (build metadata ignored)."""
    core, _, pre = version.split("+")[0].partition("-")
    release = tuple(int(part) for part in core.split("."))
    if not pre:
        return (release, 1, ())
    # Numeric identifiers sort before alphanumeric ones, and among themselves by value.
    identifiers = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (release, 0, identifiers)


class _Checker:
    def __init__(self, manifest: Path | None = None) -> None:
        self.errors: list[ContentError] = []
        self.manifest = manifest
        self._nodes: Any = None

    def error(self, where: str, message: str) -> None:
        self.errors.append(ContentError(f"{MANIFEST}: {where}" if where else MANIFEST, message))

    def error_at(self, path: Sequence[str | int], where: str, message: str) -> None:
        """An error that names its line too (``pack.yaml:12: course.modules[0].weight``), for keys whose
        value an author must find in a long manifest."""
        line = self.line_of(path)
        self.errors.append(ContentError(f"{MANIFEST}:{line}: {where}" if line else f"{MANIFEST}: {where}", message))

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the value at ``path`` (keys and list indexes) in the manifest, or None. The file
        was read safely already; its node tree is composed only when an error needs a line."""
        if self.manifest is None:
            return None
        if self._nodes is None:
            self._nodes = yaml.compose(self.manifest.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        node = self._nodes
        for step in path:
            if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            elif isinstance(node, yaml.MappingNode):
                node = next((value for key, value in node.value if key.value == step), None)
            else:
                node = None
            if node is None:
                return None
        return node.start_mark.line + 1

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.error(where, _("must be a mapping"))
            return {}
        return value

    def text(self, value: Any, where: str, pattern: re.Pattern | None = None,
             mismatch: Callable[[str], str] | None = None) -> str:
        """Required text; ``mismatch`` gives the message for text not matching ``pattern``."""
        if not isinstance(value, str) or not value.strip():
            self.error(where, _("is required text"))
            return ""
        if pattern is not None and mismatch is not None and not pattern.match(value):
            self.error(where, mismatch(repr(value)))
        return value

    def titles(self, value: Any, where: str, required: bool = True) -> dict[str, str]:
        if value is None and not required:
            return {"vi": "", "en": ""}
        found = self.mapping(value, where)
        vi = self.text(found.get("vi"), f"{where}.vi") if found or required else ""
        en = found.get("en", "")
        if not isinstance(en, str):
            self.error(f"{where}.en", _("must be text"))
            en = ""
        return {"vi": vi, "en": en}


def load_pack(
    path: Path,
    lesson_types: dict[str, LessonType],
    plugins: dict[str, PluginInfo] | None = None,
    engine_version: str | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    extra_keys: Sequence[ManifestKey] = (),
    file_limits: Mapping[str, int] | None = None,
) -> Pack:
    """Read and check a pack folder; raise ``PackInvalid`` with every error found.

    ``plugins`` (name to ``PluginInfo``) and ``engine_version`` check ``requires``;
    without them only the lesson types named in ``requires.plugins`` are checked.
    ``languages`` are the site's: content may be given in each of them (Vietnamese required).
    ``extra_keys`` are the keys plugins allow on the course or a module (``elearn_manifest_keys``);
    any other key there is refused, so a misspelt one is never silently ignored.
    ``file_limits``: per-file size limits by file ending that plugins raise (``FileLimit``).
    """
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise PackInvalid([ContentError(str(path), _("no %(manifest)s in this folder", manifest=MANIFEST))])
    raw = _read_yaml(manifest_path)
    check = _Checker(manifest_path)
    data = check.mapping(raw, "")
    pack_id = check.text(data.get("id"), "id", ID_PATTERN, _not_an_id)
    version = check.text(
        data.get("version"), "version", SEMVER,
        lambda value: _("%(value)s is not a semantic version such as 1.0.0", value=value),
    )
    title = check.titles(data.get("title"), "title")
    description = check.titles(data.get("description"), "description", required=False)
    authors = _authors(check, data.get("authors"))
    licence = data.get("licence", "")
    if not isinstance(licence, str):
        check.error("licence", _("must be text, e.g. CC-BY-4.0"))
        licence = ""
    requires = _requires(check, data.get("requires"), lesson_types, plugins, engine_version)
    course = check.mapping(data.get("course"), "course")
    slug = course.get("slug", pack_id)
    check.text(slug, "course.slug", ID_PATTERN,
               lambda value: _("%(value)s is not a slug of lower-case letters, digits and dashes", value=value))
    # Media URLs need both; when either is wrong that is reported above, and media are not resolved.
    valid_id = pack_id if ID_PATTERN.match(pack_id or "") else None
    valid_version = version if SEMVER.match(version or "") else None
    files = FolderFiles(path, pack_id=valid_id, version=valid_version, file_limits=file_limits)
    keys = _extra_keys(extra_keys)
    extensions = _extensions(check, course, "course", COURSE_KEYS, keys.get("course", {}))
    modules = _modules(check, course.get("modules"), lesson_types, files, languages, keys.get("module", {}))
    group_sets = _group_sets(check, course.get("groups"))
    certificate = check_template(check, course.get("certificate"), files)
    check.errors.extend(links_leaving(path))
    check.errors.extend(unsafe_names(path))
    if check.errors:
        raise PackInvalid(check.errors)
    return Pack(pack_id, version, title, description, slug, modules, data, authors, licence, requires, group_sets,
                extensions, certificate)


COURSE_KEYS = ("slug", "modules", "groups", "certificate")
MODULE_KEYS = ("id", "title", "lessons", "weight")
MAX_WEIGHT = 1000


def _extra_keys(declared: Sequence[ManifestKey]) -> dict[str, dict[str, ManifestKey]]:
    found: dict[str, dict[str, ManifestKey]] = {}
    for key in declared:
        found.setdefault(key.where, {}).setdefault(key.key, key)
    return found


def _extensions(check: _Checker, data: dict[str, Any], where: str, own: Sequence[str],
                extra: dict[str, ManifestKey]) -> dict[str, Any]:
    """The plugins' keys in ``data``, each checked by its plugin; a key nobody declares is refused."""
    found: dict[str, Any] = {}
    for key, value in data.items():
        if key in own:
            continue
        declared = extra.get(key)
        if declared is None:
            allowed = ", ".join(f"'{name}'" for name in (*own, *sorted(extra)))
            check.error(f"{where}.{key}", _("unknown field (use %(allowed)s)", allowed=allowed))
            continue
        try:
            found[key] = declared.check(value)
        except ValueError as exc:
            check.error(f"{where}.{key}", str(exc))
        except Exception as exc:  # a plugin's checker that breaks: the pack cannot be judged
            check.error(f"{where}.{key}", _("could not be checked: %(error)s", error=repr(exc)))
    return found


def _weight(check: _Checker, data: dict[str, Any], where: str, path: Sequence[str | int]) -> None:
    """A module's or lesson's ``weight`` in the course grade (elearn/reports/weights.py): a number
    from 0 (not counted) to ``MAX_WEIGHT``; absent, the default."""
    if "weight" not in data:
        return
    value = data["weight"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_WEIGHT:
        check.error_at([*path, "weight"], f"{where}.weight", _("must be a number from 0 to %(max)d", max=MAX_WEIGHT))


def _not_an_id(value: str) -> str:
    return _("%(value)s is not an id of lower-case letters, digits and dashes", value=value)


def _not_a_key(value: str) -> str:
    return _("%(value)s is not an id of letters, digits, . _ -", value=value)


def _twice(key: str) -> str:
    return _("%(value)s is used twice", value=repr(key))


def _authors(check: _Checker, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        check.error("authors", _("must be a list of names, e.g. [Liên minh Hợp tác xã tỉnh]"))
        return []
    return value


def _specifier(check: _Checker, value: Any, where: str) -> SpecifierSet | None:
    if not isinstance(value, str):
        check.error(where, _("must be a version specifier such as '>=1.0,<2'"))
        return None
    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        check.error(where, _("%(value)s is not a version specifier such as '>=1.0,<2'", value=repr(value)))
        return None


def _matches(specifier: SpecifierSet, version: str) -> bool:
    try:
        return specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _requires(check: _Checker, value: Any, lesson_types, plugins, engine_version) -> dict[str, Any]:
    if value is None:
        return {}
    data = check.mapping(value, "requires")
    for key in sorted(set(data) - {"engine", "plugins"}):
        check.error(f"requires.{key}", _("unknown field (use 'engine' and 'plugins')"))
    if "engine" in data:
        specifier = _specifier(check, data["engine"], "requires.engine")
        if specifier is not None and engine_version is not None and not _matches(specifier, engine_version):
            check.error("requires.engine", _("needs elearn %(wanted)s; this site runs elearn %(version)s",
                                             wanted=str(specifier), version=engine_version))
    wanted = check.mapping(data.get("plugins", {}), "requires.plugins")
    for name, spec in wanted.items():
        where = f"requires.plugins.{name}"
        specifier = _specifier(check, spec, where)
        info = _plugin_for(name, plugins or {})
        if info is None:
            if plugins is not None or name not in lesson_types:
                check.error(where, _("plugin or lesson type %(name)s is not installed", name=repr(name)))
            continue
        if specifier is not None and not _matches(specifier, info.version):
            found = info.version or _("of unknown version")
            check.error(where, _("needs %(plugin)s %(wanted)s; the installed %(plugin)s is %(version)s",
                                 plugin=info.name, wanted=str(specifier), version=found))
    return data


def _plugin_for(name: str, plugins: dict[str, PluginInfo]) -> PluginInfo | None:
    """The plugin called ``name``, or the one providing the lesson type ``name``."""
    if name in plugins:
        return plugins[name]
    return next((info for info in plugins.values() if name in info.lesson_types), None)


def _read_yaml(path: Path) -> Any:
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise PackInvalid([ContentError(MANIFEST, _("larger than %(size)s", size=_("%(num)d MB", num=1)))])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PackInvalid([ContentError(MANIFEST, _("is not UTF-8 text"))]) from None
    return load_yaml(text, MANIFEST)


def _group_sets(check: _Checker, value: Any) -> list[PackGroupSet]:
    """``course.groups``: the course's group sets, by name, each with its groups."""
    if value is None:
        return []
    sets = []
    for name, raw in check.mapping(value, "course.groups").items():
        where = f"course.groups.{name}"
        if not isinstance(name, str) or not GROUP_SET.fullmatch(name):
            check.error(where, _("%(value)s is not a set name of 1 to 50 lower-case letters, digits and dashes",
                                 value=repr(name)))
        data = check.mapping(raw, where)
        for key in sorted(set(data) - {"title", "learners_choose", "groups"}, key=str):
            check.error(f"{where}.{key}", _("unknown field (use 'title', 'learners_choose' and 'groups')"))
        set_title = check.titles(data.get("title"), f"{where}.title", required=False)
        learners_choose = data.get("learners_choose", False)
        if not isinstance(learners_choose, bool):
            check.error(f"{where}.learners_choose", _("must be true or false"))
        groups = data.get("groups")
        if not isinstance(groups, list) or not groups:
            check.error(f"{where}.groups", _("must be a non-empty list"))
            groups = []
        pack_groups, keys = [], set()
        for index, raw_group in enumerate(groups):
            group = check.mapping(raw_group, f"{where}.groups[{index}]")
            key = check.text(group.get("id"), f"{where}.groups[{index}].id")
            if key and not GROUP_KEY.fullmatch(key):
                check.error(f"{where}.groups[{index}].id",
                            _("%(value)s is not an id of lower-case letters, digits, -", value=repr(key)))
            elif key in keys:
                check.error(f"{where}.groups[{index}].id", _twice(key))
            keys.add(key)
            title = check.titles(group.get("title"), f"{where}.groups[{index}].title")
            for locale, text in title.items():
                if len(text) > TITLE_MAX:
                    check.error(f"{where}.groups[{index}].title.{locale}", ngettext(
                        "is longer than %(num)d character", "is longer than %(num)d characters", TITLE_MAX))
            pack_groups.append(PackGroup(key, title))
        sets.append(PackGroupSet(str(name), learners_choose is True, pack_groups, set_title))
    return sets


def _modules(check: _Checker, value: Any, lesson_types, files, languages,
             extra: dict[str, ManifestKey] | None = None) -> list[PackModule]:
    if not isinstance(value, list) or not value:
        check.error("course.modules", _("must be a non-empty list"))
        return []
    modules, module_keys, lesson_keys = [], set(), set()
    for m_index, raw_module in enumerate(value):
        where = f"course.modules[{m_index}]"
        data = check.mapping(raw_module, where)
        key = check.text(data.get("id"), f"{where}.id", KEY_PATTERN, _not_a_key)
        if key in module_keys:
            check.error(f"{where}.id", _twice(key))
        module_keys.add(key)
        module = PackModule(key, check.titles(data.get("title"), f"{where}.title"),
                            extensions=_extensions(check, data, where, MODULE_KEYS, extra or {}))
        _weight(check, data, where, ["course", "modules", m_index])
        lessons = data.get("lessons")
        if not isinstance(lessons, list) or not lessons:
            check.error(f"{where}.lessons", _("must be a non-empty list"))
            lessons = []
        for l_index, raw_lesson in enumerate(lessons):
            lesson = _lesson(check, raw_lesson, f"{where}.lessons[{l_index}]", lesson_types, files, languages,
                             ["course", "modules", m_index, "lessons", l_index])
            if lesson is None:
                continue
            if lesson.key in lesson_keys:
                check.error(f"{where}.lessons[{l_index}].id", _twice(lesson.key))
            lesson_keys.add(lesson.key)
            module.lessons.append(lesson)
        modules.append(module)
    return modules


def _lesson(check: _Checker, raw: Any, where: str, lesson_types, files, languages,
            path: Sequence[str | int] = ()) -> PackLesson | None:
    data = check.mapping(raw, where)
    if not data:
        return None
    key = check.text(data.get("id"), f"{where}.id", KEY_PATTERN, _not_a_key)
    title = check.titles(data.get("title"), f"{where}.title")
    type_name = check.text(data.get("type"), f"{where}.type")
    _weight(check, data, where, path)
    content = data.get("content", {})
    if not isinstance(content, dict):
        check.error(f"{where}.content", _("must be a mapping"))
        return None
    lesson_type = lesson_types.get(type_name)
    if type_name and lesson_type is None:
        check.error(f"{where}.type", _("lesson type %(type)s is not installed", type=repr(type_name)))
        return None
    if lesson_type is None:
        return None
    try:
        with collecting_notes() as notes:
            imported, translations = import_lesson(lesson_type, content, files, languages)
    except ContentInvalid as exc:
        for error in exc.errors:
            inner = f"{where}.content.{error.where}" if error.where else f"{where}.content"
            # The lesson type's words may be English only, so the page says whose they are; in English
            # (the command line) they stand alone.
            # Translators: a lesson type's own message about the lesson's content, perhaps in English:
            # say that it comes from the lesson type ("Loại bài học báo: ..."); keep %(message)s.
            check.error(inner, _("%(message)s", message=error.message))
        return None
    except Exception as exc:
        check.error(f"{where}.content", _("lesson type %(type)s failed to read it: %(error)s", type=repr(type_name),
                                          error=repr(exc)))
        return None
    return PackLesson(key, type_name, title, imported, translations, notes)
