"""The JSON shapes of the video API (published in /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from elearn.plugin_api import RequestModel, ResponseModel

Seconds = Annotated[float, Field(ge=0, le=12 * 3600)]
Stretch = Annotated[list[Seconds], Field(min_length=2, max_length=2, description="[start, end] in seconds")]
BatchId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class WatchedBatch(RequestModel):
    """Stretches of the video played since the last report, each ``[start, end]`` in seconds."""

    batch_id: BatchId = Field(description="Unique per report (e.g. a random id): a batch sent twice counts once.")
    intervals: list[Stretch] = Field(max_length=200, description="Played stretches [start, end].")
    position: Seconds | None = Field(default=None, description="Where the player is now, for resuming.")


class Watched(ResponseModel):
    watched_share: float = Field(description="Share of the video watched, 0 to 1 (merged intervals / duration).")
    position: float
    intervals: list[list[float]]
    completed: bool
    duplicate: bool = Field(description="This batch had been counted already; nothing changed.")


class PositionIn(RequestModel):
    position: Seconds


class Position(ResponseModel):
    position: float
    watched_share: float = 0.0


class PreferencesIn(RequestModel):
    data_saver: bool = Field(description="Lightest rendition first, on every video.")
    quality: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="The rendition label picked (360p), first where a video has it.")
    mode: Literal["video", "listen", "read"] = Field(
        default="video", description="How videos are followed: video; listen (the audio rendition only, no video "
                                     "bytes; the transcript when there is no audio); read (the transcript only).")


class Preferences(ResponseModel):
    data_saver: bool
    quality: str | None
    mode: Literal["video", "listen", "read"]


class PageQuery(RequestModel):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1


class LearnerWatch(ResponseModel):
    user_id: int
    name: str
    watched_share: float
    position: float
    last_watched_at: str | None


class Report(ResponseModel):
    learners: list[LearnerWatch]
    viewers: int = Field(description="Learners who played any of the video.")
    drop_off: list[float] = Field(description="Share of the viewers who watched each of 40 moments of the video.")
    page: int
    pages: int
    total: int
    page_size: int


class Started(ResponseModel):
    job_id: str
    status: str


class AnswerIn(RequestModel):
    answer: Any = Field(description="The answer, in the shape of the question's type: a choice id (single, "
                                    "truefalse), a list of choice ids (multiple), a text (short, numerical), "
                                    "every item id in the learner's order (ordering).")


class AnswerOut(ResponseModel):
    index: int
    fraction: float = Field(description="What the answer is worth, 0 to 1.")
    correct: bool
    feedback_html: str = Field(description="Feedback to show now that the question is answered.")
