"""The pack's rubric and the assessments made with it.

A rubric is a list of criteria, each with 2 to 6 levels worth distinct points::

    - key: thi-truong
      title: The market is known
      section: thi-truong            # optional: the plan's section that comments on it anchor to
      weight: 2                      # optional, 1 by default
      levels:
        - {points: 0, label: Missing}
        - {points: 2, label: Named, description: The buyers are named but not counted}
        - {points: 4, label: Counted}

``parse_rubric`` checks what a pack gives (the pack loader has localized titles to one language
already) and says every problem at its field path; ``parse_assessment`` reads a reviewer's marks
from the API's JSON or from a page's form. Both are pure: no database, no request.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _

from elearn_workshop.template import KEY

MIN_LEVELS, MAX_LEVELS = 2, 6
MAX_CRITERIA = 30
MAX_POINTS = 100
MAX_WEIGHT = 100
MAX_TITLE, MAX_LABEL, MAX_DESCRIPTION = 200, 100, 2000
MAX_COMMENT = 2000
OVERALL = "comment"
"""The key of the overall comment beside the criteria's keys: no criterion may be called so."""

_KEY = re.compile(KEY)
_CENT = Decimal("0.01")
_CRITERION_FIELDS = frozenset({"key", "title", "description", "section", "weight", "levels"})
_LEVEL_FIELDS = frozenset({"points", "label", "description"})


@dataclass(frozen=True)
class Level:
    points: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    levels: tuple[Level, ...]
    """From the fewest points to the most."""
    description: str = ""
    section: str | None = None
    weight: int = 1

    @property
    def max_points(self) -> int:
        return self.levels[-1].points

    def level(self, points: int) -> Level | None:
        return next((level for level in self.levels if level.points == points), None)


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]

    @property
    def max_points(self) -> int:
        """The weighted points of a plan that reaches the top level of every criterion."""
        return sum(c.weight * c.max_points for c in self.criteria)

    def criterion(self, key: str) -> Criterion | None:
        return next((c for c in self.criteria if c.key == key), None)


@dataclass(frozen=True)
class Mark:
    level: int
    comment: str = ""


@dataclass(frozen=True)
class Assessment:
    """A complete assessment: a mark for every criterion of ``rubric`` (``marks`` in its order)."""

    rubric: Rubric
    marks: tuple[tuple[str, Mark], ...]
    comment: str = ""

    @property
    def levels(self) -> dict[str, int]:
        """``{criterion key: points}``: what ``grades.assessment_grades`` compares."""
        return {key: mark.level for key, mark in self.marks}

    @property
    def score(self) -> Decimal:
        """The weighted points as a percentage of the weighted maximum, 0.00 to 100.00.

        A criterion's lowest level counts its own points: a pack that wants "missing" to be worth
        nothing gives that level 0 points.
        """
        weights = {c.key: c.weight for c in self.rubric.criteria}
        points = sum(weights[key] * mark.level for key, mark in self.marks)
        return (Decimal(points) * 100 / Decimal(self.rubric.max_points)).quantize(_CENT, rounding=ROUND_HALF_UP)

    def as_json(self) -> dict[str, Any]:
        """The stored ``Review.assessment``, in the API's shape: ``parse_assessment`` reads it back."""
        found: dict[str, Any] = {key: {"level": mark.level, "comment": mark.comment} for key, mark in self.marks}
        found[OVERALL] = self.comment
        return found


def parse_rubric(raw: Any, where: str = "rubric", *, sections: Collection[str] | None = None
                 ) -> tuple[Rubric | None, list[tuple[str, str]]]:
    """The rubric of ``raw`` and its problems as ``(field path, message)``, such as
    ``("rubric.1.levels", "give 2 to 6 levels")``. ``None`` when there is a problem or no criterion.

    ``sections``: the template's section keys, when known, so a criterion's ``section`` is checked.
    """
    problems: list[tuple[str, str]] = []
    if not isinstance(raw, list):
        return None, [(where, _("must be a list of criteria"))]
    if len(raw) > MAX_CRITERIA:
        problems.append((where, _("at most %(num)d criteria", num=MAX_CRITERIA)))
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        criterion = _criterion(item, f"{where}.{index}", sections, problems)
        if criterion is None:
            continue
        if criterion.key in seen:
            problems.append((f"{where}.{index}.key", _("the key %(key)s is used twice", key=repr(criterion.key))))
        seen.add(criterion.key)
        criteria.append(criterion)
    if problems or not criteria:
        return None, problems
    return Rubric(tuple(criteria)), []


def rubric_problems(raw: Any, where: str = "rubric", *, sections: Collection[str] | None = None
                    ) -> list[tuple[str, str]]:
    """What is wrong with a pack's rubric, for ``lesson.import_content``: ``[(field path, message)]``."""
    return parse_rubric(raw, where, sections=sections)[1]


def _criterion(item: Any, where: str, sections: Collection[str] | None,
               problems: list[tuple[str, str]]) -> Criterion | None:
    if not isinstance(item, Mapping):
        problems.append((where, _("a criterion is {key, title, levels}")))
        return None
    count = len(problems)
    for name in sorted(set(item) - _CRITERION_FIELDS, key=str):
        problems.append((f"{where}.{name}", _("unknown field")))
    key = item.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.append((f"{where}.key", _("lower-case letters, digits and hyphens")))
    elif key == OVERALL:
        problems.append((f"{where}.key", _("%(key)s is the overall comment's: choose another key", key=repr(key))))
    title = _text(item.get("title"), f"{where}.title", MAX_TITLE, problems, required=True)
    description = _text(item.get("description"), f"{where}.description", MAX_DESCRIPTION, problems)
    section = item.get("section")
    if section is not None:
        if not isinstance(section, str) or not _KEY.match(section):
            problems.append((f"{where}.section", _("lower-case letters, digits and hyphens")))
        elif sections is not None and section not in sections:
            problems.append((f"{where}.section", _("no section has the key %(key)s", key=repr(section))))
    weight = item.get("weight", 1)
    if not _integer(weight, 1, MAX_WEIGHT):
        problems.append((f"{where}.weight", _("a whole number from 1 to %(num)d", num=MAX_WEIGHT)))
    levels = _levels(item.get("levels"), f"{where}.levels", problems)
    if len(problems) > count:
        return None
    return Criterion(key=key, title=title, levels=levels, description=description, section=section, weight=weight)


def _levels(raw: Any, where: str, problems: list[tuple[str, str]]) -> tuple[Level, ...]:
    if not isinstance(raw, list) or not MIN_LEVELS <= len(raw) <= MAX_LEVELS:
        problems.append((where, _("give %(least)d to %(most)d levels", least=MIN_LEVELS, most=MAX_LEVELS)))
        return ()
    levels: list[Level] = []
    for index, item in enumerate(raw):
        at = f"{where}.{index}"
        if not isinstance(item, Mapping):
            problems.append((at, _("a level is {points, label}")))
            continue
        for name in sorted(set(item) - _LEVEL_FIELDS, key=str):
            problems.append((f"{at}.{name}", _("unknown field")))
        points = item.get("points")
        if not _integer(points, 0, MAX_POINTS):
            problems.append((f"{at}.points", _("a whole number from 0 to %(num)d", num=MAX_POINTS)))
            points = None
        elif any(level.points == points for level in levels):
            problems.append((f"{at}.points", _("another level has %(num)d points", num=points)))
        label = _text(item.get("label"), f"{at}.label", MAX_LABEL, problems, required=True)
        description = _text(item.get("description"), f"{at}.description", MAX_DESCRIPTION, problems)
        if points is not None:
            levels.append(Level(points=points, label=label, description=description))
    return tuple(sorted(levels, key=lambda level: level.points))


def _text(value: Any, where: str, limit: int, problems: list[tuple[str, str]], required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append((where, _("give a text")))
        return ""
    if len(value.strip()) > limit:
        problems.append((where, _("at most %(num)d characters", num=limit)))
    return value.strip()


def _integer(value: Any, least: int, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and least <= value <= most


def form_name(criterion: str, part: str) -> str:
    """A criterion's form field: ``c.<key>.level`` or ``c.<key>.comment``."""
    return f"c.{criterion}.{part}"


def parse_assessment(rubric: Rubric, data: Mapping[str, Any]) -> tuple[Assessment | None, dict[str, str]]:
    """A reviewer's assessment from the API's ``{key: {"level": points, "comment": text}, "comment": text}``
    or from a page's form (``c.<key>.level``, ``c.<key>.comment``, ``comment``), and what is wrong
    with it, keyed by criterion key (``"comment"`` for the overall comment).

    Every criterion needs a level: an assessment is complete or not saved as one. Other names in
    ``data`` (a form's CSRF token) are ignored.
    """
    from_form = any(isinstance(name, str) and name.startswith("c.") for name in data)
    errors: dict[str, str] = {}
    marks: list[tuple[str, Mark]] = []
    for criterion in rubric.criteria:
        if from_form:
            level, comment = data.get(form_name(criterion.key, "level")), data.get(form_name(criterion.key, "comment"))
        else:
            given = data.get(criterion.key)
            if given is not None and not isinstance(given, Mapping):
                errors[criterion.key] = _("Give the level and a comment.")
                continue
            level, comment = (given or {}).get("level"), (given or {}).get("comment")
        points, problem = _level(criterion, level)
        text, comment_problem = _comment(comment)
        if problem or comment_problem:
            errors[criterion.key] = problem or comment_problem or ""
            continue
        marks.append((criterion.key, Mark(level=points, comment=text)))
    overall, problem = _comment(data.get(OVERALL))
    if problem:
        errors[OVERALL] = problem
    if errors:
        return None, errors
    return Assessment(rubric=rubric, marks=tuple(marks), comment=overall), {}


def _level(criterion: Criterion, raw: Any) -> tuple[int, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 0, _("Choose a level.")
    if isinstance(raw, bool):
        return 0, _("Choose one of the levels.")
    if isinstance(raw, str):
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()):
            return 0, _("Choose one of the levels.")
        raw = int(raw)
    if not isinstance(raw, int) or criterion.level(raw) is None:
        return 0, _("Choose one of the levels.")
    return raw, None


def _comment(raw: Any) -> tuple[str, str | None]:
    if raw is None:
        return "", None
    if not isinstance(raw, str):
        return "", _("Type text here.")
    text = raw.replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT:
        return text[:MAX_COMMENT], _("At most %(num)d characters.", num=MAX_COMMENT)
    return text, None
