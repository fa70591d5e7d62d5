"""The plan template a pack defines: sections with guidance, a worked example and typed fields,
the phases' dates, the review settings and how the grade is made.

Checked by pydantic (``WorkshopLesson.content_model``), so every problem an author makes comes
with its field path, and the pack loader adds its line in ``pack.yaml``. What pydantic cannot
say (a finance field's options, the rubric) is checked in ``lesson.import_content``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from elearn.plugin_api import Text

KEY = r"^[a-z0-9][a-z0-9-]{0,47}$"
Key = Annotated[str, Field(pattern=KEY, description="lower-case letters, digits and hyphens")]
FieldKind = Literal["text", "longtext", "number", "money", "date", "choice", "table", "finance"]
ColumnKind = Literal["text", "number", "money", "date"]
MAX_SECTIONS = 30
MAX_FIELDS = 40


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(Strict):
    key: Key
    label: Annotated[Text, Field(max_length=200)]


class TableColumn(Strict):
    key: Key
    label: Annotated[Text, Field(max_length=100)]
    kind: ColumnKind = "text"


class PlanField(Strict):
    key: Key
    label: Annotated[Text, Field(max_length=300)]
    kind: FieldKind = "text"
    required: bool = False
    help: Annotated[str, Field(max_length=1000)] = ""
    choices: Annotated[list[Choice], Field(max_length=30)] = []
    columns: Annotated[list[TableColumn], Field(max_length=10)] = []
    rows: Annotated[int, Field(ge=1, le=100)] = 20
    minimum: int | None = None
    maximum: int | None = None
    options: dict[str, Any] = {}

    @model_validator(mode="after")
    def kind_settings(self) -> PlanField:
        if self.kind == "choice" and len(self.choices) < 2:
            raise ValueError(_("a choice field needs at least 2 choices"))
        if self.kind != "choice" and self.choices:
            raise ValueError(_("only a choice field has choices"))
        if self.kind == "table" and not self.columns:
            raise ValueError(_("a table field needs its columns"))
        if self.kind != "table" and self.columns:
            raise ValueError(_("only a table field has columns"))
        if self.kind != "finance" and self.options:
            raise ValueError(_("only a finance field has options"))
        _unique([c.key for c in self.choices] + [c.key for c in self.columns])
        return self


class Section(Strict):
    key: Key
    title: Annotated[Text, Field(max_length=200)]
    guidance: Annotated[str, Field(max_length=20000)] = ""
    example: Annotated[str, Field(max_length=20000)] = ""
    fields: Annotated[list[PlanField], Field(min_length=1, max_length=MAX_FIELDS)]

    @field_validator("fields")
    @classmethod
    def unique_fields(cls, fields: list[PlanField]) -> list[PlanField]:
        _unique([f.key for f in fields])
        return fields


class PeerReview(Strict):
    reviews: Annotated[int, Field(ge=1, le=10, description="K: how many plans each submitter reviews")] = 3
    anonymous: bool = True


class Grading(Strict):
    """Weights of the marks in the plan's grade (re-weighed over the marks a plan has)."""

    instructor: Annotated[int, Field(ge=0, le=100)] = 100
    peer: Annotated[int, Field(ge=0, le=100)] = 0
    self_: Annotated[int, Field(ge=0, le=100, alias="self")] = 0
    assessment: Annotated[int, Field(ge=0, le=100, description=(
        "the share of a learner's lesson score given to how close their reviews were to the others'"))] = 0
    strictness: Annotated[int, Field(ge=1, le=10)] = 5
    pass_mark: Annotated[int, Field(ge=0, le=100)] = 50

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Template(Strict):
    intro: Annotated[str, Field(max_length=20000)] = ""
    group_set: Key | None = Field(None, description=(
        "the course's group set whose groups write one plan each (a cooperative's managers); none: each "
        "learner writes their own"))
    submission_due: datetime | None = None
    late_submissions: bool = True
    sections: Annotated[list[Section], Field(min_length=1, max_length=MAX_SECTIONS)]
    rubric: list[Any] = []
    peer_review: PeerReview | None = None
    self_assessment: bool = False
    grading: Grading = Grading()

    @field_validator("submission_due", mode="before")
    @classmethod
    def a_day_is_its_end(cls, value: Any) -> Any:
        """``submission_due: 2027-06-30`` means by the end of that day (23:59, Vietnam time)."""
        if isinstance(value, str) and len(value.strip()) == 10:
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                return value
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time(23, 59))
        return value

    @field_validator("sections")
    @classmethod
    def unique_sections(cls, sections: list[Section]) -> list[Section]:
        _unique([s.key for s in sections])
        return sections

    @model_validator(mode="after")
    def reviews_need_a_rubric(self) -> Template:
        if (self.peer_review or self.self_assessment) and not self.rubric:
            raise ValueError(_("peer review and self-assessment use the rubric: give one"))
        if self.grading.peer and not self.peer_review:
            raise ValueError(_("grading.peer needs peer_review"))
        if self.grading.self_ and not self.self_assessment:
            raise ValueError(_("grading.self needs self_assessment: true"))
        return self


def _unique(keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(_("the key %(key)s is used twice", key=repr(key)))
        seen.add(key)
