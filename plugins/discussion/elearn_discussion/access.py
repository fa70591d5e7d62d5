"""Who is looking at a discussion, and what they may see of it.

Every read goes through ``Viewer``: the thread filter and the post filter below are the
only places that decide visibility, and they run in SQL, so nothing a learner must not
see (others' pending or hidden posts, other groups' threads, the answers in a Q&A
discussion before their own) is ever loaded for them, let alone sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, false, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from elearn.plugin_api import GroupMember, LearnerLesson, Lesson, User, fail, learner_lesson, name_with_role
from elearn_discussion.content import Settings
from elearn_discussion.models import Post, PostState, Subscription, Thread

TYPE_NAME = "discussion"
# Made once: an alias proxies every column of its table, a cost not to pay per request.
_SYNTHESIS_THREAD, _SYNTHESIS_POST = aliased(Thread, name="synthesis_thread"), aliased(Post, name="synthesis_post")


@dataclass
class Viewer:
    user: User
    lesson: Lesson
    is_staff: bool  # teaches the course (or an admin): sees and moderates everything
    may_submit: bool  # enrolled in the course and the lesson is current
    settings: Settings
    group_id: int | None  # the learner's group in the discussion's group set
    has_posted: bool  # for Q&A: a post of theirs (visible or waiting) is in this discussion
    subscribed: bool
    synthesis: dict[str, Any] | None
    # What learner_lesson loaded (access, progress): lets the viewer's own progress be stored
    # without looking it up again.
    known: LearnerLesson | None = None

    @property
    def can_post(self) -> bool:
        """Enrolled learners on a current lesson, and the course's staff."""
        return self.is_staff or self.may_submit

    @property
    def sees_others(self) -> bool:
        """False while a Q&A discussion hides other learners' posts from this learner."""
        return self.is_staff or self.settings.mode != "qa" or self.has_posted

    def can_reply_in(self, thread: Thread) -> bool:
        """Staff always; learners while the thread is shown and not locked."""
        return self.can_post and (self.is_staff or (not thread.locked and thread.state == PostState.VISIBLE))

    def may_still_edit(self, post: Post, now: datetime) -> bool:
        """Within the discussion's edit window (staff: always), for a post its author may change."""
        return post.state in PostState.CHANGEABLE and (
            self.is_staff or now <= post.created_at + timedelta(minutes=self.settings.edit_minutes))

    @property
    def needs_group(self) -> bool:
        return self.settings.group_set is not None and not self.is_staff and self.group_id is None

    # -- the two filters ---------------------------------------------------------------

    def thread_filter(self, thread=Thread, group: Any = None, posted: Any = None) -> ColumnElement[bool]:
        """The threads this viewer may see. ``group`` and ``posted`` may be SQL expressions standing
        for ``group_id`` and ``has_posted``, to filter in the query that looks them up."""
        if self.is_staff:
            return thread.lesson_id == self.lesson.id
        mine = thread.author_id == self.user.id
        conditions = [thread.lesson_id == self.lesson.id, or_(mine, thread.state.in_(PostState.SHOWN))]
        if self.settings.group_set is not None:
            if group is None:
                group = literal(self.group_id) if self.group_id is not None else None
            same_group = thread.group_id == group if group is not None else false()
            conditions.append(or_(mine, thread.group_id.is_(None), same_group))
        if self.settings.mode == "qa":
            seen = or_(mine, thread.by_staff)
            if posted is not None:
                conditions.append(or_(posted, seen))
            elif not self.has_posted:
                conditions.append(seen)
        return and_(*conditions)

    def post_filter(self, post=Post) -> ColumnElement[bool]:
        return post_visibility(post, literal(self.user.id), self.is_staff, self.sees_others)


def post_visibility(post, me: Any, staff: bool, sees_others: bool) -> ColumnElement[bool]:
    """The posts someone may see: all for staff; else visible and withdrawn ones, and their own
    (``me``: their id, as a value or a bound parameter), without other learners' while a Q&A
    discussion hides them."""
    if staff:
        return true()
    mine = post.author_id == me
    shown = or_(mine, post.state.in_(PostState.SHOWN))
    return shown if sees_others else and_(shown, or_(mine, post.by_staff))


def open_discussion(db: Session, user: User | None, lesson_id: int, for_post: bool = False) -> Viewer:
    """The discussion lesson for this user (401/403/404 as the lesson page), with their group,
    whether they have posted and their subscription: two queries."""
    found = learner_lesson(db, user, lesson_id, TYPE_NAME)
    viewer = viewer_for(db, found.lesson, found.access.user, found.access.can_teach,
                        found.access.can_submit(found.lesson))
    viewer.known = found
    if for_post and not viewer.can_post:
        fail(403, _("Only enrolled learners and the course's instructors can post here."))
    return viewer


def viewer_for(db: Session, lesson: Lesson, user: User, is_staff: bool, may_submit: bool,
               with_synthesis: bool = False) -> Viewer:
    """The viewer, in one query: whether they posted, follow the discussion, their group and (for
    the lesson page) the newest synthesis they may see, filtered in the same statement."""
    settings = Settings.of(lesson.content)
    viewer = Viewer(user=user, lesson=lesson, is_staff=is_staff, may_submit=may_submit, settings=settings,
                    group_id=None, has_posted=False, subscribed=False, synthesis=None)
    posted = exists().where(
        Post.lesson_id == lesson.id, Post.author_id == user.id,
        Post.state.in_(PostState.TAKING_PART),
    )
    subscribed = exists().where(Subscription.user_id == user.id, Subscription.lesson_id == lesson.id)
    group = None
    if settings.group_set is not None:
        group = (
            select(GroupMember.group_id)
            .where(GroupMember.user_id == user.id, GroupMember.course_id == lesson.course_id,
                   GroupMember.group_set == settings.group_set)
            .scalar_subquery()
        )
    columns = [posted.label("posted"), subscribed.label("subscribed"),
               (group if group is not None else literal(None)).label("group_id")]
    query = select(*columns)
    if with_synthesis:
        synthesis = _synthesis_query(viewer, group, posted)
        query = select(*columns, synthesis).select_from(
            select(literal(1).label("one")).subquery().outerjoin(synthesis, true()))
    row = db.execute(query).one()
    viewer.group_id, viewer.has_posted, viewer.subscribed = row.group_id, bool(row.posted), bool(row.subscribed)
    if with_synthesis and row.synthesis_id is not None:
        viewer.synthesis = {"post_id": row.synthesis_id, "thread_id": row.synthesis_thread, "html": row.synthesis_html,
                            "author": row.synthesis_author,
                            "author_display": name_with_role(row.synthesis_author, row.synthesis_author_role),
                            "created_at": row.synthesis_at}
    return viewer


def _synthesis_query(viewer: Viewer, group: Any, posted: Any):
    """The newest synthesis the viewer may see: the case's conclusion, shown at the top."""
    thread, post = _SYNTHESIS_THREAD, _SYNTHESIS_POST
    return (
        select(post.id.label("synthesis_id"), post.thread_id.label("synthesis_thread"),
               post.body_html.label("synthesis_html"), post.created_at.label("synthesis_at"),
               User.name.label("synthesis_author"), User.role.label("synthesis_author_role"))
        .join(thread, thread.id == post.thread_id)
        .join(User, User.id == post.author_id)
        .where(post.lesson_id == viewer.lesson.id, post.is_synthesis, post.state == PostState.VISIBLE,
               viewer.thread_filter(thread, group=group, posted=posted))
        .order_by(post.id.desc())
        .limit(1)
        .subquery()
    )


def visible_thread(db: Session, viewer: Viewer, thread_id: int, lock: bool = False) -> Thread:
    """A thread the viewer may see, or a 404. ``lock``: for a change to its counters, the row is
    locked until commit (PostgreSQL; SQLite's writing requests already hold the write lock)."""
    query = select(Thread).where(Thread.id == thread_id, viewer.thread_filter())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    thread = db.scalar(query)
    if thread is None:
        fail(404, _("This thread does not exist."))
    return thread


def visible_post(db: Session, viewer: Viewer, post_id: int, lock: bool = False) -> tuple[Post, Thread]:
    """A post the viewer may see with its thread, or a 404; ``lock`` locks both rows, thread first."""
    if lock:
        found = db.scalar(select(Post.thread_id).where(Post.id == post_id, Post.lesson_id == viewer.lesson.id))
        if found is not None:
            visible_thread(db, viewer, found, lock=True)
    query = (select(Post, Thread).join(Thread, Thread.id == Post.thread_id)
             .where(Post.id == post_id, Post.lesson_id == viewer.lesson.id, viewer.thread_filter(),
                    viewer.post_filter()))
    if lock:
        query = query.with_for_update(of=Post).execution_options(populate_existing=True)
    row = db.execute(query).first()
    if row is None:
        fail(404, _("This post does not exist."))
    return row.Post, row.Thread
