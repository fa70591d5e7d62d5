"""Grading one response to one question. Pure functions, no Flask, no database.

``parse_response(question, raw)`` checks a learner's raw input (decoded JSON or form
values) and returns a normalised, JSON-able response; ``grade(question, response)``
says what it is worth.

Response shapes (what ``parse_response`` returns; ``None`` raw input means blank):

============  ===========================================================================
single        a choice id, or ``None``
truefalse     ``"true"``, ``"false"`` or ``None`` (raw may also be a bool)
multiple      a list of choice ids in authored order (raw may be one id); ``[]`` is blank
short         a text (``""`` is blank)
numerical     a text that ``parse_number`` accepts (``""`` is blank); raw may be a number
matching      ``{pair id: answer id}`` (pairs left out are unanswered); ``{}`` is blank
ordering      every item id once, in the learner's order; ``[]`` is blank
essay         a text (``""`` is blank)
============  ===========================================================================

Rules:

- single / truefalse: the picked choice's fraction.
- multiple: the sum of the picked choices' fractions (authored negative fractions always
  count), clamped to [0, 1]. With ``penalty_wrong`` each picked choice whose fraction is 0
  also subtracts ``1 / (number of choices with fraction <= 0)``, so "tick everything" earns
  nothing. Without ``partial_credit`` it is all-or-nothing: 1 only when exactly the choices
  with a positive fraction are picked.
- short: the best accepted answer that matches after normalisation (Unicode NFC, trimmed,
  inner runs of spaces collapsed, case-folded unless ``case_sensitive``; with
  ``ignore_diacritics`` accents are removed and đ/Đ read as d/D, so "Hợp tác xã" equals
  "hop tac xa"). An answer with ``wildcard`` (from GIFT, as Moodle) is a pattern: ``*`` matches any
  run of characters, ``\\*`` a star, so ``*`` alone (Moodle's catch-all) matches every answer.
- numerical: numbers are ``[+-]digits[.|,digits][e[+-]digits]``: "1.5", "1,5" (Vietnamese
  decimal comma), "-2", ".5", "1e3". No thousands separators, no expressions; nothing is
  ever evaluated. The best answer with ``|response - value| <= tolerance`` (edges included,
  compared as decimals) counts; a ``catch_all`` answer (Moodle's ``*``) matches any number.
- matching: the share of pairs matched right; without ``partial_credit`` all-or-nothing.
- ordering: the share of items in their right position; without ``partial_credit``
  all-or-nothing.
- essay: ``needs_grading`` with fraction ``None`` (a blank essay is ``blank``, 0).

Feedback is the feedback of the chosen option(s) / matched answer, then the general feedback.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from markupsafe import escape

from elearn_quiz.questions import Answer, Question, parse_number, to_decimal

State = Literal["correct", "partial", "wrong", "needs_grading", "blank"]

MAX_SHORT = 1_000
MAX_ESSAY = 50_000
EPSILON = 1e-9


@dataclass(frozen=True)
class Grade:
    fraction: float | None  # 0..1, None while a person must grade it
    feedback_html: tuple[str, ...] = ()
    state: State = "wrong"


# --- normalising learner input ----------------------------------------------------------


def parse_response(question: Question, raw: Any) -> Any:
    """Validate raw learner input for ``question``; raise ``ValueError`` (plain English) if malformed."""
    q = question
    if q.type in ("single", "truefalse"):
        if raw is None or raw == "":
            return None
        if q.type == "truefalse" and isinstance(raw, bool):
            return "true" if raw else "false"
        if not isinstance(raw, str):
            raise ValueError("the answer must be the id of one choice")
        if q.choice(raw) is None:
            raise ValueError(f"unknown choice {raw[:40]!r}")
        return raw
    if q.type == "multiple":
        if raw is None or raw == "":
            return []
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
            raise ValueError("the answer must be a list of choice ids")
        known = {c.id for c in q.choices}
        unknown = [x for x in raw if x not in known]
        if unknown:
            raise ValueError(f"unknown choice {unknown[0][:40]!r}")
        picked = set(raw)
        return [c.id for c in q.choices if c.id in picked]
    if q.type in ("short", "essay"):
        if raw is None:
            return ""
        if isinstance(raw, int | float) and not isinstance(raw, bool) and q.type == "short":
            raw = str(raw)
        if not isinstance(raw, str):
            raise ValueError("the answer must be a text")
        limit = MAX_SHORT if q.type == "short" else MAX_ESSAY
        if len(raw) > limit:
            raise ValueError(f"the answer is longer than {limit} characters")
        return raw.strip() if q.type == "short" else raw
    if q.type == "numerical":
        if raw is None:
            return ""
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            if isinstance(raw, float) and not math.isfinite(raw):
                raise ValueError("the answer must be a finite number")
            raw = repr(raw) if isinstance(raw, float) else str(raw)
        if not isinstance(raw, str):
            raise ValueError("the answer must be a number")
        text = raw.strip()
        if not text:
            return ""
        parse_number(text)  # raises ValueError with a clear message
        return text
    if q.type == "matching":
        if raw is None or raw == "":
            return {}
        if not isinstance(raw, Mapping):
            raise ValueError("the answer must map each prompt id to an answer id")
        prompts = {p.id for p in q.pairs}
        answers = set(q.matching_answers())
        out = {}
        for key, value in raw.items():
            if not isinstance(key, str) or key not in prompts:
                raise ValueError(f"unknown prompt {str(key)[:40]!r}")
            if value is None or value == "":
                continue
            if not isinstance(value, str) or value not in answers:
                raise ValueError(f"unknown answer {str(value)[:40]!r}")
            out[key] = value
        return out
    if q.type == "ordering":
        if raw is None or raw == "":
            return []
        if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
            raise ValueError("the answer must be a list of item ids")
        if not raw:
            return []
        ids = [i.id for i in q.items]
        if sorted(raw) != sorted(ids):
            unknown = [x for x in raw if x not in ids]
            if unknown:
                raise ValueError(f"unknown item {unknown[0][:40]!r}")
            raise ValueError("the answer must list every item exactly once")
        return list(raw)
    raise ValueError(f"unknown question type {q.type!r}")  # pragma: no cover


# --- grading ----------------------------------------------------------------------------


def _state(fraction: float) -> State:
    if fraction >= 1 - EPSILON:
        return "correct"
    return "partial" if fraction > EPSILON else "wrong"


def _grade(question: Question, fraction: float, feedback: list[str]) -> Grade:
    fraction = min(1.0, max(0.0, fraction))
    if fraction >= 1 - EPSILON:
        fraction = 1.0
    elif fraction <= EPSILON:
        fraction = 0.0
    parts = [f for f in feedback if f]
    if question.general_feedback_html:
        parts.append(question.general_feedback_html)
    return Grade(fraction, tuple(parts), _state(fraction))


def _blank(question: Question) -> Grade:
    general = (question.general_feedback_html,) if question.general_feedback_html else ()
    return Grade(0.0, general, "blank")


def normalise_text(text: str, case_sensitive: bool = False, ignore_diacritics: bool = False) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s+", " ", text).strip()
    if ignore_diacritics:
        text = text.replace("đ", "d").replace("Đ", "D")
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
        text = unicodedata.normalize("NFC", text)
    if not case_sensitive:
        text = text.casefold()
    return text


def grade(question: Question, response: Any) -> Grade:
    """What ``response`` (as returned by ``parse_response``) is worth; see the module docs."""
    q = question
    opts = q.options
    if q.type in ("single", "truefalse"):
        choice = q.choice(response) if isinstance(response, str) else None
        if choice is None:
            return _blank(q)
        return _grade(q, choice.fraction, [choice.feedback_html])
    if q.type == "multiple":
        picked_ids = set(response or ())
        picked = [c for c in q.choices if c.id in picked_ids]
        if not picked:
            return _blank(q)
        feedback = [c.feedback_html for c in picked]
        if not opts.partial_credit:
            right = {c.id for c in q.choices if c.fraction > 0}
            return _grade(q, 1.0 if picked_ids == right else 0.0, feedback)
        total = sum(c.fraction for c in picked)
        if opts.penalty_wrong:
            wrong = [c for c in q.choices if c.fraction <= 0]
            if wrong:
                total -= sum(1 / len(wrong) for c in picked if c.fraction == 0)
        return _grade(q, total, feedback)
    if q.type == "short":
        if not isinstance(response, str) or not response.strip():
            return _blank(q)
        given = normalise_text(response, opts.case_sensitive, opts.ignore_diacritics)
        matches = [a for a in q.answers if _short_matches(a, given, opts.case_sensitive, opts.ignore_diacritics)]
        if not matches:
            return _grade(q, 0.0, [])
        best = max(matches, key=lambda a: a.fraction)
        return _grade(q, best.fraction, [best.feedback_html])
    if q.type == "numerical":
        if not isinstance(response, str) or not response.strip():
            return _blank(q)
        try:
            value: Decimal | None = parse_number(response)
        except ValueError:
            value = None
        matches = [
            a for a in q.answers if a.catch_all or (value is not None and _within(value, a.value, a.tolerance))
        ]
        if not matches:
            return _grade(q, 0.0, [])
        best = max(matches, key=lambda a: a.fraction)
        return _grade(q, best.fraction, [best.feedback_html])
    if q.type == "matching":
        if not isinstance(response, Mapping) or not response:
            return _blank(q)
        right = sum(1 for p in q.pairs if response.get(p.id) == p.answer_id)
        if not opts.partial_credit:
            return _grade(q, 1.0 if right == len(q.pairs) else 0.0, [])
        return _grade(q, right / len(q.pairs), [])
    if q.type == "ordering":
        if not isinstance(response, list | tuple) or not response:
            return _blank(q)
        right = sum(1 for item, given in zip(q.items, response, strict=False) if item.id == given)
        if not opts.partial_credit:
            return _grade(q, 1.0 if right == len(q.items) else 0.0, [])
        return _grade(q, right / len(q.items), [])
    if q.type == "essay":
        if not isinstance(response, str) or not response.strip():
            return _blank(q)
        general = (q.general_feedback_html,) if q.general_feedback_html else ()
        return Grade(None, general, "needs_grading")
    raise ValueError(f"unknown question type {q.type!r}")  # pragma: no cover


_WILDCARDS_RE = re.compile(r"(?<!\\)\*+")


def _short_matches(answer: Answer, given: str, case_sensitive: bool, ignore_diacritics: bool) -> bool:
    """Does the normalised response ``given`` match ``answer`` (as a pattern if it is a wildcard answer)?"""
    expected = normalise_text(answer.text, case_sensitive, ignore_diacritics)
    if not answer.wildcard:
        return expected == given
    return wildcard_match([bit.replace("\\*", "*") for bit in _WILDCARDS_RE.split(expected)], given)


def wildcard_match(bits: list[str], text: str) -> bool:
    """Is ``text`` the literal ``bits`` in order with anything between them (``a*b*c`` is ["a", "b", "c"])?

    Leftmost search for each middle bit, in linear time: a regular expression of ``.*`` runs could
    backtrack for seconds on a learner's long answer.
    """
    if len(bits) == 1:
        return text == bits[0]
    first, *middle, last = bits
    if not text.startswith(first) or not text.endswith(last) or len(first) + len(last) > len(text):
        return False
    position, end = len(first), len(text) - len(last)
    for bit in middle:
        found = text.find(bit, position, end)
        if found < 0:
            return False
        position = found + len(bit)
    return True


def _within(value: Decimal, target: float, tolerance: float) -> bool:
    return abs(value - to_decimal(target)) <= to_decimal(tolerance)


def comment_html(comment: str) -> str:
    """An instructor's comment on an answer, as shown before the answer's feedback ("" for none)."""
    return f'<p class="quiz-comment">{escape(comment)}</p>' if comment else ""
