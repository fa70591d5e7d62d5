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
from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

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


def finished_attempt(db: Session, user_id: int, lesson_id: int, number: int | None) -> QuizAttempt | None:
    """The learner's finished attempt ``number``, or their last finished one (None: there is none)."""
    query = select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.lesson_id == lesson_id,
                                      QuizAttempt.state == AttemptState.FINISHED)
    if number is not None:
        return db.scalar(query.where(QuizAttempt.number == number))
    return db.scalar(query.order_by(QuizAttempt.number.desc()).limit(1))


@dataclass
class OpenAttempt:
    """The learner's open attempt, locked, with the latest saved response to each question and when
    it was saved (``saved``: question id -> (response, created_at)): read in one statement, so a save
    or a submit never reads the attempt's answers again."""

    attempt: QuizAttempt
    saved: dict[str, tuple[Any, datetime]]
    # The learner's other finished attempts, summed up by the same statement when asked for (a submit).
    finished_before: Finished | None = None

    def answers(self, until: datetime | None = None) -> dict[str, Any] | None:
        """The current answers (those saved up to ``until``); None when one of them was saved after
        ``until``, so an earlier one may count instead: ``current_answers`` decides then."""
        if until is not None and any(saved_at > until for _response, saved_at in self.saved.values()):
            return None
        return {qid: response for qid, (response, _saved_at) in self.saved.items()}


def _latest_steps(attempts):
    """Each question's latest step in the attempts selected by ``attempts`` (a subquery of ids)."""
    steps = QuizAnswerStep.__table__
    rank = func.row_number().over(partition_by=(steps.c.attempt_id, steps.c.question_id),
                                  order_by=(steps.c.seq.desc(), steps.c.id.desc()))
    return (
        select(steps.c.attempt_id, steps.c.question_id, steps.c.response, steps.c.created_at, rank.label("rank"))
        .where(steps.c.attempt_id.in_(attempts))
        .subquery("latest")
    )


_OPEN_KEY = bindparam("open_key")
_LATEST_OF_OPEN = _latest_steps(select(QuizAttempt.id).where(QuizAttempt.open_key == _OPEN_KEY).scalar_subquery())
_OPEN_WITH_ANSWERS = (
    select(QuizAttempt, _LATEST_OF_OPEN.c.question_id, _LATEST_OF_OPEN.c.response, _LATEST_OF_OPEN.c.created_at)
    .outerjoin(_LATEST_OF_OPEN, and_(_LATEST_OF_OPEN.c.attempt_id == QuizAttempt.id, _LATEST_OF_OPEN.c.rank == 1))
    .where(QuizAttempt.open_key == _OPEN_KEY)
    .with_for_update(of=QuizAttempt)
    .execution_options(populate_existing=True)
)


def open_attempt(db: Session, user_id: int, lesson_id: int, with_summary: bool = False) -> OpenAttempt | None:
    """The open attempt, locked until commit, with its current answers: one statement (built once).
    ``with_summary``: with the summary of the learner's finished attempts too (``finished_before``),
    so a submit's standing needs no statement of its own."""
    params = {"open_key": open_key(user_id, lesson_id), "user_id": user_id, "lesson_id": lesson_id}
    rows = db.execute(_OPEN_WITH_SUMMARY if with_summary else _OPEN_WITH_ANSWERS, params).all()
    if not rows:
        return None
    saved = {row[1]: (row[2], row[3]) for row in rows if row[1] is not None}
    return OpenAttempt(rows[0][0], saved, _summary(*rows[0][4:]) if with_summary else None)


def current_answers(db: Session, attempt: QuizAttempt, until: datetime | None = None) -> dict[str, Any]:
    """The latest saved response to each question (optionally only steps saved up to ``until``)."""
    query = select(QuizAnswerStep).where(QuizAnswerStep.attempt_id == attempt.id)
    if until is not None:
        query = query.where(QuizAnswerStep.created_at <= until)
    answers: dict[str, Any] = {}
    for step in db.scalars(query.order_by(QuizAnswerStep.seq, QuizAnswerStep.id)):
        answers[step.question_id] = step.response
    return answers


_OF_LEARNER = and_(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.lesson_id == bindparam("lesson_id"))
_NUMBERS = select(
    func.max(QuizAttempt.number), func.sum(case((QuizAttempt.state == AttemptState.FINISHED, 1), else_=0))
).where(_OF_LEARNER)


def numbers(db: Session, user_id: int, lesson_id: int) -> tuple[int, int]:
    """The learner's highest attempt number and how many of their attempts are finished: one statement."""
    highest, finished = db.execute(_NUMBERS, {"user_id": user_id, "lesson_id": lesson_id}).one()
    return highest or 0, finished or 0


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
          settings: Mapping[str, Any], found: OpenAttempt | None) -> tuple[QuizAttempt, bool]:
    """The open attempt (``found``: ``open_attempt``'s, read by the caller), or a new one;
    ``(attempt, created)``. Refused when no attempt is left."""
    if found is not None:
        return found.attempt, False
    allowed = settings.get("attempts_allowed") or 0
    highest, finished = numbers(db, user_id, lesson_id)
    if allowed and finished >= allowed:
        raise SubmissionError(_("You have used all your attempts at this quiz."), status=409)
    now = utcnow()
    seed = random.SystemRandom().randrange(1, 2**31 - 1)
    limit = settings.get("time_limit_minutes") or 0
    attempt = QuizAttempt(
        user_id=user_id,
        lesson_id=lesson_id,
        number=highest + 1,
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


def save(db: Session, found: OpenAttempt, seq: Any, answers: Any, validate) -> SaveResult:
    """Append the answers as steps with sequence number ``seq`` to ``found`` (the open attempt),
    whose current answers change with them.

    A ``seq`` lower than the last accepted one is stale and refused (409); the same ``seq`` again is
    accepted only as a retry of the same answers (nothing new is stored), otherwise refused too.
    ``validate(question_id, response)`` returns the normalised response, or raises ``SubmissionError``
    for a malformed one.
    """
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise SubmissionError(_("Send “seq”: a whole number, one more than the last save of this attempt."))
    if not isinstance(answers, dict):
        raise SubmissionError(_("Send “answers” as an object: question id → your answer."))
    attempt = found.attempt
    order = set(attempt.question_order)
    for qid in answers:
        if qid not in order:
            raise SubmissionError(_("This attempt has no question “%(id)s”.", id=str(qid)[:100]))
    answers = {qid: validate(qid, response) for qid, response in answers.items()}
    current = found.answers()
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
            found.saved[qid] = (answers[qid], now)
            saved += 1
    attempt.seq = seq
    return SaveResult(saved=saved, repeated=False)


def finish(db: Session, found: OpenAttempt, grade_all, timed_out: bool = False) -> None:
    """Grade and close the open attempt. Only answers saved before the deadline (and its grace) count."""
    attempt = found.attempt
    until = attempt.deadline + grace() if attempt.deadline is not None else None
    answers = found.answers(until)
    if answers is None:  # an answer came after the deadline: the one before it counts
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


@dataclass(frozen=True)
class Finished:
    """What the grading methods need of a learner's finished attempts: how many, the best, the total
    and the pending answers of all, the best of those whose grade is final, and the (fraction,
    pending) of the first and the last. Made from the attempts (``summarise``) or summed up by the
    database in one statement (``finished_summary``), so a submission never loads every attempt."""

    count: int = 0
    best: float = 0.0
    total: float = 0.0
    pending: int = 0
    best_final: float | None = None
    first: tuple[float, int] = (0.0, 0)
    last: tuple[float, int] = (0.0, 0)

    def adding(self, attempt: QuizAttempt) -> Finished:
        """This summary with ``attempt`` finished after the others (the newest: the highest number)."""
        fraction, pending = attempt.fraction or 0.0, attempt.pending_grading or 0
        best_final = self.best_final
        if not pending:
            best_final = fraction if best_final is None else max(best_final, fraction)
        return Finished(count=self.count + 1, best=max(self.best, fraction) if self.count else fraction,
                        total=self.total + fraction, pending=self.pending + pending, best_final=best_final,
                        first=self.first if self.count else (fraction, pending), last=(fraction, pending))


def summarise(finished: Sequence[QuizAttempt]) -> Finished:
    """The summary of attempts already loaded (the learner's page lists them anyway)."""
    ordered = sorted(finished, key=lambda a: a.number)
    if not ordered:
        return Finished()
    fractions = [a.fraction or 0.0 for a in ordered]
    final = [a.fraction or 0.0 for a in ordered if not a.pending_grading]
    return Finished(
        count=len(ordered), best=max(fractions), total=sum(fractions),
        pending=sum(a.pending_grading or 0 for a in ordered), best_final=max(final) if final else None,
        first=(fractions[0], ordered[0].pending_grading or 0), last=(fractions[-1], ordered[-1].pending_grading or 0),
    )


def _finished_summary_columns():
    """The summary of ``Finished`` as columns of their own (subqueries over the learner's finished
    attempts), to select alone or beside the open attempt."""
    finished = aliased(QuizAttempt, name="finished")
    of_finished = and_(finished.user_id == bindparam("user_id"), finished.lesson_id == bindparam("lesson_id"),
                       finished.state == AttemptState.FINISHED)
    fraction = func.coalesce(finished.fraction, 0.0)
    pending = func.coalesce(finished.pending_grading, 0)

    def over_all(column):
        return select(column).where(of_finished).correlate(None).scalar_subquery()

    def end(column, order):
        return select(column).where(of_finished).order_by(order).limit(1).correlate(None).scalar_subquery()

    return (
        over_all(func.count()), over_all(func.max(fraction)), over_all(func.sum(fraction)),
        over_all(func.sum(pending)), over_all(func.max(case((pending == 0, fraction)))),
        end(fraction, finished.number), end(pending, finished.number),
        end(fraction, finished.number.desc()), end(pending, finished.number.desc()),
    )


_FINISHED_SUMMARY = select(*_finished_summary_columns())
_OPEN_WITH_SUMMARY = _OPEN_WITH_ANSWERS.add_columns(*_finished_summary_columns())


def _summary(count, best, total, pending, best_final, first, first_pending, last, last_pending) -> Finished:
    if not count:
        return Finished()
    return Finished(count=count, best=float(best), total=float(total), pending=int(pending),
                    best_final=float(best_final) if best_final is not None else None,
                    first=(float(first), int(first_pending)), last=(float(last), int(last_pending)))


def finished_summary(db: Session, user_id: int, lesson_id: int) -> Finished:
    """``summarise`` of the learner's finished attempts, computed by the database: one statement."""
    return _summary(*db.execute(_FINISHED_SUMMARY, {"user_id": user_id, "lesson_id": lesson_id}).one())


def standing(finished: Sequence[QuizAttempt] | Finished, method: str, pass_mark: float) -> Standing:
    """The standing from the finished attempts (or their ``Finished`` summary) by the grading method."""
    done = finished if isinstance(finished, Finished) else summarise(finished)
    if not done.count:
        return Standing(None, 0, False)
    score = combined_score(done, method)
    pending = {"first": done.first[1], "last": done.last[1]}.get(method, done.pending)
    if method == "highest":
        passed = done.best_final is not None and done.best_final >= pass_mark
    else:
        passed = not pending and score is not None and score >= pass_mark
    return Standing(score, pending, passed)


def combined_score(finished: Sequence[QuizAttempt] | Finished, method: str) -> float | None:
    """The quiz's score from the finished attempts (or their summary), by the grading method."""
    done = finished if isinstance(finished, Finished) else summarise(finished)
    if not done.count:
        return None
    if method == "last":
        return done.last[0]
    if method == "first":
        return done.first[0]
    if method == "average":
        return done.total / done.count
    return done.best
