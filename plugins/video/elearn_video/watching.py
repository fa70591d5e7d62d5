"""What counts as watched: merged intervals per learner, a share of the duration, a threshold.

The browser reports the stretches it played (``[start, end]`` seconds) in small batches. The
server merges them into the learner's set, so overlapping, out-of-order and repeated reports
count once, and seeking to the end adds nothing that was not played. When the merged share
reaches the lesson's threshold, completion is recorded through ``record_outcome`` (the core
alone writes progress).
"""

from __future__ import annotations

from typing import Any, Literal

from flask_babel import gettext as _
from pydantic import BaseModel
from sqlalchemy import select

from elearn.plugin_api import (
    LearnerLesson,
    Outcome,
    Scope,
    StateDocument,
    Status,
    fail,
    insert_if_missing,
    record_outcome,
    utcnow,
)
from elearn_video.lesson import pixels
from elearn_video.models import Batch, Watch

# Floating-point slack: the player's clock may overshoot the duration by a frame.
SLACK = 0.5
MODES = ("video", "listen", "read")


class Preferences(BaseModel):
    """A learner's choice for every video: ``data_saver`` puts the lightest rendition first;
    ``quality`` is the label they picked (first when the video has it); ``mode`` how they follow
    videos: ``video``, ``listen`` (the audio rendition, no video bytes) or ``read`` (the transcript)."""

    data_saver: bool = False
    quality: str | None = None
    mode: Literal["video", "listen", "read"] = "video"


PREFERENCES = StateDocument("video", Scope.LEARNER, "preferences", Preferences)


def preferences(db, user) -> dict[str, Any]:
    found = PREFERENCES.get(db, user=user).data
    return (found or Preferences()).model_dump()


def set_preferences(db, user, data_saver: bool, quality: str | None, mode: str = "video") -> dict[str, Any]:
    """Replace the learner's choice (last write wins: it is theirs alone, from one page at a time)."""
    current = PREFERENCES.get(db, user=user)
    chosen = Preferences(data_saver=data_saver, quality=quality, mode=mode)
    PREFERENCES.put(db, chosen, expected_version=current.version, user=user)
    return chosen.model_dump()


def order_sources(sources: list[dict[str, Any]], prefs: dict[str, Any]) -> list[dict[str, Any]]:
    """The renditions in the order the browser should try them: the picked one first, else the
    lightest first with the data saver, else as authored."""
    ordered = sorted(sources, key=lambda s: pixels(s["label"])) if prefs["data_saver"] else list(sources)
    picked = [s for s in ordered if s["label"] == prefs["quality"]]
    return picked + [s for s in ordered if s not in picked]


def merge(intervals: list[list[float]]) -> list[list[float]]:
    """Sorted, non-overlapping intervals covering the same time (touching ones joined)."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered(intervals: list[list[float]]) -> float:
    return sum(end - start for start, end in intervals)


def progress_of(db, user_id: int, lesson_id: int) -> dict[str, Any]:
    """The learner's watched share, resume position and intervals (zeros before any report)."""
    row = db.get(Watch, (lesson_id, user_id))
    if row is None:
        return {"watched_share": 0.0, "position": 0.0, "intervals": [], "last_watched_at": None}
    return {"watched_share": row.share, "position": row.position, "intervals": row.intervals,
            "last_watched_at": row.last_watched_at}


def _locked_row(db, user_id: int, lesson_id: int) -> Watch:
    """The learner's row, created if missing and locked, so two batches at once merge one after the other."""
    insert_if_missing(db, Watch, ["lesson_id", "user_id"], lesson_id=lesson_id, user_id=user_id, intervals=[],
                      watched_seconds=0.0, share=0.0, position=0.0, last_watched_at=utcnow())
    return db.scalars(select(Watch).where(Watch.lesson_id == lesson_id, Watch.user_id == user_id)
                      .with_for_update().execution_options(populate_existing=True)).one()


def record_batch(db, known: LearnerLesson, batch_id: str, intervals: list[tuple[float, float]],
                 position: float | None) -> dict[str, Any]:
    """Count one report: refuse it whole (400) if a stretch is reversed or past the duration;
    a batch already counted changes nothing (``duplicate``). Completes the lesson through the
    core when the merged share reaches the threshold. The caller commits."""
    lesson, user = known.lesson, known.access.user
    content = lesson.content
    duration = content["duration"]
    if not content["sources"]:
        fail(409, _("This video is not served here: nothing to count."))
    for start, end in intervals:
        if start < 0 or end < start:
            fail(400, _("Each watched stretch goes from its start to a later end, in seconds."))
        if end > duration + SLACK:
            fail(400, _("A watched stretch ends after the end of the video (%(seconds)s s).",
                        seconds=f"{duration:g}"))
    if position is not None and not 0 <= position <= duration + SLACK:
        fail(400, _("The position must be inside the video."))
    fresh = insert_if_missing(db, Batch, ["lesson_id", "user_id", "batch_id"], lesson_id=lesson.id, user_id=user.id,
                              batch_id=batch_id, received_at=utcnow())
    row = _locked_row(db, user.id, lesson.id)
    if fresh:
        clipped = [[max(0.0, float(s)), min(float(e), duration)] for s, e in intervals if e > s]
        row.intervals = merge([list(i) for i in row.intervals] + clipped)
        row.watched_seconds = covered(row.intervals)
        row.share = round(min(1.0, row.watched_seconds / duration), 4)
        if position is not None:
            row.position = min(float(position), duration)
        row.last_watched_at = utcnow()
    completed = known.progress is not None and known.progress.status == Status.COMPLETED
    if fresh and not completed and row.share >= content["completion_threshold"]:
        result = record_outcome(db, user, lesson, Outcome(status=Status.COMPLETED, score=None,
                                                           message=_("Video watched.")), known=known)
        completed = result is not None
    return {"watched_share": row.share, "position": row.position, "intervals": row.intervals,
            "completed": completed, "duplicate": not fresh}


def set_position(db, known: LearnerLesson, position: float) -> dict[str, Any]:
    """Where the learner stopped, for resuming on any device; counts nothing as watched."""
    duration = known.lesson.content["duration"]
    if not 0 <= position <= duration + SLACK:
        fail(400, _("The position must be inside the video."))
    row = _locked_row(db, known.access.user.id, known.lesson.id)
    row.position = min(position, duration)
    return {"position": row.position}
