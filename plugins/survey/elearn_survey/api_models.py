"""The JSON shapes of the survey API (published in /api/v1/openapi.json). Answering a survey is
the core's lesson API (``GET /api/v1/lessons/<id>``, ``POST .../submissions`` with ``Submission_survey``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from elearn.plugin_api import RequestModel, ResponseModel

Filter = Annotated[str, Field(max_length=40)]


class ResultsQuery(RequestModel):
    """Whose answers: each filter picks respondents by their profile when they answered."""

    kind: Filter | None = Field(None, description="Cooperative kind: agricultural, non_agricultural, credit_fund, "
                                                  "union.")
    area: Filter | None = Field(None, description="The id of an area (an admin unit of level area).")
    track: Filter | None = Field(None, description="urban or rural.")
    position: Filter | None = Field(None, description="director, board_chair, board_member, controller, "
                                                      "accountant, member, other.")


class TextsQuery(ResultsQuery):
    q: Annotated[str, Field(max_length=200)] = Field("", description="Only answers containing this (any case).")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1


class GainFigures(ResponseModel):
    learners: int | None = Field(description="Learners with both scores; null when suppressed.")
    mean_pre: float | None = Field(description="Mean pre-test score, in percent.")
    mean_post: float | None = Field(description="Mean post-test score, in percent.")
    mean_gain: float | None = Field(description="Mean of post minus pre, in percentage points.")


class GainGroup(GainFigures):
    value: str = Field(description="The filter's value (an area's id for area).")
    label: str
    suppressed: bool = Field(description="An anonymous survey shows no group of fewer than 5 learners.")


class GainLearner(ResponseModel):
    user_id: int
    name: str
    pre: float = Field(description="Percent.")
    post: float = Field(description="Percent.")
    gain: float = Field(description="Percentage points.")


class GainResults(GainFigures):
    suppressed: str | None = Field(description="Why nothing is shown: fewer than 5 learners with both scores in "
                                               "an anonymous survey.")
    groups: dict[str, list[GainGroup]] = Field(description="By filter (kind, area, track, position): each value "
                                                           "that has learners.")
    people: list[GainLearner] | None = Field(description="Named surveys only: each learner, by name.")


class KnowledgeGain(ResponseModel):
    pre: str = Field(description="The pack id of the pre-test lesson (knowledge_gain.pre).")
    post: str = Field(description="The pack id of the post-test lesson.")
    pre_title: str | None = None
    post_title: str | None = None
    note: str | None = Field(description="Why the gain cannot be shown (a lesson the course does not have).")
    figures: GainResults | None = Field(description="Of the learners the filters choose who have both scores.")


class Results(ResponseModel):
    total: int = Field(description="Every response to the survey.")
    respondents: int | None = Field(description="The responses the filters choose; null when suppressed.")
    suppressed: str | None = Field(description="Why nothing is shown: an anonymous survey shows no group of fewer "
                                               "than 5 respondents.")
    filters: dict[str, str]
    questions: list[dict[str, Any]] = Field(description=(
        "Per question: id, kind, text, answered, and by kind: bars [{id, label, count, percent}] (single, "
        "multiple, rating, numeric), mean (rating, numeric), median/min/max (numeric), statements [{id, label, "
        "answered, bars, mean}] (likert), ranks [{id, label, mean_rank, first, percent}] (ranking)."))
    knowledge_gain: KnowledgeGain | None = Field(None, description=(
        "When the survey names a pre-test and a post-test (knowledge_gain in the pack): the scores' means "
        "and the gain, overall, by group and (named surveys) by learner."))


class Texts(ResponseModel):
    texts: list[str] = Field(description="Written answers (and 'other' texts), 50 a page, in no order that follows "
                                         "when they were sent.")
    total: int
    page: int


class VoteIn(RequestModel):
    choice: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="An option id of the poll's question ('other' with other).")
    other: Annotated[str, Field(max_length=200)] = Field("", description="The text of 'Other: ___'.")


class Poll(ResponseModel):
    lesson_id: int
    title: str
    question: dict[str, Any] = Field(description="id, text_html, options [{id, html}], other.")
    voted: bool
    results: dict[str, Any] | None = Field(description="Once voted: the figures, as in .../results (shown from 5 "
                                                       "votes).")


class Polls(ResponseModel):
    polls: list[Poll]
