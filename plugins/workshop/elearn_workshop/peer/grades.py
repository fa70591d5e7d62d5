"""The grades made of the reviews: a plan's grade from the instructor's, the peers' and the
authors' own marks; each reviewer's grade for assessment (how close their reviews were to the
others'); and a learner's score in the lesson, made of the two.

Every mark is a ``Decimal`` from 0 to 100, rounded half up to 0.01 only at the end; ``None`` is
"no mark yet", and a weighted mean is re-weighed over the marks there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from elearn_workshop.peer.rubric import Rubric

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
FAIR = 5
"""The strictness at which a review's mark is 100 less its distance from the consensus."""


class Weights(Protocol):
    """``template.Grading``, or anything with its three weights."""

    instructor: int
    peer: int
    self_: int


def _weighted(marks: Iterable[tuple[Decimal | None, int]]) -> Decimal | None:
    """The weighted mean of the marks there are, or None when no mark with a weight is there."""
    present = [(mark, weight) for mark, weight in marks if mark is not None and weight > 0]
    total = sum(weight for _, weight in present)
    if not total:
        return None
    return (sum(mark * weight for mark, weight in present) / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP)


def combine_grade(instructor: Decimal | None, peer: list[Decimal], self_: Decimal | None,
                  weights: Weights) -> Decimal | None:
    """A plan's grade: the instructor's mark, the mean of the peers' and the authors' own, weighed
    by ``weights`` over those there are (no peer review yet: the instructor's alone, say). None
    when no mark with a weight is there."""
    peer_mark = sum(peer, Decimal(0)) / len(peer) if peer else None
    return _weighted([(instructor, weights.instructor), (peer_mark, weights.peer), (self_, weights.self_)])


def assessment_grades(reviews: Mapping[int, Mapping[int, Mapping[str, int]]], rubric: Rubric,
                      strictness: int) -> dict[int, Decimal]:
    """Each reviewer's grade for assessment, 0 to 100, from ``{plan: {reviewer: {criterion: points}}}``.

    Like Moodle Workshop's "comparison with the best assessment", a review is marked by how far
    it is from what the plan's reviewers agree on:

    1. each criterion's points as a percentage of its top level's: ``x = points / max × 100``;
    2. the plan's consensus on a criterion is the mean of its reviews' ``x``;
    3. a review's distance is the mean, weighted by the criteria's weights, of ``|x − consensus|``
       (percentage points, 0 to 100);
    4. its mark is ``100 − distance × strictness / 5``, and 0 if that is less: at the "fair"
       strictness 5 a review 20 points off the consensus gets 80, at 10 it gets 60, at 1 it gets 96;
    5. a reviewer's grade is the mean of their reviews' marks.

    Moodle compares with the single review nearest the mean; the mean itself is compared with here,
    because with two reviews both are equally near it and would both get 100 however far apart.
    A plan with one review has nothing to compare it with: it gives its reviewer no mark, and a
    reviewer with no mark at all is not in the result.
    """
    if not 1 <= strictness <= 10:
        raise ValueError("strictness is from 1 to 10")
    factor = Decimal(strictness) / FAIR
    total_weight = Decimal(sum(c.weight for c in rubric.criteria))
    marks: dict[int, list[Decimal]] = {}
    for by_reviewer in reviews.values():
        if len(by_reviewer) < 2:
            continue
        shares = {reviewer: _shares(rubric, levels) for reviewer, levels in by_reviewer.items()}
        consensus = {c.key: sum(found[c.key] for found in shares.values()) / len(shares) for c in rubric.criteria}
        for reviewer, found in shares.items():
            distance = sum(c.weight * abs(found[c.key] - consensus[c.key]) for c in rubric.criteria) / total_weight
            marks.setdefault(reviewer, []).append(max(Decimal(0), _HUNDRED - distance * factor))
    return {reviewer: (sum(found) / len(found)).quantize(_CENT, rounding=ROUND_HALF_UP)
            for reviewer, found in sorted(marks.items())}


def _shares(rubric: Rubric, levels: Mapping[str, int]) -> dict[str, Decimal]:
    missing = [c.key for c in rubric.criteria if c.key not in levels]
    if missing:
        raise ValueError(f"a review without the criteria {missing}")
    return {c.key: Decimal(levels[c.key]) * _HUNDRED / c.max_points for c in rubric.criteria}


def lesson_score(plan_grade: Decimal | None, assessment_grade: Decimal | None,
                 assessment_weight: int) -> Decimal | None:
    """A learner's score in the lesson: their plan's grade and their grade for assessment, the
    latter weighing ``assessment_weight`` per cent (``grading.assessment``), re-weighed over the
    grades there are. None when neither grade with a weight is there."""
    if not 0 <= assessment_weight <= 100:
        raise ValueError("assessment_weight is from 0 to 100")
    return _weighted([(plan_grade, 100 - assessment_weight), (assessment_grade, assessment_weight)])
