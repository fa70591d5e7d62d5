"""HTML pages under ``/x/discussion``: threads, posting forms, moderation, participation,
notifications and the instructor dashboard. Each view is a thin shell: the rules are in
``posting``, ``moderation``, ``participation`` and ``access``; the API calls the same code.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from elearn.plugin_api import MAX_ID, User, current_locale, db_session, display_name, fail, flash_refusal, safe_next
from elearn_discussion import attachments, moderation, notify, pages, participation, posting, serialize
from elearn_discussion import dashboard as staff_dashboard
from elearn_discussion.access import open_discussion, visible_post

bp = Blueprint("discussion", __name__)
# The render cache's keys of a thread's line and of a post (serialize), for the lesson and thread pages.
bp.add_app_template_global(serialize.thread_version, "discussion_thread_version")
bp.add_app_template_global(serialize.post_version, "discussion_post_version")


def _form_action(action):
    """Run ``action`` and commit; a refusal (400/409/429) is flashed on the page the form came
    from instead of a bare error page, and nothing is written."""
    db = db_session()
    try:
        result = action(db)
    except HTTPException as exc:
        db.rollback()
        flash_refusal(exc, (400, 409, 429))
        return None, False
    db.commit()
    return result, True


def _back(lesson_id: int, fallback: str | None = None):
    """Back to the page the form was on (``next``, a path on this site only), or ``fallback``."""
    return redirect(safe_next(request.form.get("next"), fallback or url_for("learning.lesson", lesson_id=lesson_id)),
                    code=303)


def _thread_url(viewer, post, added_to=None) -> str:
    page = pages.page_of_post(db_session(), viewer, post, added_to)
    return url_for("discussion.thread", lesson_id=viewer.lesson.id, thread_id=post.thread_id, page=page,
                   _anchor=f"post-{post.id}")


def _render(template: str, viewer, **values):
    return render_template(f"discussion/{template}", viewer=viewer, lesson=viewer.lesson,
                           course=viewer.lesson.course, **values)


# -- learners and staff ------------------------------------------------------------------


@bp.get("/lessons/<int:lesson_id>/threads/<int:thread_id>")
@login_required
def thread(lesson_id: int, thread_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id)
    data = pages.thread_page(db, viewer, thread_id, request.args.get("page"))
    quoting = pages.quoted_post(db, viewer, thread_id, _id_arg("quote"))
    replying = _id_arg("reply")
    return _render("thread.html", viewer, data=data, quoting=quoting, replying=replying,
                   groups=pages.groups_for_staff(db, viewer),
                   other_discussions=staff_dashboard.sibling_discussions(db, viewer))


@bp.post("/lessons/<int:lesson_id>/threads")
@login_required
def start_thread(lesson_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id, for_post=True)
    post, ok = _form_action(lambda db: posting.start_thread(
        db, viewer, request.form.get("title"), request.form.get("body"), request.form.get("group_id")).post)
    if not ok:
        return _back(lesson_id)
    flash(_("Your post is waiting for a moderator's approval.") if post.state == "pending"
          else _("Your thread is posted."), "success")
    return redirect(url_for("discussion.thread", lesson_id=lesson_id, thread_id=post.thread_id), code=303)


@bp.post("/lessons/<int:lesson_id>/threads/<int:thread_id>/posts")
@login_required
def reply(lesson_id: int, thread_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id, for_post=True)
    def send(db):
        post, thread, _quote = posting.reply(db, viewer, thread_id, request.form.get("body"),
                                             request.form.get("parent_id"), request.form.get("quote_id"))
        return post.state, _thread_url(viewer, post, thread)  # before the commit: one transaction

    done, ok = _form_action(send)
    if not ok:
        return _back(lesson_id, url_for("discussion.thread", lesson_id=lesson_id, thread_id=thread_id))
    state, target = done
    flash(_("Your post is waiting for a moderator's approval.") if state == "pending"
          else _("Your reply is posted."), "success")
    return redirect(target, code=303)


@bp.route("/lessons/<int:lesson_id>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(lesson_id: int, post_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id, for_post=True)
    if request.method == "POST":
        target, ok = _form_action(lambda db: _thread_url(
            viewer, posting.edit(db, viewer, post_id, request.form.get("body"))))
        if ok:
            flash(_("Your changes are saved."), "success")
            return redirect(target, code=303)
    post, history = posting.history(db, viewer, post_id)
    if post.author_id != current_user.id:
        fail(403, _("You can only edit your own posts."))
    return _render("edit.html", viewer, post=post, revisions=history,
                   body=request.form.get("body", post.body_md))


@bp.get("/lessons/<int:lesson_id>/posts/<int:post_id>/history")
@login_required
def history(lesson_id: int, post_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id)
    post, revisions = posting.history(db, viewer, post_id)
    return _render("history.html", viewer, post=post, revisions=revisions)


@bp.post("/lessons/<int:lesson_id>/posts/<int:post_id>/withdraw")
@login_required
def withdraw(lesson_id: int, post_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    target, ok = _form_action(lambda db: _thread_url(viewer, posting.withdraw(db, viewer, post_id)))
    if ok:
        flash(_("Your post is withdrawn."), "success")
        return redirect(target, code=303)
    return _back(lesson_id)


@bp.route("/lessons/<int:lesson_id>/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(lesson_id: int, post_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id)
    if request.method == "POST":
        _found, ok = _form_action(lambda db: posting.report(db, viewer, post_id, request.form.get("reason")))
        if ok:
            flash(_("Thank you. The instructors will look at this post."), "success")
            return _back(lesson_id)
    post, found_thread = visible_post(db, viewer, post_id)
    return _render("report.html", viewer, post=post, thread=found_thread,
                   author=display_name(db.get(User, post.author_id)))


@bp.post("/lessons/<int:lesson_id>/posts/<int:post_id>/helpful")
@login_required
def helpful(lesson_id: int, post_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    _form_action(lambda db: posting.mark_helpful(db, viewer, post_id, request.form.get("helpful") == "1"))
    return _back(lesson_id)


@bp.post("/lessons/<int:lesson_id>/subscription")
@login_required
def subscription(lesson_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    on = request.form.get("subscribe") == "1"
    _form_action(lambda db: posting.subscribe(db, viewer, on))
    flash(_("You will be notified of new posts in this discussion.") if on
          else _("You no longer follow this discussion."), "success")
    return _back(lesson_id)


@bp.get("/notifications")
@login_required
def notifications():
    data = pages.notifications_page(db_session(), current_user, request.args.get("page"), current_locale())
    return render_template("discussion/notifications.html", data=data)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    one = request.form.get("id", "")
    ids = [int(one)] if one.isascii() and one.isdigit() else None
    _form_action(lambda db: notify.mark_read(db, current_user, ids))
    return redirect(safe_next(request.form.get("next"), url_for("discussion.notifications")), code=303)


@bp.post("/email-digest")
@login_required
def email_digest():
    enabled = request.form.get("enabled") == "1"
    _form_action(lambda db: pages.set_email_digest(db, current_user, enabled))
    flash(_("You will get a daily email with your new notifications.") if enabled
          else _("No more notification emails."), "success")
    return redirect(url_for("discussion.notifications"), code=303)


@bp.get("/lessons/<int:lesson_id>/attachments/<int:attachment_id>/<path:filename>")
@login_required
def attachment(lesson_id: int, attachment_id: int, filename: str):
    """A document of the case; the name in the URL is for people, the id finds the file."""
    db = db_session()
    return attachments.send(db, open_discussion(db, current_user, lesson_id), attachment_id)


# -- staff -------------------------------------------------------------------------------


@bp.post("/lessons/<int:lesson_id>/attachments")
@login_required
def upload_attachment(lesson_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    stored: list = []  # the row, once its file is written: a commit that fails takes the file away again

    def save(db):
        stored.append(attachments.upload(db, viewer, request.files.get("file"), request.form.get("title")))

    try:
        _done, ok = _form_action(save)
    except Exception:
        for row in stored:
            attachments.discard(row)
        raise
    if ok:
        flash(_("The document is added to the case."), "success")
    return _back(lesson_id)


@bp.post("/lessons/<int:lesson_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(lesson_id: int, attachment_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    removed, ok = _form_action(lambda db: attachments.remove(db, viewer, attachment_id))
    if ok:
        attachments.discard(removed)
        flash(_("The document is removed."), "success")
    return _back(lesson_id)



@bp.post("/lessons/<int:lesson_id>/posts/<int:post_id>/moderate")
@login_required
def moderate_post(lesson_id: int, post_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    moderation.require_staff(viewer)
    action = request.form.get("action")
    _post, ok = _form_action(lambda db: moderation.moderate_post(db, viewer, post_id, action,
                                                                 request.form.get("reason") or None))
    if ok:
        flash(moderation.done_message(action), "success")
    return _back(lesson_id)


@bp.post("/lessons/<int:lesson_id>/threads/<int:thread_id>/moderate")
@login_required
def moderate_thread(lesson_id: int, thread_id: int):
    viewer = open_discussion(db_session(), current_user, lesson_id)
    moderation.require_staff(viewer)
    action = request.form.get("action")
    found, ok = _form_action(lambda db: moderation.moderate_thread(
        db, viewer, thread_id, action, request.form.get("lesson_id"),
        request.form.get("group_id", moderation.KEEP)))
    if ok:
        flash(moderation.done_message(action), "success")
        return redirect(url_for("discussion.thread", lesson_id=found.lesson_id, thread_id=found.id), code=303)
    return _back(lesson_id)


def _id_arg(name: str) -> int | None:
    """A query parameter naming a row (``?group=``), or None when it is absent or no id."""
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID else None


def _search() -> str:
    """The name filter of a staff list (``?q=``), as the core's lists read it."""
    return request.args.get("q", "").strip()[:120]


@bp.get("/lessons/<int:lesson_id>/queue")
@login_required
def queue(lesson_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id)
    moderation.require_staff(viewer)
    found = moderation.queue(db, [lesson_id], request.args.get("page"), request.args.get("kind", ""), _search())
    return _render("queue.html", viewer, found=found, kind=found.args.get("kind", ""), query=_search())


@bp.get("/lessons/<int:lesson_id>/log")
@login_required
def moderation_log(lesson_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id)
    found = moderation.log_page(db, viewer, request.args.get("page"), request.args.get("action", ""), _search())
    return _render("log.html", viewer, found=found, action=found.args.get("action", ""), query=_search(),
                   actions=moderation.log_actions(), action_label=moderation.done_message)


@bp.route("/lessons/<int:lesson_id>/participants", methods=["GET", "POST"])
@login_required
def participants(lesson_id: int):
    db = db_session()
    viewer = open_discussion(db, current_user, lesson_id)
    moderation.require_staff(viewer)
    if request.method == "POST":
        sent = request.form.get("user_id", "")
        learner = int(sent) if sent.isascii() and sent.isdigit() and int(sent) <= MAX_ID else 0  # 0: a 404
        marks = {item["id"]: request.form.get(f"mark-{item['id']}", "") for item in viewer.settings.rubric}
        _row, ok = _form_action(lambda db: moderation.assess(
            db, viewer, learner, marks, request.form.get("comment", ""), request.form.get("complete") == "1"))
        if ok:
            flash(_("The assessment is saved; the learner can see it."), "success")
        # Back to the same page of the same filtered list, at the learner.
        back = safe_next(request.form.get("next"), url_for("discussion.participants", lesson_id=lesson_id))
        return redirect(f"{back}#learner-{learner}", code=303)
    found = participation.overview(db, viewer.lesson, request.args.get("page"), _search(),
                                   request.args.get("status", ""), _id_arg("group"))
    return _render("participants.html", viewer, found=found, query=_search(), status=found.args.get("status", ""),
                   group=found.args.get("group"), groups=participation.filter_groups(db, viewer.lesson))


@bp.get("/dashboard")
@login_required
def dashboard():
    data = staff_dashboard.overview(db_session(), current_user, request.args)
    return render_template("discussion/dashboard.html", data=data)
