"""Which questions a respondent sees, and whether their answers can be accepted. Pure Python.

A question is shown when each of its conditions holds: the question it names is shown and was
answered with one of the values given (or, for a number, within the bounds). Conditions name only
earlier questions (``definition``), so one pass in authored order decides every question, at any
depth. Answers to questions that are not shown are dropped: they never count in the results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from elearn_survey.definition import OTHER, RATING

Answers = dict[str, Any]


class AnswerError(Exception):
    """An answer that cannot be accepted; ``message`` says why, for the question ``question``."""

    def __init__(self, question: str, message: str) -> None:
        super().__init__(message)
        self.question = question
        self.message = message


def by_id(survey: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in survey["questions"]}


def holds(condition: Mapping[str, Any], value: Any) -> bool:
    """Whether an answer (None: not answered) meets one condition."""
    if value is None:
        return False
    if "answer" in condition:
        wanted = condition["answer"]
        return bool(set(value) & set(wanted)) if isinstance(value, list) else value in wanted
    low, high = condition.get("at_least"), condition.get("at_most")
    return (low is None or value >= low) and (high is None or value <= high)


def visible(survey: Mapping[str, Any], answers: Mapping[str, Any]) -> set[str]:
    """The ids of the questions shown to someone who gave ``answers``."""
    shown: set[str] = set()
    for question in survey["questions"]:
        if all(c["question"] in shown and holds(c, answers.get(c["question"])) for c in question["show_if"]):
            shown.add(question["id"])
    return shown


def prune(survey: Mapping[str, Any], answers: Answers, others: Mapping[str, str]) -> tuple[Answers, dict[str, str]]:
    """Only the answers to questions shown; an "other" text only where "other" was chosen."""
    shown = visible(survey, answers)
    kept = {qid: value for qid, value in answers.items() if qid in shown}
    texts = {qid: text for qid, text in others.items()
             if qid in kept and (kept[qid] == OTHER or (isinstance(kept[qid], list) and OTHER in kept[qid]))}
    return kept, texts


def missing(survey: Mapping[str, Any], answers: Mapping[str, Any], pages: set[int] | None = None) -> list[str]:
    """The required questions shown but not answered (on ``pages`` only, when given), in order."""
    shown = visible(survey, answers)
    return [q["id"] for q in survey["questions"]
            if q["required"] and q["id"] in shown and (pages is None or q["page"] in pages)
            and not complete(q, answers.get(q["id"]))]


def complete(question: Mapping[str, Any], value: Any) -> bool:
    """Whether ``value`` answers the question fully (a Likert matrix: every statement)."""
    if value is None:
        return False
    if question["kind"] == "likert":
        return all(s["id"] in value for s in question["statements"])
    return True


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | dict) and not value)


def clean(question: Mapping[str, Any], value: Any, other: Any = None) -> tuple[Any, str | None]:
    """The answer as stored (and the "other" text), or ``AnswerError``. ``(None, None)``: not answered."""
    qid, kind = question["id"], question["kind"]

    def refuse(message: str):
        raise AnswerError(qid, message)

    if empty(value):
        return None, None
    if kind == "single":
        allowed = [o["id"] for o in question["options"]] + ([OTHER] if question["other"] else [])
        if not isinstance(value, str) or value not in allowed:
            refuse(_("Choose one of the answers offered."))
        return value, _other(question, value == OTHER, other)
    if kind == "multiple":
        allowed = [o["id"] for o in question["options"]] + ([OTHER] if question["other"] else [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value) \
                or len(set(value)) != len(value):
            refuse(_("Choose among the answers offered, each once."))
        if not question["min_choices"] <= len(value) <= question["max_choices"]:
            refuse(_("Choose from %(low)d to %(high)d answers.", low=question["min_choices"],
                     high=question["max_choices"]))
        chosen = [v for v in allowed if v in value]  # in the authored order
        return chosen, _other(question, OTHER in chosen, other)
    if kind == "likert":
        points = len(question["scale"])
        statements = {s["id"] for s in question["statements"]}
        if not isinstance(value, Mapping) or not set(value) <= statements:
            refuse(_("Answer the statements of this question."))
        found = {}
        for statement, point in value.items():
            if empty(point):
                continue
            point = _whole(point)
            if point is None or not 1 <= point <= points:
                refuse(_("Choose a point of the scale for each statement."))
            found[statement] = point
        return (found or None), None
    if kind == "rating":
        point = _whole(value)
        if point not in RATING:
            refuse(_("Choose from 1 to 5."))
        return point, None
    if kind == "numeric":
        number = _number(value)
        if number is None:
            refuse(_("Write a number."))
        if question["integer"] and not number.is_integer():
            refuse(_("Write a whole number."))
        if not question["min"] <= number <= question["max"]:
            refuse(_("Write a number from %(low)s to %(high)s.", low=f"{question['min']:g}",
                     high=f"{question['max']:g}"))
        return (int(number) if question["integer"] else number), None
    if kind in ("text", "longtext"):
        if not isinstance(value, str):
            refuse(_("Write text."))
        text = value.strip()
        if len(text) > question["max_length"]:
            refuse(_("Write at most %(num)d characters.", num=question["max_length"]))
        return text, None
    # ranking: every option once, best first
    ids = [o["id"] for o in question["options"]]
    if not isinstance(value, list) or sorted(value, key=str) != sorted(ids):
        refuse(_("Put every item in order, each with its own place."))
    return list(value), None


def _other(question: Mapping[str, Any], chosen: bool, other: Any) -> str | None:
    if not chosen:
        return None
    text = other.strip() if isinstance(other, str) else ""
    if not text:
        raise AnswerError(question["id"], _("Say what the other answer is."))
    if len(text) > 200:
        raise AnswerError(question["id"], _("Write at most %(num)d characters.", num=200))
    return text


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _number(value: Any) -> float | None:
    """A number from JSON, or as typed in a form (``12,5`` or ``12.5``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(" ", "").replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def merge(survey: Mapping[str, Any], answers: Answers, others: Mapping[str, str], given: Mapping[str, Any],
          given_others: Mapping[str, Any]) -> tuple[Answers, dict[str, str], dict[str, str]]:
    """``answers`` with ``given`` written over them (``None`` or empty clears one), pruned to what is
    shown; and the problems, question id → message. Problems keep the answer as it was."""
    questions = by_id(survey)
    answers, others = dict(answers), dict(others)
    problems: dict[str, str] = {}
    for qid, value in given.items():
        question = questions.get(qid)
        if question is None:
            problems[qid] = _("There is no such question in this survey.")
            continue
        try:
            stored, other = clean(question, value, given_others.get(qid))
        except AnswerError as exc:
            problems[qid] = exc.message
            continue
        answers.pop(qid, None)
        others.pop(qid, None)
        if stored is not None:
            answers[qid] = stored
        if other is not None:
            others[qid] = other
    kept, texts = prune(survey, answers, others)
    return kept, texts, problems


def shown_on_page(survey: Mapping[str, Any], answers: Mapping[str, Any], index: int) -> set[str]:
    """The questions of page ``index`` to put on it: those whose conditions on earlier pages hold.
    A condition on a question of this same page is left to the page (its script, or the answer)."""
    shown: set[str] = set()
    page_of = {q["id"]: q["page"] for q in survey["questions"]}
    for question in survey["questions"]:
        if all(c["question"] in shown and (page_of[c["question"]] == index == question["page"]
                                           or holds(c, answers.get(c["question"])))
               for c in question["show_if"]):
            shown.add(question["id"])
    return {qid for qid in shown if page_of[qid] == index}


def step(survey: Mapping[str, Any], answers: Mapping[str, Any], index: int, direction: int) -> int | None:
    """The next page (``direction`` +1) or the previous one (-1) with a question to show; None at the end."""
    index += direction
    while 0 <= index < len(survey["pages"]):
        if shown_on_page(survey, answers, index):
            return index
        index += direction
    return None
