"""Register, log in, log out, change password."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearn.auth.accounts import AccountError, authenticate, create_user
from elearn.auth.forms import LoginForm, PasswordChangeForm, RegisterForm
from elearn.auth.passwords import hash_password, verify_password
from elearn.auth.profile import profile_fields, save_profile
from elearn.auth.ratelimit import LoginLimiter, login_limiter
from elearn.auth.sessions import end_all_sessions, end_session, start_session
from elearn.db import db_session
from elearn.profile.service import profile_incomplete
from elearn.security import safe_next

T = TypeVar("T")

bp = Blueprint("auth", __name__)


@bp.record_once
def _create_login_limiter(state) -> None:
    state.app.extensions["elearn_login_limiter"] = LoginLimiter(state.app)


def rate_limited(email: str, attempt: Callable[[], T]) -> T:
    """Run a password check under the login limits (``elearn.auth.ratelimit``): counted before it is made,
    refused (429) past a limit, and not counted when the password is right."""
    limiter = login_limiter()
    hits = limiter.count_attempt(email)
    result = attempt()
    if result:
        limiter.succeeded(email, hits)
    return result


def check_credentials(email: str, password: str):
    """Authenticate under the login rate limits; the same answer for unknown and known emails."""
    return rate_limited(email, lambda: authenticate(db_session(), email, password))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.values.get("next"), url_for("learning.dashboard"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    failed = False
    if form.validate_on_submit():
        db = db_session()
        user = check_credentials(form.email.data, form.password.data)
        if user is not None:
            start_session(db, user)
            db.commit()
            if profile_incomplete(db, user):
                # Gently: the profile page, then on to where the learner was going; nothing else is blocked.
                flash(_("Please complete your profile."), "info")
                return redirect(url_for("profile.mine", next=target), code=303)
            return redirect(target, code=303)
        form.form_errors.append(_("The email or password is incorrect."))
        failed = True
    return render_template("auth/login.html", form=form, next=target), 401 if failed else 200


@bp.post("/logout")
@login_required
def logout():
    db = db_session()
    end_session(db, current_user)
    db.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("learning.catalogue"), code=303)


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        db = db_session()
        try:
            user = create_user(db, form.email.data, form.name.data, form.password.data)
        except AccountError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            start_session(db, user)
            db.commit()
            flash(_("Welcome! Your account is ready."), "success")
            if profile_incomplete(db, user):
                return redirect(url_for("profile.mine", next=url_for("learning.catalogue")), code=303)
            return redirect(url_for("learning.catalogue"), code=303)
    return render_template("auth/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's account: who they are, and the profile fields plugins declare."""
    db = db_session()
    user = current_user._get_current_object()
    fields, found = profile_fields(db, user)
    submitted: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        submitted = {f.id: request.form[f.input_name] for f in fields
                     if not f.field.read_only and f.input_name in request.form}
        errors = save_profile(db, user, fields, submitted)
        if not errors:
            db.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.account"), code=303)
        db.rollback()
    return render_template("account/profile.html", fields=fields, failures=found.failures,
                           submitted=submitted, errors=errors), 400 if errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db = db_session()
        # The user object, not the ``current_user`` proxy: ``login_user`` stores what it is
        # given as the request's user, and a stored proxy would resolve to itself forever.
        user = current_user._get_current_object()
        # Guessing the current password from a borrowed session is limited like logging in.
        if not rate_limited(user.email, lambda: verify_password(user.password_hash, form.current.data)):
            form.current.errors.append(_("The current password is incorrect."))
        else:
            user.password_hash = hash_password(form.password.data)
            end_all_sessions(db, user)
            start_session(db, user)
            db.commit()
            flash(_("Your password is changed. You were logged out everywhere else."), "success")
            return redirect(url_for("learning.dashboard"), code=303)
    return render_template("auth/password.html", form=form)
