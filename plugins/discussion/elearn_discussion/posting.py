"""What anyone taking part does: start a thread, reply (nested, quoting), edit within the
window (keeping the history), withdraw, report, mark helpful, subscribe.

Each function checks its own rules and changes rows in the caller's transaction; the
view commits once, so a refused action writes nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from limits import parse_many
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from elearn.plugin_api import CourseGroup, fail, insert_if_missing, rate_limiter, render_markdown, utcnow
from elearn_discussion import notify, participation
from elearn_discussion.access import Viewer, visible_post
from elearn_discussion.models import HelpfulMark, Post, PostState, Report, Revision, Subscription, Thread

MAX_BODY = 20_000
MAX_TITLE = 200
MAX_REASON = 1_000
DEFAULT_POST_LIMITS = "6/minute;60/hour"


# -- input -------------------------------------------------------------------------------


def clean_body(body: object) -> tuple[str, str]:
    """The Markdown as sent and its sanitised HTML, or a 400 saying what is wrong."""
    if not isinstance(body, str) or not body.strip():
        fail(400, _("Write something before posting."))
    if len(body) > MAX_BODY:
        fail(400, ngettext("A post can be at most %(num)d character long.",
                           "A post can be at most %(num)d characters long.", MAX_BODY))
    text = body.replace("\r\n", "\n").strip()
    return text, render_markdown(text)


def without_copied_quote(body: str, quoted_md: str) -> str:
    """``body`` without the leading Markdown quote the quote form started it with.

    The quoted post is shown from the original, re-checked for each reader, so a moderator who hides
    it hides it in every reply too; a copy kept in the reply's own text would outlive that. A leading
    quote is dropped when its text (or the part the learner kept) comes from the quoted post.
    """
    lines = body.replace("\r\n", "\n").strip().split("\n")
    quoted = 0
    while quoted < len(lines) and lines[quoted].lstrip().startswith(">"):
        quoted += 1
    excerpt = " ".join(line.lstrip()[1:].strip() for line in lines[:quoted]).split()
    if not excerpt or " ".join(excerpt) not in " ".join(quoted_md.split()):
        return body
    return "\n".join(lines[quoted:])


def clean_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        fail(400, _("Give the thread a title."))
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        fail(400, ngettext("A title can be at most %(num)d character long.",
                           "A title can be at most %(num)d characters long.", MAX_TITLE))
    return title


def clean_reason(reason: object, required: bool = True, missing: str | None = None) -> str:
    """A moderator's reason (shown to the author) or a report's (shown to the instructors)."""
    if reason is None and not required:
        return ""
    if not isinstance(reason, str) or (required and not reason.strip()):
        fail(400, missing or _("Say why, in a few words: the author will see it."))
    if len(reason) > MAX_REASON:
        fail(400, ngettext("The reason can be at most %(num)d character long.",
                           "The reason can be at most %(num)d characters long.", MAX_REASON))
    return reason.strip()


def optional_id(value: object, what: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isascii() \
            or not str(value).isdigit():
        fail(400, _("“%(field)s” must be a number.", field=what))
    return int(value)


# -- rate limit --------------------------------------------------------------------------


def _count_post(viewer: Viewer) -> None:
    """Posting is rate-limited per user (``DISCUSSION_POST_LIMITS``), staff included: a runaway
    script or a stuck button must not flood a discussion. The counts are the site's shared ones
    (``elearn.rate_limits``), so every worker sees the same; in the site's database they are part of
    the post's own transaction, so a post refused later is not counted."""
    limiter = rate_limiter()
    for item in parse_many(current_app.config.get("DISCUSSION_POST_LIMITS", DEFAULT_POST_LIMITS)):
        if not limiter.hit(item, "discussion-post", str(viewer.user.id)):
            fail(429, _("You are posting too quickly. Wait a minute, then try again."))


# -- states and counters -----------------------------------------------------------------


def set_state(db: Session, post: Post, thread: Thread, state: str) -> None:
    """Change a post's state, keeping the thread's counters and mirrored state right."""
    was_visible = post.state == PostState.VISIBLE
    was_shown = post.state in PostState.SHOWN
    if was_shown != (state in PostState.SHOWN):
        thread.unshown_count += 1 if was_shown else -1
    post.state = state
    if post.is_opening:
        thread.state = state
    elif was_visible != (state == PostState.VISIBLE):
        thread.reply_count += 1 if state == PostState.VISIBLE else -1
    if state == PostState.VISIBLE:
        thread.last_activity_at = max(thread.last_activity_at, post.created_at)
        if post.by_staff and not post.is_opening:
            thread.staff_replied = True


def published(db: Session, post: Post, thread: Thread, lesson) -> None:
    """A post waiting for approval became visible: tell those it concerns, and count it for its author."""
    notify.post_published(db, post, thread, lesson)
    if not post.by_staff:
        participation.refresh(db, lesson, post.author_id)


# -- posting -----------------------------------------------------------------------------


class Added(NamedTuple):
    """A post just added, with its thread and the post it quotes: the caller answers from these
    rows (the session keeps no rows nothing refers to, so looking them up again would query)."""

    post: Post
    thread: Thread
    quote: Post | None = None


def start_thread(db: Session, viewer: Viewer, title: object, body: object, group_id: object = None) -> Added:
    if not viewer.is_staff and not viewer.settings.learners_start_threads:
        fail(403, _("In this discussion only the instructors start threads; reply to theirs."))
    title_text = clean_title(title)
    body_md, body_html = clean_body(body)
    group = _thread_group(db, viewer, optional_id(group_id, "group_id"))
    _count_post(viewer)
    now = utcnow()
    state = _new_post_state(viewer)
    thread = Thread(lesson_id=viewer.lesson.id, group_id=group, author_id=viewer.user.id,
                    by_staff=viewer.is_staff, title=title_text, state=state, created_at=now, last_activity_at=now,
                    post_count=1, unshown_count=0 if state == PostState.VISIBLE else 1)
    db.add(thread)
    db.flush()
    post = Post(thread_id=thread.id, lesson_id=viewer.lesson.id, author_id=viewer.user.id, by_staff=viewer.is_staff,
                is_opening=True, body_md=body_md, body_html=body_html, state=state, created_at=now, position=1)
    _after_new_post(db, viewer, post, thread)
    return Added(post, thread)


def _thread_group(db: Session, viewer: Viewer, group_id: int | None) -> int | None:
    """Learners post into their own group; staff choose one, or none for the whole class."""
    if viewer.settings.group_set is None:
        return None
    if not viewer.is_staff:
        if viewer.group_id is None:
            fail(409, _("This discussion is held in groups and you are not in one yet. "
                        "Ask your instructor to add you to a group."))
        return viewer.group_id
    return group_in_set(db, viewer.lesson, viewer.settings.group_set, group_id)


def group_in_set(db: Session, lesson, group_set: str | None, group_id: int | None) -> int | None:
    """``group_id`` if it is a group of the lesson's course in ``group_set``; None for the whole class."""
    if group_set is None or group_id is None:
        return None
    found = db.scalar(select(CourseGroup.id).where(
        CourseGroup.id == group_id, CourseGroup.course_id == lesson.course_id, CourseGroup.group_set == group_set))
    if found is None:  # a well-formed id that names nothing here, as an unknown id in a path
        fail(404, _("There is no such group in this discussion's group set."))
    return found


def _new_post_state(viewer: Viewer) -> str:
    if viewer.settings.moderation == "pre" and not viewer.is_staff:
        return PostState.PENDING
    return PostState.VISIBLE


def reply(db: Session, viewer: Viewer, thread_id: int, body: object, parent_id: object = None,
          quote_id: object = None) -> Added:
    state, now = _new_post_state(viewer), utcnow()
    thread = _count_in_thread(db, viewer, thread_id, state, now)
    if not viewer.can_reply_in(thread):
        fail(409, _("This thread is locked: no more replies.") if thread.locked
             else _("This thread is not open for replies."))
    clean_body(body)  # refuse an empty or oversized body before looking anything up
    root_id = None
    parent = _post_in_thread(db, viewer, thread, optional_id(parent_id, "parent_id"))
    quote = _post_in_thread(db, viewer, thread, optional_id(quote_id, "quote_id"))
    body_md, body_html = clean_body(without_copied_quote(body, quote.body_md) if quote else body)
    if parent is not None:
        root_id = parent.root_id  # one level of nesting: a reply to a reply joins the same branch
    _count_post(viewer)
    post = Post(thread_id=thread.id, lesson_id=viewer.lesson.id, author_id=viewer.user.id, by_staff=viewer.is_staff,
                is_opening=False, root_id=root_id, parent_id=parent.id if parent else None,
                quote_id=quote.id if quote else None, body_md=body_md, body_html=body_html,
                state=state, created_at=now, position=thread.post_count)
    _after_new_post(db, viewer, post, thread, parent, quote)
    return Added(post, thread, quote)


def _post_in_thread(db: Session, viewer: Viewer, thread: Thread, post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    post, found_thread = visible_post(db, viewer, post_id)
    if found_thread.id != thread.id or post.state != PostState.VISIBLE:  # it exists, but not for this
        fail(409, _("You can only reply to or quote a visible post of this thread."))
    return post


def _count_in_thread(db: Session, viewer: Viewer, thread_id: int, state: str, now) -> Thread:
    """The thread a reply goes to, if the viewer may see it (else a 404), with its counters already
    counting the reply: one UPDATE that locks the row until commit, loads it and gives the reply
    its position. A reply refused after this (a locked thread, a bad parent) is rolled back with
    the rest of the request."""
    values: dict[str, Any] = {"post_count": Thread.post_count + 1}
    if state == PostState.VISIBLE:
        values.update(reply_count=Thread.reply_count + 1, last_activity_at=now)
        if viewer.is_staff:
            values["staff_replied"] = True
    else:
        values["unshown_count"] = Thread.unshown_count + 1
    thread = db.scalar(update(Thread).where(Thread.id == thread_id, viewer.thread_filter()).values(**values)
                       .returning(Thread).execution_options(populate_existing=True, synchronize_session=False))
    if thread is None:
        fail(404, _("This thread does not exist."))
    return thread


def _after_new_post(db: Session, viewer: Viewer, post: Post, thread: Thread, parent: Post | None = None,
                    quote: Post | None = None) -> None:
    """Store the new post (its thread's counters already count it), then the notifications and
    the author's counts. The insert carries the post's own root (a top-level post is its own)
    and asks nothing back but its id."""
    visible = post.state == PostState.VISIBLE
    if post.root_id is None:
        post.id, post.root_id = _own_id_twice(db)
    db.add(post)
    db.flush()
    if post.is_opening or post.parent_id is None:
        set_committed_value(post, "root_id", post.id)  # stored by the insert: nothing to load back
    if visible:
        notify.post_published(db, post, thread, viewer.lesson, parent, quote)
    if not viewer.is_staff:
        participation.added(db, viewer.lesson, post, thread, viewer.known)


def _own_id_twice(db: Session) -> tuple[Any, Any]:
    """SQL for a new post's id and the same id again, for a top-level post's root in its own insert
    (no UPDATE after it): PostgreSQL's sequence, or on SQLite the next rowid (a writing request
    holds the database's write lock, so no other insert can take it)."""
    if db.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(Post.__tablename__, "id")
        return func.nextval(sequence), func.currval(sequence)
    next_rowid = select(func.coalesce(func.max(Post.id), 0) + 1).scalar_subquery()
    return next_rowid, next_rowid


# -- changing one's own post -------------------------------------------------------------


def edit(db: Session, viewer: Viewer, post_id: int, body: object) -> Post:
    post, thread = visible_post(db, viewer, post_id, lock=True)
    if post.author_id != viewer.user.id:
        fail(403, _("You can only edit your own posts."))
    if post.state not in PostState.CHANGEABLE:
        fail(409, _("This post can no longer be edited."))
    if not viewer.may_still_edit(post, utcnow()):
        fail(409, ngettext("Posts can be edited for %(num)d minute after posting; that time has passed.",
                           "Posts can be edited for %(num)d minutes after posting; that time has passed.",
                           viewer.settings.edit_minutes))
    body_md, body_html = clean_body(body)
    if body_md == post.body_md:
        return post
    now = utcnow()
    db.add(Revision(post_id=post.id, editor_id=viewer.user.id, body_md=post.body_md, body_html=post.body_html,
                    written_at=post.edited_at or post.created_at, replaced_at=now))
    post.body_md, post.body_html, post.edited_at = body_md, body_html, now
    if post.state == PostState.VISIBLE and _new_post_state(viewer) == PostState.PENDING:
        set_state(db, post, thread, PostState.PENDING)  # pre-moderated: the new text is approved again
        participation.refresh(db, viewer.lesson, viewer.user.id, viewer.known)
    return post


def withdraw(db: Session, viewer: Viewer, post_id: int) -> Post:
    post, thread = visible_post(db, viewer, post_id, lock=True)
    if post.author_id != viewer.user.id:
        fail(403, _("You can only withdraw your own posts."))
    if post.state == PostState.WITHDRAWN:
        return post
    if post.state not in PostState.CHANGEABLE:
        # Hidden or rejected: withdrawing would show it again (as a placeholder) and undo the moderator.
        fail(409, _("This post is not shown."))
    set_state(db, post, thread, PostState.WITHDRAWN)
    if post.is_synthesis:
        post.is_synthesis = False
    if thread.resolved_post_id == post.id:
        thread.resolved_post_id = None
    if not viewer.is_staff:
        participation.refresh(db, viewer.lesson, viewer.user.id, viewer.known)
    return post


def history(db: Session, viewer: Viewer, post_id: int) -> tuple[Post, list[Revision]]:
    """Earlier texts of a post: for its author and the staff only."""
    post, _thread = visible_post(db, viewer, post_id)
    if post.author_id != viewer.user.id and not viewer.is_staff:
        fail(403, _("Only the author and the instructors can see a post's earlier versions."))
    revisions = list(db.scalars(select(Revision).where(Revision.post_id == post.id).order_by(Revision.id.desc())))
    return post, revisions


# -- reacting to others' posts -----------------------------------------------------------


def report(db: Session, viewer: Viewer, post_id: int, reason: object) -> Report:
    post, _thread = visible_post(db, viewer, post_id, lock=True)
    if post.author_id == viewer.user.id:
        fail(409, _("You cannot report your own post; withdraw it instead."))
    if post.state != PostState.VISIBLE:
        fail(409, _("This post is not shown, so there is nothing to report."))
    text = clean_reason(reason, missing=_("Say what is wrong with this post, in a few words."))
    if db.scalar(select(Report.id).where(Report.post_id == post.id, Report.reporter_id == viewer.user.id,
                                         Report.resolved_at.is_(None))):
        fail(409, _("You have already reported this post; the instructors will look at it."))
    found = Report(post_id=post.id, lesson_id=viewer.lesson.id, reporter_id=viewer.user.id, reason=text)
    db.execute(delete(Report).where(Report.post_id == post.id, Report.reporter_id == viewer.user.id))
    db.add(found)
    db.execute(update(Post).where(Post.id == post.id).values(open_reports=Post.open_reports + 1))
    return found


def mark_helpful(db: Session, viewer: Viewer, post_id: int, helpful: bool) -> Post:
    """Add or take back one's "helpful" mark; repeating either is harmless."""
    post, _thread = visible_post(db, viewer, post_id, lock=True)
    if post.author_id == viewer.user.id:
        fail(409, _("You cannot mark your own post as helpful."))
    if post.state != PostState.VISIBLE:
        fail(409, _("This post is not shown."))
    if not viewer.can_post:
        fail(403, _("Only enrolled learners and the course's instructors can do this."))
    if helpful:
        insert_if_missing(db, HelpfulMark, ["post_id", "user_id"], post_id=post.id, user_id=viewer.user.id,
                          created_at=utcnow())
    else:
        db.execute(delete(HelpfulMark).where(HelpfulMark.post_id == post.id,
                                             HelpfulMark.user_id == viewer.user.id))
    post.helpful_count = db.scalar(select(func.count()).where(HelpfulMark.post_id == post.id)) or 0
    return post


def subscribe(db: Session, viewer: Viewer, on: bool) -> None:
    if on:
        insert_if_missing(db, Subscription, ["user_id", "lesson_id"], user_id=viewer.user.id,
                          lesson_id=viewer.lesson.id, created_at=utcnow())
    else:
        db.execute(delete(Subscription).where(Subscription.user_id == viewer.user.id,
                                              Subscription.lesson_id == viewer.lesson.id))
    viewer.subscribed = on
