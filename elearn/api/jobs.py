"""``GET /api/v1/jobs/<id>``: where a background job stands, for the person who started it.

A page that started a job (an export, an import) polls this with the page's session and CSRF
header, an app with its token. Another user's job, or an id that names nothing, is a 404 alike:
a job's existence is nobody else's business.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from elearn.api import models
from elearn.api.auth import api_user, token_required
from elearn.contract import operation
from elearn.db import db_session
from elearn.jobs import Job, job_for
from elearn.security import csrf, fail

bp = Blueprint("api_jobs", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def job_state(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "task": job.task,
        "status": job.status.value,
        "attempts": job.attempts,
        "error": job.error,
        "result": job.result,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "next_attempt_at": job.next_attempt_at.isoformat() if job.next_attempt_at else None,
    }


@bp.get("/jobs/<job>")
@token_required
@operation(responses={200: models.JobState}, errors=(404,))
def status(job: str):
    """A background job the caller started: queued, running, done (with its result) or failed (with why)

``job`` is the id its start answered (32 hexadecimal digits, not a row number)."""
    found = job_for(db_session(), job, api_user())
    if found is None:
        fail(404, _("There is no such job."))
    return jsonify(job_state(found))
