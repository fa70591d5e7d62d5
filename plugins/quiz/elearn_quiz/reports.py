"""The instructor's side of the quiz: manual grading, regrading, item statistics and the CSV export.

No Flask request here: the views in ``views.py`` check access and call these with the database
session; the caller commits. Every function loads what it needs in a bounded number of queries
(attempts of the lesson, their answer steps, their learners' progress rows), never one per row.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import to_user_timezone
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.plugin_api import Outcome, Status, User, audit_record, lock_progress, reassess, utcnow
from elearn_quiz import attempts as machine
from elearn_quiz.grading import EPSILON, comment_html
from elearn_quiz.lesson import DEFAULT_SETTINGS, QuizLesson, choice_html, grading_questions
from elearn_quiz.models import AttemptState, QuizAnswerStep, QuizAttempt
from elearn_quiz.questions import Question

MAX_COMMENT = 5_000
CHOICE_TYPES = ("single", "multiple", "truefalse")


def lesson_questions(lesson) -> dict[str, Question]:
    """The lesson's current questions, in authored order, as grading reads them (``grading_questions``)."""
    return grading_questions(lesson)


def lesson_settings(lesson) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **(lesson.content or {}).get("settings", {})}


def finished_attempts(db: Session, lesson_id: int, lock: bool = False) -> list[QuizAttempt]:
    query = (
        select(QuizAttempt)
        .where(QuizAttempt.lesson_id == lesson_id, QuizAttempt.state == AttemptState.FINISHED)
        .order_by(QuizAttempt.user_id, QuizAttempt.number)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.scalars(query))


def answers_of(db: Session, attempts: Sequence[QuizAttempt], in_time: bool = True) -> dict[int, dict[str, Any]]:
    """The latest response to each question of each attempt, in one query. With ``in_time`` only the
    steps saved before the attempt's deadline and its grace count, as when the attempt was graded."""
    if not attempts:
        return {}
    by_id = {a.id: a for a in attempts}
    limits = {a.id: (a.deadline + machine.grace() if in_time and a.deadline is not None else None) for a in attempts}
    answers: dict[int, dict[str, Any]] = {a.id: {} for a in attempts}
    steps = db.scalars(
        select(QuizAnswerStep)
        .where(QuizAnswerStep.attempt_id.in_(list(by_id)))
        .order_by(QuizAnswerStep.attempt_id, QuizAnswerStep.seq, QuizAnswerStep.id)
    )
    for step in steps:
        until = limits[step.attempt_id]
        if until is not None and step.created_at > until:
            continue
        answers[step.attempt_id][step.question_id] = step.response
    return answers


def totals(attempt: QuizAttempt, questions: Mapping[str, Question], per_question: Mapping[str, Any]) -> None:
    """Set the attempt's marks, max_marks and fraction from its per-question results."""
    marks = max_marks = 0.0
    for qid in attempt.question_order:
        question = questions.get(qid)
        if question is None:
            continue
        max_marks += question.points
        marks += (per_question.get(qid, {}).get("fraction") or 0.0) * question.points
    attempt.marks = marks
    attempt.max_marks = max_marks
    attempt.fraction = marks / max_marks if max_marks else 0.0
    attempt.pending_grading = machine.count_pending(
        {qid: entry for qid, entry in per_question.items() if qid in questions}
    )


def update_progress(db: Session, lesson, user_ids: Iterable[int]) -> None:
    """Each learner's grade, recomputed from their finished attempts by the quiz's grading method and
    pass mark (as ``QuizLesson._finished_outcome`` does on submit), given to the core to store: when
    the instructor marks the last waiting essay, the grade becomes final, a pass is recorded, and the
    course is completed if that was its last lesson. A completed quiz stays completed unless the
    pack's ``regrade_may_uncomplete`` says a regrade may take it back."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    settings = lesson_settings(lesson)
    db.flush()
    finished: dict[int, list[QuizAttempt]] = defaultdict(list)
    for attempt in db.scalars(
        select(QuizAttempt).where(
            QuizAttempt.lesson_id == lesson.id,
            QuizAttempt.user_id.in_(user_ids),
            QuizAttempt.state == AttemptState.FINISHED,
        )
    ):
        finished[attempt.user_id].append(attempt)
    outcomes = {}
    for user_id, done_attempts in finished.items():
        grade = machine.standing(done_attempts, settings["grading_method"], settings["pass_mark"])
        done = grade.passed or settings["completion"] == "attempted"
        outcomes[user_id] = Outcome(
            status=Status.COMPLETED if done else Status.IN_PROGRESS,
            score=grade.score or 0.0,
            counts_as_attempt=False,
            state_changes={"finished_attempts": len(done_attempts), "passed": grade.passed,
                           "pending_grading": grade.pending},
            may_uncomplete=settings["regrade_may_uncomplete"],
        )
    reassess(db, lesson, outcomes)


# -- manual grading ------------------------------------------------------------------------


class GradingError(ValueError):
    pass


def parse_mark(text: str, points: float) -> float:
    from flask_babel import gettext as _

    try:
        mark = float((text or "").strip().replace(",", "."))
    except ValueError:
        raise GradingError(_("Enter the mark as a number.")) from None
    if not math.isfinite(mark) or mark < 0 or mark > points + EPSILON:
        raise GradingError(_("The mark must be between 0 and %(points)s.", points=f"{points:g}"))
    return min(mark, points)


def grade_answer(db: Session, lesson, attempt_id: int, question_id: str, mark_text: str, comment: str,
                 grader_id: int) -> QuizAttempt:
    """Store a person's mark and comment for one answer; recompute the attempt and the learner's progress."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    owner = db.scalar(select(QuizAttempt.user_id).where(QuizAttempt.id == attempt_id))
    if owner is not None:
        lock_progress(db, lesson, [owner])  # the learner's row first, as the core's submissions do
    attempt = db.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.lesson_id == lesson.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    questions = lesson_questions(lesson)
    question = questions.get(question_id)
    if attempt is None or attempt.state != AttemptState.FINISHED or question is None \
            or question_id not in attempt.question_order:
        raise GradingError(_("This answer cannot be graded: the attempt or question no longer exists."))
    mark = parse_mark(mark_text, question.points)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise GradingError(ngettext("The comment is too long (at most %(num)d character).",
                                    "The comment is too long (at most %(num)d characters).", MAX_COMMENT))
    result = dict(attempt.result or {})
    per_question = dict(result.get("questions", {}))
    old = dict(per_question.get(question_id, {}))
    fraction = mark / question.points if question.points else 0.0
    base_feedback = old.get("auto_feedback_html", old.get("feedback_html", ""))
    per_question[question_id] = {
        **old,
        "fraction": fraction,
        "state": "correct" if fraction >= 1 - EPSILON else ("partial" if fraction > EPSILON else "wrong"),
        "manual": True,
        "mark": mark,
        "comment": comment,
        "graded_by": grader_id,
        "graded_at": utcnow().isoformat(),
        "auto_feedback_html": base_feedback,
        "feedback_html": comment_html(comment) + base_feedback,
    }
    result["questions"] = per_question
    attempt.result = result
    totals(attempt, questions, per_question)
    update_progress(db, lesson, [attempt.user_id])
    _record_grade(db, lesson, attempt, question_id, old.get("mark"), mark, grader_id)
    return attempt


def _record_grade(db: Session, lesson, attempt: QuizAttempt, question_id: str, before: float | None, mark: float,
                  grader_id: int) -> None:
    """The mark a person gave, in the site's audit log ("grade changed"), with the mark it replaced."""
    learner, grader = db.get(User, attempt.user_id), db.get(User, grader_id)
    was = "—" if before is None else f"{before:g}"
    audit_record(db, grader, "grade.changed", subject_type="quiz_attempt", subject_id=attempt.id,
                 summary=f"{learner.name if learner else attempt.user_id} — {lesson.title_vi}, {question_id}: "
                         f"{was} → {mark:g}",
                 details={"lesson_id": lesson.id, "attempt_id": attempt.id, "question_id": question_id,
                          "user_id": attempt.user_id, "previous": before, "mark": mark})


# -- regrading -----------------------------------------------------------------------------


def regrade(db: Session, lesson) -> tuple[int, int]:
    """Grade every finished attempt again with the lesson's current questions; ``(attempts, changed)``.

    Marks a person gave to an essay are kept while the question is still an essay."""
    questions = lesson_questions(lesson)
    grade_all = QuizLesson._grader(questions)
    lock_progress(db, lesson)
    attempts = finished_attempts(db, lesson.id, lock=True)
    answers = answers_of(db, attempts)
    changed_users: set[int] = set()
    changed = 0
    for attempt in attempts:
        old = (attempt.result or {}).get("questions", {})
        _marks, _max, per_question = grade_all(attempt, answers[attempt.id])
        for qid, entry in per_question.items():
            before = old.get(qid, {})
            if before.get("manual") and entry.get("state") == "needs_grading":
                per_question[qid] = before
        before_fraction, before_marks = attempt.fraction, attempt.marks
        attempt.result = {**(attempt.result or {}), "questions": per_question}
        totals(attempt, questions, per_question)
        if before_fraction is None or abs(attempt.fraction - before_fraction) > EPSILON \
                or abs((attempt.marks or 0) - (before_marks or 0)) > EPSILON:
            changed += 1
            changed_users.add(attempt.user_id)
    update_progress(db, lesson, changed_users)
    return len(attempts), changed


# -- item statistics -----------------------------------------------------------------------


@dataclass
class OptionCount:
    html: str
    fraction: float
    count: int


@dataclass
class ItemStats:
    number: int
    question: Question
    attempts: int = 0  # attempts that included the question and have a mark for it
    facility: float | None = None  # mean fraction, 0..1
    discrimination: float | None = None  # correlation with the rest of the test, -1..1
    options: list[OptionCount] = field(default_factory=list)
    blank: int = 0


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= EPSILON * EPSILON or syy <= EPSILON * EPSILON:
        return None
    return sxy / math.sqrt(sxx * syy)


def first_attempts(attempts: Sequence[QuizAttempt]) -> list[QuizAttempt]:
    first: dict[int, QuizAttempt] = {}
    for attempt in attempts:
        if attempt.user_id not in first or attempt.number < first[attempt.user_id].number:
            first[attempt.user_id] = attempt
    return sorted(first.values(), key=lambda a: a.id)


def item_statistics(db: Session, lesson, which: str = "first") -> tuple[list[ItemStats], int]:
    """Moodle-style statistics per question over the finished attempts (``which``: "first" attempt of
    each learner, or "all"). Facility index: the mean fraction of the question. Discrimination index:
    the Pearson correlation between the question's marks and the marks of the rest of the attempt
    (the attempt's marks minus this question's). Returns the items and the number of attempts used."""
    questions = lesson_questions(lesson)
    attempts = finished_attempts(db, lesson.id)
    if which != "all":
        attempts = first_attempts(attempts)
    answers = answers_of(db, attempts)
    items = []
    for number, (qid, question) in enumerate(questions.items(), start=1):
        stats = ItemStats(number=number, question=question)
        scores: list[float] = []
        rests: list[float] = []
        counts: dict[str, int] = defaultdict(int)
        for attempt in attempts:
            if qid not in attempt.question_order:
                continue
            entry = (attempt.result or {}).get("questions", {}).get(qid, {})
            fraction = entry.get("fraction")
            if fraction is None:  # waiting for a person
                continue
            scores.append(fraction)
            rests.append((attempt.marks or 0.0) - fraction * question.points)
            response = answers[attempt.id].get(qid)
            if question.type in CHOICE_TYPES:
                picked = response if isinstance(response, list) else ([response] if response else [])
                if not picked:
                    stats.blank += 1
                for choice_id in picked:
                    counts[str(choice_id)] += 1
        stats.attempts = len(scores)
        if scores:
            stats.facility = sum(scores) / len(scores)
        stats.discrimination = pearson(scores, rests)
        if question.type in CHOICE_TYPES:
            stats.options = [OptionCount(choice_html(question, c.id, c.html), c.fraction, counts.get(c.id, 0))
                             for c in question.choices]
        items.append(stats)
    return items, len(attempts)


# -- CSV -----------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is quoted with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _when(value: datetime | None) -> str:
    """A time in the site's time zone (``BABEL_DEFAULT_TIMEZONE``), as spreadsheets read it: 2026-03-01 15:00:00."""
    return to_user_timezone(value).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"


def attempts_csv(db: Session, lesson, headers: Sequence[str], state_label: Callable[[str, int], str]) -> str:
    """One row per attempt, one column per question (the marks for it); ``headers`` are the translated
    names of the fixed columns: learner, email, attempt, state, started, finished, marks, max marks, score;
    ``state_label(state, pending_grading)`` words the state. Times are in the site's time zone."""
    questions = lesson_questions(lesson)
    rows = db.execute(
        select(QuizAttempt, User)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.lesson_id == lesson.id)
        .order_by(User.name, User.id, QuizAttempt.number)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*headers, *(f"{qid} (/{q.points:g})" for qid, q in questions.items())])
    for attempt, user in rows:
        results = (attempt.result or {}).get("questions", {})
        marks = []
        for qid, question in questions.items():
            fraction = results.get(qid, {}).get("fraction") if qid in attempt.question_order else None
            marks.append(_number(fraction * question.points) if fraction is not None else "")
        writer.writerow([
            _cell(user.name), _cell(user.email), attempt.number, state_label(attempt.state, attempt.pending_grading),
            _when(attempt.started_at), _when(attempt.finished_at),
            _number(attempt.marks), _number(attempt.max_marks),
            _number(attempt.fraction * 100 if attempt.fraction is not None else None),
            *marks,
        ])
    return "\ufeff" + out.getvalue()
