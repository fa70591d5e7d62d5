"""A discussion's authored content: the case, its prompting questions, attachments and settings.

Checked once when a pack is installed; the case is rendered and sanitised then, so serving
a discussion never parses its Markdown again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from elearn.plugin_api import ContentError, ContentInvalid, PackFiles, render_markdown

MAX_CASE = 100_000
MAX_QUESTIONS = 20
MODES = ("open", "qa")
MODERATION = ("post", "pre")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")

DEFAULT_SETTINGS: dict[str, Any] = {
    "mode": "open",
    "moderation": "post",
    "group_set": None,
    "edit_minutes": 30,
    "completion": {"posts": 1, "replies": 0},
    "rubric": [],
    "page_size": 20,
    "learners_start_threads": True,
}


@dataclass(frozen=True)
class Settings:
    mode: str
    moderation: str
    group_set: str | None
    edit_minutes: int
    completion: dict[str, Any] | str  # {"posts": N, "replies": M}, "instructor" or "none"
    rubric: list[dict[str, Any]]
    page_size: int
    learners_start_threads: bool

    @classmethod
    def of(cls, content: Mapping[str, Any]) -> Settings:
        return cls(**{**DEFAULT_SETTINGS, **content.get("settings", {})})

    @property
    def rubric_total(self) -> int:
        return sum(item["points"] for item in self.rubric)


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def import_content(raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
    """``case`` (Markdown) or ``case_file``, ``questions``, ``attachments`` and ``settings``."""
    errors: list[ContentError] = []
    for key in sorted(set(raw) - {"case", "case_file", "questions", "attachments", "settings"}, key=str):
        errors.append(ContentError(str(key), "unknown field"))
    case_md = _case_text(raw, files, errors)
    questions = raw.get("questions", [])
    if not isinstance(questions, list) or not all(_text(q) for q in questions) or len(questions) > MAX_QUESTIONS:
        errors.append(ContentError("questions", f"must be a list of up to {MAX_QUESTIONS} questions (text)"))
        questions = []
    attachments = _attachments(raw.get("attachments", []), files, errors)
    settings = _settings(raw.get("settings", {}), errors)
    if errors:
        raise ContentInvalid(errors)
    try:
        case_html = render_markdown(case_md, resolve_url=files.media_url)
        question_html = [render_markdown(q) for q in questions]
    except ContentInvalid as exc:
        raise ContentInvalid([ContentError(f"case, {e.where}", e.message) for e in exc.errors]) from None
    return {
        "case_md": case_md,
        "case_html": case_html,
        "questions": [{"md": md, "html": html} for md, html in zip(questions, question_html, strict=True)],
        "attachments": attachments,
        "settings": settings,
    }


def import_translation(canonical: Mapping[str, Any], raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
    """A translation of the discussion: its own case, questions and attachments' titles; the canonical
    settings, of which only the rubric criteria's titles are translated.

    Learners' posts, marks and completion follow the settings, so they must not differ by language.
    """
    translated = import_content(raw, files)
    settings = canonical["settings"]

    def untitled(found: Mapping[str, Any]) -> dict[str, Any]:
        return {**found, "rubric": [{k: v for k, v in item.items() if k != "title"} for item in found["rubric"]]}

    if untitled(translated["settings"]) != untitled(settings):
        raise ContentInvalid([ContentError("settings", "must be the same in every language: only the titles of the "
                                                       "rubric's criteria are translated")])
    titles = [item["title"] for item in translated["settings"]["rubric"]]
    translated["settings"] = {**settings,
                              "rubric": [{**item, "title": title} for item, title in zip(settings["rubric"], titles,
                                                                                          strict=True)]}
    return translated


def _case_text(raw: Mapping[str, Any], files: PackFiles, errors: list[ContentError]) -> str:
    text, file = raw.get("case"), raw.get("case_file")
    if (text is None) == (file is None):
        errors.append(ContentError("", "give either 'case' (Markdown) or 'case_file'"))
        return ""
    if file is not None:
        if not isinstance(file, str):
            errors.append(ContentError("case_file", "must be a path inside the pack"))
            return ""
        try:
            text = files.read_text(file)
        except ContentInvalid as exc:
            errors.extend(ContentError("case_file", f"{file!r} {e.message}") for e in exc.errors)
            return ""
    if not isinstance(text, str):
        errors.append(ContentError("case", "must be Markdown text"))
        return ""
    if len(text) > MAX_CASE:
        errors.append(ContentError("case", f"longer than {MAX_CASE} characters"))
    return text


def _attachments(raw: Any, files: PackFiles, errors: list[ContentError]) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        errors.append(ContentError("attachments", "must be a list of {file, title}"))
        return []
    found = []
    for i, item in enumerate(raw):
        where = f"attachments[{i}]"
        if not isinstance(item, Mapping) or not _text(item.get("file")) or not _text(item.get("title")):
            errors.append(ContentError(where, "needs 'file' (a path inside the pack) and 'title'"))
            continue
        try:
            url = files.media_url(item["file"])
        except ContentInvalid as exc:
            errors.extend(ContentError(f"{where}.file", f"{item['file']!r} {e.message}") for e in exc.errors)
            continue
        found.append({"title": item["title"].strip(), "url": url, "file": item["file"]})
    return found


def _settings(raw: Any, errors: list[ContentError]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        errors.append(ContentError("settings", "must be a mapping"))
        return dict(DEFAULT_SETTINGS)
    settings = {**DEFAULT_SETTINGS, **raw}
    for key in sorted(set(raw) - set(DEFAULT_SETTINGS), key=str):
        errors.append(ContentError(f"settings.{key}", "unknown setting"))
    checks = {
        "mode": (settings["mode"] in MODES, f"one of: {', '.join(MODES)}"),
        "moderation": (settings["moderation"] in MODERATION, "'post' (moderated after) or 'pre' (approved first)"),
        "group_set": (settings["group_set"] is None or (isinstance(settings["group_set"], str)
                                                       and bool(SLUG.match(settings["group_set"]))),
                      "the name of a group set, such as 'track' (lowercase letters, digits, '-')"),
        "edit_minutes": (_integer(settings["edit_minutes"], 0, 7 * 24 * 60), "minutes from 0 to 10080"),
        "page_size": (_integer(settings["page_size"], 5, 100), "a number from 5 to 100"),
        "learners_start_threads": (isinstance(settings["learners_start_threads"], bool), "true or false"),
    }
    for key, (ok, expected) in checks.items():
        if not ok:
            errors.append(ContentError(f"settings.{key}", f"must be {expected}"))
    completion = settings["completion"]
    if isinstance(completion, Mapping):
        extra = set(completion) - {"posts", "replies"}
        if extra or not all(_integer(completion.get(k, 0), 0, 100) for k in ("posts", "replies")):
            errors.append(ContentError("settings.completion",
                                       "must be {posts: N, replies: M} (0 to 100), 'instructor' or 'none'"))
        else:
            settings["completion"] = {"posts": completion.get("posts", 0), "replies": completion.get("replies", 0)}
    elif completion not in ("instructor", "none"):
        errors.append(ContentError("settings.completion",
                                   "must be {posts: N, replies: M}, 'instructor' or 'none'"))
    settings["rubric"] = _rubric(settings["rubric"], errors)
    return settings


def _rubric(raw: Any, errors: list[ContentError]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        errors.append(ContentError("settings.rubric", "must be a list of {id, title, points}"))
        return []
    rubric, seen = [], set()
    for i, item in enumerate(raw):
        where = f"settings.rubric[{i}]"
        if (not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not SLUG.match(item["id"])
                or not _text(item.get("title")) or not _integer(item.get("points"), 1, 100)):
            errors.append(ContentError(where, "needs 'id' (a slug), 'title' and 'points' (1 to 100)"))
            continue
        if item["id"] in seen:
            errors.append(ContentError(f"{where}.id", f"{item['id']!r} is used twice"))
            continue
        seen.add(item["id"])
        rubric.append({"id": item["id"], "title": item["title"].strip(), "points": item["points"]})
    return rubric
