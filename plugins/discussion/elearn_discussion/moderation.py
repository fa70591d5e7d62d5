"""What instructors do: approve, reject, hide and restore posts (with a reason the author sees),
dismiss reports, pin, lock and move threads, publish the synthesis, mark the post that resolves
a question. Every action writes one row to the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from elearn.plugin_api import Lesson, Page, User, fail, matching, name_with_role, paginate, utcnow
from elearn_discussion import notify, participation
from elearn_discussion.access import TYPE_NAME, Viewer, visible_post, visible_thread
from elearn_discussion.content import Settings
from elearn_discussion.models import ModerationEntry, Notification, Post, PostState, Report, Thread
from elearn_discussion.posting import clean_reason, group_in_set, optional_id, published, set_state

POST_ACTIONS = ("approve", "reject", "hide", "restore", "dismiss_reports", "synthesis", "unsynthesis", "resolve",
                "unresolve")
THREAD_ACTIONS = ("pin", "unpin", "lock", "unlock", "move")
LOGGED_ACTIONS = (*POST_ACTIONS, *THREAD_ACTIONS, "assess", "attach", "detach")  # every action the log records
PAGE_SIZE = 50  # rows of the queue and of the log per page: a page stays light on a 2G link
QUEUE_KINDS = ("pending", "reported")  # the queue's filter: waiting for approval, or reported


def require_staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        fail(403, _("Only the instructors of this course can moderate its discussions."))


def log(db: Session, viewer: Viewer, action: str, thread_id: int | None = None, post_id: int | None = None,
        subject: int | None = None, reason: str = "", **details: Any) -> None:
    db.add(ModerationEntry(lesson_id=viewer.lesson.id, actor_id=viewer.user.id, action=action, thread_id=thread_id,
                           post_id=post_id, subject_user_id=subject, reason=reason, details=details,
                           created_at=utcnow()))


def _staff_post(db: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    """The post and its thread, locked (thread first, as posting does) for the counters they keep."""
    return visible_post(db, viewer, post_id, lock=True)


def moderate_post(db: Session, viewer: Viewer, post_id: int, action: object, reason: object = None) -> Post:
    require_staff(viewer)
    if action not in POST_ACTIONS:
        fail(400, _("Unknown action. Use one of: %(actions)s.", actions=", ".join(POST_ACTIONS)))
    post, thread = _staff_post(db, viewer, post_id)
    lesson = viewer.lesson
    needs_reason = action in ("reject", "hide")
    text = clean_reason(reason, required=needs_reason)
    before = post.state
    if action == "approve":
        _require(before == PostState.PENDING, _("Only a post waiting for approval can be approved."))
        _show(db, post, thread, lesson, "approved", viewer, text)
    elif action == "restore":
        _require(before in (PostState.HIDDEN, PostState.REJECTED), _("Only a hidden or rejected post can be restored."))
        _show(db, post, thread, lesson, "restored", viewer, text)
    elif action == "reject":
        _require(before == PostState.PENDING, _("Only a post waiting for approval can be rejected."))
        _take_down(db, post, thread, lesson, PostState.REJECTED, viewer, text)
    elif action == "hide":
        _require(before == PostState.VISIBLE, _("Only a visible post can be hidden."))
        _take_down(db, post, thread, lesson, PostState.HIDDEN, viewer, text)
    elif action == "dismiss_reports":
        _require(post.open_reports > 0, _("This post has no open reports."))
        _close_reports(db, post, viewer)
    elif action in ("synthesis", "unsynthesis"):
        _synthesis(db, viewer, post, thread, on=action == "synthesis")
    else:
        _resolution(db, viewer, post, thread, on=action == "resolve")
    log(db, viewer, action, thread.id, post.id, post.author_id, text, before=before, after=post.state)
    return post


def _require(ok: bool, message: str) -> None:
    if not ok:
        fail(409, message)


def _show(db: Session, post: Post, thread: Thread, lesson: Lesson, kind: str, viewer: Viewer, reason: str) -> None:
    set_state(db, post, thread, PostState.VISIBLE)
    post.moderation_reason = reason
    notify.add(db, [post.author_id], kind, lesson.id, thread.id, post.id, viewer.user.id, reason)
    if kind == "approved":
        published(db, post, thread, lesson)
    elif not post.by_staff:
        participation.refresh(db, lesson, post.author_id)


def _take_down(db: Session, post: Post, thread: Thread, lesson: Lesson, state: str, viewer: Viewer,
               reason: str) -> None:
    set_state(db, post, thread, state)
    post.moderation_reason = reason
    post.is_synthesis = False
    if thread.resolved_post_id == post.id:
        thread.resolved_post_id = None
    if post.open_reports:
        _close_reports(db, post, viewer)
    notify.add(db, [post.author_id], "rejected" if state == PostState.REJECTED else "hidden", lesson.id, thread.id,
               post.id, viewer.user.id, reason)
    if not post.by_staff:
        participation.refresh(db, lesson, post.author_id)


def _close_reports(db: Session, post: Post, viewer: Viewer) -> None:
    db.execute(update(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))
               .values(resolved_at=utcnow(), resolved_by=viewer.user.id))
    post.open_reports = 0


def _synthesis(db: Session, viewer: Viewer, post: Post, thread: Thread, on: bool) -> None:
    if on:
        _require(post.by_staff and post.state == PostState.VISIBLE,
                 _("Only a visible post by an instructor can be the synthesis."))
        _require(not post.is_synthesis, _("This post is already the synthesis."))
        post.is_synthesis = True
        notify.synthesis_published(db, post, thread, viewer.lesson)
    else:
        _require(post.is_synthesis, _("This post is not the synthesis."))
        post.is_synthesis = False


def _resolution(db: Session, viewer: Viewer, post: Post, thread: Thread, on: bool) -> None:
    if on:
        _require(not post.is_opening and post.state == PostState.VISIBLE,
                 _("Only a visible reply can resolve the thread's question."))
        thread.resolved_post_id = post.id
        notify.add(db, [post.author_id], "resolved", viewer.lesson.id, thread.id, post.id, viewer.user.id)
    else:
        _require(thread.resolved_post_id == post.id, _("This post is not marked as resolving the question."))
        thread.resolved_post_id = None


KEEP = object()  # "group_id" not sent with a move: the thread keeps its group where it can


def moderate_thread(db: Session, viewer: Viewer, thread_id: int, action: object, to_lesson: object = None,
                    to_group: object = KEEP) -> Thread:
    require_staff(viewer)
    if action not in THREAD_ACTIONS:
        fail(400, _("Unknown action. Use one of: %(actions)s.", actions=", ".join(THREAD_ACTIONS)))
    thread = visible_thread(db, viewer, thread_id, lock=True)
    details: dict[str, Any] = {}
    if action in ("pin", "unpin"):
        thread.pinned = action == "pin"
    elif action in ("lock", "unlock"):
        thread.locked = action == "lock"
    else:
        group = to_group if to_group is KEEP else optional_id(to_group, "group_id")
        details = _move(db, viewer, thread, optional_id(to_lesson, "lesson_id"), group)
    log(db, viewer, action, thread.id, None, thread.author_id, **details)
    return thread


def _move(db: Session, viewer: Viewer, thread: Thread, lesson_id: int | None, group_id: Any) -> dict:
    """Move a thread to another discussion of the same course, and/or to another group (``None``:
    the whole class). Without a group (``KEEP``) a thread keeps its group if the target discussion
    uses the same group set, so a move never opens a group's thread to the whole class by accident;
    otherwise it goes to the whole class. Its learners' participation is counted again in both."""
    source = viewer.lesson
    target = source
    if lesson_id is not None and lesson_id != source.id:
        target = db.scalar(select(Lesson).where(Lesson.id == lesson_id, Lesson.course_id == source.course_id,
                                                Lesson.type_name == TYPE_NAME))
        if target is None:  # names no discussion of this course: as an unknown id in a path
            fail(404, _("A thread can only move to another discussion of the same course."))
    target_set = Settings.of(target.content).group_set
    if group_id is KEEP:
        same_set = target_set is not None and target_set == Settings.of(source.content).group_set
        group_id = thread.group_id if same_set else None
    details = {"from_lesson": thread.lesson_id, "to_lesson": target.id, "from_group": thread.group_id}
    thread.group_id = group_in_set(db, target, target_set, group_id)
    details["to_group"] = thread.group_id
    if target.id != thread.lesson_id:
        thread.lesson_id = target.id
        db.execute(update(Post).where(Post.thread_id == thread.id).values(lesson_id=target.id))
        db.execute(update(Report).where(Report.post_id.in_(select(Post.id).where(Post.thread_id == thread.id)))
                   .values(lesson_id=target.id))
        # Notifications link to the thread through its lesson: they follow it.
        db.execute(update(Notification).where(Notification.thread_id == thread.id).values(lesson_id=target.id))
        learners = db.scalars(select(Post.author_id).where(Post.thread_id == thread.id, ~Post.by_staff).distinct())
        for learner_id in sorted(learners):
            participation.refresh(db, source, learner_id)
            participation.refresh(db, target, learner_id)
    return details


def _waiting(kind: str = ""):
    """What the queue holds: posts waiting for approval and posts with open reports, or one kind."""
    if kind == "pending":
        return Post.state == PostState.PENDING
    if kind == "reported":
        return Post.open_reports > 0
    return (Post.state == PostState.PENDING) | (Post.open_reports > 0)


def _people(query: str):
    """The ids of the users whose name or email contains ``query`` (the lists' name filter)."""
    return matching(select(User.id), query).scalar_subquery()


def queue(db: Session, lesson_ids: list[int], page: Any = 1, kind: str = "", query: str = "",
          per_page: int = PAGE_SIZE) -> Page:
    """One page of the queue (``kind``: "pending", "reported" or both; ``query``: the author's name),
    oldest first, each post with its open reports: three queries whatever the queue's length."""
    kind = kind if kind in QUEUE_KINDS else ""
    args = {"kind": kind, "q": query}
    if not lesson_ids:
        return Page([], 1, per_page, 0, False, {k: v for k, v in args.items() if v})
    author = aliased(User)
    rows = (
        select(Post, Thread.title, author.name, author.role, Lesson)
        .join(Thread, Thread.id == Post.thread_id)
        .join(author, author.id == Post.author_id)
        .join(Lesson, Lesson.id == Post.lesson_id)
        .where(Post.lesson_id.in_(lesson_ids), _waiting(kind))
        .order_by(Post.id)
    )
    if query:
        rows = rows.where(Post.author_id.in_(_people(query)))
    found = paginate(db, rows, page, per_page=per_page, scalars=False, args=args)
    reporter = aliased(User)
    reports: dict[int, list[dict[str, Any]]] = {}
    reported = [row.Post.id for row in found.items if row.Post.open_reports]
    if reported:
        for report, name, role in db.execute(
            select(Report, reporter.name, reporter.role).join(reporter, reporter.id == Report.reporter_id)
            .where(Report.post_id.in_(reported), Report.resolved_at.is_(None)).order_by(Report.id)
        ):
            reports.setdefault(report.post_id, []).append({"by": name, "by_display": name_with_role(name, role),
                                                           "reason": report.reason,
                                                           "created_at": report.created_at})
    items = [{"post": row.Post, "thread_title": row.title, "author": row.name,
              "author_display": name_with_role(row.name, row.role), "lesson": row.Lesson,
              "reports": reports.get(row.Post.id, [])} for row in found.items]
    found.items = items
    return found


def waiting_per_lesson(db: Session, lesson_ids: list[int]) -> dict[int, int]:
    """How many posts wait in each discussion's queue: one grouped query."""
    if not lesson_ids:
        return {}
    return dict(db.execute(select(Post.lesson_id, func.count()).where(Post.lesson_id.in_(lesson_ids), _waiting())
                           .group_by(Post.lesson_id)).all())


def log_page(db: Session, viewer: Viewer, page: Any = 1, action: str = "", query: str = "") -> Page:
    """One page of the audit log, newest first (``action``: one kind of action; ``query``: the name
    of who acted or whom it was about): two queries."""
    require_staff(viewer)
    action = action if action in LOGGED_ACTIONS else ""
    actor, subject = aliased(User), aliased(User)
    rows = (
        select(ModerationEntry, actor.name, actor.role, subject.name, subject.role, Thread.lesson_id)
        .outerjoin(actor, actor.id == ModerationEntry.actor_id)
        .outerjoin(Thread, Thread.id == ModerationEntry.thread_id)
        .outerjoin(subject, subject.id == ModerationEntry.subject_user_id)
        .where(ModerationEntry.lesson_id == viewer.lesson.id)
        .order_by(ModerationEntry.id.desc())
    )
    if action:
        rows = rows.where(ModerationEntry.action == action)
    if query:
        people = _people(query)
        rows = rows.where(ModerationEntry.actor_id.in_(people) | ModerationEntry.subject_user_id.in_(people))
    found = paginate(db, rows, page, per_page=PAGE_SIZE, scalars=False, args={"action": action, "q": query})
    # ``thread_lesson``: where the thread is now (a moved thread's link must follow it).
    found.items = [{"entry": row[0], "actor": row[1] or "", "subject": row[3] or "",
                    "actor_display": name_with_role(row[1], row[2]) if row[1] else "",
                    "subject_display": name_with_role(row[3], row[4]) if row[3] else "",
                    "thread_lesson": row[5]} for row in found.items]
    return found


def log_actions() -> list[tuple[str, str]]:
    """The actions the log's filter offers, with their words."""
    return [(action, done_message(action)) for action in LOGGED_ACTIONS]


def assess(db: Session, viewer: Viewer, learner_id: int, marks: Any, comment: Any, complete: Any):
    """An instructor's assessment of one learner, logged, and announced to the learner."""
    require_staff(viewer)
    row = participation.assess(db, viewer.lesson, viewer.user, learner_id, marks, comment, complete)
    notify.add(db, [learner_id], "graded", viewer.lesson.id, actor_id=viewer.user.id)
    log(db, viewer, "assess", subject=learner_id, score=row.score, complete=row.signed_off)
    return row


def done_message(action: str) -> str:
    """What an action did, in words: the flash after it and its line in the audit log."""
    messages = {
        "approve": _("Approved"),
        "reject": _("Rejected"),
        "hide": _("Hidden"),
        "restore": _("Restored"),
        "dismiss_reports": _("Reports dismissed"),
        "synthesis": _("Published as the synthesis"),
        "unsynthesis": _("No longer the synthesis"),
        "resolve": _("Marked as resolving the question"),
        "unresolve": _("No longer marked as resolving the question"),
        "pin": _("Pinned"),
        "unpin": _("Unpinned"),
        "lock": _("Locked"),
        "unlock": _("Unlocked"),
        "move": _("Moved"),
        "assess": _("Participation assessed"),
        "attach": _("Document added to the case"),
        "detach": _("Document removed from the case"),
    }
    return messages.get(action, action)
