"""HTML routes under ``/x/survey``: the results of a survey for the course's instructors, its free-text
answers with a search, the responses as CSV or XLSX, and the vote of a dashboard poll. The survey itself is the
core's lesson page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from elearn.plugin_api import User, db_session, fail, flash_refusal, lesson_to_teach, safe_next, write_csv
from elearn_survey import gain, polls, results, spreadsheet

bp = Blueprint("survey", __name__)
TEXTS_PER_PAGE = 50


def taught(db, user, lesson_id: int):
    return lesson_to_teach(db, user, lesson_id, "survey", _("Only the course's instructors see a survey's results."))


@bp.post("/polls/<int:lesson_id>")
@login_required
def poll_vote(lesson_id: int):
    """A vote from the dashboard's poll (the form of ``polls.html``), back to where it was sent from."""
    db = db_session()
    try:
        polls.vote(db, current_user, lesson_id, request.form.get("choice", ""), request.form.get("other", ""))
        db.commit()
        flash(_("Thank you for voting. Your vote is anonymous."), "success")
    except HTTPException as exc:
        db.rollback()
        flash_refusal(exc, (400, 404, 409, 429))
    return redirect(safe_next(request.form.get("next"), url_for("learning.dashboard")), code=303)


@bp.get("/lessons/<int:lesson_id>/results")
def results_page(lesson_id: int):
    """Every question's figures and charts, for the people the filters choose."""
    db = db_session()
    lesson = taught(db, current_user, lesson_id)
    filters = results.read_filters(request.args)
    summary = results.summary(db, lesson, lesson.content, filters)
    choices = results.filter_choices(db)
    knowledge_gain = gain.section(db, lesson, lesson.content, filters, choices, min_group=results.MIN_GROUP)

    def texts_url(question_key: str) -> str:
        return url_for("survey.texts_page", lesson_id=lesson.id, question_key=question_key, **filters)

    return render_template("survey/results.html", lesson=lesson, summary=summary, filters=filters,
                           choices=choices, content=lesson.content, texts_url=texts_url,
                           knowledge_gain=knowledge_gain)


@bp.get("/lessons/<int:lesson_id>/results/<question_key>")
def texts_page(lesson_id: int, question_key: str):
    """The written answers to one question (and "other" texts), searched, 50 a page."""
    db = db_session()
    lesson = taught(db, current_user, lesson_id)
    question = next((q for q in lesson.content["questions"] if q["id"] == question_key), None)
    if question is None:
        fail(404, _("This survey has no such question."))
    filters = results.read_filters(request.args)
    search = request.args.get("q", "")[:200]
    found, refused = results.texts(db, lesson, lesson.content, question_key, filters, search)
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    shown = (found or [])[(number - 1) * TEXTS_PER_PAGE:number * TEXTS_PER_PAGE]
    return render_template("survey/texts.html", lesson=lesson, question=question, texts=shown,
                           total=len(found or []), refused=refused, search=search, filters=filters, number=number,
                           more=len(found or []) > number * TEXTS_PER_PAGE, plain=results.plain,
                           choices=results.filter_choices(db))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ``file_type``, not ``kind``: ``kind`` is a filter (the cooperative's kind), passed as a query parameter.
@bp.get("/lessons/<int:lesson_id>/results.<any(csv, xlsx):file_type>")
def results_file(lesson_id: int, file_type: str):
    """The responses the filters choose, one row each (an anonymous survey's without names), as CSV or
    as an Excel workbook."""
    db = db_session()
    lesson = taught(db, current_user, lesson_id)
    header, body = table(db, lesson, results.read_filters(request.args))
    if file_type == "csv":
        data, content_type = write_csv(header, body), "text/csv; charset=utf-8"
    else:
        data, content_type = spreadsheet.xlsx(_("Survey results"), header, body), XLSX
    return Response(data, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="survey-{lesson.id}.{file_type}"'})


def table(db, lesson, filters) -> tuple[list[str], list[list]]:
    """The rows of the files, or a 409 when the filters choose too few people of an anonymous survey."""
    content = lesson.content
    rows = results.matching(results.responses(db, lesson), filters)
    refused = results.suppression(content, len(rows), filters)
    if refused:
        fail(409, refused)
    names = {}
    if not content["anonymous"]:
        ids = [r.user_id for r in rows if r.user_id is not None]
        names = {uid: (name, email) for uid, name, email in
                 db.execute(select(User.id, User.name, User.email).where(User.id.in_(ids)))} if ids else {}
        rows.sort(key=lambda r: names.get(r.user_id, ("", ""))[0])
    return results.csv_rows(content, rows, names)
