"""The request and response models of the workshop's API (``/api/v1/x/workshop``).

The limits are the rubric's own (``peer.rubric``), so the document and the code agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from elearn.plugin_api import Integral, RequestModel, ResponseModel
from elearn_workshop.models import PHASES
from elearn_workshop.peer.rubric import MAX_COMMENT, MAX_POINTS

Phase = Literal[PHASES]  # type: ignore[valid-type]
Kind = Literal["instructor", "peer", "self"]
Comment = Annotated[str, Field(max_length=MAX_COMMENT)]
Decimal2 = Annotated[str, Field(pattern=r"^\d{1,3}\.\d{2}$", description="A number with two decimals, 0.00 to "
                                "100.00, as text (exact).")]

# -- requests ----------------------------------------------------------------------------


class PhaseChange(RequestModel):
    phase: Phase = Field(description="open: writing and handing in; assessment: the plans are locked and "
                         "reviewed (entering it gives the peers their reviews); feedback: the reviews are "
                         "published and the grades recorded, the authors may revise; closed: nothing changes.")


class MarkIn(RequestModel):
    level: Annotated[int, Field(ge=0, le=MAX_POINTS), Integral] | None = Field(
        default=None, description="The points of one of the criterion's levels (GET /reviews/{id}: rubric); "
        "null or left out in a draft.")
    comment: Comment = ""


class AssessmentIn(RequestModel):
    """``{criterion key: {level, comment}, "comment": overall comment}``."""

    model_config = ConfigDict(extra="allow", strict=True, json_schema_extra={"examples": [
        {"thi-truong": {"level": 4, "comment": "Người mua được đếm rõ."}, "tai-chinh": {"level": 2},
         "comment": "Phương án vững."}]})
    __pydantic_extra__: dict[str, MarkIn]  # every criterion of the rubric, by its key

    comment: Comment = Field(default="", description="The overall comment.")


class ReviewSave(RequestModel):
    assessment: AssessmentIn
    final: bool = Field(default=False, description="true: submit the review (every criterion needs a level; "
                        "it then counts in the grades); false: keep it as a draft.")


class NewReview(RequestModel):
    kind: Literal["instructor", "self"] = Field(description="instructor: the course's instructor reviews the "
                                                "plan; self: its authors assess their own plan.")


# -- answers -----------------------------------------------------------------------------


class PlanRow(ResponseModel):
    id: int
    name: str = Field(description="The cooperative's group, or the learner writing alone.")
    version: int
    submitted_at: datetime | None = Field(description="When it was handed in; null: not yet.")
    late: bool
    missing: list[str] = Field(description="The titles of the sections with required fields still empty.")
    reviews_done: int = Field(description="The peers' reviews of the plan submitted so far.")
    reviews_assigned: int = Field(description="The peers' reviews of the plan given out.")


class Plans(ResponseModel):
    phase: Phase
    plans: list[PlanRow]


class PhaseChanged(ResponseModel):
    phase: Phase
    allocated: int = Field(description="The peers' reviews given out as assessment started.")
    graded: int = Field(description="The learners whose grade was recorded as feedback was published.")


class Allocated(ResponseModel):
    allocated: int = Field(description="The reviews added (for plans handed in late); those given before are kept.")


class Reminded(ResponseModel):
    reminded: int = Field(description="Reviewers with reviews still to write who were sent a reminder.")
    unreachable: int = Field(description="Those who could not be reached: no e-mail or phone, or no sender.")


class GradeRow(ResponseModel):
    learner: str
    email: str
    plan_id: int
    instructor: Decimal2 | None
    peers: Decimal2 | None = Field(description="The mean of the peers' marks.")
    own: Decimal2 | None = Field(description="The authors' own mark.")
    plan_grade: Decimal2 | None
    assessment_grade: Decimal2 | None = Field(description="The learner's grade for assessing others' plans.")
    score: Decimal2 | None = Field(description="The learner's score in the lesson, 0 to 100.")


class Grades(ResponseModel):
    grades: list[GradeRow]


class ReviewItem(ResponseModel):
    id: int
    kind: Kind
    done: bool
    score: Decimal2 | None
    updated_at: datetime


class MyReviews(ResponseModel):
    reviews: list[ReviewItem]


class Level(ResponseModel):
    points: int
    label: str
    description: str


class RubricCriterion(ResponseModel):
    key: str
    title: str
    description: str
    section: str | None = Field(description="The plan's section the criterion is about.")
    weight: int
    levels: list[Level] = Field(description="From the fewest points to the most.")


class PlanSection(ResponseModel):
    key: str
    title: str
    values: dict[str, Any] = Field(description="Field key -> value, as the lesson's view gives them.")
    figures: dict[str, list[dict[str, Any]]] = Field(description="A finance field's computed figures.")


class ReviewedPlan(ResponseModel):
    id: int
    version: int
    sections: list[PlanSection]


class ReviewView(ResponseModel):
    id: int
    kind: Kind
    done: bool
    score: Decimal2 | None
    phase: Phase
    editable: bool = Field(description="The caller may save it now (its reviewer, in a phase that allows it).")
    authors: str | None = Field(description="Whose plan it is: for an instructor's review only; a peer never "
                                "sees it, nor do the authors see their peer reviewers.")
    plan: ReviewedPlan
    rubric: list[RubricCriterion]
    assessment: dict[str, Any] = Field(description="What is saved so far, in the request's shape.")


class OneReview(ResponseModel):
    review: ReviewView


class MarkShown(ResponseModel):
    criterion: str
    title: str
    section: str | None
    points: int | None
    max: int
    level: str
    comment: str


class FeedbackItem(ResponseModel):
    kind: Kind
    reviewer: str = Field(description="The reviewer's name; a peer's number (\"Reviewer 1\") when reviews are "
                          "anonymous.")
    score: Decimal2 | None
    marks: list[MarkShown]
    comment: str


class Feedback(ResponseModel):
    phase: Phase
    published: bool = Field(description="The instructor's and the peers' reviews are shown from the feedback "
                            "phase on; before, only the authors' own assessment.")
    feedback: list[FeedbackItem]


class SectionRef(ResponseModel):
    key: str
    title: str


class SavedVersion(ResponseModel):
    number: int
    kind: Literal["save", "submit", "conflict"] = Field(description="submit: handed in; conflict: a writer's "
                                                        "text kept after someone else changed the same section.")
    saved_at: datetime
    saved_by: str | None = Field(description="Who saved it; null if their account is gone.")
    changed: list[SectionRef]


class Versions(ResponseModel):
    plan_id: int
    version: int
    versions: list[SavedVersion] = Field(description="Newest first.")
