"""A survey's questions, read from their YAML file in the pack and checked, every problem as ``file:line``.

Pure Python (no Flask, no database). The file (docs/content-packs.md, "survey")::

    pages:
      - id: ve-htx
        title: Về hợp tác xã            # optional
        intro: Markdown                 # optional
        questions:
          - id: linh-vuc
            type: single                # single | multiple | likert | rating | numeric | text | longtext | ranking
            text: Markdown
            help: Markdown              # optional
            required: true              # default false
            options: [{id: nong-nghiep, text: Nông nghiệp}, ...]   # single, multiple, ranking
            other: true                 # single, multiple: adds "Other: ___" (its id is "other")
            show_if: {question: co-nhan-hieu, answer: khong}      # or a list of them: all must hold

A stored question is a dict (``kind``, ``id``, ``text_html``...); an option is a mapping so that it can
later carry more (``recommends: [module ids]`` for a learning plan) without changing what answers are.
Conditions may name only questions before them (on an earlier page, or earlier on the same page):
the server then knows, when it shows a page, everything the page's conditions depend on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from elearn.plugin_api import ContentError, ContentInvalid, render_markdown
from elearn_survey import yamllines

KINDS = ("single", "multiple", "likert", "rating", "numeric", "text", "longtext", "ranking")
CHOICE_KINDS = ("single", "multiple", "ranking")
CONDITION_KINDS = ("single", "multiple", "rating", "numeric")
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
OTHER = "other"  # the id of the "Other: ___" choice
RATING = (1, 2, 3, 4, 5)
TEXT_LIMITS = {"text": 200, "longtext": 5000}
MAX_QUESTIONS = 200
MAX_OPTIONS = 50
COMMON = {"id", "type", "text", "help", "required", "show_if"}
FIELDS = {
    "single": {"options", "other"},
    "multiple": {"options", "other", "min_choices", "max_choices"},
    "likert": {"statements", "scale"},
    "rating": {"low", "high"},
    "numeric": {"min", "max", "integer", "unit"},
    "text": {"max_length"},
    "longtext": {"max_length"},
    "ranking": {"options"},
}


class _Check:
    """Collects problems, each at the line of the value it is about."""

    def __init__(self, name: str | None, lines: Mapping[str, int]) -> None:
        self.name, self.lines, self.errors = name, lines, []

    def at(self, path: str) -> str:
        if self.name is None:  # written inline in pack.yaml: the field path, as the pack reports it
            return path
        while path and path not in self.lines:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return f"{self.name}:{self.lines.get(path, 1)}"

    def error(self, path: str, message: str) -> None:
        self.errors.append(ContentError(self.at(path), message))

    def text(self, value: Any, path: str, required: bool = True, limit: int = 4000) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.error(path, f"must be text of at most {limit} characters")
            return ""
        return value

    def ident(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not ID.match(value):
            self.error(path, "must be an id of lower-case letters, digits, - or _ (at most 40)")
            return ""
        return value

    def flag(self, raw: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", "must be true or false")
            return default
        return value

    def number(self, raw: Mapping[str, Any], key: str, path: str, default: float | None = None,
               whole: bool = False) -> float | None:
        value = raw.get(key, default)
        if value is None:
            return None
        kinds = int if whole else int | float
        if isinstance(value, bool) or not isinstance(value, kinds):
            self.error(f"{path}.{key}", "must be a whole number" if whole else "must be a number")
            return default
        return value


def parse(text: str, name: str, resolve_url: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The survey in ``text`` (the file ``name``) as stored: ``{"pages": [...], "questions": [...]}``.

    Raises ``ContentInvalid`` with every problem found, each as ``name:line``.
    """
    try:
        raw, lines = yamllines.load(text)
    except yamllines.YamlProblem as exc:
        raise ContentInvalid([ContentError(f"{name}:{exc.line}", exc.message)]) from None
    return build(raw, _Check(name, lines), resolve_url)


def parse_pages(pages: Any, resolve_url: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The same from ``pages`` written inline in the lesson's content: problems by field path."""
    return build({"pages": pages}, _Check(None, {}), resolve_url)


def build(raw: Any, check: _Check, resolve_url: Callable[[str], str] | None) -> dict[str, Any]:
    name = check.name

    def html(source: str) -> str:
        try:
            return render_markdown(source, resolve_url=resolve_url) if source else ""
        except ContentInvalid as exc:
            check.errors.extend(ContentError(check.at(""), e.message) for e in exc.errors)
            return ""

    if not isinstance(raw, Mapping) or set(raw) != {"pages"} or not isinstance(raw["pages"], list) \
            or not raw["pages"]:
        where = f"{name}:1" if name else "pages"
        raise ContentInvalid([ContentError(where, "must hold 'pages:', a list of pages with questions")])
    pages, questions, page_ids = [], [], set()
    for p_index, raw_page in enumerate(raw["pages"]):
        where = f"pages[{p_index}]"
        if not isinstance(raw_page, Mapping):
            check.error(where, "must be a mapping {id, title, intro, questions}")
            continue
        for key in sorted(set(raw_page) - {"id", "title", "intro", "questions"}, key=str):
            check.error(f"{where}.{key}", f"{key!r} is not a field of a page")
        page_id = check.ident(raw_page.get("id"), f"{where}.id")
        if page_id in page_ids:
            check.error(f"{where}.id", f"the page id {page_id!r} is used twice")
        page_ids.add(page_id)
        items = raw_page.get("questions")
        if not isinstance(items, list) or not items:
            check.error(f"{where}.questions", "must be a non-empty list of questions")
            items = []
        page = {"id": page_id, "title": check.text(raw_page.get("title"), f"{where}.title", required=False, limit=200),
                "intro_html": html(check.text(raw_page.get("intro"), f"{where}.intro", required=False)),
                "questions": []}
        for q_index, item in enumerate(items):
            question = _question(check, item, f"{where}.questions[{q_index}]", html)
            if question is not None:
                question["page"] = p_index
                questions.append(question)
                page["questions"].append(question["id"])
        pages.append(page)
    if len(questions) > MAX_QUESTIONS:
        check.error("pages", f"more than {MAX_QUESTIONS} questions")
    _check_conditions(check, questions)
    if check.errors:
        raise ContentInvalid(check.errors)
    for question in questions:
        del question["where"]
    return {"pages": pages, "questions": questions}


def _question(check: _Check, raw: Any, where: str, html) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        check.error(where, "must be a mapping {id, type, text, ...}")
        return None
    kind = raw.get("type")
    if kind not in KINDS:
        check.error(f"{where}.type", f"must be one of: {', '.join(KINDS)}")
        return None
    for key in sorted(set(raw) - COMMON - FIELDS[kind], key=str):
        check.error(f"{where}.{key}", f"{key!r} is not a field of a {kind} question")
    question: dict[str, Any] = {
        "id": check.ident(raw.get("id"), f"{where}.id"), "kind": kind, "where": where,
        "text_html": html(check.text(raw.get("text"), f"{where}.text")),
        "help_html": html(check.text(raw.get("help"), f"{where}.help", required=False)),
        "required": check.flag(raw, "required", where),
        "show_if": _conditions(check, raw.get("show_if"), f"{where}.show_if"),
    }
    if kind in CHOICE_KINDS:
        question["options"] = _options(check, raw.get("options"), f"{where}.options", "options", html)
        if kind != "ranking":
            question["other"] = check.flag(raw, "other", where)
    if kind == "multiple":
        count = len(question["options"]) + question["other"]
        low = check.number(raw, "min_choices", where, 0, whole=True)
        high = check.number(raw, "max_choices", where, count, whole=True)
        if not 0 <= low <= high <= count or high < 1:
            check.error(f"{where}.max_choices", f"min_choices and max_choices must be from 0 to {count}, in order")
        question.update(min_choices=low, max_choices=high)
    elif kind == "likert":
        question["statements"] = _options(check, raw.get("statements"), f"{where}.statements", "statements", html,
                                          least=1)
        scale = raw.get("scale")
        if not isinstance(scale, list) or not 2 <= len(scale) <= 11:
            check.error(f"{where}.scale", "must be a list of 2 to 11 labels, from lowest to highest")
            scale = []
        question["scale"] = [check.text(label, f"{where}.scale[{n}]", limit=100) for n, label in enumerate(scale)]
    elif kind == "rating":
        question["low"] = check.text(raw.get("low"), f"{where}.low", required=False, limit=100)
        question["high"] = check.text(raw.get("high"), f"{where}.high", required=False, limit=100)
    elif kind == "numeric":
        low, high = check.number(raw, "min", where), check.number(raw, "max", where)
        integer = check.flag(raw, "integer", where)
        if low is None or high is None or not low < high:
            check.error(f"{where}.min", "give min and max, min below max")
        elif integer and not (float(low).is_integer() and float(high).is_integer()):
            check.error(f"{where}.min", "an integer question needs whole-number bounds")
        question.update(min=low, max=high, integer=integer,
                        unit=check.text(raw.get("unit"), f"{where}.unit", required=False, limit=40))
    elif kind in TEXT_LIMITS:
        limit = TEXT_LIMITS[kind]
        length = check.number(raw, "max_length", where, limit, whole=True)
        if not 1 <= length <= limit:
            check.error(f"{where}.max_length", f"must be from 1 to {limit}")
            length = limit
        question["max_length"] = length
    return question


def _options(check: _Check, raw: Any, where: str, field: str, html, least: int = 2) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not least <= len(raw) <= MAX_OPTIONS:
        check.error(where, f"must be a list of {least} to {MAX_OPTIONS} {{id, text}}")
        return []
    found, ids = [], set()
    for n, item in enumerate(raw):
        path = f"{where}[{n}]"
        if not isinstance(item, Mapping) or set(item) != {"id", "text"}:
            check.error(path, "must be {id, text} (a text with a comma goes in quotes: \"a, b\")")
            continue
        option_id = check.ident(item["id"], f"{path}.id")
        if option_id == OTHER and field == "options":
            check.error(f"{path}.id", "'other' is the id of the 'Other: ___' choice: write other: true instead")
        elif option_id in ids:
            check.error(f"{path}.id", f"the id {option_id!r} is used twice")
        ids.add(option_id)
        found.append({"id": option_id, "html": html(check.text(item["text"], f"{path}.text", limit=1000))})
    return found


def _conditions(check: _Check, raw: Any, where: str) -> list[dict[str, Any]]:
    """``show_if`` as a list of ``{question, answer: [values]}`` or ``{question, at_least, at_most}``."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    found = []
    for n, item in enumerate(items):
        path = f"{where}[{n}]" if isinstance(raw, list) else where
        if not isinstance(item, Mapping) or "question" not in item \
                or not set(item) - {"question"} or set(item) - {"question", "answer", "at_least", "at_most"} \
                or ("answer" in item and set(item) & {"at_least", "at_most"}):
            check.error(path, "must be {question, answer} or {question, at_least, at_most}")
            continue
        condition: dict[str, Any] = {"question": check.ident(item["question"], f"{path}.question"), "where": path}
        if "answer" in item:
            values = item["answer"] if isinstance(item["answer"], list) else [item["answer"]]
            if not values or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
                check.error(f"{path}.answer", "must be an answer (an option id or a number) or a list of them")
                continue
            condition["answer"] = values
        else:
            for key in ("at_least", "at_most"):
                if key in item:
                    value = check.number(item, key, path)
                    condition[key] = value
        found.append(condition)
    return found


def _check_conditions(check: _Check, questions: list[dict[str, Any]]) -> None:
    """Every condition names a known question that comes before it, with answers that question can
    have; conditions going round in a circle are named as such."""
    by_id: dict[str, dict[str, Any]] = {}
    for question in questions:
        if question["id"] in by_id:
            check.error(f"{question['where']}.id", f"the question id {question['id']!r} is used twice")
        by_id.setdefault(question["id"], question)
    cycles = _cycles(questions, by_id)
    position = {q["id"]: n for n, q in enumerate(questions)}
    for question in questions:
        for condition in question["show_if"]:
            target = by_id.get(condition["question"])
            path = condition.pop("where")
            if target is None:
                check.error(f"{path}.question", f"no question has the id {condition['question']!r}")
                continue
            if question["id"] in cycles and condition["question"] in cycles[question["id"]]:
                loop = " → ".join(cycles[question["id"]])
                check.error(f"{path}.question", f"the conditions go round in a circle: {loop}")
                continue
            if position[target["id"]] >= position[question["id"]]:
                check.error(f"{path}.question", f"{target['id']!r} must come before the question that depends on it")
                continue
            if target["kind"] not in CONDITION_KINDS:
                check.error(f"{path}.question", f"a condition can follow only a {', '.join(CONDITION_KINDS)} question")
                continue
            if "answer" in condition:
                allowed = _condition_values(target)
                for value in condition["answer"]:
                    if value not in allowed:
                        check.error(f"{path}.answer", f"{value!r} is not an answer of {target['id']!r}")
            elif target["kind"] != "numeric":
                check.error(path, "at_least and at_most follow only a numeric question")


def _condition_values(question: Mapping[str, Any]) -> list[Any]:
    if question["kind"] == "rating":
        return list(RATING)
    if question["kind"] == "numeric":
        return []  # compared with at_least / at_most, never with answer
    return [o["id"] for o in question["options"]] + ([OTHER] if question.get("other") else [])


def _cycles(questions: list[dict[str, Any]], by_id: Mapping[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each question on a circle of conditions → the circle, as ids from it back to it."""
    depends = {q["id"]: [c["question"] for c in q["show_if"] if c["question"] in by_id] for q in questions}
    found: dict[str, list[str]] = {}
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in depends.get(node, []):
            if state.get(nxt) == 1:
                loop = path[path.index(nxt):]
                for member in loop:
                    start = loop.index(member)
                    found.setdefault(member, [*loop[start:], *loop[:start], member])
            elif nxt not in state:
                walk(nxt)
        path.pop()
        state[node] = 2

    for question in questions:
        if question["id"] not in state:
            walk(question["id"])
    return found


def skeleton(survey: Mapping[str, Any]) -> list[Any]:
    """What answers refer to (pages, question ids and kinds, option ids, conditions, bounds): a
    translation must keep it exactly, so an answer means the same in every language."""
    shape = []
    for q in survey["questions"]:
        shape.append([q["id"], q["kind"], q["page"], q["required"], q["show_if"],
                      [o["id"] for o in q.get("options", [])], [s["id"] for s in q.get("statements", [])],
                      len(q.get("scale", [])), q.get("other"), q.get("min"), q.get("max"), q.get("integer"),
                      q.get("min_choices"), q.get("max_choices"), q.get("max_length")])
    return [[p["id"] for p in survey["pages"]], shape]
