"""Knowledge gain: a pre-test and a post-test of the survey's course, named in the survey's content
(``knowledge_gain: {pre: <lesson id>, post: <lesson id>}``), and each learner's and each group's gain.

The survey never imports the lesson type of the tests (a quiz or anything that scores): the two
lessons are named by their pack ids and found by ``Lesson.key`` in the survey's course when results
are computed, and their scores are the core's (0.0–1.0 on each learner's progress). A learner counts
only with both scores. Groups are by the learner's profile now (cooperative kind, area, track,
position), the results page's filters; an anonymous survey shows no figures of fewer than
``results.MIN_GROUP`` learners, and names nobody. ``compute`` is pure: the figures from the scores and
profiles, so they are tested without a database.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from elearn.plugin_api import (
    ContentError,
    LearnerProfile,
    Lesson,
    User,
    current_locale,
    learner_cooperatives,
    lesson_scores,
)
from elearn_survey.definition import ID

SIDES = ("pre", "post")
# lesson ids -> {lesson id: {user id: score 0.0-1.0 or None}}, in one query for all learners
ScoreReader = Callable[[Any, list[int]], Mapping[int, Mapping[int, float | None]]]


def read_setting(raw: Any, errors: list[ContentError]) -> dict[str, str] | None:
    """``knowledge_gain`` as written in the survey's content, checked at import (None when absent)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != set(SIDES):
        errors.append(ContentError("knowledge_gain", "must be {pre: <lesson id>, post: <lesson id>}: the ids, in "
                                                     "this pack, of the pre-test and the post-test"))
        return None
    found = {}
    for side in SIDES:
        value = raw[side]
        if not isinstance(value, str) or not ID.match(value):
            errors.append(ContentError(f"knowledge_gain.{side}", "must be the id of a lesson of this course"))
            return None
        found[side] = value
    if found["pre"] == found["post"]:
        errors.append(ContentError("knowledge_gain.post", "the post-test must be another lesson than the pre-test"))
        return None
    return found


def paired_lessons(db, lesson, setting: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    """The two lessons (side → ``Lesson``) in the survey's course, one query; or a note naming what is missing."""
    keys = [setting[side] for side in SIDES]
    found = {row.key: row for row in db.scalars(select(Lesson).where(Lesson.course_id == lesson.course_id,
                                                                     Lesson.key.in_(keys)))}
    missing = [key for key in keys if key not in found]
    if missing:
        return {}, _("The knowledge gain cannot be shown: this course has no lesson %(ids)s (knowledge_gain in "
                     "the pack).", ids=", ".join(missing))
    return {side: found[setting[side]] for side in SIDES}, None


def _percent(value: float) -> float:
    return round(100 * value, 1)


def _figures(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    pre = statistics.fmean(p for p, _q in pairs)
    post = statistics.fmean(q for _p, q in pairs)
    return {"learners": len(pairs), "mean_pre": _percent(pre), "mean_post": _percent(post),
            "mean_gain": _percent(statistics.fmean(q - p for p, q in pairs))}


def compute(anonymous: bool, pre: Mapping[int, float | None], post: Mapping[int, float | None],
            profiles: Mapping[int, Mapping[str, Any]], filters: Mapping[str, str],
            labels: Mapping[str, Mapping[str, str]], names: Mapping[int, str] | None = None,
            min_group: int = 5) -> dict[str, Any]:
    """The gain of the learners with both scores whose profile matches ``filters``: their number, the
    mean pre-test and post-test scores and the mean gain (percentage points), the same for each value of
    each filter (``labels``: filter → value → label), and for a named survey each learner's."""
    chosen = sorted(uid for uid in set(pre) & set(post) if pre[uid] is not None and post[uid] is not None
                    and all(str((profiles.get(uid) or {}).get(k)) == v for k, v in filters.items()))
    found: dict[str, Any] = {"learners": len(chosen), "suppressed": None, "mean_pre": None, "mean_post": None,
                             "mean_gain": None, "groups": {}, "people": None}
    if anonymous and len(chosen) < min_group:
        found["learners"] = None
        found["suppressed"] = _("Fewer than %(num)d learners have both scores: in an anonymous survey the gain "
                                "is not shown.", num=min_group)
        return found
    if not chosen:
        return found
    found.update(_figures([(pre[uid], post[uid]) for uid in chosen]))
    for name, values in labels.items():
        rows = []
        for value, label in values.items():
            members = [uid for uid in chosen if str((profiles.get(uid) or {}).get(name)) == value]
            if not members:
                continue
            row = {"value": value, "label": label, "suppressed": anonymous and len(members) < min_group}
            row.update({"learners": None, "mean_pre": None, "mean_post": None, "mean_gain": None} if row["suppressed"]
                       else _figures([(pre[uid], post[uid]) for uid in members]))
            rows.append(row)
        found["groups"][name] = rows
    if not anonymous:
        people = [{"user_id": uid, "name": (names or {}).get(uid, ""), "pre": _percent(pre[uid]),
                   "post": _percent(post[uid]), "gain": _percent(post[uid] - pre[uid])} for uid in chosen]
        found["people"] = sorted(people, key=lambda p: (p["name"], p["user_id"]))
    return found


def profiles_of(db, user_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the results filter by, for many learners in two queries: as ``responses.profile_of`` says
    it for one (cooperative kind, area, track, position; None where the profile does not say)."""
    if not user_ids:
        return {}
    cooperatives = learner_cooperatives(db, user_ids)
    positions = dict(db.execute(select(LearnerProfile.user_id, LearnerProfile.position)
                                .where(LearnerProfile.user_id.in_(sorted(set(user_ids))))).all())
    found = {}
    for uid in user_ids:
        cooperative = cooperatives.get(uid)
        unit = cooperative.unit if cooperative else None
        area = None
        if unit is not None:
            area = unit.id if unit.level.value == "area" else unit.area_id
        position = positions.get(uid)
        found[uid] = {"kind": cooperative.kind.value if cooperative else None, "area": area,
                      "track": unit.track.value if unit is not None and unit.track else None,
                      "position": position.value if position else None}
    return found


def section(db, lesson, content: Mapping[str, Any], filters: Mapping[str, str],
            choices: Mapping[str, list[tuple[str, str]]], read_scores: ScoreReader = lesson_scores,
            min_group: int = 5) -> dict[str, Any] | None:
    """The "Knowledge gain" of the results (None when the survey names no pair): the two lessons,
    a note when one is missing, and ``compute``'s figures. A fixed number of queries whatever the
    number of learners: the lessons, their scores, two for the profiles, and the names (named only)."""
    setting = content.get("knowledge_gain")
    if not setting:
        return None
    lessons, note = paired_lessons(db, lesson, setting)
    found: dict[str, Any] = {"pre": setting["pre"], "post": setting["post"], "note": note, "figures": None}
    if note:
        return found
    locale = current_locale()
    found["pre_title"], found["post_title"] = lessons["pre"].title_for(locale), lessons["post"].title_for(locale)
    scores = read_scores(db, [lessons["pre"].id, lessons["post"].id])
    pre, post = scores.get(lessons["pre"].id, {}), scores.get(lessons["post"].id, {})
    both = sorted(uid for uid in set(pre) & set(post) if pre[uid] is not None and post[uid] is not None)
    names = {}
    if not content["anonymous"] and both:
        names = dict(db.execute(select(User.id, User.name).where(User.id.in_(both))).all())
    found["figures"] = compute(bool(content["anonymous"]), {u: pre[u] for u in both}, {u: post[u] for u in both},
                               profiles_of(db, both), filters, {k: dict(v) for k, v in choices.items()}, names,
                               min_group)
    return found
