"""Admin pages. Every view starts with ``require_admin``."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from elearn import audit
from elearn.auth.accounts import AccountError, create_user, find_user
from elearn.auth.forms import ROLE_LABELS, RoleForm, UserForm
from elearn.auth.names import display_name, matching, namesakes
from elearn.db import db_session
from elearn.models import Course, CourseInstructor, Role, User
from elearn.pagination import paginate
from elearn.permissions import require_admin
from elearn.security import fail, safe_next

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
            user = create_user(db, form.email.data, form.name.data, form.password.data, form.role.data,
                               username=form.username.data, phone=form.phone.data)
        except AccountError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            db.commit()
            flash(_("Account created for %(email)s.", email=user.sign_in_name or user.name), "success")
            _warn_of_namesakes(db, user)
            return redirect(url_for("admin.users"), code=303)
    query, role = request.args.get("q", "").strip()[:120], request.args.get("role", "")
    found = paginate(db, _people(query, role), request.args.get("page"), args={"q": query, "role": role})
    return render_template("admin/users.html", form=form, found=found, query=query, role=role,
                           role_form=RoleForm())


def _people(query: str, role: str):
    """Accounts by role then name, those whose name or email contains ``query``, of ``role`` if it is one."""
    people = matching(select(User).order_by(User.role, User.name, User.id), query)
    if role in {r.value for r in Role}:
        people = people.where(User.role == Role(role))
    return people


def _warn_of_namesakes(db, user: User) -> None:
    """A staff member whose name other accounts already use (registered before): the admin is told
    who, since only the role shown beside a staff name now tells them apart."""
    if not user.is_staff:
        return
    others = namesakes(db, user)
    if others:
        flash(
            ngettext(
                "Careful: %(num)d other account uses the same name: %(emails)s.",
                "Careful: %(num)d other accounts use the same name: %(emails)s.",
                len(others),
                emails=", ".join(other.sign_in_name for other in others),
            ),
            "error",
        )


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
    before = user.role
    user.role = Role(form.role.data)
    if user.role != before:
        audit.record(db, current_user, "role.changed", subject_type="user", subject_id=user.id,
                     summary=f"{user.name} <{user.email}>: {before.value} → {user.role.value}",
                     details={"from": before.value, "to": user.role.value})
    db.commit()
    flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    _warn_of_namesakes(db, user)
    return redirect(safe_next(request.form.get("next"), url_for("admin.users")), code=303)


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
            audit.record(db, current_user, "instructor.assigned", subject_type="course", subject_id=course.id,
                         summary=f"{user.name} <{user.email}> — {course.title_vi}", details={"user_id": user.id})
            db.commit()
            flash(_("%(name)s now teaches this course.", name=display_name(user)), "success")
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
    """Plugins, their hooks and failures; the background tasks each offers and its latest jobs."""
    from elearn.jobs import get_queue

    registry = current_app.extensions["elearn_plugins"]
    queue = get_queue(current_app)
    tasks: dict[str, list] = {}
    for name, (plugin, task) in sorted(queue.tasks.items()):
        tasks.setdefault(plugin, []).append((name, task))
    return render_template("admin/plugins.html", registry=registry, queue=queue, tasks=tasks,
                           recent=queue.recent_by_plugin(db_session()))


# The content packs page registers its routes on ``bp`` (kept in its own module).
from elearn.admin import packs as _packs  # noqa: E402, F401
