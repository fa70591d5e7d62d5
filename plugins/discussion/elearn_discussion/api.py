"""The JSON API under ``/api/v1/x/discussion``: every action of the HTML pages, same code,
same rules. Bearer token only (the core mounts this blueprint without CSRF); errors are JSON
``{"error": {"message": ...}}`` with 400/401/403/404/409/429."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from elearn.plugin_api import (
    Page,
    User,
    api_user,
    current_locale,
    db_session,
    display_name,
    name_with_role,
    no_content,
    operation,
    token_required,
)
from elearn_discussion import api_models as m
from elearn_discussion import (
    attachments,
    dashboard,
    listing,
    moderation,
    notify,
    pages,
    participation,
    posting,
    serialize,
)
from elearn_discussion.access import open_discussion
from elearn_discussion.models import Post, Thread

api = Blueprint("discussion_api", __name__)
# Every discussion call opens a lesson the caller may see: 404 unknown, 403 not enrolled.
SEEN = (403, 404)

def _viewer(lesson_id: int, for_post: bool = False):
    return open_discussion(db_session(), api_user(), lesson_id, for_post=for_post)


def _post_reply(viewer, post, status: int = 200, added: posting.Added | None = None):
    """The post as the caller now sees it, serialised before the commit: the rows are in the
    session already (``added``: a new post's, as loaded), so answering costs no second transaction
    (nor SQLite's write lock again)."""
    db = db_session()
    thread = added.thread if added is not None else db.get(Thread, post.thread_id)
    quote = added.quote if added is not None else db.get(Post, post.quote_id) if post.quote_id else None
    author = viewer.user if post.author_id == viewer.user.id else db.get(User, post.author_id)
    quoted_author = None if quote is None else db.get(User, quote.author_id)
    item = {"post": post, "author": author.name, "author_display": name_with_role(author.name, author.role),
            "helpful_by_me": False,
            "quote": listing.quote_view(quote, getattr(quoted_author, "name", None),
                                        getattr(quoted_author, "role", None))}
    body = serialize.post(viewer, item, thread)
    db.commit()
    return jsonify(post=body), status


@api.get("/lessons/<int:lesson_id>/threads")
@token_required
@operation(query=m.PageQuery, responses={200: m.Threads}, errors=SEEN)
def threads(lesson_id: int, query: m.PageQuery):
    """A page of the discussion's threads the caller may see (?page=N)"""
    viewer = _viewer(lesson_id)
    found = listing.threads(db_session(), viewer, query.page)
    return jsonify(threads=serialize.page(found, [serialize.thread(viewer, item) for item in found.items]))


@api.post("/lessons/<int:lesson_id>/threads")
@token_required
@operation(body=m.NewThread, responses={201: m.OnePost}, errors=(*SEEN, 409, 429))
def start_thread(lesson_id: int, body: m.NewThread):
    """Start a thread: {title, body (Markdown), group_id (staff, grouped discussions)}"""
    viewer = _viewer(lesson_id, for_post=True)
    added = posting.start_thread(db_session(), viewer, body.title, body.body, body.group_id)
    return _post_reply(viewer, added.post, 201, added)


@api.get("/lessons/<int:lesson_id>/threads/<int:thread_id>")
@token_required
@operation(query=m.PageQuery, responses={200: m.ThreadView}, errors=SEEN)
def thread(lesson_id: int, thread_id: int, query: m.PageQuery):
    """A thread with a page of its posts, as the caller may see them (?page=N)"""
    viewer = _viewer(lesson_id)
    return jsonify(pages.thread_page(db_session(), viewer, thread_id, query.page))


@api.post("/lessons/<int:lesson_id>/threads/<int:thread_id>/posts")
@token_required
@operation(body=m.NewReply, responses={201: m.OnePost}, errors=(*SEEN, 409, 429))
def reply(lesson_id: int, thread_id: int, body: m.NewReply):
    """Reply in a thread: {body, parent_id (nest under a post), quote_id}"""
    viewer = _viewer(lesson_id, for_post=True)
    added = posting.reply(db_session(), viewer, thread_id, body.body, body.parent_id, body.quote_id)
    return _post_reply(viewer, added.post, 201, added)


@api.patch("/lessons/<int:lesson_id>/posts/<int:post_id>")
@token_required
@operation(body=m.Edit, responses={200: m.OnePost}, errors=(*SEEN, 409))
def edit(lesson_id: int, post_id: int, body: m.Edit):
    """Edit one's own post within the edit window: {body}; the earlier text is kept"""
    viewer = _viewer(lesson_id, for_post=True)
    return _post_reply(viewer, posting.edit(db_session(), viewer, post_id, body.body))


@api.post("/lessons/<int:lesson_id>/posts/<int:post_id>/withdraw")
@token_required
@operation(responses={200: m.OnePost}, errors=(*SEEN, 409))
def withdraw(lesson_id: int, post_id: int):
    """Withdraw one's own post: others then see only that it was withdrawn"""
    viewer = _viewer(lesson_id)
    return _post_reply(viewer, posting.withdraw(db_session(), viewer, post_id))


@api.get("/lessons/<int:lesson_id>/posts/<int:post_id>/history")
@token_required
@operation(responses={200: m.History}, errors=SEEN)
def history(lesson_id: int, post_id: int):
    """A post's earlier versions (its author and the instructors only)"""
    viewer = _viewer(lesson_id)
    post, revisions = posting.history(db_session(), viewer, post_id)
    return jsonify(post_id=post.id, current={"html": post.body_html, "markdown": post.body_md,
                                             "written_at": serialize.when(post.edited_at or post.created_at)},
                   earlier=[{"html": r.body_html, "markdown": r.body_md, "written_at": serialize.when(r.written_at),
                             "replaced_at": serialize.when(r.replaced_at)} for r in revisions])


@api.post("/lessons/<int:lesson_id>/posts/<int:post_id>/reports")
@token_required
@operation(body=m.NewReport, responses={201: m.Message}, errors=(*SEEN, 409))
def report(lesson_id: int, post_id: int, body: m.NewReport):
    """Report a post to the instructors: {reason}"""
    viewer = _viewer(lesson_id)
    posting.report(db_session(), viewer, post_id, body.reason)
    db_session().commit()
    return jsonify(message=_("Thank you. The instructors will look at this post.")), 201


@api.route("/lessons/<int:lesson_id>/posts/<int:post_id>/helpful", methods=["PUT", "DELETE"])
@token_required
@operation(responses={200: m.Helpful}, errors=(*SEEN, 409))
def helpful(lesson_id: int, post_id: int):
    """Mark a post helpful (PUT) or take the mark back (DELETE)"""
    viewer = _viewer(lesson_id)
    post = posting.mark_helpful(db_session(), viewer, post_id, request.method == "PUT")
    db_session().commit()
    return jsonify(post_id=post.id, helpful=post.helpful_count, helpful_by_me=request.method == "PUT")


@api.route("/lessons/<int:lesson_id>/subscription", methods=["PUT", "DELETE"])
@token_required
@operation(responses={200: m.Subscription}, errors=SEEN)
def subscription(lesson_id: int):
    """Follow the discussion (PUT) or stop following it (DELETE)"""
    viewer = _viewer(lesson_id)
    posting.subscribe(db_session(), viewer, request.method == "PUT")
    db_session().commit()
    return jsonify(subscribed=viewer.subscribed)


@api.get("/notifications")
@token_required
@operation(query=m.PageQuery, responses={200: m.Notifications})
def notifications(query: m.PageQuery):
    """The caller's notifications, newest first, with the unread count (?page=N)"""
    return jsonify(pages.notifications_page(db_session(), api_user(), query.page, current_locale()))


@api.post("/notifications/read")
@token_required
@operation(body=m.MarkRead, responses={200: m.MarkedRead})
def notifications_read(body: m.MarkRead):
    """Mark notifications read: {ids: [...]}, or {} for all"""
    changed = notify.mark_read(db_session(), api_user(), body.ids)
    db_session().commit()
    return jsonify(marked_read=changed)


@api.put("/me/email-digest")
@token_required
@operation(body=m.EmailDigest, responses={200: m.DigestSetting})
def email_digest(body: m.EmailDigest):
    """Turn the daily email digest of notifications on or off: {enabled: true|false}"""
    pages.set_email_digest(db_session(), api_user(), body.enabled)
    db_session().commit()
    return jsonify(email_digest=body.enabled)


# -- staff -------------------------------------------------------------------------------


@api.post("/lessons/<int:lesson_id>/posts/<int:post_id>/moderation")
@token_required
@operation(body=m.Moderation, responses={200: m.OnePost}, errors=(*SEEN, 409))
def moderate_post(lesson_id: int, post_id: int, body: m.PostModeration | m.PostTakedown):
    """Moderate a post (instructors): {action, reason}

actions: approve, reject, hide, restore, dismiss_reports, synthesis, unsynthesis, resolve,
unresolve; a reason is required to reject or hide and is shown to the author."""
    viewer = _viewer(lesson_id)
    post = moderation.moderate_post(db_session(), viewer, post_id, body.action, body.reason)
    return _post_reply(viewer, post)


@api.post("/lessons/<int:lesson_id>/threads/<int:thread_id>/moderation")
@token_required
@operation(body=m.ThreadModeration, responses={200: m.ThreadModerated}, errors=SEEN)
def moderate_thread(lesson_id: int, thread_id: int, body: m.ThreadModeration):
    """Pin, lock or move a thread (instructors): {action, lesson_id, group_id}"""
    viewer = _viewer(lesson_id)
    group = body.group_id if "group_id" in body.model_fields_set else moderation.KEEP
    found = moderation.moderate_thread(db_session(), viewer, thread_id, body.action, body.lesson_id, group)
    db_session().commit()
    return jsonify(thread={"id": found.id, "lesson_id": found.lesson_id, "group_id": found.group_id,
                           "pinned": found.pinned, "locked": found.locked})


@api.post("/lessons/<int:lesson_id>/attachments")
@token_required
@operation(form={"title": "The document's title, at most 200 characters.",
                 "file": "A PDF, an office document, an image, a sound or a video."},
           responses={201: m.Attachment}, errors=(*SEEN, 413))
def upload_attachment(lesson_id: int):
    """Add a document to the case (instructors): multipart form with "title" and "file"

    The file is listed with the case for everyone who sees the lesson, in the lesson's "attachments".
    """
    viewer = _viewer(lesson_id)
    db = db_session()
    row = attachments.upload(db, viewer, request.files.get("file"), request.form.get("title"))
    body = attachments.described(row)  # before the commit, which would expire the row
    try:
        db.commit()
    except Exception:
        attachments.discard(row)
        raise
    return jsonify(body), 201


@api.delete("/lessons/<int:lesson_id>/attachments/<int:attachment_id>")
@token_required
@operation(responses={204: None}, errors=SEEN)
def delete_attachment(lesson_id: int, attachment_id: int):
    """Remove a document from the case (instructors)"""
    viewer = _viewer(lesson_id)
    db = db_session()
    row = attachments.remove(db, viewer, attachment_id)
    db.commit()
    attachments.discard(row)
    return no_content()


@api.get("/lessons/<int:lesson_id>/queue")
@token_required
@operation(query=m.QueueQuery, responses={200: m.Queue}, errors=SEEN)
def queue(lesson_id: int, query: m.QueueQuery):
    """A page of the moderation queue: posts waiting for approval and reported posts (instructors; ?page=N,
    kind=pending|reported, q=author)"""
    viewer = _viewer(lesson_id)
    moderation.require_staff(viewer)
    found = moderation.queue(db_session(), [lesson_id], query.page, query.kind or "", query.q.strip())
    return jsonify(**_page_info(found), queue=[_queue_item(item) for item in found.items])


def _page_info(found: Page) -> dict[str, Any]:
    """Where a page of a staff list is, as the API tells it (the fields of ``m.PageInfo``)."""
    return {"page": found.page, "pages": found.pages, "total": found.total, "page_size": found.per_page}


def _queue_item(item: dict[str, Any]) -> dict[str, Any]:
    post = item["post"]
    return {"post_id": post.id, "thread_id": post.thread_id, "thread_title": item["thread_title"],
            "lesson_id": post.lesson_id, "author": item["author"], "author_display": item["author_display"],
            "state": post.state, "html": post.body_html, "created_at": serialize.when(post.created_at),
            "reports": [{**r, "created_at": serialize.when(r["created_at"])} for r in item["reports"]]}


@api.get("/lessons/<int:lesson_id>/log")
@token_required
@operation(query=m.LogQuery, responses={200: m.Log}, errors=SEEN)
def moderation_log(lesson_id: int, query: m.LogQuery):
    """The audit log of every moderation action in the discussion (instructors; ?page=N, action, q=name)"""
    viewer = _viewer(lesson_id)
    found = moderation.log_page(db_session(), viewer, query.page, query.action or "", query.q.strip())
    return jsonify(**_page_info(found), entries=[
        {"action": e["entry"].action, "actor": e["actor"], "actor_display": e["actor_display"],
         "subject": e["subject"], "subject_display": e["subject_display"], "thread_id": e["entry"].thread_id,
         "post_id": e["entry"].post_id, "reason": e["entry"].reason, "details": e["entry"].details,
         "created_at": serialize.when(e["entry"].created_at)} for e in found.items])


@api.get("/lessons/<int:lesson_id>/participants")
@token_required
@operation(query=m.ParticipantsQuery, responses={200: m.Participants}, errors=SEEN)
def participants(lesson_id: int, query: m.ParticipantsQuery):
    """A page of the enrolled learners' participation and assessment (instructors; ?page=N, q=name,
    status=complete|incomplete|silent|waiting, group_id)"""
    viewer = _viewer(lesson_id)
    moderation.require_staff(viewer)
    found = participation.overview(db_session(), viewer.lesson, query.page, query.q.strip(), query.status or "",
                                   query.group_id)
    return jsonify(**_page_info(found), rubric=viewer.settings.rubric, participants=[
        {"user_id": r["user"].id, "name": r["user"].name, "name_display": display_name(r["user"]),
         "posts": r["counts"].posts, "replies": r["counts"].replies,
         "waiting": r["counts"].waiting, "helpful": r["helpful"], "complete": r["complete"],
         "assessment": None if r["assessment"] is None else {
             "marks": r["assessment"].marks, "score": r["assessment"].score, "comment": r["assessment"].comment,
             "complete": r["assessment"].signed_off}}
        for r in found.items])


@api.put("/lessons/<int:lesson_id>/participants/<int:user_id>")
@token_required
@operation(body=m.Assessment, responses={200: m.Assessed}, errors=SEEN)
def assess(lesson_id: int, user_id: int, body: m.Assessment):
    """Assess a learner (instructors): {marks: {criterion: points}, comment, complete}

The marks name the criteria of the discussion's rubric (GET .../participants), each from 0 to its points."""
    viewer = _viewer(lesson_id)
    row = moderation.assess(db_session(), viewer, user_id, body.marks, body.comment, body.complete)
    db_session().commit()
    return jsonify(user_id=user_id, marks=row.marks, score=row.score, comment=row.comment, complete=row.signed_off)


@api.get("/dashboard")
@token_required
@operation(query=m.DashboardQuery, responses={200: m.Dashboard}, errors=(403,))
def staff_dashboard(query: m.DashboardQuery):
    """What needs attention across the caller's discussions (instructors; ?queue_page=N, unanswered_page=N)"""
    data = dashboard.overview(db_session(), api_user(), query.model_dump())
    return jsonify(
        discussions=[{"lesson_id": lesson.id, "title": lesson.title_for(current_locale())}
                     for lesson in data["lessons"]],
        queue=[_queue_item(item) for item in data["queue"].items],
        queue_page=_page_info(data["queue"]),
        unanswered=[{"thread_id": u["thread"].id, "lesson_id": u["lesson"].id, "title": u["thread"].title,
                     "author": u["author"], "author_display": u["author_display"],
                     "created_at": serialize.when(u["thread"].created_at)}
                    for u in data["unanswered"].items],
        unanswered_page=_page_info(data["unanswered"]),
        not_taken_part=[{"lesson_id": s["lesson"].id, "total": s["total"], "learners": s["learners"]}
                        for s in data["silent"]],
    )
