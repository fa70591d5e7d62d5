"""A lesson's authored content in several languages, resolved per language before its type sees it.

Authors give Vietnamese always and English where they have it, two ways that mix freely:

- per field: a mapping whose keys are languages (the site's, or ``PACK_LANGUAGES``) and include
  ``vi`` is one text in several languages, ``stem: {vi: "Mỗi thành viên…", en: "Each member…"}``, anywhere in
  ``content`` (in lists too);
- per file: beside ``bai-1.md`` (or ``bai-1.vi.md``), ``bai-1.en.md`` is its English
  (``files.LocalisedFiles``), for every file the lesson reads or links.

The lesson type imports the Vietnamese with ``import_content`` and, when the author gave
anything in another language, that language with ``import_translation``. Types therefore never
pick languages out of the content themselves, and a lesson with no English has no translation
(learners reading English are told it is in Vietnamese only).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from babel import Locale

from elearn.models.courses import CANONICAL_LOCALE
from elearn.packs.files import LocalisedFiles
from elearn.plugins.lesson_type import ContentError, ContentInvalid, LessonType, PackFiles

# The languages a pack may give texts in, whatever the site serves: a site in Vietnamese only still
# reads {vi: ..., en: ...} (and keeps the Vietnamese).
PACK_LANGUAGES = frozenset({"vi", "en"})


def _is_localised(value: Any, languages: frozenset[str]) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(isinstance(k, str) for k in value) \
        and set(value) <= languages


def _path(where: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def resolve(value: Any, locale: str, languages: frozenset[str], errors: list[ContentError] | None = None,
            where: str = "") -> tuple[Any, bool]:
    """``value`` with every localised mapping replaced by its text in ``locale`` (else its Vietnamese),
    and whether any text in ``locale`` was found (never for Vietnamese itself). A localised value may
    be a list or a mapping (``answers: {vi: [...], en: [...]}``), itself resolved the same way.

    A localised mapping without ``vi`` is added to ``errors`` (Vietnamese is required) and resolves to None.
    An empty text counts as none given: ``{vi: …, en: ""}`` is Vietnamese only.
    """
    if _is_localised(value, languages):
        if CANONICAL_LOCALE not in value:
            if errors is not None:
                given = ", ".join(repr(k) for k in sorted(value))
                errors.append(ContentError(where, f"gives {given} but not 'vi': the Vietnamese text is required"))
            return None, False
        text = value.get(locale)
        if locale != CANONICAL_LOCALE and text is not None and text != "":
            return resolve(text, locale, languages, errors, where)[0], True
        return resolve(value[CANONICAL_LOCALE], locale, languages, errors, where)
    found = False
    if isinstance(value, Mapping):
        resolved = {}
        for key, item in value.items():
            resolved[key], here = resolve(item, locale, languages, errors, _path(where, key))
            found = found or here
        return resolved, found
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            resolved_item, here = resolve(item, locale, languages, errors, _path(where, index))
            items.append(resolved_item)
            found = found or here
        return items, found
    return value, False


def _texts(value: Any) -> Iterator[str]:
    """Every string inside ``value``: the candidates for file paths."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def language_name(locale: str) -> str:
    """The language's English name, for authors' messages (``en`` gives ``English``)."""
    try:
        return Locale.parse(locale).english_name or locale
    except (ValueError, TypeError):
        return locale


def import_lesson(
    lesson_type: LessonType, raw: Mapping[str, Any], files: PackFiles, languages: Sequence[str]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The lesson's stored canonical content and its translations (language to stored content).

    Raises ``ContentInvalid`` with every error, ``where`` relative to ``content``; a translation's
    errors say which language they are in. Exceptions other than ``ContentInvalid`` from the type
    are left to the caller.
    """
    served = frozenset(languages) | {CANONICAL_LOCALE}
    known = served | PACK_LANGUAGES
    errors: list[ContentError] = []
    canonical_raw, _ = resolve(raw, CANONICAL_LOCALE, known, errors)
    if errors:
        raise ContentInvalid(errors)
    canonical = lesson_type.import_content(canonical_raw, LocalisedFiles(files, CANONICAL_LOCALE))
    translations: dict[str, dict[str, Any]] = {}
    for locale in sorted(served - {CANONICAL_LOCALE}):
        translated_raw, found = resolve(raw, locale, known)
        localised_files = LocalisedFiles(files, locale)
        if not found and not any(localised_files.translates(text) for text in _texts(canonical_raw)):
            continue  # nothing written in this language: the lesson is served in Vietnamese
        try:
            translations[locale] = lesson_type.import_translation(canonical, translated_raw, localised_files, locale)
        except ContentInvalid as exc:
            name = language_name(locale)
            errors.extend(ContentError(e.where, f"in {name}: {e.message}") for e in exc.errors)
    if errors:
        raise ContentInvalid(errors)
    return canonical, translations
