"""The administrators' page for learners in bulk: upload a CSV (check, then import), download the export."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from flask_login import current_user

from elearn import csvfiles
from elearn.db import db_session
from elearn.learners.importer import export_learners, import_learners
from elearn.permissions import require_admin

bp = Blueprint("learners", __name__, url_prefix="/admin/learners")


@bp.before_request
def _admins_only():
    require_admin(current_user if current_user.is_authenticated else None)


@bp.route("/import", methods=["GET", "POST"])
def upload():
    """"Check" shows what would happen row by row; "Import" writes it, all or nothing."""
    return csvfiles.upload_page(
        lambda db, data, commit, limit: import_learners(db, data, commit=commit, max_bytes=limit,
                                                        actor=current_user._get_current_object()),
        current_app.config["LEARNERS_IMPORT_MAX_BYTES"], "learners.upload", "admin/learners_import.html")


@bp.get("/export.csv")
def export():
    """Every learner in the import's columns, to edit in Excel and import again."""
    return Response(export_learners(db_session()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=learners.csv"})
