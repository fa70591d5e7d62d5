"""The quiz's instructor pages, mounted under ``/x/quiz``: attempts, one attempt, the grading queue,
regrading, item statistics and the CSV export. Only the course's instructors and admins get in."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from elearn.plugin_api import User, db_session, fail, format_when, lesson_to_teach
from elearn_quiz import listing, reports
from elearn_quiz.gift import to_gift
from elearn_quiz.lesson import choice_html, question_from_json, right_answer
from elearn_quiz.models import QuizAttempt

bp = Blueprint("quiz", __name__)

def state_label(state: str, pending: int = 0) -> str:
    """An attempt's or an answer's state in words; a finished attempt with answers waiting for a
    person (``pending``) says so."""
    if state == "finished" and pending:
        return _("Submitted, waiting for grading")
    labels = {
        "in_progress": _("In progress"),
        "overdue": _("Overdue"),
        "finished": _("Submitted"),
        "abandoned": _("Abandoned"),
        "correct": _("Correct"),
        "partial": _("Partly correct"),
        "wrong": _("Wrong"),
        "needs_grading": _("Needs grading"),
        "blank": _("Not answered"),
        "invalid": _("Invalid answer"),
    }
    return labels.get(state or "", state or "")


def quiz_lesson(lesson_id: int):
    """The quiz lesson, for its course's instructors and admins only: 401, 404 or 403 otherwise."""
    db = db_session()
    forbidden = _("Only the instructors of this course can see its quiz reports.")
    return db, lesson_to_teach(db, current_user, lesson_id, "quiz", forbidden)


def _page(template: str, lesson, **values):
    return render_template(f"quiz/{template}", lesson=lesson, course=lesson.course, state_label=state_label,
                           format_when=format_when, **values)


@bp.get("/lessons/<int:lesson_id>/attempts")
def attempts(lesson_id: int):
    db, lesson = quiz_lesson(lesson_id)
    search, state = listing.search_text(request.args.get("q")), listing.state_filter(request.args.get("state"))
    found = listing.attempts_page(db, lesson, request.args.get("page"), search, state)
    states = [(value, state_label(*shown)) for value, shown in listing.STATE_FILTERS.items()]
    return _page("attempts.html", lesson, found=found, search=search, state=state, states=states,
                 waiting=listing.waiting_count(db, lesson))


@bp.get("/lessons/<int:lesson_id>/attempts/<int:attempt_id>")
def attempt(lesson_id: int, attempt_id: int):
    db, lesson = quiz_lesson(lesson_id)
    row = db.execute(
        select(QuizAttempt, User)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.lesson_id == lesson.id)
    ).first()
    if row is None:
        fail(404, _("This attempt does not exist."))
    found, user = row
    questions = reports.lesson_questions(lesson)
    answers = reports.answers_of(db, [found], in_time=False)[found.id]
    results = (found.result or {}).get("questions", {})
    items = []
    for number, qid in enumerate(found.question_order, start=1):
        question = questions.get(qid)
        if question is None:
            continue
        result = results.get(qid, {})
        fraction = result.get("fraction")
        items.append({
            "number": number,
            "question": question,
            "answer": answers.get(qid),
            "right": right_answer(question),
            "state": result.get("state"),
            "mark": fraction * question.points if fraction is not None else None,
            "comment": result.get("comment", ""),
            "choices": {c.id: choice_html(question, c.id, c.html) for c in question.choices},
            "prompts": {p.id: p.prompt_html for p in question.pairs},
            "answers": question.matching_answers(),
            "item_html": {i.id: i.html for i in question.items},
        })
    return _page("attempt.html", lesson, attempt=found, user=user, items=items)


@bp.route("/lessons/<int:lesson_id>/grading", methods=["GET", "POST"])
def grading(lesson_id: int):
    db, lesson = quiz_lesson(lesson_id)
    if request.method == "POST":
        attempt_id = request.form.get("attempt", "")
        try:
            reports.grade_answer(
                db, lesson, int(attempt_id) if attempt_id.isascii() and attempt_id.isdigit() else 0,
                request.form.get("question", ""), request.form.get("mark", ""), request.form.get("comment", ""),
                current_user.id,
            )
        except reports.GradingError as exc:
            db.rollback()
            flash(str(exc), "error")
        else:
            db.commit()
            flash(_("The mark is saved."), "success")
        # Back to the page of the queue the mark was given on (it has one attempt fewer now, or the same).
        back = {key: value for key in ("page", "q") if (value := request.args.get(key))}
        return redirect(url_for("quiz.grading", lesson_id=lesson.id, **back), code=303)
    search = listing.search_text(request.args.get("q"))
    found = listing.queue_page(db, lesson, request.args.get("page"), search)
    return _page("grading.html", lesson, found=found, search=search)


@bp.post("/lessons/<int:lesson_id>/regrade")
def regrade(lesson_id: int):
    db, lesson = quiz_lesson(lesson_id)
    total, changed = reports.regrade(db, lesson)
    db.commit()
    flash(" ".join([
        ngettext("%(num)d attempt regraded with the current questions.",
                 "%(num)d attempts regraded with the current questions.", total),
        ngettext("The score of %(num)d attempt changed.", "The scores of %(num)d attempts changed.", changed),
    ]), "success")
    return redirect(url_for("quiz.attempts", lesson_id=lesson.id), code=303)


@bp.get("/lessons/<int:lesson_id>/statistics")
def statistics(lesson_id: int):
    db, lesson = quiz_lesson(lesson_id)
    which = "all" if request.args.get("attempts") == "all" else "first"
    items, used = reports.item_statistics(db, lesson, which)
    return _page("stats.html", lesson, items=items, used=used, which=which)


@bp.get("/lessons/<int:lesson_id>/attempts.csv")
def export(lesson_id: int):
    db, lesson = quiz_lesson(lesson_id)
    zone = str(get_timezone())
    headers = [_("Learner"), _("Email"), _("Attempt"), _("State"), _("Started (%(zone)s time)", zone=zone),
               _("Finished (%(zone)s time)", zone=zone), _("Marks"), _("Out of"), _("Score (%)")]
    body = reports.attempts_csv(db, lesson, headers, state_label)
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="quiz-{lesson.id}-attempts.csv"'},
    )


@bp.get("/lessons/<int:lesson_id>/questions.gift")
def export_gift(lesson_id: int):
    """The quiz's questions in Moodle's GIFT format, to edit or to take to another platform."""
    _db, lesson = quiz_lesson(lesson_id)
    questions = [question_from_json(q) for q in lesson.content["questions"]]
    try:
        body = to_gift(questions)
    except ValueError:
        fail(409, _("This quiz has ordering questions, which the GIFT format cannot hold."))
    return Response(
        body,
        content_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="quiz-{lesson.id}.gift"'},
    )
