"""The report pages: the course report and gradebook (its instructors, an area's staff, admins),
the progress reports and stalled learners, and a learner's own grades."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearn.db import db_session
from elearn.learning.service import get_course
from elearn.organisations.service import TRACK_LABELS
from elearn.profile.service import POSITION_LABELS
from elearn.reports import service
from elearn.reports.access import course_scope
from elearn.reports.exports import download, wanted_format
from elearn.reports.gradebook import EXPORT_LIMIT, filter_choices, gradebook, parse_filters
from elearn.reports.grades import gradebook_table, my_grades

bp = Blueprint("reports", __name__)


@bp.get("/courses/<slug>/report")
@login_required
def course_report(slug: str):
    db = db_session()
    course = service.report_course(db, current_user, slug)
    group_by = request.args.get("group_by", "")[:120]
    report = service.course_report(db, course, group_by, request.args.get("page"))
    return render_template("reports/course.html", course=course, report=report)


@bp.get("/courses/<slug>/gradebook")
@login_required
def course_gradebook(slug: str):
    db = db_session()
    course = get_course(db, slug)
    scope = course_scope(db, current_user, course)
    filters = parse_filters(request.args)
    fmt = wanted_format(request.args.get("format"))
    if fmt:
        book = gradebook(db, course, scope, filters, per_page=EXPORT_LIMIT)
        return download(f"gradebook-{course.slug}", fmt, *gradebook_table(book))
    book = gradebook(db, course, scope, filters, request.args.get("page"))
    return render_template("reports/gradebook.html", course=course, book=book,
                           choices=filter_choices(db, course, scope), **choice_labels())


def choice_labels() -> dict:
    """The fixed choices of the filters, translated: tracks, positions, sorts."""
    return {
        "tracks": [(track.value, str(label)) for track, label in TRACK_LABELS.items()],
        "positions": [(position.value, str(label)) for position, label in POSITION_LABELS.items()],
        "sorts": [("name", _("Name, A to Z")), ("-name", _("Name, Z to A")), ("enrolled", _("Enrolled first")),
                  ("-enrolled", _("Enrolled last")), ("completed", _("Completed first")),
                  ("-completed", _("Completed last"))],
    }


@bp.get("/me/grades")
@login_required
def grades():
    return render_template("reports/my_grades.html", books=my_grades(db_session(), current_user))
