"""The request and response models of the core's API (``/api/v1``), for ``@operation``.

Constraints are the ones the services enforce, so a body the document allows is a body the
API takes (and the reverse): the tests send both kinds and check the answers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BeforeValidator, ConfigDict, Field, model_validator

from elearn.auth.passwords import MIN_LENGTH
from elearn.contract import Id, RequestModel, ResponseModel, Text, omitted
from elearn.models.groups import TITLE_MAX
from elearn.models.progress import Status

# -- requests ----------------------------------------------------------------------------


class Credentials(RequestModel):
    """Other fields are ignored, as they always were. ``login`` or ``email`` (its older name) is required."""

    model_config = ConfigDict(extra="ignore",
                              json_schema_extra={"anyOf": [{"required": ["login"]}, {"required": ["email"]}]})

    login: Annotated[str, Field(min_length=1, max_length=320)] = omitted(
        "A phone number (0912 345 678), a username or an e-mail.", default="")
    email: Annotated[str, Field(min_length=1, max_length=320)] = omitted("The older name of “login”.", default="")
    password: Annotated[str, Field(min_length=1, max_length=1000,
                                   description="The password, or a one-time sign-in code (paper or SMS).")]

    @model_validator(mode="after")
    def _named(self):
        if not (self.login or self.email):
            raise ValueError("give “login”: a phone number, a username or an e-mail")
        return self

    @property
    def who(self) -> str:
        return self.login or self.email


NewPasswordText = Annotated[str, Field(min_length=MIN_LENGTH, max_length=1024)]


class NewAccount(RequestModel):
    """Self sign-up (403 when the site has it off): a phone number, a username or an e-mail, at least one."""

    name: Annotated[Text, Field(max_length=120)]
    password: NewPasswordText
    phone: Annotated[str, Field(max_length=40, description="0912 345 678, +84 912 345 678, …")] = ""
    username: Annotated[str, Field(pattern=r"^[a-zA-Z0-9._-]*$", max_length=40,
                                   description="3 to 40 of a–z 0–9 . _ -, with a letter.")] = ""
    email: Annotated[str, Field(max_length=254)] = ""


class NewPassword(RequestModel):
    """``current`` is not needed right after signing in with a one-time code."""

    current: Annotated[str, Field(max_length=1024)] = ""
    password: NewPasswordText


class CodeRequest(RequestModel):
    login: Annotated[str, Field(min_length=1, max_length=254, description="A phone number or an e-mail.")]


class PaperCodesRequest(RequestModel):
    """Either every learner of a cooperative, or the learners named."""

    cooperative_id: Id | None = None
    user_ids: Annotated[list[Id], Field(default_factory=list, max_length=2000)]


class NewGroup(RequestModel):
    group_set: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,50}$", description="For example “track”.")]
    key: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,100}$", description="For example “rural”.")]
    title_vi: Annotated[Text, Field(max_length=TITLE_MAX)]
    title_en: Annotated[str, Field(max_length=TITLE_MAX)] = ""


class ChosenGroup(RequestModel):
    group_id: Id


# -- answers -----------------------------------------------------------------------------


class Token(ResponseModel):
    token: str = Field(description="Send it as “Authorization: Bearer <token>”.")
    token_type: Literal["Bearer"]
    expires_at: datetime


class PaperCode(ResponseModel):
    user_id: int
    name: str
    cooperative: str | None
    login: str | None = Field(description="The phone number or username to sign in with.")
    code: str


class PaperCodes(ResponseModel):
    codes: list[PaperCode]
    expires_at: datetime
    site_url: str


class LessonLink(ResponseModel):
    id: int
    key: str
    type: str = Field(description="The lesson type's name: page, quiz, discussion, ...")
    title: str
    status: Status
    content_languages: list[str] = Field(description="The languages the lesson's content is written in: "
                                         "always vi, en when the pack gives the English.")


class CourseProgress(ResponseModel):
    completed_lessons: int
    fraction: float = Field(ge=0, le=1)
    enrolled_at: datetime | None
    completed_at: datetime | None
    has_new_material: bool
    next_lesson: LessonLink | None


class CourseSummary(ResponseModel):
    slug: str
    title: str
    summary: str
    lessons: int
    url: str
    enrolled: bool
    progress: CourseProgress = omitted("Only for an enrolled caller.")


class CourseList(ResponseModel):
    courses: list[CourseSummary]


class ProfileFieldOut(ResponseModel):
    id: str = Field(description="``<plugin>.<name>``: the key to send in ``values``.")
    label: str
    value: str
    help: str
    read_only: bool


class Module(ResponseModel):
    key: str
    title: str
    lessons: list[LessonLink]


class MyGroup(ResponseModel):
    """A group the learner is in (placed by an instructor or chosen), with its set's title."""

    group_set: str
    set_title: str
    key: str
    title: str


class CourseDetail(CourseSummary):
    can_enrol: bool
    modules: list[Module]
    my_groups: list[MyGroup] | None = None  # an enrolled learner of a course with groups


class CourseRef(ResponseModel):
    slug: str
    title: str


class Progress(ResponseModel):
    status: Status
    score: float | None
    attempts: int
    started_at: datetime | None
    completed_at: datetime | None


class LessonError(ResponseModel):
    message: str


class LessonDetail(ResponseModel):
    id: int
    key: str
    type: str
    title: str
    course: CourseRef
    progress: Progress
    can_submit: bool
    content_language: str = Field(description="The language of the content served: the one asked "
                                  "for (Accept-Language, else the account's), or vi when the lesson has no such text.")
    previous: LessonLink | None
    next: LessonLink | None
    view: dict[str, Any] = omitted("The lesson type's learner view (what its page shows); absent with “error”.")
    error: LessonError = omitted("Why the lesson cannot be shown (its type is not installed); no “view” then.")


class SubmissionResult(ResponseModel):
    progress: Progress
    message: str = Field(description="For the learner, in their language; may be empty.")
    course_completed: bool = Field(description="True once: when this submission completed the course.")
    result: dict[str, Any] | None = Field(None, description=(
        "What the lesson's type says about this submission (its Outcome.reply): the workshop's new plan version "
        "and conflicts, for instance; null for most types."))


class Member(ResponseModel):
    id: int
    name: str


class Group(ResponseModel):
    group_set: str
    key: str
    title: str


class StaffGroup(Group):
    id: int
    title_vi: str
    title_en: str
    member_count: int
    members: list[Member]


class GroupList(ResponseModel):
    groups: list[StaffGroup] | list[Group] = Field(
        description="With members for the course's instructors; a learner's own groups, without."
    )


class Membership(Group):
    user_id: int
    group_id: int


class JobState(ResponseModel):
    """A background job, as its starter sees it."""

    id: str
    task: str = Field(description="“<plugin>.<task>”")
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="queued (waiting, or for its next attempt after a failure), running, done, failed")
    attempts: int = Field(description="Attempts begun so far.")
    error: str | None = Field(description="Why the last attempt failed; null when it did not.")
    result: Any = Field(description="What the task answered (JSON), once done.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When a failed attempt is tried again (status queued).")


# -- enrolment codes (elearn/enrolment/api.py) -------------------------------------------------


def _from_iso(kind):
    """JSON gives dates as text, and request models are strict (no text for a date): parsed first.
    Text that is no ISO 8601 is left as it is, for the model to refuse with its usual 400."""

    def parse(value):
        if isinstance(value, str):
            try:
                return kind.fromisoformat(value)
            except ValueError:
                return value
        return value

    return BeforeValidator(parse)


IsoDateTime = Annotated[AwareDatetime, _from_iso(datetime), Field(description="ISO 8601 with its time zone.")]
IsoDate = Annotated[date, _from_iso(date), Field(description="ISO 8601, e.g. 2027-06-30.")]


class NewEnrolCode(RequestModel):
    group_id: Id | None = Field(default=None, description="A group of the course the code also puts learners in.")
    expires_at: IsoDateTime | None = None
    max_uses: Annotated[int, Field(ge=1, le=100_000)] | None = Field(default=None, description="No limit when absent.")


class EnrolCodeChange(RequestModel):
    disabled: bool


class CodeRedemption(RequestModel):
    code: Annotated[str, Field(min_length=1, max_length=40, description="As typed: case, spaces and dashes "
                               "do not matter (abcd-efgh is ABCDEFGH).")]


class EnrolCode(ResponseModel):
    id: int
    code: str
    display: str = Field(description="The code as shown to learners: ABCD-EFGH.")
    course: CourseRef
    group: Group | None
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    disabled: bool
    usable: bool = Field(description="Not disabled, not expired, not used up.")
    join_url: str = Field(description="What its QR code opens: the form, filled in.")


class EnrolCodeList(ResponseModel):
    codes: list[EnrolCode]


class Redemption(ResponseModel):
    course: CourseRef
    group: Group | None
    created: bool = Field(description="False when the caller was enrolled already (no use counted).")
    message: str


# -- programmes and cohorts (elearn/enrolment/api.py) ------------------------------------------


class PlannedCourse(RequestModel):
    course: Annotated[str, Field(min_length=1, max_length=100, description="The course's slug.")]
    target_date: IsoDate | None = None
    requires: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)] = Field(
        default_factory=list, description="Slugs of courses placed before this one that must be completed first.")


class ProgrammeIn(RequestModel):
    title_vi: Annotated[Text, Field(max_length=TITLE_MAX)]
    title_en: Annotated[str, Field(max_length=TITLE_MAX)] = ""
    courses: Annotated[list[PlannedCourse], Field(max_length=200)] = Field(default_factory=list)


class NewCohort(RequestModel):
    name: Annotated[Text, Field(max_length=TITLE_MAX)]


class CohortMembersIn(RequestModel):
    user_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]


class ProgrammeCourseOut(ResponseModel):
    course: CourseRef
    position: int
    target_date: date | None
    requires: list[CourseRef]


class CohortRef(ResponseModel):
    id: int
    name: str


class ProgrammeOut(ResponseModel):
    id: int
    title: str
    title_vi: str
    title_en: str
    courses: list[ProgrammeCourseOut]
    cohorts: list[CohortRef]


class ProgrammeList(ResponseModel):
    programmes: list[ProgrammeOut]


class CohortOut(CohortRef):
    programme_id: int
    members: list[Member]
    added: int = omitted("How many learners this call added (POST .../members).")


class MyProgrammeCourse(ResponseModel):
    course: CourseRef
    state: Literal["locked", "completed", "in_progress", "not_started", "not_enrolled"]
    target_date: date | None
    missing: list[CourseRef] = Field(description="What must be completed first (a locked course).")
    fraction: float = Field(ge=0, le=1)
    next_lesson: LessonLink | None


class MyProgramme(ResponseModel):
    id: int
    title: str
    cohorts: list[str]
    completed_courses: int
    next_course: CourseRef | None = Field(description="The first course neither completed nor locked.")
    courses: list[MyProgrammeCourse]


class MyProgrammeList(ResponseModel):
    programmes: list[MyProgramme]
