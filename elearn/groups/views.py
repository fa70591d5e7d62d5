"""The instructors' page of a course's groups. Each view is a thin shell around ``service``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from elearn.auth.names import display_name
from elearn.db import db_session
from elearn.groups import service
from elearn.i18n import current_locale
from elearn.security import flash_refusal, safe_next

bp = Blueprint("groups", __name__)


# Members listed per group on the groups page; the group's own page lists them all, by pages.
MEMBERS_SHOWN = 10


@bp.get("/courses/<slug>/groups")
@login_required
def groups(slug: str):
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    rows = service.groups_of_course(db, course, members_shown=MEMBERS_SHOWN)
    query = request.args.get("q", "").strip()[:120]
    learners = service.learners_to_place(db, course, query, request.args.get("page")) if rows else None
    return render_template("groups/groups.html", course=course, rows=rows, learners=learners, query=query)


@bp.get("/courses/<slug>/groups/<int:group_id>")
@login_required
def group(slug: str, group_id: int):
    """All the members of one group, by pages, with a name filter."""
    db = db_session()
    course = service.staff_course(db, current_user, slug)
    found_group = service.get_group(db, course, group_id)
    set_title = service.set_title(db, course, found_group.group_set, current_locale())
    query = request.args.get("q", "").strip()[:120]
    members = service.group_members(db, course, found_group, query, request.args.get("page"))
    return render_template("groups/group.html", course=course, group=found_group, set_title=set_title,
                           members=members, query=query)


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
    title = group_set.title_for(current_locale())
    if group_set.learners_choose:
        flash(_("Learners now choose their own group in the set “%(set)s”.", set=title), "success")
    else:
        flash(_("Instructors now place the learners in the set “%(set)s”.", set=title), "success")
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
    back = _back(slug)
    try:
        service.assign(db, course, user, group)
    except HTTPException as exc:
        return _back_with_error(back, exc)
    db.commit()
    title = group.title_for(current_locale())
    flash(_("%(name)s is now in the group “%(title)s”.", name=display_name(user), title=title), "success")
    return redirect(back, code=303)


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
    title = group.title_for(current_locale())
    flash(_("%(name)s is no longer in the group “%(title)s”.", name=display_name(user), title=title), "success")
    return redirect(_back(slug), code=303)


def _back(slug: str) -> str:
    """The page the form was on (the groups page, a group's page, with its filter and page number)."""
    return safe_next(request.form.get("next"), url_for("groups.groups", slug=slug))


def _back_with_error(back: str, exc: HTTPException, also: tuple[int, ...] = ()):
    """A refused form (bad slug, duplicate, learner not enrolled) goes back to its page with the reason,
    where the user can correct it, rather than to a bare error page. ``also`` names further codes so treated."""
    flash_refusal(exc, (400, 409, *also))
    return redirect(back, code=303)
