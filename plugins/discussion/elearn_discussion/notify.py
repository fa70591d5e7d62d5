"""In-app notifications: a reply to my post, my post approved, rejected or hidden, a synthesis
published, my post marked as resolving, my participation graded, and new posts in a discussion
I follow.

A notification only names who did what in which thread, never a post's text, and it goes only
to people who may see that thread: subscribers in another group, or learners who have not yet
answered a Q&A discussion, are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from elearn.plugin_api import (
    CourseInstructor,
    GroupMember,
    Lesson,
    User,
    name_with_role,
    notify,
    teaches_course,
    utcnow,
)
from elearn.plugin_api import Notification as CoreNotification
from elearn_discussion.content import Settings
from elearn_discussion.models import Notification, Post, PostState, Subscription, Thread

PAGE_SIZE = 30
# Made once: an alias proxies every column of its table, a cost not to pay per request.
_OWN_POST, _ACTOR = aliased(Post, name="own_post"), aliased(User, name="actor")


def kind_label(kind: str, actor: str, thread: str) -> str:
    """The sentence shown for a notification (translated when shown, not when stored)."""
    messages = {
        "reply": _("%(actor)s replied to you in “%(thread)s”."),
        "new_post": _("%(actor)s posted in “%(thread)s”."),
        "approved": _("Your post in “%(thread)s” was approved."),
        "rejected": _("Your post in “%(thread)s” was not approved."),
        "hidden": _("Your post in “%(thread)s” was hidden by a moderator."),
        "restored": _("Your post in “%(thread)s” is shown again."),
        "synthesis": _("%(actor)s published the instructor's synthesis in “%(thread)s”."),
        "resolved": _("Your post in “%(thread)s” was marked as resolving the question."),
        "graded": _("%(actor)s assessed your participation in this discussion."),
    }
    return messages.get(kind, kind) % {"actor": actor, "thread": thread}


KIND_PREFIX = "discussion."


def add(db: Session, user_ids: Iterable[int], kind: str, lesson_id: int, thread_id: int | None = None,
        post_id: int | None = None, actor_id: int | None = None, reason: str = "") -> None:
    """Tell these users (never the actor) through every channel the site has (``notify``): the
    in-app list below is one of them, an SMS or Zalo plugin may add others."""
    ids = sorted(set(user_ids) - {actor_id})
    if ids:
        _tell(list(db.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))), kind, lesson_id,
              thread_id, post_id, actor_id, reason, db)


def _tell(users: list[User], kind: str, lesson_id: int, thread_id: int | None, post_id: int | None,
          actor_id: int | None, reason: str, db: Session) -> None:
    users = sorted((user for user in users if user.id != actor_id), key=lambda user: user.id)
    if not users:
        return
    facts = {"lesson_id": lesson_id, "thread_id": thread_id, "post_id": post_id, "actor_id": actor_id,
             "reason": reason}
    notify(users, CoreNotification(KIND_PREFIX + kind, data=facts), db=db)


class InAppChannel:
    """The discussion's in-app list (``/x/discussion/notifications``) as a notification channel.

    It keeps the discussion's own notifications only (its rows name a lesson and a thread)."""

    name = "in_app"

    def send(self, user: User, notification: CoreNotification) -> None:
        self.send_many([user], notification)

    def send_many(self, users: list[User], notification: CoreNotification) -> None:
        if not notification.kind.startswith(KIND_PREFIX) or notification.db is None:
            return
        facts, now = notification.data, utcnow()
        notification.db.add_all([
            Notification(user_id=user.id, kind=notification.kind.removeprefix(KIND_PREFIX),
                         lesson_id=facts["lesson_id"], thread_id=facts.get("thread_id"),
                         post_id=facts.get("post_id"), actor_id=facts.get("actor_id"),
                         reason=facts.get("reason") or "", created_at=now)
            for user in users
        ])


def post_published(db: Session, post: Post, thread: Thread, lesson: Lesson, parent: Post | None = None,
                   quote: Post | None = None) -> None:
    """Tell the author replied to (and the author quoted), then the discussion's followers: one
    query for all of them (``parent`` and ``quote``: those posts when already loaded)."""
    direct: set[int] = set()
    if not post.is_opening:
        answered = {post.parent_id, post.quote_id} - {None}
        authors = {found.id: found.author_id for found in (parent, quote) if found is not None}
        if answered - set(authors):
            authors.update(db.execute(select(Post.id, Post.author_id).where(Post.id.in_(answered - set(authors)))))
        direct.update(authors[post_id] for post_id in answered if post_id in authors)
        if post.parent_id is None:
            direct.add(thread.author_id)
    direct.discard(post.author_id)
    followers, users = _who_can_see(db, lesson, thread, post, subscribers_only=True, also=direct)
    _tell([users[user_id] for user_id in direct if user_id in users], "reply", lesson.id, thread.id, post.id,
          post.author_id, "", db)
    _tell([users[user_id] for user_id in followers if user_id not in direct], "new_post", lesson.id, thread.id,
          post.id, post.author_id, "", db)


def synthesis_published(db: Session, post: Post, thread: Thread, lesson: Lesson) -> None:
    """Everyone who took part in the discussion or follows it, if they may see the thread."""
    add(db, who_can_see(db, lesson, thread, post, subscribers_only=False), "synthesis", lesson.id, thread.id,
        post.id, post.author_id)


def who_can_see(db: Session, lesson: Lesson, thread: Thread, post: Post, subscribers_only: bool) -> list[int]:
    """Followers (and, unless ``subscribers_only``, everyone who posted) who may see ``post``: one query."""
    return _who_can_see(db, lesson, thread, post, subscribers_only)[0]


def _who_can_see(db: Session, lesson: Lesson, thread: Thread, post: Post, subscribers_only: bool,
                 also: set[int] = frozenset()) -> tuple[list[int], dict[int, User]]:
    """``who_can_see``, and the User rows of those people and of ``also`` (whoever they are), loaded
    by the same query for the notifications."""
    settings = Settings.of(lesson.content)
    people = select(Subscription.user_id.label("user_id")).where(Subscription.lesson_id == lesson.id)
    if not subscribers_only:
        people = people.union(select(Post.author_id).where(Post.lesson_id == lesson.id))
    if also:
        people = people.union(select(User.id).where(User.id.in_(sorted(also))))
    people = people.subquery()
    own = _OWN_POST
    posted = exists().where(own.lesson_id == lesson.id, own.author_id == people.c.user_id,
                            own.state.in_(PostState.TAKING_PART))
    rows = db.execute(
        select(User, CourseInstructor.user_id.label("teaches"), GroupMember.group_id, posted.label("posted"))
        .join(people, User.id == people.c.user_id)
        .outerjoin(CourseInstructor, and_(CourseInstructor.course_id == lesson.course_id,
                                          CourseInstructor.user_id == people.c.user_id))
        .outerjoin(GroupMember, and_(GroupMember.user_id == people.c.user_id,
                                     GroupMember.course_id == lesson.course_id,
                                     GroupMember.group_set == (settings.group_set or "")))
    ).all()
    found, users = [], {}
    for row in rows:
        users[row.User.id] = row.User
        staff = teaches_course(row.User.role, row.teaches is not None)
        if not staff:
            if thread.state != PostState.VISIBLE:
                continue
            if thread.group_id is not None and row.group_id != thread.group_id:
                continue
            # Before answering, a Q&A learner sees only the instructors' posts in their threads.
            if settings.mode == "qa" and not row.posted and not (post.by_staff and thread.by_staff):
                continue
        found.append(row.User.id)
    return found, users


def described(*where: Any) -> Select:
    """Notifications with what their sentence needs (thread title, lesson titles, the actor's name
    and role), for the notifications page and the email digest alike."""
    return (
        select(Notification, Thread.title.label("thread_title"), Lesson.title_vi, Lesson.title_en,
               _ACTOR.name.label("actor"), _ACTOR.role.label("actor_role"))
        .join(Lesson, Lesson.id == Notification.lesson_id)
        .outerjoin(Thread, Thread.id == Notification.thread_id)
        .outerjoin(_ACTOR, _ACTOR.id == Notification.actor_id)
        .where(*where)
    )


def sentence(row: Any) -> str:
    """The sentence of a row of ``described``, naming a staff actor with their role: a learner
    named like the instructor cannot pass for them in a notification or an e-mail."""
    actor = name_with_role(row.actor, row.actor_role) if row.actor is not None else ""
    return kind_label(row.Notification.kind, actor, row.thread_title or "")


def lesson_title(row: Any, locale: str) -> str:
    return row.title_en if locale == "en" and row.title_en else row.title_vi


def for_user(db: Session, user: User, page: int = 1) -> tuple[list[Any], int, int]:
    """A page of the user's notifications (rows of ``described``), newest first, with the total and
    the unread count."""
    rows = db.execute(
        described(Notification.user_id == user.id)
        .add_columns(func.count().over().label("total"))
        .order_by(Notification.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    unread = db.scalar(select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None)))
    return rows, (rows[0].total if rows else 0), unread or 0


def mark_read(db: Session, user: User, ids: list[int] | None, now: datetime | None = None) -> int:
    """Mark the given notifications (or all) read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    return db.execute(query.values(read_at=now or utcnow())).rowcount


