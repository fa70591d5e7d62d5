"""The request and response models of the discussion's API (``/api/v1/x/discussion``).

The limits are the posting rules' own (``posting.MAX_*``), so the document and the code agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from elearn.plugin_api import Id, RequestModel, ResponseModel, Text
from elearn_discussion.listing import MAX_PAGE
from elearn_discussion.moderation import LOGGED_ACTIONS, POST_ACTIONS, QUEUE_KINDS, THREAD_ACTIONS
from elearn_discussion.participation import STATUSES
from elearn_discussion.posting import MAX_BODY, MAX_REASON, MAX_TITLE

Body = Annotated[Text, Field(max_length=MAX_BODY, description="Markdown.")]
Reason = Annotated[Text, Field(max_length=MAX_REASON)]
State = Literal["pending", "visible", "rejected", "hidden", "withdrawn"]
TAKEDOWNS = ("reject", "hide")  # the post actions that need a reason
PostAction = Literal[tuple(action for action in POST_ACTIONS if action not in TAKEDOWNS)]  # type: ignore[valid-type]
ThreadAction = Literal[THREAD_ACTIONS]  # type: ignore[valid-type]

# -- requests ----------------------------------------------------------------------------


PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description="The page to show, from 1.")]
Search = Annotated[str, Field(max_length=120, description="Part of a name or email, case ignored.")]


class PageQuery(RequestModel):
    page: PageNumber = 1


class QueueQuery(PageQuery):
    kind: Literal[QUEUE_KINDS] | None = Field(  # type: ignore[valid-type]
        default=None, description="Only posts waiting for approval, or only reported posts; left out, both.")
    q: Search = Field(default="", description="The author's name or email contains this.")


class LogQuery(PageQuery):
    action: Literal[LOGGED_ACTIONS] | None = Field(  # type: ignore[valid-type]
        default=None, description="Only this kind of action.")
    q: Search = Field(default="", description="The name or email of who acted, or of whom it was about.")


class ParticipantsQuery(PageQuery):
    q: Search = ""
    status: Literal[STATUSES] | None = Field(  # type: ignore[valid-type]
        default=None, description="complete, incomplete, silent (no post at all) or waiting (posts waiting "
        "for approval).")
    group_id: Id | None = Field(default=None, description="Only the members of this group of the course.")


class DashboardQuery(RequestModel):
    queue_page: PageNumber = 1
    unanswered_page: PageNumber = 1


class NewThread(RequestModel):
    title: Annotated[Text, Field(max_length=MAX_TITLE)]
    body: Body
    group_id: Id | None = Field(default=None, description="Staff, in a grouped discussion: the group it is for; "
                                "none for the whole class. Learners post in their own group.")


class NewReply(RequestModel):
    body: Body
    parent_id: Id | None = Field(default=None, description="Nest the reply under this post of the thread.")
    quote_id: Id | None = Field(default=None, description="Quote this post of the thread.")


class Edit(RequestModel):
    body: Body


class NewReport(RequestModel):
    reason: Reason


class MarkRead(RequestModel):
    ids: Annotated[list[Id], Field(max_length=1000)] | None = Field(
        default=None, description="The notifications to mark read; left out (or null), all of them.")


class EmailDigest(RequestModel):
    enabled: bool


class PostModeration(RequestModel):
    action: PostAction
    reason: Annotated[str, Field(max_length=MAX_REASON)] | None = Field(
        default=None, description="Optional; shown to the author.")


class PostTakedown(RequestModel):
    action: Literal["reject", "hide"]
    reason: Reason = Field(description="Required to reject or hide; shown to the author.")


Moderation = Annotated[PostModeration | PostTakedown, Field(discriminator="action")]


class ThreadModeration(RequestModel):
    action: ThreadAction
    lesson_id: Id | None = Field(default=None, description="With move: the discussion (of the same course) to "
                                 "move the thread to; left out, it stays in this one.")
    group_id: Id | None = Field(default=None, description="With move: the group (of the target's group set) "
                                "to move it to, null for the whole class; left out, it keeps its group where "
                                "the target uses the same group set.")


class Assessment(RequestModel):
    marks: dict[str, float | None] | None = Field(
        default=None, description="Points per rubric criterion id, from 0 to the criterion's points.")
    comment: Annotated[str, Field(max_length=5000)] = ""
    complete: bool = Field(default=False, description="Sign the learner's participation off as complete.")


# -- answers -----------------------------------------------------------------------------


class PageInfo(ResponseModel):
    page: int
    pages: int
    total: int
    page_size: int


class ThreadGroup(ResponseModel):
    id: int
    title_vi: str
    title_en: str


AuthorShown = Annotated[str, Field(description="The name as the pages show it: staff with their role, "
                                   "translated (\"Cô Lan (giảng viên)\"); a learner's name alone.")]


class ThreadSummary(ResponseModel):
    id: int
    title: str | None = Field(description="None when the thread was withdrawn and the caller may not see it.")
    author: str
    author_display: AuthorShown
    by_staff: bool
    state: State
    pinned: bool
    locked: bool
    replies: int
    resolved: bool
    answered_by_staff: bool
    group: ThreadGroup | None
    created_at: datetime
    last_activity_at: datetime
    mine: bool


class ThreadPage(PageInfo):
    items: list[ThreadSummary]


class Threads(ResponseModel):
    threads: ThreadPage


class Quote(ResponseModel):
    id: int
    author: str
    author_display: AuthorShown
    html: str | None


class PostOut(ResponseModel):
    id: int
    thread_id: int
    author: str
    author_display: AuthorShown
    by_staff: bool
    mine: bool
    is_opening: bool
    nested: bool
    parent_id: int | None
    state: State
    reason: str | None
    html: str | None
    markdown: str | None
    quote: Quote | None
    is_synthesis: bool
    resolves: bool
    helpful: int
    helpful_by_me: bool
    open_reports: int | None
    created_at: datetime
    edited_at: datetime | None
    can_edit: bool
    can_withdraw: bool
    can_react: bool
    can_reply: bool


class OnePost(ResponseModel):
    post: PostOut


class PostPage(PageInfo):
    items: list[PostOut]


class ThreadView(ResponseModel):
    thread: ThreadSummary
    posts: PostPage
    sees_others: bool
    can_reply: bool
    is_staff: bool


class Version(ResponseModel):
    html: str
    markdown: str
    written_at: datetime


class EarlierVersion(Version):
    replaced_at: datetime


class History(ResponseModel):
    post_id: int
    current: Version
    earlier: list[EarlierVersion]


class Message(ResponseModel):
    message: str


class Helpful(ResponseModel):
    post_id: int
    helpful: int
    helpful_by_me: bool


class Subscription(ResponseModel):
    subscribed: bool


class Notification(ResponseModel):
    id: int
    kind: str
    text: str
    reason: str
    lesson_id: int
    lesson_title: str
    thread_id: int | None
    post_id: int | None
    created_at: datetime
    read: bool


class Notifications(ResponseModel):
    items: list[Notification]
    page: int
    pages: int
    total: int
    unread: int
    email_digest: bool


class MarkedRead(ResponseModel):
    marked_read: int


class DigestSetting(ResponseModel):
    email_digest: bool


class MovedThread(ResponseModel):
    id: int
    lesson_id: int
    group_id: int | None
    pinned: bool
    locked: bool


class ThreadModerated(ResponseModel):
    thread: MovedThread


class Attachment(ResponseModel):
    id: int
    title: str
    size: int
    url: str


class ReportOut(ResponseModel):
    by: str
    by_display: AuthorShown
    reason: str
    created_at: datetime


class QueueItem(ResponseModel):
    post_id: int
    thread_id: int
    thread_title: str
    lesson_id: int
    author: str
    author_display: AuthorShown
    state: State
    html: str
    created_at: datetime
    reports: list[ReportOut]


class Queue(PageInfo):
    queue: list[QueueItem]


class LogEntry(ResponseModel):
    action: str
    actor: str
    actor_display: AuthorShown
    subject: str
    subject_display: AuthorShown
    thread_id: int | None
    post_id: int | None
    reason: str
    details: dict[str, Any]
    created_at: datetime


class Log(PageInfo):
    entries: list[LogEntry]


class Criterion(ResponseModel):
    id: str
    title: str
    points: int


class GivenAssessment(ResponseModel):
    marks: dict[str, float]
    score: float | None
    comment: str
    complete: bool


class Participant(ResponseModel):
    user_id: int
    name: str
    name_display: AuthorShown
    posts: int = Field(description="Visible posts: threads started and replies.")
    replies: int = Field(description="Visible replies in threads started by someone else (a reply in one's "
                         "own thread counts as a post only), as the completion rule counts them.")
    waiting: int
    helpful: int
    complete: bool
    assessment: GivenAssessment | None


class Participants(PageInfo):
    rubric: list[Criterion]
    participants: list[Participant]


class Assessed(GivenAssessment):
    user_id: int


class LessonRef(ResponseModel):
    lesson_id: int
    title: str


class Unanswered(ResponseModel):
    thread_id: int
    lesson_id: int
    title: str
    author: str
    author_display: AuthorShown
    created_at: datetime


class Learner(ResponseModel):
    id: int
    name: str
    name_display: AuthorShown


class Silent(ResponseModel):
    lesson_id: int
    total: int
    learners: list[Learner]


class Dashboard(ResponseModel):
    discussions: list[LessonRef]
    queue: list[QueueItem] = Field(description="One page of the queue (``queue_page``), oldest first.")
    queue_page: PageInfo
    unanswered: list[Unanswered] = Field(description="One page (``unanswered_page``), oldest first.")
    unanswered_page: PageInfo
    not_taken_part: list[Silent]
