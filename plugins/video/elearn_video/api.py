"""The JSON API under ``/api/v1/x/video``: watched reports, the resume position and the
data-saver choice, with the same rules as the page (the lesson's learners; staff previewing
may read but their watching is not counted).

The page's script calls it with the session and ``X-CSRFToken``. On ``pagehide`` it uses
``navigator.sendBeacon``, which cannot set headers: ``POST .../watched/beacon`` takes the same
body as ``.../watched`` plus the page's ``csrf_token`` in it, sent as ``text/plain`` (a type a
beacon may send without a preflight), and checks that token against the session instead.
"""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import ValidationError
from wtforms import ValidationError as CsrfInvalid

from elearn.plugin_api import (
    api_user,
    current_locale,
    db_session,
    fail,
    learner_lesson,
    lesson_to_teach,
    operation,
    token_required,
)
from elearn_video import api_models as m
from elearn_video import jobs, points, report, watching

api = Blueprint("video_api", __name__)
SEEN = (403, 404)


def _known(lesson_id: int, user, for_submit: bool = False):
    return learner_lesson(db_session(), user, lesson_id, "video", for_submit=for_submit)


def _record(lesson_id: int, user, body: m.WatchedBatch):
    db = db_session()
    known = _known(lesson_id, user, for_submit=True)
    result = watching.record_batch(db, known, body.batch_id, body.intervals, body.position)
    db.commit()
    return jsonify(result)


@api.post("/lessons/<int:lesson_id>/watched")
@token_required
@operation(body=m.WatchedBatch, responses={200: m.Watched}, errors=(400, *SEEN, 409))
def watched(lesson_id: int, body: m.WatchedBatch):
    """Report stretches played: merged into the learner's watched set; completes at the threshold

    Stretches past the video's duration refuse the whole batch (400). Seeking adds nothing: only
    what was played counts. A ``batch_id`` already counted changes nothing (``duplicate``)."""
    return _record(lesson_id, api_user(), body)


@api.post("/lessons/<int:lesson_id>/watched/beacon")
# The session with the page's CSRF token, which comes in the body (checked below), not in the header. The
# body is text/plain (what a beacon sends), so it is parsed here, not by ``operation``.
@operation(responses={200: m.Watched}, errors=(400, 401, 403, 404, 409))
def watched_beacon(lesson_id: int):
    """The same report from ``navigator.sendBeacon`` (no headers): text/plain JSON with ``csrf_token``

    For the page's own script on ``pagehide``; the session cookie plus the page's CSRF token in
    the body stand for ``X-CSRFToken``. Apps use ``.../watched`` with their bearer token."""
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        fail(400, _("The request body must be a JSON object."))
    try:
        validate_csrf(data.pop("csrf_token", None))
    except CsrfInvalid:
        fail(403, _("This page's security token has expired. Please reload the page."))
    try:
        body = m.WatchedBatch.model_validate(data, strict=True)
    except ValidationError as exc:
        fail(400, _("The report is not valid: %(problem)s", problem=exc.errors(include_url=False)[0]["msg"]))
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return _record(lesson_id, user, body)


@api.get("/lessons/<int:lesson_id>/position")
@token_required
@operation(responses={200: m.Position}, errors=SEEN)
def position(lesson_id: int):
    """Where the learner stopped (to resume on any device) and the share watched"""
    known = _known(lesson_id, api_user())
    found = watching.progress_of(db_session(), known.access.user.id, lesson_id)
    return jsonify(position=found["position"], watched_share=found["watched_share"])


@api.put("/lessons/<int:lesson_id>/position")
@token_required
@operation(body=m.PositionIn, responses={200: m.Position}, errors=(400, *SEEN))
def set_position(lesson_id: int, body: m.PositionIn):
    """Save where the learner stopped; counts nothing as watched"""
    db = db_session()
    known = _known(lesson_id, api_user(), for_submit=True)
    result = watching.set_position(db, known, body.position)
    db.commit()
    return jsonify(result)


@api.post("/lessons/<int:lesson_id>/questions/<int:index>/answer")
@token_required
@operation(body=m.AnswerIn, responses={200: m.AnswerOut}, errors=(400, *SEEN, 409))
def answer(lesson_id: int, index: int, body: m.AnswerIn):
    """Answer the video's question at ``index`` (its place in the lesson's ``questions``), once

    Graded on the server by the plugin that offers the question's type; the answer's shape is that
    type's (a choice id, a list of ids, a text). 409 when already answered."""
    db = db_session()
    known = _known(lesson_id, api_user(), for_submit=True)
    result = points.answer(db, known, known.lesson.content_for(current_locale()), index, body.answer)
    db.commit()
    return jsonify(result)


@api.get("/preferences")
@token_required
@operation(responses={200: m.Preferences}, errors=())
def get_preferences():
    """The caller's data-saver choice, for every video"""
    return jsonify(watching.preferences(db_session(), api_user()))


@api.put("/preferences")
@token_required
@operation(body=m.PreferencesIn, responses={200: m.Preferences}, errors=(400,))
def put_preferences(body: m.PreferencesIn):
    """Set the data-saver choice (lightest rendition first, or the rendition picked) and the mode

    ``listen``: the audio rendition instead of the video; ``read``: the transcript only."""
    db = db_session()
    result = watching.set_preferences(db, api_user(), body.data_saver, body.quality, body.mode)
    db.commit()
    return jsonify(result)


@api.get("/lessons/<int:lesson_id>/report")
@token_required
@operation(query=m.PageQuery, responses={200: m.Report}, errors=(401, 403, 404))
def watched_report(lesson_id: int, query: m.PageQuery):
    """For the course's instructors: each learner's watched share (50 a page) and the drop-off curve"""
    db = db_session()
    lesson = lesson_to_teach(db, api_user(), lesson_id, "video",
                             _("Only the course's instructors see who watched this video."))
    found = report.learners(db, lesson, query.page)
    chart = report.drop_off(db, lesson)
    return jsonify(
        learners=[{"user_id": user.id, "name": user.name, "watched_share": watch.share if watch else 0.0,
                   "position": watch.position if watch else 0.0,
                   "last_watched_at": watch.last_watched_at.isoformat() if watch else None}
                  for user, watch in found.items],
        viewers=chart["viewers"], drop_off=chart["shares"], page=found.page, pages=found.pages,
        total=found.total, page_size=found.per_page)


@api.post("/lessons/<int:lesson_id>/prepare")
@token_required
@operation(responses={202: m.Started}, errors=(401, 403, 404, 409))
def prepare(lesson_id: int):
    """For instructors: queue the ffmpeg job (lower renditions, poster, duration); poll /api/v1/jobs/<id>"""
    db = db_session()
    lesson = lesson_to_teach(db, api_user(), lesson_id, "video",
                             _("Only the course's instructors see who watched this video."))
    job = jobs.start(db, lesson, api_user())
    db.commit()  # the job reaches the queue now
    return jsonify(job_id=job.id, status=job.status), 202
