"""The administrators' page for learners in bulk: upload a CSV (check, then import), download the export."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

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
    report = None
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            flash(_("Choose a CSV file."), "error")
            return redirect(url_for("learners.upload"), code=303)
        limit = current_app.config["LEARNERS_IMPORT_MAX_BYTES"]
        db = db_session()
        report = import_learners(db, file.stream.read(limit + 1), commit=request.form.get("commit") == "1",
                                 max_bytes=limit)
        if report.committed:
            db.commit()
            flash(_("Imported: %(created)d created, %(updated)d changed, %(unchanged)d unchanged.",
                    created=report.count("create"), updated=report.count("update"),
                    unchanged=report.count("unchanged")), "success")
        else:
            db.rollback()
    return render_template("admin/learners_import.html", report=report), \
        400 if report is not None and not report.ok else 200


@bp.get("/export.csv")
def export():
    """Every learner in the import's columns, to edit in Excel and import again."""
    return Response(export_learners(db_session()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=learners.csv"})
