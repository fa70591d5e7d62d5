"""The data of each page, built once for the HTML view and the API alike."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from elearn.plugin_api import CourseGroup, User, fail, name_with_role
from elearn_discussion import listing, notify, serialize
from elearn_discussion.access import Viewer
from elearn_discussion.models import EmailPreference, Post, PostState, Thread


def thread_page(db: Session, viewer: Viewer, thread_id: int, page: Any) -> dict[str, Any]:
    row = db.execute(select(Thread, User.name, User.role).join(User, User.id == Thread.author_id)
                     .where(Thread.id == thread_id, viewer.thread_filter())).first()
    if row is None:
        fail(404, _("This thread does not exist."))
    thread = row.Thread
    found = listing.posts(db, viewer, thread, listing.page_number(page))
    summary = serialize.thread(viewer, {"thread": thread, "author": row.name,
                                        "author_display": name_with_role(row.name, row.role)})
    return {
        "thread": summary,
        "posts": serialize.page(found, [serialize.post(viewer, item, thread) for item in found.items]),
        "sees_others": viewer.sees_others,
        "can_reply": viewer.can_reply_in(thread),
        "is_staff": viewer.is_staff,
    }


def quoted_post(db: Session, viewer: Viewer, thread_id: int, post_id: int | None) -> dict[str, Any] | None:
    """The post the reply form quotes (``?quote=``): its author and text, shown above the form, and
    its Markdown as a quote to start the reply with, for the learner to cut to the part they
    answer. Only a visible post of this thread the reader may see; anything else quotes nothing."""
    if post_id is None:
        return None
    row = db.execute(select(Post, User.name, User.role).join(User, User.id == Post.author_id)
                     .where(Post.id == post_id, Post.thread_id == thread_id, Post.state == PostState.VISIBLE,
                            viewer.post_filter())).first()
    if row is None:
        return None
    quote = "\n".join(f"> {line}".rstrip() for line in row.Post.body_md.splitlines())
    return {"id": row.Post.id, "author_display": name_with_role(row.name, row.role), "html": row.Post.body_html,
            "markdown": f"{quote}\n\n"}


def page_of_post(db: Session, viewer: Viewer, post: Post, added_to: Thread | None = None) -> int:
    """The page of its thread a post is on, for the reader: where to land after posting.

    ``added_to``: the post's thread, locked, when the post was just added to it. A top-level post
    just added comes after every post added before it (the thread is locked while it is
    added), so while every reader sees every post of the thread (none pending, hidden or rejected,
    and the reader not held to the instructors' posts of a Q&A) its stored position gives its page
    without counting the thread. Otherwise the posts before it that the reader sees are counted."""
    if added_to is not None and post.root_id == post.id and added_to.unshown_count == 0 \
            and (viewer.is_staff or viewer.sees_others):
        before = post.position - 1
    else:
        before = db.scalar(
            select(func.count()).select_from(Post)
            .where(Post.thread_id == post.thread_id, viewer.post_filter(),
                   tuple_(Post.root_id, Post.id) < tuple_(post.root_id, post.id))
        ) or 0
    return before // viewer.settings.page_size + 1


def groups_for_staff(db: Session, viewer: Viewer) -> list[dict[str, Any]]:
    if viewer.settings.group_set is None or not viewer.is_staff:
        return []
    rows = db.scalars(select(CourseGroup).where(CourseGroup.course_id == viewer.lesson.course_id,
                                                CourseGroup.group_set == viewer.settings.group_set)
                      .order_by(CourseGroup.title_vi))
    return [{"id": g.id, "title_vi": g.title_vi, "title_en": g.title_en or g.title_vi} for g in rows]


def notifications_page(db: Session, user: User, page: Any, locale: str) -> dict[str, Any]:
    number = listing.page_number(page)
    rows, total, unread = notify.for_user(db, user, number)
    digest = db.scalar(select(EmailPreference.digest).where(EmailPreference.user_id == user.id))
    return {
        "items": [
            {
                "id": row.Notification.id,
                "kind": row.Notification.kind,
                "text": notify.sentence(row),
                "reason": row.Notification.reason,
                "lesson_id": row.Notification.lesson_id,
                "lesson_title": notify.lesson_title(row, locale),
                "thread_id": row.Notification.thread_id,
                "post_id": row.Notification.post_id,
                "created_at": serialize.when(row.Notification.created_at),
                "read": row.Notification.read_at is not None,
            }
            for row in rows
        ],
        "page": number,
        "pages": max(1, -(-total // notify.PAGE_SIZE)),
        "total": total,
        "unread": unread,
        "email_digest": bool(digest),
    }


def set_email_digest(db: Session, user: User, enabled: Any) -> None:
    if not isinstance(enabled, bool):
        fail(400, _("“enabled” must be true or false."))
    row = db.get(EmailPreference, user.id)
    if row is None:
        db.add(EmailPreference(user_id=user.id, digest=enabled))
    else:
        row.digest = enabled
