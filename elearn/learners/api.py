"""The learners CSV import in the API (administrators), the same call as ``elearn learners import``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from elearn.api.auth import api_user, token_required
from elearn.contract import operation
from elearn.csvfiles import report_body
from elearn.db import db_session
from elearn.learners.importer import import_learners
from elearn.organisations.api import ImportResult
from elearn.security import csrf, fail

bp = Blueprint("api_learners", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.post("/learners/import")
@token_required
@operation(form={"file": "The CSV file: name, phone, email, cooperative, position, course.",
                 "dry_run": "“true” to only report what would be created or changed; otherwise write it."},
           responses={200: ImportResult, 409: ImportResult}, errors=(413,))
def import_file():
    """Import learners from CSV (administrators): accounts, profiles and enrolments, all or nothing

A commit refused because some rows have errors answers 409 with the same report; nothing is written.
The rows' ``code`` is the learner's e-mail."""
    if not api_user().is_admin:
        fail(403, _("Only administrators can do this."))
    upload = request.files.get("file")
    if upload is None:
        fail(400, _("Send the CSV file in the “file” field."))
    db = db_session()
    limit = current_app.config["LEARNERS_IMPORT_MAX_BYTES"]
    dry_run = request.form.get("dry_run") == "true"
    report = import_learners(db, upload.stream.read(limit + 1), commit=not dry_run, max_bytes=limit,
                             actor=api_user())
    if report.file_error:
        db.rollback()
        fail(400, report.file_error)
    if report.committed:
        db.commit()
        return jsonify(report_body(report))
    db.rollback()
    return jsonify(report_body(report)), 200 if dry_run else 409
