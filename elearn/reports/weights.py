"""The course grade: graded lessons' scores, weighed as the course's pack says.

An author gives a ``weight`` to a module or a lesson in ``pack.yaml`` (checked at ``elearn pack
validate``, docs/content-packs.md). A lesson counts its own weight (1 by default; 0 leaves it out of
the grade). A module with a weight shares it among its graded lessons, in proportion to theirs; a
module without one adds its lessons' weights as they are. So with no weight anywhere every graded
lesson counts the same. A graded lesson the learner has no score in counts 0: the grade says how
much of the whole course is done well, not only of the part tried.

The weights are read from the manifest stored at install (one query), never from the pack folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.models import Course, InstalledPack


@dataclass(frozen=True)
class GradedLesson:
    lesson_id: int
    lesson_key: str
    module_key: str


@dataclass(frozen=True)
class PackWeights:
    modules: Mapping[str, float]
    lessons: Mapping[str, float]


def pack_weights(db: Session, course: Course) -> PackWeights:
    """The weights the course's pack gives its modules and lessons (none for a course not from a pack)."""
    if course.pack_id is None:
        return PackWeights({}, {})
    manifest = db.scalar(select(InstalledPack.manifest).where(InstalledPack.id == course.pack_id)) or {}
    modules: dict[str, float] = {}
    lessons: dict[str, float] = {}
    for module in (manifest.get("course") or {}).get("modules") or []:
        if "weight" in module:
            modules[str(module.get("id"))] = float(module["weight"])
        for lesson in module.get("lessons") or []:
            if "weight" in lesson:
                lessons[str(lesson.get("id"))] = float(lesson["weight"])
    return PackWeights(modules, lessons)


def effective_weights(graded: Iterable[GradedLesson], weights: PackWeights) -> dict[int, float]:
    """Each graded lesson's share of the course grade (not normalised: ``course_grade`` divides)."""
    graded = list(graded)
    own = {lesson.lesson_id: weights.lessons.get(lesson.lesson_key, 1.0) for lesson in graded}
    module_totals: dict[str, float] = {}
    for lesson in graded:
        module_totals[lesson.module_key] = module_totals.get(lesson.module_key, 0.0) + own[lesson.lesson_id]
    found = {}
    for lesson in graded:
        module_weight = weights.modules.get(lesson.module_key)
        total = module_totals[lesson.module_key]
        if module_weight is None:
            found[lesson.lesson_id] = own[lesson.lesson_id]
        else:
            found[lesson.lesson_id] = module_weight * own[lesson.lesson_id] / total if total else 0.0
    return found


def course_grade(scores: Mapping[int, float | None], weights: Mapping[int, float]) -> float | None:
    """The weighted grade from 0.0 to 1.0 (a missing score counts 0); None when nothing is graded."""
    total = sum(weights.values())
    if not total:
        return None
    return sum(weight * float(scores.get(lesson_id) or 0.0) for lesson_id, weight in weights.items()) / total
