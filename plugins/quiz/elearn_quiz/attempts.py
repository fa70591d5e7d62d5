"""The attempt state machine: start -> save* -> submit -> graded.

Every function runs inside the core's submission transaction: the learner's progress row is already
locked (PostgreSQL ``FOR UPDATE``; on SQLite the request holds the write lock from ``BEGIN
IMMEDIATE``), and the attempt row is locked again here, so double clicks, two tabs and retries run one
after the other. The unique ``open_key`` is the last line of defence: two open attempts cannot exist.
Time always comes from ``elearn.clock.utcnow`` on the server; the client's clock is never asked.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.plugin_api import SubmissionError, utcnow
from elearn_quiz.models import AttemptState, QuizAnswerStep, QuizAttempt

DEFAULT_GRACE_SECONDS = 30
MAX_SEQ = 2**31 - 1


def grace() -> timedelta:
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


def open_key(user_id: int, lesson_id: int) -> str:
    return f"{user_id}:{lesson_id}"


def is_overdue(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Past the deadline and its grace: no more answers are accepted."""
    if attempt.deadline is None:
        return False
    return (now or utcnow()) > attempt.deadline + grace()


def attempts_of(db: Session, user_id: int, lesson_id: int) -> list[QuizAttempt]:
    return list(
        db.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.lesson_id == lesson_id)
            .order_by(QuizAttempt.number)
        )
    )


def find_open(db: Session, user_id: int, lesson_id: int, lock: bool = False) -> QuizAttempt | None:
    query = select(QuizAttempt).where(QuizAttempt.open_key == open_key(user_id, lesson_id))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.scalar(query)


def current_answers(db: Session, attempt: QuizAttempt, until: datetime | None = None) -> dict[str, Any]:
    """The latest saved response to each question (optionally only steps saved up to ``until``)."""
    query = select(QuizAnswerStep).where(QuizAnswerStep.attempt_id == attempt.id)
    if until is not None:
        query = query.where(QuizAnswerStep.created_at <= until)
    answers: dict[str, Any] = {}
    for step in db.scalars(query.order_by(QuizAnswerStep.seq, QuizAnswerStep.id)):
        answers[step.question_id] = step.response
    return answers


def finished_count(db: Session, user_id: int, lesson_id: int) -> int:
    return db.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.lesson_id == lesson_id,
            QuizAttempt.state == AttemptState.FINISHED,
        )
    ) or 0


def choose_questions(question_ids: Sequence[str], tags: Mapping[str, Sequence[str]], settings: Mapping[str, Any],
                     seed: int) -> list[str]:
    """The questions of one attempt: drawn from a tagged pool and shuffled, reproducibly from ``seed``."""
    rng = random.Random(seed)
    ids = list(question_ids)
    draw = settings.get("draw")
    if draw:
        wanted = set(draw.get("tags") or [])
        pool = [qid for qid in ids if not wanted or wanted & set(tags.get(qid, ()))]
        chosen = set(rng.sample(pool, min(draw["count"], len(pool))))
        ids = [qid for qid in ids if qid in chosen]
    if settings.get("shuffle_questions"):
        rng.shuffle(ids)
    return ids


def start(db: Session, user_id: int, lesson_id: int, question_ids: Sequence[str], tags: Mapping[str, Sequence[str]],
          settings: Mapping[str, Any]) -> tuple[QuizAttempt, bool]:
    """The open attempt, or a new one; ``(attempt, created)``. Refused when no attempt is left."""
    attempt = find_open(db, user_id, lesson_id, lock=True)
    if attempt is not None:
        return attempt, False
    allowed = settings.get("attempts_allowed") or 0
    numbers = db.scalar(
        select(func.max(QuizAttempt.number)).where(QuizAttempt.user_id == user_id, QuizAttempt.lesson_id == lesson_id)
    ) or 0
    if allowed and finished_count(db, user_id, lesson_id) >= allowed:
        raise SubmissionError(_("You have used all your attempts at this quiz."), status=409)
    now = utcnow()
    seed = random.SystemRandom().randrange(1, 2**31 - 1)
    limit = settings.get("time_limit_minutes") or 0
    attempt = QuizAttempt(
        user_id=user_id,
        lesson_id=lesson_id,
        number=numbers + 1,
        state=AttemptState.IN_PROGRESS,
        open_key=open_key(user_id, lesson_id),
        started_at=now,
        deadline=now + timedelta(minutes=limit) if limit else None,
        seq=0,
        question_order=choose_questions(question_ids, tags, settings, seed),
        seed=seed,
    )
    db.add(attempt)
    db.flush()
    return attempt, True


@dataclass
class SaveResult:
    saved: int  # answers stored by this call
    repeated: bool  # the same save again (a retry): nothing new was stored


def save(db: Session, attempt: QuizAttempt, seq: Any, answers: Any, validate) -> SaveResult:
    """Append the answers as steps with sequence number ``seq``.

    A ``seq`` lower than the last accepted one is stale and refused (409); the same ``seq`` again is
    accepted only as a retry of the same answers (nothing new is stored), otherwise refused too.
    ``validate(question_id, response)`` returns the normalised response, or raises ``SubmissionError``
    for a malformed one.
    """
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise SubmissionError(_("Send “seq”: a whole number, one more than the last save of this attempt."))
    if not isinstance(answers, dict):
        raise SubmissionError(_("Send “answers” as an object: question id → your answer."))
    order = set(attempt.question_order)
    for qid in answers:
        if qid not in order:
            raise SubmissionError(_("This attempt has no question “%(id)s”.", id=str(qid)[:100]))
    answers = {qid: validate(qid, response) for qid, response in answers.items()}
    current = current_answers(db, attempt)
    if seq <= attempt.seq:
        if seq == attempt.seq and all(current.get(qid) == response for qid, response in answers.items()):
            return SaveResult(saved=0, repeated=True)
        raise SubmissionError(
            _(
                "These answers are older than the ones already saved (save number %(seq)d, last saved %(last)d). "
                "Reload the page to see your latest answers.",
                seq=seq,
                last=attempt.seq,
            ),
            status=409,
        )
    now = utcnow()
    saved = 0
    for qid in attempt.question_order:  # a stable order of steps
        if qid in answers and (qid not in current or current[qid] != answers[qid]):
            db.add(QuizAnswerStep(attempt_id=attempt.id, question_id=qid, seq=seq, response=answers[qid],
                                  created_at=now))
            saved += 1
    attempt.seq = seq
    return SaveResult(saved=saved, repeated=False)


def finish(db: Session, attempt: QuizAttempt, grade_all, timed_out: bool = False) -> None:
    """Grade and close the attempt. Only answers saved before the deadline (and its grace) count."""
    until = attempt.deadline + grace() if attempt.deadline is not None else None
    answers = current_answers(db, attempt, until=until)
    marks, max_marks, per_question = grade_all(attempt, answers)
    attempt.marks = marks
    attempt.max_marks = max_marks
    attempt.fraction = marks / max_marks if max_marks else 0.0
    attempt.result = {"questions": per_question, "timed_out": timed_out}
    attempt.pending_grading = count_pending(per_question)
    attempt.state = AttemptState.FINISHED
    attempt.open_key = None
    now = utcnow()
    attempt.finished_at = min(now, until) if until is not None else now


def count_pending(per_question: Mapping[str, Any]) -> int:
    """How many answers of an attempt's per-question results wait for a person's mark."""
    return sum(1 for entry in per_question.values() if entry.get("state") == "needs_grading")


def last_saved_at(db: Session, attempt: QuizAttempt) -> datetime | None:
    """When an answer of the attempt was last stored (a save that changed nothing stores none)."""
    return db.scalar(select(func.max(QuizAnswerStep.created_at)).where(QuizAnswerStep.attempt_id == attempt.id))


@dataclass(frozen=True)
class Standing:
    """The learner's grade on the quiz from their finished attempts.

    ``pending`` counts the answers still waiting for a person in the attempts the grading method
    counts; while it is not 0 the ``score`` is ``provisional`` (those answers count 0 until marked).
    ``passed`` is never decided on a provisional score: it is True only when a finished attempt
    whose grade is final settles it (with "highest", a final attempt at or above the pass mark).
    """

    score: float | None
    pending: int
    passed: bool

    @property
    def provisional(self) -> bool:
        return self.pending > 0


def standing(finished: Sequence[QuizAttempt], method: str, pass_mark: float) -> Standing:
    ordered = sorted(finished, key=lambda a: a.number)
    score = combined_score(ordered, method)
    if not ordered:
        return Standing(None, 0, False)
    counted = {"first": ordered[:1], "last": ordered[-1:]}.get(method, ordered)
    pending = sum(a.pending_grading or 0 for a in counted)
    if method == "highest":
        final = [a.fraction or 0.0 for a in ordered if not a.pending_grading]
        passed = bool(final) and max(final) >= pass_mark
    else:
        passed = not pending and score is not None and score >= pass_mark
    return Standing(score, pending, passed)


def combined_score(finished: Sequence[QuizAttempt], method: str) -> float | None:
    """The quiz's score from the finished attempts, by the grading method."""
    fractions = [a.fraction or 0.0 for a in sorted(finished, key=lambda a: a.number)]
    if not fractions:
        return None
    if method == "last":
        return fractions[-1]
    if method == "first":
        return fractions[0]
    if method == "average":
        return sum(fractions) / len(fractions)
    return max(fractions)
