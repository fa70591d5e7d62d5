"""The question bank: frozen dataclasses, the YAML inline format and the learner-safe view.

Pure Python (no Flask, no database). Markdown is rendered and sanitised once, when a
question is parsed, so a ``Question`` carries ready HTML.

Ids of choices, matching answers and ordering items are derived from their content
(``c`` / ``m`` / ``i`` + 10 hex digits of a SHA-256), never from their position, so the
ids a learner sees say nothing about which option is right or what the right order is,
and they stay stable when an author re-orders options.

The YAML inline format (one mapping per question)::

    id: q1                      # required unless the caller gives default_id
    type: single                # single | multiple | truefalse | short | numerical
                                # | matching | ordering | essay
    stem: "Markdown"            # required
    points: 1                   # > 0, default 1
    feedback: "Markdown"        # general feedback, shown at review
    tags: [luat-htx]
    options: {partial_credit: true, penalty_wrong: false, case_sensitive: false, ignore_diacritics: false}
    # single / multiple:
    choices:
      - text: "Markdown"
        correct: true           # or fraction: 0.5 (-1..1); correct: true is fraction 1, absent is 0
        feedback: "Markdown"
    # truefalse:
    correct: true               # the right answer
    feedback_true: "Markdown"   # shown when the learner answers "true"
    feedback_false: "Markdown"
    # short:
    answers: ["hợp tác xã", {text: "HTX", fraction: 0.5, feedback: "Markdown"}]
    # numerical:
    answer: 20                  # shorthand with tolerance: 0.5, or
    answers: [{value: 20, tolerance: 0.5, fraction: 1, feedback: "..."}, {min: 10, max: 30, fraction: 0.5}]
    # matching (at least 2 pairs):
    pairs: [{prompt: "Markdown", answer: "Markdown"}]
    # ordering (the authored order is the right order, at least 2 items):
    items: ["Markdown", "Markdown"]
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from elearn.plugin_api import ContentError, ContentInvalid, render_markdown

QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numerical", "matching", "ordering", "essay")

MAX_TEXT = 20_000


@dataclass(frozen=True)
class Choice:
    id: str
    html: str
    fraction: float = 0.0  # 1.0 right, 0 wrong, negative = penalty (multiple), partial allowed
    feedback_html: str = ""


@dataclass(frozen=True)
class Answer:
    """An accepted short answer (plain text, compared after normalisation).

    With ``wildcard`` (GIFT answers with a ``*``, as Moodle reads them) the text is a pattern:
    ``*`` matches any run of characters and ``\\*`` a literal star; ``*`` alone matches every answer.
    """

    text: str
    fraction: float = 1.0
    feedback_html: str = ""
    wildcard: bool = False


@dataclass(frozen=True)
class NumericAnswer:
    value: float
    tolerance: float = 0.0  # accepted when |response - value| <= tolerance (inclusive)
    fraction: float = 1.0
    feedback_html: str = ""
    catch_all: bool = False  # Moodle's "*": matches every number (value and tolerance unused)


@dataclass(frozen=True)
class Pair:
    id: str
    prompt_html: str
    answer_html: str
    # A translated pair keeps the id of its Vietnamese answer, so answers mean the same in every language.
    answer_key: str = ""

    @property
    def answer_id(self) -> str:
        """The id of this pair's answer in the learner's answer list (content-derived)."""
        return self.answer_key or content_id("m", self.answer_html)


@dataclass(frozen=True)
class Item:
    id: str
    html: str


@dataclass(frozen=True)
class QuestionOptions:
    partial_credit: bool = True
    penalty_wrong: bool = False
    case_sensitive: bool = False
    ignore_diacritics: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    stem_md: str
    stem_html: str
    points: float = 1.0
    general_feedback_html: str = ""
    tags: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    answers: tuple[Answer, ...] | tuple[NumericAnswer, ...] = ()
    pairs: tuple[Pair, ...] = ()
    items: tuple[Item, ...] = ()
    options: QuestionOptions = field(default_factory=QuestionOptions)
    distractors: tuple[str, ...] = ()  # matching: HTML of extra answers that belong to no prompt
    distractor_ids: tuple[str, ...] = ()  # a translation's: the ids of the Vietnamese distractors

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def matching_answers(self) -> dict[str, str]:
        """Answer id -> HTML of every answer a matching prompt offers: the pairs' answers, then the distractors."""
        answers: dict[str, str] = {}
        for p in self.pairs:
            answers.setdefault(p.answer_id, p.answer_html)
        for key, html in zip(self.distractor_keys(), self.distractors, strict=True):
            answers.setdefault(key, html)
        return answers

    def distractor_keys(self) -> tuple[str, ...]:
        """The answer ids of the distractors: content-derived, or kept from the Vietnamese by a translation."""
        return self.distractor_ids or tuple(content_id("m", html) for html in self.distractors)


def content_id(prefix: str, text: str) -> str:
    """``prefix`` + 10 hex digits of the SHA-256 of ``text`` (outer whitespace ignored, so ids survive GIFT export)."""
    return prefix + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:10]


def unique_ids(prefix: str, texts: list[str]) -> list[str]:
    """Content-derived ids; a repeated text gets ``-2``, ``-3``..."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        base = content_id(prefix, text.strip())
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


# --- numbers ---------------------------------------------------------------------------

# Optional sign, digits, one optional decimal separator ("." or the Vietnamese ","),
# optional exponent. No thousands separators, no spaces inside, no inf/nan; never eval.
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
MAX_NUMBER_CHARS = 40


def parse_number(text: str) -> Decimal:
    """Parse a learner's or author's number: ``1.5``, ``1,5``, ``-2``, ``+3``, ``1e3``, ``.5``.

    Raises ``ValueError`` for anything else (``1.000,5``, ``1/2``, ``__import__('os')``).
    """
    if not isinstance(text, str):
        raise ValueError("a number must be given as text")
    stripped = text.strip().replace("\u00a0", "")
    if len(stripped) > MAX_NUMBER_CHARS or not NUMBER_RE.fullmatch(stripped):
        raise ValueError(f"{text[:MAX_NUMBER_CHARS]!r} is not a number (write e.g. 1.5 or 1,5)")
    try:
        return Decimal(stripped.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex only lets valid literals through
        raise ValueError(f"{text!r} is not a number") from None


def to_decimal(value: float) -> Decimal:
    """A float as the decimal its shortest repr shows (0.1 -> Decimal('0.1'))."""
    return Decimal(repr(float(value)))


# --- the YAML inline format -------------------------------------------------------------

_COMMON = {"id", "type", "stem", "points", "feedback", "tags", "options"}
_FIELDS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "truefalse": {"correct", "feedback_true", "feedback_false"},
    "short": {"answers"},
    "numerical": {"answers", "answer", "tolerance"},
    "matching": {"pairs"},
    "ordering": {"items"},
    "essay": set(),
}
_OPTION_KEYS = {f for f in QuestionOptions.__dataclass_fields__}


class _Errors:
    def __init__(self, where: str) -> None:
        self.where = where
        self.errors: list[ContentError] = []

    def path(self, sub: str) -> str:
        if not sub:
            return self.where
        if not self.where:
            return sub
        return f"{self.where}{sub}" if sub.startswith("[") else f"{self.where}.{sub}"

    def add(self, sub: str, message: str) -> None:
        self.errors.append(ContentError(self.path(sub), message))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_question(
    data: Mapping[str, Any],
    where: str,
    resolve_url: Callable[[str], str] | None = None,
    *,
    default_id: str | None = None,
) -> Question:
    """One question from its YAML mapping; raises ``ContentInvalid`` with every error found.

    Error ``where`` values are field paths under ``where`` (``content.questions[2].choices[1].text``).
    """
    err = _Errors(where)
    if not isinstance(data, Mapping):
        raise ContentInvalid([ContentError(where, "a question must be a mapping")])

    def markdown(sub: str, value: Any, required: bool = False) -> str:
        if value is None:
            if required:
                err.add(sub, "required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            err.add(sub, "must be Markdown text")
            return ""
        text = str(value)
        if required and not text.strip():
            err.add(sub, "must not be empty")
            return ""
        if len(text) > MAX_TEXT:
            err.add(sub, f"longer than {MAX_TEXT} characters")
            return ""
        try:
            return render_markdown(text, resolve_url=resolve_url)
        except ContentInvalid as exc:
            for e in exc.errors:
                err.add(sub, f"{e.where}: {e.message}" if e.where else e.message)
            return ""

    def fraction(sub: str, value: Any, low: float = -1.0) -> float:
        if not _is_number(value) or not low <= value <= 1:
            err.add(sub, f"must be a number from {low:g} to 1")
            return 0.0
        return float(value)

    def number(sub: str, value: Any) -> float | None:
        if _is_number(value):
            return float(value)
        if isinstance(value, str):
            try:
                return float(parse_number(value))
            except ValueError:
                pass
        err.add(sub, "must be a number")
        return None

    qtype = data.get("type")
    if qtype not in QUESTION_TYPES:
        err.add("type", f"must be one of: {', '.join(QUESTION_TYPES)}")
        qtype = None
    else:
        for key in sorted(set(data) - _COMMON - _FIELDS[qtype], key=str):
            err.add(str(key), f"unknown field for a {qtype} question")

    qid = data.get("id", default_id)
    if qid is None:
        err.add("id", "required")
        qid = ""
    elif isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
        err.add("id", "must be a non-empty text")
        qid = ""
    qid = str(qid).strip()

    stem_raw = data.get("stem")
    stem_html = markdown("stem", stem_raw, required=True)
    stem_md = stem_raw if isinstance(stem_raw, str) else ("" if stem_raw is None else str(stem_raw))

    points = data.get("points", 1)
    if not _is_number(points) or not 0 < points <= 1000:
        err.add("points", "must be a number above 0 (at most 1000)")
        points = 1.0
    general = markdown("feedback", data.get("feedback"))

    tags_raw = data.get("tags", [])
    tags: tuple[str, ...] = ()
    if isinstance(tags_raw, str):
        tags_raw = [tags_raw]
    if not isinstance(tags_raw, list) or not all(isinstance(t, str) and t.strip() for t in tags_raw):
        err.add("tags", "must be a list of texts")
    else:
        tags = tuple(t.strip() for t in tags_raw)

    options_raw = data.get("options", {})
    options = QuestionOptions()
    if not isinstance(options_raw, Mapping):
        err.add("options", "must be a mapping")
    else:
        values = {}
        for key, value in options_raw.items():
            if key not in _OPTION_KEYS:
                err.add(f"options.{key}", f"unknown option (known: {', '.join(sorted(_OPTION_KEYS))})")
            elif not isinstance(value, bool):
                err.add(f"options.{key}", "must be true or false")
            else:
                values[key] = value
        options = QuestionOptions(**values)

    kwargs: dict[str, Any] = {}
    if qtype in ("single", "multiple"):
        kwargs["choices"] = _parse_choices(data.get("choices"), qtype, err, markdown, fraction)
    elif qtype == "truefalse":
        correct = data.get("correct")
        if not isinstance(correct, bool):
            err.add("correct", "must be true or false")
            correct = True
        kwargs["choices"] = truefalse_choices(
            correct,
            markdown("feedback_true", data.get("feedback_true")),
            markdown("feedback_false", data.get("feedback_false")),
        )
    elif qtype == "short":
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            err.add("answers", "must be a non-empty list of accepted answers")
            answers = []
        parsed = []
        for i, raw in enumerate(answers):
            sub = f"answers[{i}]"
            if isinstance(raw, str | int | float) and not isinstance(raw, bool):
                raw = {"text": str(raw)}
            if not isinstance(raw, Mapping):
                err.add(sub, "must be a text or a mapping {text, fraction, feedback}")
                continue
            for key in sorted(set(raw) - {"text", "fraction", "feedback"}, key=str):
                err.add(f"{sub}.{key}", "unknown field")
            text = raw.get("text")
            if isinstance(text, int | float) and not isinstance(text, bool):
                text = str(text)
            if not isinstance(text, str) or not text.strip():
                err.add(f"{sub}.text", "must be a non-empty text")
                continue
            parsed.append(
                Answer(
                    text.strip(),
                    fraction(f"{sub}.fraction", raw.get("fraction", 1), 0.0),
                    markdown(f"{sub}.feedback", raw.get("feedback")),
                )
            )
        if parsed and not any(a.fraction == 1 for a in parsed):
            err.add("answers", "at least one answer must be fully right (fraction 1)")
        kwargs["answers"] = tuple(parsed)
    elif qtype == "numerical":
        answers = data.get("answers")
        if "answer" in data:
            if answers is not None:
                err.add("answer", "give either 'answer' (with 'tolerance') or 'answers', not both")
            answers = [{"value": data["answer"], "tolerance": data.get("tolerance", 0)}]
        elif "tolerance" in data:
            err.add("tolerance", "only goes with 'answer'; put it in each of 'answers'")
        if not isinstance(answers, list) or not answers:
            err.add("answers", "must be a non-empty list of numeric answers")
            answers = []
        parsed_n = []
        for i, raw in enumerate(answers):
            sub = f"answers[{i}]" if "answer" not in data else ""
            if _is_number(raw) or isinstance(raw, str):
                raw = {"value": raw}
            if not isinstance(raw, Mapping):
                err.add(sub or "answer", "must be a number or a mapping {value, tolerance, fraction, feedback}")
                continue
            prefix = f"{sub}." if sub else ""
            for key in sorted(set(raw) - {"value", "tolerance", "min", "max", "fraction", "feedback"}, key=str):
                err.add(f"{prefix}{key}", "unknown field")
            if "min" in raw or "max" in raw:
                if "value" in raw or "tolerance" in raw:
                    err.add(sub or "answer", "give value/tolerance or min/max, not both")
                    continue
                low, high = number(f"{prefix}min", raw.get("min")), number(f"{prefix}max", raw.get("max"))
                if low is None or high is None:
                    continue
                if low > high:
                    err.add(f"{prefix}min", "must not be above max")
                    continue
                value, tol = (low + high) / 2, (high - low) / 2
            else:
                value = number(f"{prefix}value" if sub else "answer", raw.get("value"))
                tol = number(f"{prefix}tolerance" if sub else "tolerance", raw.get("tolerance", 0))
                if value is None or tol is None:
                    continue
                if tol < 0:
                    err.add(f"{prefix}tolerance" if sub else "tolerance", "must not be negative")
                    continue
            parsed_n.append(
                NumericAnswer(
                    value,
                    tol,
                    fraction(f"{prefix}fraction", raw.get("fraction", 1), 0.0),
                    markdown(f"{prefix}feedback", raw.get("feedback")),
                )
            )
        if parsed_n and not any(a.fraction == 1 for a in parsed_n):
            err.add("answers", "at least one answer must be fully right (fraction 1)")
        kwargs["answers"] = tuple(parsed_n)
    elif qtype == "matching":
        pairs_raw = data.get("pairs")
        if not isinstance(pairs_raw, list) or len(pairs_raw) < 2:
            err.add("pairs", "must be a list of at least 2 {prompt, answer} pairs")
            pairs_raw = []
        prompts, answers_html = [], []
        for i, raw in enumerate(pairs_raw):
            sub = f"pairs[{i}]"
            if not isinstance(raw, Mapping):
                err.add(sub, "must be a mapping {prompt, answer}")
                continue
            for key in sorted(set(raw) - {"prompt", "answer"}, key=str):
                err.add(f"{sub}.{key}", "unknown field")
            prompts.append(markdown(f"{sub}.prompt", raw.get("prompt"), required=True))
            answers_html.append(markdown(f"{sub}.answer", raw.get("answer"), required=True))
        kwargs["pairs"] = make_pairs(prompts, answers_html)
    elif qtype == "ordering":
        items_raw = data.get("items")
        if not isinstance(items_raw, list) or len(items_raw) < 2:
            err.add("items", "must be a list of at least 2 items, in the right order")
            items_raw = []
        htmls = [markdown(f"items[{i}]", raw, required=True) for i, raw in enumerate(items_raw)]
        kwargs["items"] = make_items(htmls)

    if err.errors:
        raise ContentInvalid(err.errors)
    return Question(
        id=qid,
        type=qtype or "essay",
        stem_md=stem_md,
        stem_html=stem_html,
        points=float(points),
        general_feedback_html=general,
        tags=tags,
        options=options,
        **kwargs,
    )


def _parse_choices(raw_list: Any, qtype: str, err: _Errors, markdown, fraction) -> tuple[Choice, ...]:
    if not isinstance(raw_list, list) or len(raw_list) < 2:
        err.add("choices", "must be a list of at least 2 choices")
        return ()
    htmls, fractions, feedbacks = [], [], []
    for i, raw in enumerate(raw_list):
        sub = f"choices[{i}]"
        if not isinstance(raw, Mapping):
            err.add(sub, "must be a mapping {text, correct or fraction, feedback}")
            continue
        for key in sorted(set(raw) - {"text", "correct", "fraction", "feedback"}, key=str):
            err.add(f"{sub}.{key}", "unknown field")
        htmls.append(markdown(f"{sub}.text", raw.get("text"), required=True))
        if "correct" in raw and "fraction" in raw:
            err.add(sub, "give 'correct' or 'fraction', not both")
            frac = 0.0
        elif "fraction" in raw:
            frac = fraction(f"{sub}.fraction", raw["fraction"], -1.0 if qtype == "multiple" else 0.0)
        else:
            correct = raw.get("correct", False)
            if not isinstance(correct, bool):
                err.add(f"{sub}.correct", "must be true or false")
            frac = 1.0 if correct is True else 0.0
        fractions.append(frac)
        feedbacks.append(markdown(f"{sub}.feedback", raw.get("feedback")))
    choices = make_choices(htmls, fractions, feedbacks)
    check_choices(qtype, choices, lambda message: err.add("choices", message))
    return choices


def make_choices(htmls: list[str], fractions: list[float], feedbacks: list[str]) -> tuple[Choice, ...]:
    ids = unique_ids("c", htmls)
    return tuple(Choice(i, h, f, fb) for i, h, f, fb in zip(ids, htmls, fractions, feedbacks, strict=True))


def check_choices(qtype: str, choices: tuple[Choice, ...], report: Callable[[str], None]) -> None:
    """Rules shared by the YAML and GIFT formats."""
    if not choices:
        return
    if qtype == "single":
        if not any(c.fraction == 1 for c in choices):
            report("one choice must be right (correct: true or fraction 1)")
    elif qtype == "multiple":
        total = sum(c.fraction for c in choices if c.fraction > 0)
        if total < 0.999:
            report("the positive fractions must add up to at least 1")


def truefalse_choices(correct: bool, feedback_true: str = "", feedback_false: str = "") -> tuple[Choice, ...]:
    return (
        Choice("true", "True", 1.0 if correct else 0.0, feedback_true),
        Choice("false", "False", 0.0 if correct else 1.0, feedback_false),
    )


def make_pairs(prompts: list[str], answers: list[str]) -> tuple[Pair, ...]:
    # From the prompt only: an id derived from prompt and answer would let a learner recompute the matching.
    ids = unique_ids("p", prompts)
    return tuple(Pair(i, p, a) for i, p, a in zip(ids, prompts, answers, strict=True))


def make_items(htmls: list[str]) -> tuple[Item, ...]:
    return tuple(Item(i, h) for i, h in zip(unique_ids("i", htmls), htmls, strict=True))


# --- what a learner may see -------------------------------------------------------------


def _shuffled(values: list, seed: Any, salt: str) -> list:
    if seed is None:
        return values
    out = list(values)
    random.Random(f"{seed}:{salt}").shuffle(out)
    return out


def learner_safe(question: Question, shuffle_seed: Any = None) -> dict[str, Any]:
    """The JSON-able view of a question before review: no fractions, feedback or answers.

    With ``shuffle_seed`` (e.g. the attempt id) choices are shuffled deterministically;
    matching answers and ordering items are always shuffled (by ``shuffle_seed``, or by the
    question id when it is None) since their authored order gives the answer away.
    """
    q = question
    view: dict[str, Any] = {"id": q.id, "type": q.type, "stem_html": q.stem_html, "points": q.points}
    if q.type in ("single", "multiple"):
        choices = [{"id": c.id, "html": c.html} for c in q.choices]
        view["choices"] = _shuffled(choices, shuffle_seed, f"{q.id}:choices")
    elif q.type == "truefalse":
        view["choices"] = [{"id": c.id, "html": c.html} for c in q.choices]
    elif q.type == "matching":
        seed = q.id if shuffle_seed is None else shuffle_seed
        view["prompts"] = _shuffled(
            [{"id": p.id, "html": p.prompt_html} for p in q.pairs], shuffle_seed, f"{q.id}:prompts"
        )
        answers = q.matching_answers()
        view["answers"] = _shuffled([{"id": k, "html": v} for k, v in sorted(answers.items())], seed, f"{q.id}:answers")
    elif q.type == "ordering":
        seed = q.id if shuffle_seed is None else shuffle_seed
        items = [{"id": i.id, "html": i.html} for i in q.items]
        shuffled = _shuffled(items, seed, f"{q.id}:items")
        if len(items) > 1 and shuffled == items:  # never show the right order as the starting order
            shuffled = shuffled[1:] + shuffled[:1]
        view["items"] = shuffled
    return view
