"""The course report's page, for the course's instructors and admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from elearn.db import db_session
from elearn.reports import service

bp = Blueprint("reports", __name__)


@bp.get("/courses/<slug>/report")
@login_required
def course_report(slug: str):
    db = db_session()
    course = service.report_course(db, current_user, slug)
    group_by = request.args.get("group_by", "")[:120]
    report = service.course_report(db, course, group_by, request.args.get("page"))
    return render_template("reports/course.html", course=course, report=report)
