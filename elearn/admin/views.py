"""Admin pages. Every view starts with ``require_admin``."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from elearn.auth.accounts import AccountError, create_user, find_user
from elearn.auth.forms import ROLE_LABELS, RoleForm, UserForm
from elearn.db import db_session
from elearn.models import Course, CourseInstructor, Role, User
from elearn.permissions import require_admin
from elearn.security import fail

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    require_admin(current_user if current_user.is_authenticated else None)


@bp.route("/users", methods=["GET", "POST"])
def users():
    db = db_session()
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = create_user(db, form.email.data, form.name.data, form.password.data, form.role.data)
        except AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.commit()
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"), code=303)
    people = list(db.scalars(select(User).order_by(User.role, User.email)))
    return render_template("admin/users.html", form=form, users=people, role_form=RoleForm())


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int):
    db = db_session()
    user = db.get(User, user_id)
    if user is None:
        fail(404, _("There is no such user."))
    form = RoleForm()
    if not form.validate_on_submit():
        fail(400, _("Choose one of the listed roles."))
    if user.id == current_user.id and form.role.data != Role.ADMIN:
        fail(409, _("You cannot take away your own administrator role."))
    user.role = Role(form.role.data)
    db.commit()
    flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.route("/courses", methods=["GET", "POST"])
def courses():
    db = db_session()
    if request.method == "POST":
        course = db.get(Course, request.form.get("course_id", type=int) or 0)
        user = find_user(db, request.form.get("email", ""))
        if course is None:
            fail(404, _("There is no such course."))
        if user is None or user.role != Role.INSTRUCTOR:
            flash(_("No instructor has this email. Give the person the instructor role first."), "error")
        elif db.get(CourseInstructor, (course.id, user.id)) is None:
            db.add(CourseInstructor(course_id=course.id, user_id=user.id))
            db.commit()
            flash(_("%(name)s now teaches this course.", name=user.name), "success")
        return redirect(url_for("admin.courses"), code=303)
    rows = db.execute(
        select(Course, User)
        .outerjoin(CourseInstructor, CourseInstructor.course_id == Course.id)
        .outerjoin(User, User.id == CourseInstructor.user_id)
        .order_by(Course.title_vi, User.name)
    ).all()
    teaching: dict[Course, list[User]] = {}
    for course, user in rows:
        teaching.setdefault(course, [])
        if user is not None:
            teaching[course].append(user)
    return render_template("admin/courses.html", teaching=teaching)


@bp.get("/plugins")
def plugins():
    registry = current_app.extensions["elearn_plugins"]
    return render_template("admin/plugins.html", registry=registry)


# The content packs page registers its routes on ``bp`` (kept in its own module).
from elearn.admin import packs as _packs  # noqa: E402, F401
