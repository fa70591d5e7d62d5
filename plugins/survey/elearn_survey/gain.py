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
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from elearn.plugin_api import ContentError, Lesson
from elearn_survey.definition import ID

SIDES = ("pre", "post")


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
