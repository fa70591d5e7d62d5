"""HTML routes under ``/x/workshop``: every plan of a lesson with its phase for the instructors,
a plan's history with two versions side by side, a printable plan, its PDF and its statements as
CSV. Writing the plan is the core's lesson page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.utils import secure_filename

from elearn.plugin_api import (
    SubmissionError,
    User,
    current_locale,
    db_session,
    fail,
    learner_lesson,
    lesson_to_teach,
    pdf_response,
    write_csv,
)
from elearn_workshop import export, fields, finance, formatting, plans, reviews
from elearn_workshop.access import open_plan
from elearn_workshop.finance.compute import for_export
from elearn_workshop.models import PHASES

bp = Blueprint("workshop", __name__)
bp.add_app_template_global(plans.phase_label, "workshop_phase_label")
bp.add_app_template_global(formatting.money, "workshop_money")
bp.add_app_template_global(formatting.number, "workshop_number")


@bp.app_template_global("workshop_finance_plan")
def finance_plan(value, options):
    """The financial plan computed from a finance field's value, for the lesson and the printable
    page: once per request (the lesson's view computed it already for the API's figures)."""
    return finance.compute_once(value, options)


def taught(db, lesson_id: int):
    return lesson_to_teach(db, current_user, lesson_id, "workshop", _("Only the course's instructors see every plan."))


@bp.get("/lessons/<int:lesson_id>/plans")
@login_required
def plans_page(lesson_id: int):
    """Every plan of the lesson: whose, how far, handed in or not, what is still missing."""
    db = db_session()
    lesson = taught(db, lesson_id)
    peers = reviews.peer_progress(db, lesson)
    return render_template("workshop/plans.html", lesson=lesson, listed=plans.every_plan(db, lesson),
                           phase=peers.phase, phases=PHASES,
                           phase_label=plans.phase_label, peers=peers,
                           peer_review=bool(lesson.content.get("peer_review")),
                           rubric=bool(lesson.content.get("rubric")))


@bp.post("/lessons/<int:lesson_id>/phase")
@login_required
def set_phase(lesson_id: int):
    """Move the workshop to another phase (the instructor decides, as in Moodle's Workshop)."""
    db = db_session()
    lesson = taught(db, lesson_id)
    wanted = request.form.get("phase", "")
    try:
        done = reviews.change_phase(db, lesson, wanted, current_user)
    except SubmissionError as exc:
        fail(exc.status, exc.message)
    db.commit()
    flash(_("The workshop is now in its %(phase)s phase.", phase=plans.phase_label(wanted)), "success")
    if done["allocated"]:
        flash(ngettext("%(num)d review was given to the peers.", "%(num)d reviews were given to the peers.",
                       done["allocated"]), "success")
    if done["graded"]:
        flash(ngettext("%(num)d learner's grade was recorded.", "%(num)d learners' grades were recorded.",
                       done["graded"]), "success")
    return redirect(url_for("workshop.plans_page", lesson_id=lesson.id), code=303)


@bp.get("/plans/<int:plan_id>/versions")
@login_required
def versions_page(plan_id: int):
    """Who changed which section and when; two versions side by side (``?a=3&b=5``)."""
    db = db_session()
    found = open_plan(db, current_user, plan_id)
    history = plans.versions(db, found.plan)
    people = {user.id: user for user in db.scalars(select(User).where(
        User.id.in_({version.saved_by for version in history if version.saved_by})))}
    kept = {version.number: version for version in history if version.kind != "conflict"}
    compared = None
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if a.isdigit() and b.isdigit():
        if int(a) not in kept or int(b) not in kept:
            fail(404, _("This plan has no such version."))
        compared = (kept[int(a)], kept[int(b)])
    return render_template("workshop/versions.html", found=found, history=history, people=people,
                           compared=compared, sections=found.lesson.content["sections"], shown=fields.shown)


@bp.get("/plans/<int:plan_id>/print")
@login_required
def print_page(plan_id: int):
    """The whole plan on one page, laid out for printing (the browser's Print, or Save as PDF)."""
    db = db_session()
    found = open_plan(db, current_user, plan_id)
    return render_template("workshop/print.html", found=found, sections=found.lesson.content["sections"],
                           shown=fields.shown)


@bp.post("/lessons/<int:lesson_id>/finance")
@login_required
def finance_preview(lesson_id: int):
    """The financial plan's figures for what is typed now, not saved: workshop.js shows them as the
    writer types, computed by the same code as the saved plan's, so the two never disagree."""
    db = db_session()
    lesson = learner_lesson(db, current_user, lesson_id, "workshop").lesson
    for section in lesson.content["sections"]:
        for field in section["fields"]:
            if field["kind"] == "finance":
                prefix = fields.field_name(section["key"], field["key"]) + "."
                value, problems = finance.parse_form(request.form, prefix, field["options"])
                return render_template("workshop/finance_results.html", plan=finance.compute(value, field["options"]),
                                       problems=problems)
    fail(404, _("This plan has no financial part."))


def _exported(plan_id: int):
    """The plan, its lesson and the name its files carry."""
    db = db_session()
    found = open_plan(db, current_user, plan_id)
    return found, plans.name_of(db, found.plan)


@bp.get("/plans/<int:plan_id>/plan.pdf")
@login_required
def plan_pdf_download(plan_id: int):
    """The whole plan as a PDF the cooperative can take to its general assembly or to a bank."""
    found, name = _exported(plan_id)
    lesson = found.lesson
    data = export.plan_pdf(lesson.content, found.plan.content, cooperative=name,
                           course=lesson.course.title_for(current_locale()),
                           lesson_title=lesson.title_for(current_locale()), version=found.plan.version,
                           saved_at=found.plan.updated_at, finance_tables=for_export)
    return pdf_response(data, f"{secure_filename(name) or 'plan'}-v{found.plan.version}.pdf")


@bp.get("/plans/<int:plan_id>/statements.csv")
@login_required
def statements_download(plan_id: int):
    """The financial statements for a spreadsheet (plain digits, so it computes with them)."""
    found, name = _exported(plan_id)
    tables = [table for section in found.lesson.content["sections"] for field in section["fields"]
              if field["kind"] == "finance"
              for table in for_export(field, found.plan.content.get(section["key"], {}).get(field["key"]))[1]]
    return _csv_download(export.statements_csv(tables).encode("utf-8"),
                         f"{secure_filename(name) or 'plan'}-statements.csv")


def _csv_download(data: bytes, filename: str) -> Response:
    """A CSV file to download, never kept by a shared cache (it holds a cooperative's figures)."""
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def review_page(review_id: int):
    """A review: the plan beside the rubric. Its reviewer saves a draft or submits it; the course's
    instructors may read any review."""
    db = db_session()
    found = reviews.open_review(db, current_user, review_id)
    rubric = reviews.rubric_of(found.lesson.content)
    if rubric is None:
        fail(404, _("This workshop has no rubric to assess with."))
    problems: dict[str, str] = {}
    given = found.review.assessment
    if request.method == "POST":
        final = request.form.get("action") == "submit"
        try:
            problems = reviews.save_review(db, found, request.form, final)
        except SubmissionError as exc:
            fail(exc.status, exc.message)
        if not problems:
            db.commit()
            flash(_("Your review is submitted.") if final else _("Your draft is saved."), "success")
            return redirect(url_for("workshop.review_page", review_id=review_id), code=303)
        given = reviews.typed_assessment(rubric, request.form)
    content = found.lesson.content
    author_name = ""
    if found.review.kind == "instructor":
        author_name = plans.name_of(db, found.plan)
    return render_template(
        "workshop/review.html", found=found, rubric=rubric, given=given, problems=problems,
        sections=content["sections"], section_titles={s["key"]: s["title"] for s in content["sections"]},
        shown=fields.shown, author_name=author_name,
        anonymous=(content.get("peer_review") or {}).get("anonymous", True),
        editable=not found.as_teacher and reviews.may_assess(found.review.kind, plans.phase(db, found.lesson.id)),
    ), 400 if problems else 200


@bp.post("/plans/<int:plan_id>/review")
@login_required
def start_review(plan_id: int):
    """An instructor's review of the plan (``kind=instructor``), or its author's own (``kind=self``)."""
    db = db_session()
    kind = "self" if request.form.get("kind") == "self" else "instructor"
    found = open_plan(db, current_user, plan_id)
    try:
        review = reviews.start_review(db, found.lesson, found.plan, current_user, kind)
    except SubmissionError as exc:
        fail(exc.status, exc.message)
    db.commit()
    return redirect(url_for("workshop.review_page", review_id=review.id), code=303)


@bp.post("/lessons/<int:lesson_id>/allocate")
@login_required
def allocate_page(lesson_id: int):
    """Give the plans handed in late their peer reviewers (the reviews given before are kept)."""
    db = db_session()
    lesson = taught(db, lesson_id)
    added = reviews.allocate_peers(db, lesson)
    db.commit()
    flash(ngettext("%(num)d review was given to the peers.", "%(num)d reviews were given to the peers.", added)
          if added else _("Every plan handed in already has its reviewers."), "success")
    return redirect(url_for("workshop.plans_page", lesson_id=lesson.id), code=303)


@bp.get("/lessons/<int:lesson_id>/grades.csv")
@login_required
def grades_download(lesson_id: int):
    """Every author's marks and grade, for the instructor's records."""
    db = db_session()
    lesson = taught(db, lesson_id)
    header, rows = reviews.grade_rows(db, lesson)
    return _csv_download(write_csv(header, rows), f"workshop-{lesson.id}-grades.csv")


@bp.post("/lessons/<int:lesson_id>/remind")
@login_required
def remind_page(lesson_id: int):
    """Remind the reviewers who still have peer reviews to write (e-mail, or SMS)."""
    db = db_session()
    lesson = taught(db, lesson_id)
    sent, failed = reviews.remind(db, lesson)
    db.commit()
    flash(ngettext("%(num)d reviewer was reminded.", "%(num)d reviewers were reminded.", sent), "success")
    if failed:
        flash(ngettext("%(num)d reviewer could not be reached (no e-mail or phone, or no sender on this site).",
                       "%(num)d reviewers could not be reached (no e-mail or phone, or no sender on this site).",
                       failed), "warning")
    return redirect(url_for("workshop.plans_page", lesson_id=lesson.id), code=303)
