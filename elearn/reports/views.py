"""The report pages: the course report and gradebook (its instructors, an area's staff, admins),
the progress reports and stalled learners, and a learner's own grades."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from elearn.db import db_session
from elearn.i18n import format_percent
from elearn.learning.service import get_course
from elearn.organisations.service import TRACK_LABELS
from elearn.pdf import pdf_response
from elearn.profile.service import POSITION_LABELS
from elearn.reports import service
from elearn.reports.access import course_scope, report_scope
from elearn.reports.exports import download, wanted_format
from elearn.reports.gradebook import EXPORT_LIMIT, filter_choices, gradebook, parse_filters, whole_id
from elearn.reports.grades import gradebook_table, my_grades, progress_table, stalled_table
from elearn.reports.progress import DIMENSIONS, ProgressQuery, progress_report, report_choices
from elearn.reports.stalled import DEFAULT_DAYS, MAX_DAYS, MAX_REMINDERS, StalledQuery, remind, stalled
from elearn.reports.yearly import SECTIONS, parse_year, this_year, yearly_pdf, yearly_report
from elearn.security import fail

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


def _progress_query(args) -> ProgressQuery:
    return ProgressQuery(group_by=str(args.get("group_by") or "area")[:40], course_id=whole_id(args, "course"),
                         programme_id=whole_id(args, "programme"), unit=whole_id(args, "unit"))


def _stalled_query(args) -> StalledQuery:
    raw = str(args.get("days") or DEFAULT_DAYS).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        fail(400, _("“%(field)s” must be a number of days from 1 to %(max)d.", field="days", max=MAX_DAYS))
    return StalledQuery(days=int(raw), course_id=whole_id(args, "course"), programme_id=whole_id(args, "programme"),
                        unit=whole_id(args, "unit"))


def _args(query) -> dict:
    """The query string of a report's links (its filter), by the names the page reads."""
    names = {"course_id": "course", "programme_id": "programme"}
    return {names.get(key, key): value for key, value in vars(query).items() if value}


@bp.get("/reports")
@login_required
def progress():
    db = db_session()
    scope = report_scope(db, current_user)
    query = _progress_query(request.args)
    report = progress_report(db, scope, query)
    fmt = wanted_format(request.args.get("format"))
    if fmt:
        return download(f"progress-{query.group_by}", fmt, *progress_table(report))
    bars = [(row.label, row.completion, format_percent(row.completion)) for row in report.rows]
    return render_template("reports/progress.html", report=report, dimensions=DIMENSIONS, bars=bars,
                           choices=report_choices(db, scope), args=_args(query))


@bp.get("/reports/stalled")
@login_required
def stalled_learners():
    db = db_session()
    scope = report_scope(db, current_user)
    query = _stalled_query(request.args)
    fmt = wanted_format(request.args.get("format"))
    if fmt:
        return download("stalled-learners", fmt, *stalled_table(stalled(db, scope, query, per_page=EXPORT_LIMIT)))
    found = stalled(db, scope, query, request.args.get("page"), args=_args(query))
    return render_template("reports/stalled.html", found=found, query=query, choices=report_choices(db, scope),
                           args=_args(query), max_reminders=MAX_REMINDERS)


@bp.post("/reports/stalled/remind")
@login_required
def send_reminders():
    db = db_session()
    scope = report_scope(db, current_user)
    ids = [number for number in (whole_id({"enrolment": raw}, "enrolment") for raw in request.form.getlist("enrolment"))
           if number]
    if not ids:
        flash(_("Tick the learners to remind."), "error")
    else:
        sent = remind(db, current_user, scope, ids)
        db.commit()
        flash(ngettext("Reminder sent to %(num)d learner.", "Reminder sent to %(num)d learners.", sent), "success")
    back = {key: value for key, value in request.form.items() if key in ("days", "course", "programme", "unit")}
    return redirect(url_for("reports.stalled_learners", **back), code=303)


@bp.get("/reports/yearly")
@login_required
def yearly():
    """The year's training report (``?year=2026``): on the page, as PDF (``format=pdf``), CSV or XLSX."""
    db = db_session()
    report = yearly_report(db, report_scope(db, current_user), parse_year(request.args.get("year")))
    fmt = request.args.get("format")
    if fmt == "pdf":
        data = yearly_pdf(report, current_app.config["CERTIFICATE_ORGANISATION"])
        return pdf_response(data, f"bao-cao-dao-tao-{report.year}.pdf")
    fmt = wanted_format(fmt)
    if fmt:
        header, rows = [], []
        for key in SECTIONS:
            part_header, part_rows = progress_table(report.by[key])
            header = header or [_("Grouped by"), *part_header[1:]]
            rows += [[f"{DIMENSIONS[key]}: {row[0]}", *row[1:]] for row in part_rows]
        return download(f"yearly-{report.year}", fmt, header, rows)
    bars = {key: [(row.label, row.completion, format_percent(row.completion)) for row in report.by[key].rows]
            for key in SECTIONS}
    return render_template("reports/yearly.html", report=report, dimensions=DIMENSIONS, sections=SECTIONS,
                           bars=bars, years=range(this_year(), this_year() - 6, -1))
