"""API endpoints. Each one calls the same service function as its HTML page."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from elearn.api import serialize
from elearn.api.auth import api_user, bearer_secret, token_required
from elearn.api.openapi import openapi_document
from elearn.auth.sessions import issue_token, revoke_token
from elearn.auth.views import check_credentials
from elearn.db import db_session
from elearn.groups.service import learner_groups
from elearn.i18n import current_locale
from elearn.learning import outline, service
from elearn.security import csrf, fail

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        fail(400, _("The request body must be a JSON object."))
    return body


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app))


@bp.post("/auth/token")
def token():
    body = json_body()
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        fail(400, _("Send “email” and “password” as strings."))
    db = db_session()
    user = check_credentials(email, password)
    if user is None:
        fail(401, _("The email or password is incorrect."))
    secret, row = issue_token(db, user)
    db.commit()
    return jsonify(token=secret, token_type="Bearer", expires_at=row.expires_at.isoformat()), 201


@bp.delete("/auth/token")
@token_required
def revoke():
    db = db_session()
    revoke_token(db, bearer_secret())
    db.commit()
    return "", 204


@bp.get("/courses")
def courses():
    items = outline.catalogue(db_session(), api_user())
    return jsonify(courses=[serialize.course_summary(item) for item in items])


@bp.get("/courses/<slug>")
def course(slug: str):
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
def enrol(slug: str):
    db = db_session()
    _enrolment, created = service.enrol(db, api_user(), slug)
    db.commit()
    body = serialize.course_detail(service.course_page(db, api_user(), slug))
    return jsonify(body), 201 if created else 200


@bp.get("/lessons/<int:lesson_id>")
@token_required
def lesson(lesson_id: int):
    page = service.lesson_page(db_session(), api_user(), lesson_id, request.args.to_dict())
    return jsonify(serialize.lesson_detail(page))


@bp.post("/lessons/<int:lesson_id>/submissions")
@token_required
def submit(lesson_id: int):
    db = db_session()
    result = service.submit(db, api_user(), lesson_id, data=json_body())
    db.commit()
    return jsonify(
        progress=serialize.progress(result.progress),
        message=result.outcome.message,
        course_completed=result.course_completed,
    ), 201


@bp.get("/me/progress")
@token_required
def my_progress():
    items = outline.my_learning(db_session(), api_user())
    return jsonify(courses=[serialize.course_summary(item) for item in items])
