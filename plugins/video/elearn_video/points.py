"""Questions at moments of a video: read from the pack, shown to the learner, answered on the server.

The questions themselves come from whichever plugin offers their ``type`` through
``elearn_question_kinds`` (the quiz does); this plugin never imports it. It stores what the kind
parsed, shows what the kind's ``learner_view`` gives (never the answer), and keeps each learner's
answers in a ``StateDocument`` per learner and lesson: one answer per question, graded by the kind
when it is given. Without any plugin offering questions, the pack's questions are skipped and the
author is told so by ``elearn pack validate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel

from elearn.plugin_api import (
    ContentError,
    ContentInvalid,
    LearnerLesson,
    PackFiles,
    Scope,
    StaleState,
    StateDocument,
    content_note,
    fail,
    question_kinds,
    utcnow,
)

MAX_POINTS = 100


class Answered(BaseModel):
    """A learner's answer to one question of the video, as graded when given."""

    answer: Any = None
    fraction: float
    correct: bool
    feedback_html: str = ""
    answered_at: str


class Answers(BaseModel):
    by_point: dict[str, Answered] = {}


ANSWERS = StateDocument("video", Scope.LEARNER_LESSON, "answers", Answers)


def import_points(raw: Any, duration: Any, files: PackFiles, errors: list[ContentError]) -> list[dict[str, Any]]:
    """The pack's ``questions`` (``[{at: seconds, question: {type: ..., ...}}]``), sorted by moment.

    A question whose type no installed plugin offers is an error when some plugin offers questions;
    when none does, all are skipped with a note to the author (the video works without them)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_POINTS:
        errors.append(ContentError("questions", f"must be a list of at most {MAX_POINTS} {{at, question}}"))
        return []
    kinds = question_kinds()
    if raw and not kinds:
        content_note("questions", "skipped: no installed plugin offers questions (the quiz plugin does); "
                                  "the video plays without them")
        return []
    points = []
    for n, point in enumerate(raw):
        where = f"questions[{n}]"
        if not isinstance(point, Mapping) or set(point) != {"at", "question"}:
            errors.append(ContentError(where, "must be {at: seconds into the video, question: {type: ...}}"))
            continue
        at, question = point["at"], point["question"]
        in_video = isinstance(duration, int | float) and not isinstance(duration, bool)
        if isinstance(at, bool) or not isinstance(at, int | float) or at < 0 or (in_video and at > duration):
            errors.append(ContentError(f"{where}.at", "must be a moment of the video, in seconds from 0 to its end"))
            continue
        kind = kinds.get(question.get("type")) if isinstance(question, Mapping) else None
        if kind is None:
            offered = ", ".join(sorted(kinds))
            errors.append(ContentError(f"{where}.question.type",
                                       f"must be a question type an installed plugin offers: {offered}"))
            continue
        try:
            stored = kind.parse(question, f"{where}.question", files)
        except ContentInvalid as exc:
            errors.extend(exc.errors)
            continue
        points.append({"at": float(at), "type": question["type"], "question": stored})
    return sorted(points, key=lambda p: p["at"])


def answers_of(db, user, lesson) -> dict[str, dict[str, Any]]:
    found = ANSWERS.get(db, user=user, lesson=lesson).data
    return {key: value.model_dump() for key, value in found.by_point.items()} if found else {}


def learner_points(points: list[dict[str, Any]], answered: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the page and the API show of each question: its moment, the kind's learner view and
    template, and the learner's graded answer once given (before that, nothing of the answer)."""
    kinds = question_kinds()
    shown = []
    for n, point in enumerate(points):
        kind = kinds.get(point["type"])
        if kind is None:  # the plugin asking it was removed since the pack was installed
            continue
        mine = answered.get(str(n))
        shown.append({"index": n, "at": point["at"], "template": kind.template,
                      "question": kind.learner_view(point["question"]),
                      "answered": None if mine is None else {key: mine[key] for key in
                                                             ("fraction", "correct", "feedback_html")}})
    return shown


def point_of(content: Mapping[str, Any], index: int) -> tuple[dict[str, Any], Any]:
    """The question at ``index`` and the kind that grades it; 404 when there is none."""
    points = content.get("questions", [])
    if not 0 <= index < len(points):
        fail(404, _("This video has no such question."))
    point = points[index]
    kind = question_kinds().get(point["type"])
    if kind is None:
        fail(404, _("This video has no such question."))
    return point, kind


def answer(db, known: LearnerLesson, content: Mapping[str, Any], index: int, given: Any) -> dict[str, Any]:
    """Grade and keep the learner's one answer to the question at ``index``: 409 when already
    answered (or answered at the same moment elsewhere), 400 when the kind cannot read it.
    The caller commits."""
    point, kind = point_of(content, index)
    user, lesson = known.access.user, known.lesson
    current = ANSWERS.get(db, user=user, lesson=lesson)
    answers = current.data or Answers()
    if str(index) in answers.by_point:
        fail(409, _("You have answered this question already."))
    try:
        graded = kind.grade(point["question"], given)
    except ValueError as exc:
        fail(400, str(exc))
    kept = Answered(answer=given, fraction=graded.fraction, correct=graded.correct,
                    feedback_html=graded.feedback_html, answered_at=utcnow().isoformat())
    answers.by_point[str(index)] = kept
    try:
        ANSWERS.put(db, answers, expected_version=current.version, user=user, lesson=lesson)
    except StaleState:
        fail(409, _("You have answered this question already."))
    return {"index": index, "fraction": kept.fraction, "correct": kept.correct, "feedback_html": kept.feedback_html}
