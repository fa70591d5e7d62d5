"""The instructors' page of a course's groups. Each view is a thin shell around ``service``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from elearn.db import db_session
from elearn.groups import service
from elearn.i18n import current_locale
from elearn.security import flash_refusal

bp = Blueprint("groups", __name__)


@bp.get("/courses/<slug>/groups")
@login_required
def groups(slug: str):
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    rows = service.groups_of_course(db, course)
    learners = service.enrolled_learners(db, course)
    return render_template("groups/groups.html", course=course, rows=rows, learners=learners)


@bp.post("/courses/<slug>/groups")
@login_required
def create(slug: str):
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    form = request.form
    try:
        group = service.create_group(
            db,
            course,
            form.get("group_set", ""),
            form.get("key", ""),
            form.get("title_vi", ""),
            form.get("title_en", ""),
        )
    except HTTPException as exc:
        return _back_with_error(url_for("groups.groups", slug=slug), exc)
    db.commit()
    flash(_("Group “%(title)s” created.", title=group.title_for(current_locale())), "success")
    return redirect(url_for("groups.groups", slug=slug), code=303)


@bp.post("/courses/<slug>/groups/sets")
@login_required
def set_choice(slug: str):
    """An instructor lets the learners of a set choose their own group, or takes the choice back."""
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    group_set = service.set_learners_choose(
        db, course, request.form.get("group_set", ""), request.form.get("learners_choose") == "1"
    )
    db.commit()
    if group_set.learners_choose:
        flash(_("Learners now choose their own group in the set “%(set)s”.", set=group_set.name), "success")
    else:
        flash(_("Instructors now place the learners in the set “%(set)s”.", set=group_set.name), "success")
    return redirect(url_for("groups.groups", slug=slug), code=303)


@bp.post("/courses/<slug>/my-groups")
@login_required
def choose(slug: str):
    """An enrolled learner chooses their group from the course page; refusals go back there with the reason."""
    db = db_session()
    course, _access = service.course_for(db, current_user, slug)
    group = service.get_group(db, course, request.form.get("group_id", type=int) or 0)
    back = url_for("learning.course", slug=slug)
    try:
        service.choose_group(db, course, current_user, group)
    except HTTPException as exc:
        return _back_with_error(back, exc, also=(403,))
    db.commit()
    flash(_("You are now in the group “%(title)s”.", title=group.title_for(current_locale())), "success")
    return redirect(back, code=303)


@bp.post("/courses/<slug>/groups/members")
@login_required
def assign(slug: str):
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    group = service.get_group(db, course, request.form.get("group_id", type=int) or 0)
    user = service.get_user(db, request.form.get("user_id", type=int))
    try:
        service.assign(db, course, user, group)
    except HTTPException as exc:
        return _back_with_error(url_for("groups.groups", slug=slug), exc)
    db.commit()
    flash(
        _("%(name)s is now in the group “%(title)s”.", name=user.name, title=group.title_for(current_locale())),
        "success",
    )
    return redirect(url_for("groups.groups", slug=slug), code=303)


@bp.post("/courses/<slug>/groups/members/remove")
@login_required
def remove(slug: str):
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    group = service.get_group(db, course, request.form.get("group_id", type=int) or 0)
    user = service.get_user(db, request.form.get("user_id", type=int))
    # Only out of the group shown on the page: if someone moved the learner meanwhile, the move stays.
    service.unassign(db, course, user, group)
    db.commit()
    flash(
        _("%(name)s is no longer in the group “%(title)s”.", name=user.name, title=group.title_for(current_locale())),
        "success",
    )
    return redirect(url_for("groups.groups", slug=slug), code=303)


def _back_with_error(back: str, exc: HTTPException, also: tuple[int, ...] = ()):
    """A refused form (bad slug, duplicate, learner not enrolled) goes back to its page with the reason,
    where the user can correct it, rather than to a bare error page. ``also`` names further codes so treated."""
    flash_refusal(exc, (400, 409, *also))
    return redirect(back, code=303)
