"""Register, log in, log out, change password."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearn.auth.accounts import AccountError, check_password, create_user, find_account, login_kind
from elearn.auth.codes import forget_codes
from elearn.auth.forms import CodeRequestForm, LoginForm, NewPasswordForm, PasswordChangeForm, RegisterForm
from elearn.auth.messaged_codes import code_senders, send_sign_in_code
from elearn.auth.passwords import hash_password, verify_password
from elearn.auth.profile import profile_fields, save_profile
from elearn.auth.ratelimit import LoginLimiter, login_limiter
from elearn.auth.sessions import end_all_sessions, end_session, start_session
from elearn.auth.signup import self_signup_open, signup_closed_help
from elearn.db import db_session
from elearn.models import CodePurpose, User
from elearn.profile.service import profile_incomplete
from elearn.security import safe_next

T = TypeVar("T")

bp = Blueprint("auth", __name__)

# What a user who signed in with a one-time code may still reach before choosing a password.
BEFORE_A_PASSWORD = {"auth.choose_password", "auth.logout", "learning.language", "static", "plugin_static"}


@bp.before_app_request
def _password_first():
    """Signed in with a one-time code: every page leads to choosing a password until one is chosen
    (the API says so with a 403: ``elearn.api.auth``)."""
    if request.endpoint in BEFORE_A_PASSWORD or request.path.startswith("/api/"):
        return None  # asked first: a static file loads no user
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.choose_password", next=request.full_path if request.method == "GET" else None))
    return None


@bp.record_once
def _create_login_limiter(state) -> None:
    state.app.extensions["elearn_login_limiter"] = LoginLimiter(state.app)


def rate_limited(key: str, attempt: Callable[[], T]) -> T:
    """Run a password check under the login limits (``elearn.auth.ratelimit``): counted before it is made,
    refused (429) past a limit, and not counted when the password is right."""
    limiter = login_limiter()
    hits = limiter.count_attempt(key)
    result = attempt()
    if result:
        limiter.succeeded(key, hits)
    return result


def limit_key(user: User | None, login: str) -> str:
    """What the login limits count: the account, however it was named (phone, username or e-mail), or
    for no account what was typed, in its stored form, so that an unknown one is limited like a known one."""
    if user is not None:
        return f"user:{user.id}"
    kind, value = login_kind(login)
    return f"{kind}:{value}"


def check_credentials(login: str, password: str) -> User | None:
    """Authenticate a phone number, username or e-mail with a password or one-time code, under the login
    rate limits; the same answer for unknown and known accounts."""
    db = db_session()
    user = find_account(db, login)
    return rate_limited(limit_key(user, login), lambda: check_password(db, user, password))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.values.get("next"), url_for("learning.dashboard"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    failed = False
    if form.validate_on_submit():
        db = db_session()
        user = check_credentials(form.login.data, form.password.data)
        if user is not None:
            start_session(db, user)
            db.commit()
            if user.must_change_password:
                return redirect(url_for("auth.choose_password", next=target), code=303)
            if profile_incomplete(db, user):
                # Gently: the profile page, then on to where the learner was going; nothing else is blocked.
                flash(_("Please complete your profile."), "info")
                return redirect(url_for("profile.mine", next=target), code=303)
            return redirect(target, code=303)
        form.form_errors.append(_("The phone, username, e-mail or password is incorrect."))
        failed = True
    page = render_template("auth/login.html", form=form, next=target, senders=code_senders(),
                           signup_open=self_signup_open())
    return page, 401 if failed else 200


@bp.route("/login/code", methods=["GET", "POST"], defaults={"purpose": CodePurpose.SMS})
@bp.route("/login/forgot", methods=["GET", "POST"], defaults={"purpose": CodePurpose.RESET})
def ask_for_code(purpose: CodePurpose):
    """"Send me a sign-in code" and "I forgot my password": a code by SMS (or e-mail) to type as the password."""
    senders = code_senders()
    if not senders:
        return render_template("auth/ask_for_code.html", form=None, purpose=purpose, senders=senders), 404
    form = CodeRequestForm()
    if form.validate_on_submit():
        send_sign_in_code(db_session(), form.login.data, purpose)
        flash(_("If this phone number or e-mail belongs to an account, a code is on its way. Type it below "
                "where the password goes."), "info")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/ask_for_code.html", form=form, purpose=purpose, senders=senders)


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
    if not self_signup_open():
        return render_template("auth/register_closed.html", signup_help=signup_closed_help()), 403
    form = RegisterForm()
    if form.validate_on_submit():
        db = db_session()
        try:
            user = create_user(db, form.email.data, form.name.data, form.password.data,
                               username=form.username.data, phone=form.phone.data)
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
        if not rate_limited(limit_key(user, ""), lambda: verify_password(user.password_hash, form.current.data)):
            form.current.errors.append(_("The current password is incorrect."))
        else:
            set_password(db, user, form.password.data)
            flash(_("Your password is changed. You were logged out everywhere else."), "success")
            return redirect(url_for("learning.dashboard"), code=303)
    return render_template("auth/password.html", form=form)


def set_password(db, user: User, password: str) -> None:
    """``user``'s new password: every other session and token ends, this browser stays signed in."""
    user.password_hash = hash_password(password)
    user.must_change_password = False
    forget_codes(db, user)
    end_all_sessions(db, user)
    if request.blueprint != "api":
        start_session(db, user)
    db.commit()


@bp.route("/account/new-password", methods=["GET", "POST"])
@login_required
def choose_password():
    """After a one-time code: the page every other page leads to until a password is chosen."""
    user = current_user._get_current_object()
    target = safe_next(request.values.get("next"), url_for("learning.dashboard"))
    if not user.must_change_password:
        return redirect(target)
    form = NewPasswordForm()
    if form.validate_on_submit():
        set_password(db_session(), user, form.password.data)
        flash(_("Your password is set. Use it with your phone number or username from now on."), "success")
        return redirect(target, code=303)
    return render_template("auth/new_password.html", form=form, next=target)
