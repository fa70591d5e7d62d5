"""API endpoints. Each one calls the same service function as its HTML page."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from elearn import contract
from elearn.api import models, serialize
from elearn.api.auth import api_user, bearer_secret, token_required
from elearn.api.openapi import openapi_document
from elearn.auth.accounts import AccountError, create_user, password_problem
from elearn.auth.messaged_codes import code_senders, send_sign_in_code
from elearn.auth.paper import print_codes
from elearn.auth.passwords import verify_password
from elearn.auth.sessions import issue_token, revoke_token
from elearn.auth.signup import self_signup_open
from elearn.auth.views import check_credentials, limit_key, rate_limited, set_password
from elearn.contract import no_content, operation
from elearn.db import db_session
from elearn.groups.service import learner_groups
from elearn.i18n import current_locale
from elearn.learning import outline, service
from elearn.models import CodePurpose
from elearn.organisations.access import org_access
from elearn.security import csrf, fail

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.record_once(lambda state: contract.init_app(state.app))  # the answers' check, for core and plugin APIs


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app))


@bp.post("/auth/token")
@operation(body=models.Credentials, responses={201: models.Token}, errors=(401, 429), public=True)
def token(body: models.Credentials):
    """Exchange a phone number, username or e-mail and a password (or a one-time code) for a bearer token

After a one-time code on paper or a reset code, every call but ``POST /me/password`` answers 403
until a password is chosen."""
    user = check_credentials(body.who, body.password)
    if user is None:
        fail(401, _("The phone, username, e-mail or password is incorrect."))
    return _new_token(user)


def _new_token(user):
    db = db_session()
    secret, row = issue_token(db, user)
    db.commit()
    return jsonify(token=secret, token_type="Bearer", expires_at=row.expires_at.isoformat()), 201


@bp.post("/auth/register")
@operation(body=models.NewAccount, responses={201: models.Token}, errors=(403, 409), public=True)
def register(body: models.NewAccount):
    """Create a learner account (when the site allows self sign-up) and get a bearer token"""
    if not self_signup_open():
        fail(403, _("This site does not let visitors create their own accounts. Ask the staff for one."))
    db = db_session()
    try:
        user = create_user(db, body.email, body.name, body.password, username=body.username, phone=body.phone)
    except AccountError as exc:
        fail(exc.status, str(exc))
    return _new_token(user)


@bp.post("/auth/sign-in-code")
@operation(body=models.CodeRequest, responses={204: None}, errors=(404, 429), public=True)
def sign_in_code(body: models.CodeRequest):
    """Have a one-time sign-in code sent by SMS (or e-mail) to the account with this phone number or e-mail

The answer is the same whether or not there is such an account. 404 when the site can send no codes."""
    return _send_code(body, CodePurpose.SMS)


@bp.post("/auth/password-reset")
@operation(body=models.CodeRequest, responses={204: None}, errors=(404, 429), public=True)
def password_reset(body: models.CodeRequest):
    """Have a reset code sent by SMS (or e-mail): sign in with it, then choose a new password"""
    return _send_code(body, CodePurpose.RESET)


def _send_code(body: models.CodeRequest, purpose: CodePurpose):
    if not code_senders():
        fail(404, _("This site cannot send codes. Ask the person who made your account for a code on paper."))
    send_sign_in_code(db_session(), body.login, purpose)
    return no_content()


@bp.post("/me/password")
@token_required
@operation(body=models.NewPassword, responses={201: models.Token}, errors=(403, 429))
def new_password(body: models.NewPassword):
    """Choose a new password (the current one is not asked right after a one-time code); every other token ends

The answer is a new token for this client: the one used for this call ends with the others."""
    user = api_user()
    if problem := password_problem(body.password):
        fail(400, problem)
    if not user.must_change_password and not rate_limited(
            limit_key(user, ""), lambda: verify_password(user.password_hash, body.current)):
        fail(403, _("The current password is incorrect."))
    set_password(db_session(), user, body.password)
    return _new_token(user)


@bp.post("/sign-in-codes")
@token_required
@operation(body=models.PaperCodesRequest, responses={201: models.PaperCodes}, errors=(403, 404, 429))
def paper_codes(body: models.PaperCodesRequest):
    """One-time sign-in codes for a cooperative's learners, or for the learners named, to print (staff of the area)

Each code signs its learner in once (as the password), who must then choose a password. A new set
replaces the learners' earlier codes."""
    db = db_session()
    cards, expires_at = print_codes(db, org_access(db, api_user()), body.cooperative_id, body.user_ids)
    db.commit()
    return jsonify(codes=[asdict(card) for card in cards], expires_at=expires_at.isoformat(),
                   site_url=url_for("auth.login", _external=True)), 201


@bp.delete("/auth/token")
@token_required
@operation(responses={204: None})
def revoke():
    """Revoke the token used for this call"""
    db = db_session()
    revoke_token(db, bearer_secret())
    db.commit()
    return no_content()


@bp.get("/courses")
@operation(responses={200: models.CourseList}, public=True)
def courses():
    """The catalogue, with the caller's progress when a token is sent"""
    items = outline.catalogue(db_session(), api_user())
    return jsonify(courses=[serialize.course_summary(item) for item in items])


@bp.get("/courses/<slug>")
@operation(responses={200: models.CourseDetail}, errors=(404, 409), public=True)
def course(slug: str):
    """One course with its modules and lessons"""
    db = db_session()
    page = service.course_page(db, api_user(), slug)
    body = serialize.course_detail(page)
    if page.access.is_enrolled and page.progress.course.has_groups:
        # The learner's own groups, with what their sets are called; staff get every group from /groups.
        locale = current_locale()
        body["my_groups"] = [
            {"group_set": row.group.group_set, "set_title": row.set_title(locale), "key": row.group.key,
             "title": row.group.title_for(locale)}
            for row in learner_groups(db, page.progress.course, page.access.user.id)
        ]
    return jsonify(body)


@bp.post("/courses/<slug>/enrol")
@token_required
@operation(responses={200: models.CourseDetail, 201: models.CourseDetail}, errors=(403, 404, 409))
def enrol(slug: str):
    """Enrol in a course: 201 the first time, 200 when already enrolled (repeating it is harmless)

409 when a programme the caller follows locks the course: the message names what to complete first."""
    db = db_session()
    _enrolment, created = service.enrol(db, api_user(), slug)
    db.commit()
    body = serialize.course_detail(service.course_page(db, api_user(), slug))
    return jsonify(body), 201 if created else 200


@bp.get("/lessons/<int:lesson_id>")
@token_required
@operation(responses={200: models.LessonDetail}, errors=(403, 404, 409))
def lesson(lesson_id: int):
    """A lesson as the learner sees it

Query parameters are passed to the lesson's type (a discussion lesson pages its threads with ?page=N)."""
    page = service.lesson_page(db_session(), api_user(), lesson_id, request.args.to_dict())
    return jsonify(serialize.lesson_detail(page))


@bp.post("/lessons/<int:lesson_id>/submissions")
@token_required
@operation(lesson_submission=True, responses={201: models.SubmissionResult}, errors=(403, 404, 409))
def submit(lesson_id: int):
    """Submit work to a lesson; the body's shape depends on the lesson's type

The body is checked against the submission model of the lesson's type (Submission_<type>): a body
shaped for another type is a 400, and so is one the type cannot accept (an answer to no question).
A lesson whose type takes no submissions, or is not installed, answers 400 or 409."""
    db = db_session()
    result = service.submit(db, api_user(), lesson_id, data=request.get_json(silent=True))
    db.commit()
    return jsonify(
        progress=serialize.progress(result.progress),
        message=result.outcome.message,
        course_completed=result.course_completed,
        result=result.outcome.reply,
    ), 201


@bp.get("/me/progress")
@token_required
@operation(responses={200: models.CourseList})
def my_progress():
    """The caller's courses with progress and the next lesson"""
    items = outline.my_learning(db_session(), api_user())
    return jsonify(courses=[serialize.course_summary(item) for item in items])


