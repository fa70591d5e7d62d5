"""Every write of a learner's progress, and the rules it keeps, in one place.

Lesson types and plugins never change a progress row themselves: they say what happened as an
``Outcome`` (a submission's, an instructor's grade, a moderator's approval, a regrade) and the core
stores it here, with the same rules whoever decided it:

- the progress row is locked first (concurrent outcomes for one learner take turns);
- a completed lesson stays completed, unless the outcome says a regrade may take it back and the
  lesson type passes that on from its pack's settings (``Outcome.may_uncomplete``);
- the course is completed when its last lesson is (and its enrolment row locked for that);
- ``elearn_progress_changed`` is called, each implementation in a savepoint;
- an outcome that changes only ``updated_at`` writes it at most once a minute (``TOUCH_EVERY``).

What a lesson type reads of progress is a ``ProgressView``: a frozen copy, so it cannot write the
row behind the core's back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from elearn.clock import utcnow
from elearn.db import insert_if_missing
from elearn.learning.outline import remaining_lessons
from elearn.models import Enrolment, Lesson, LessonProgress, Status, User
from elearn.plugins.isolation import savepoint
from elearn.plugins.lesson_type import Outcome

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from elearn.learning.service import LearnerLesson


@dataclass(frozen=True)
class ProgressView:
    """A learner's progress on a lesson, as plugins read it (``ctx.progress``): a copy, never the row."""

    status: Status
    score: float | None
    attempts: int
    state: Mapping[str, Any]
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, row: LessonProgress) -> ProgressView:
        return cls(Status(row.status), row.score, row.attempts or 0, dict(row.state or {}), row.started_at,
                   row.completed_at, row.updated_at)


@dataclass
class SubmitResult:
    lesson: Lesson
    progress: ProgressView
    outcome: Outcome
    course_completed: bool


def record_outcome(db: Session, user: User, lesson: Lesson, outcome: Outcome,
                   known: LearnerLesson | None = None) -> SubmitResult | None:
    """Store an outcome decided outside a learner's submission: a moderator approving the post
    that completes a learner's participation, an instructor's grade or sign-off, a regrade.

    Same rules as a submission (see the module). Returns None, storing nothing, when ``user`` is
    not enrolled in the lesson's course (staff, or a learner who left). ``known``: what
    ``learner_lesson`` loaded for this same user and lesson earlier in the transaction, which
    spares looking the enrolment and progress up again. Runs in the caller's transaction; the
    caller commits.
    """
    if known is not None and known.access.user is not None and known.access.user.id == user.id \
            and known.lesson.id == lesson.id:
        enrolment, found = known.access.enrolment, known.progress
    else:
        enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == user.id,
                                                      Enrolment.course_id == lesson.course_id))
        found = None
    if enrolment is None:
        return None
    return store(db, user, lesson, enrolment, locked_progress(db, user, lesson, found), outcome)


def reassess(db: Session, lesson: Lesson, outcomes: Mapping[int, Outcome]) -> dict[int, SubmitResult]:
    """Store an outcome for each of several learners (user id -> outcome) at once, after an
    instructor's action that changes many grades (a corrected question regraded). Learners no
    longer enrolled are left out. Same rules as ``record_outcome``, learner by learner."""
    if not outcomes:
        return {}
    ids = sorted(outcomes)
    users = {user.id: user for user in db.scalars(select(User).where(User.id.in_(ids)))}
    enrolments = {e.user_id: e for e in db.scalars(
        select(Enrolment).where(Enrolment.course_id == lesson.course_id, Enrolment.user_id.in_(ids)))}
    stored = {}
    for user_id in ids:  # in id order: two regrades at once lock rows in the same order
        if user_id in enrolments and user_id in users:
            user = users[user_id]
            row = locked_progress(db, user, lesson, None)
            stored[user_id] = store(db, user, lesson, enrolments[user_id], row, outcomes[user_id])
    return stored


def lock_progress(db: Session, lesson: Lesson, user_ids: Iterable[int] | None = None) -> None:
    """Lock the learners' progress rows of ``lesson`` (all of them, or those of ``user_ids``) until
    commit, in id order. A plugin about to change its own rows for those learners (an attempt being
    graded) takes this first: the order a learner's submission uses (progress, then the plugin's
    rows), so a grader and a learner never wait on each other."""
    query = select(LessonProgress.id).where(LessonProgress.lesson_id == lesson.id)
    if user_ids is not None:
        query = query.where(LessonProgress.user_id.in_(sorted(set(user_ids))))
    db.execute(query.order_by(LessonProgress.id).with_for_update())


def store(db: Session, user: User, lesson: Lesson, enrolment: Enrolment | None, progress: LessonProgress,
          outcome: Outcome) -> SubmitResult:
    """Apply ``outcome`` to the locked ``progress`` row, complete the course if it was the last
    lesson left, and tell the plugins (``elearn_progress_changed``)."""
    old_status = progress.status
    _apply(db, progress, outcome)
    completed_course = False
    if progress.status == Status.COMPLETED and old_status != Status.COMPLETED:
        completed_course = _maybe_complete_course(db, user, enrolment)
        if completed_course:
            _issue_certificate(db, user, enrolment.course_id)
    elif old_status == Status.COMPLETED and progress.status != Status.COMPLETED and enrolment is not None:
        _reopen_course(db, enrolment)
    view = ProgressView.of(progress)
    if progress.status != old_status or outcome.counts_as_attempt:
        current_app.extensions["elearn_plugins"].call_each(
            "elearn_progress_changed", within=db, user=user, lesson=lesson, old_status=str(old_status),
            progress=view,
        )
    return SubmitResult(lesson, view, outcome, completed_course)


def locked_progress(db: Session, user: User, lesson: Lesson, found: LessonProgress | None) -> LessonProgress:
    """The learner's progress row, created if missing and locked until commit.

    On SQLite a writing request began with BEGIN IMMEDIATE, so the row read in
    this transaction is current and no other writer can change it: nothing more
    to do. On PostgreSQL the row is read again with FOR UPDATE (one statement
    when it was ``found``: a progress row is never deleted but with its learner
    or lesson).
    """
    if found is not None and db.get_bind().dialect.name == "sqlite":
        return found
    if found is not None:
        row = db.scalar(_LOCK_PROGRESS, {"user_id": user.id, "lesson_id": lesson.id})
        if row is not None:
            return row
    insert_if_missing(db, LessonProgress, ["user_id", "lesson_id"], user_id=user.id, lesson_id=lesson.id,
                      status=Status.NOT_STARTED, attempts=0, state={})
    return db.scalars(_LOCK_PROGRESS, {"user_id": user.id, "lesson_id": lesson.id}).one()


_LOCK_PROGRESS = (
    select(LessonProgress)
    .where(LessonProgress.user_id == bindparam("user_id"), LessonProgress.lesson_id == bindparam("lesson_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def _apply(db: Session, progress: LessonProgress, outcome: Outcome) -> None:
    """Store an outcome. A completed lesson stays completed (later tries cannot undo it), unless
    the outcome may take it back (a regrade, where the pack allows it).

    One UPDATE of the changed columns, sent at once; the attempt counter is counted by the
    database (``attempts = attempts + 1``), not written back from what was read. The row object
    gets the same values as already stored, so the session has nothing left to flush for it."""
    now = utcnow()
    values: dict[str, Any] = {}
    if outcome.score is not None:
        values["score"] = outcome.score
    state = progress.state
    if outcome.state is not None:
        state = outcome.state
    if outcome.state_changes:
        state = {**(state or {}), **outcome.state_changes}
    if state is not progress.state:
        values["state"] = state
    if progress.started_at is None:
        values["started_at"] = now
    values["updated_at"] = now
    if progress.status != Status.COMPLETED or (outcome.may_uncomplete and outcome.status != Status.COMPLETED):
        values["status"] = outcome.status
        values["completed_at"] = (progress.completed_at or now) if outcome.status == Status.COMPLETED else None
    values = {name: value for name, value in values.items() if value != getattr(progress, name)}
    if set(values) == {"updated_at"} and not outcome.counts_as_attempt and progress.updated_at is not None \
            and now - progress.updated_at < TOUCH_EVERY:
        values = {}  # only the time would change, and it moved a moment ago: no write
    if values or outcome.counts_as_attempt:
        statement = _progress_update(tuple(values), outcome.counts_as_attempt)
        db.execute(statement, {"progress_id": progress.id, **{f"new_{name}": value for name, value in values.items()}})
    if outcome.counts_as_attempt:
        values["attempts"] = (progress.attempts or 0) + 1
    for name, value in values.items():
        set_committed_value(progress, name, value)


_PROGRESS = LessonProgress.__table__
# ``updated_at`` says when the learner last did something, to the minute: an outcome that changes
# nothing else (a quiz's autosave every few seconds) rewrites the row at most this often.
TOUCH_EVERY = timedelta(minutes=1)


@functools.cache
def _progress_update(names: tuple[str, ...], counts_attempt: bool):
    """The UPDATE of these columns (and of the attempt counter), built once: a handful of shapes."""
    values: dict[str, Any] = {name: bindparam(f"new_{name}", type_=_PROGRESS.c[name].type) for name in names}
    if counts_attempt:
        values["attempts"] = _PROGRESS.c.attempts + 1
    return _PROGRESS.update().where(_PROGRESS.c.id == bindparam("progress_id")).values(values)


def _maybe_complete_course(db: Session, user: User, enrolment: Enrolment | None) -> bool:
    """Mark the course completed when this was the last lesson left.

    The enrolment row is locked first, so two lessons completed at the same
    moment cannot both count the other as still open (on PostgreSQL's read
    committed; SQLite's writers are already serialised).
    """
    if enrolment is None:
        return False
    enrolment = _locked_enrolment(db, enrolment)
    if enrolment.completed_at is not None:
        return False
    db.flush()
    if remaining_lessons(db, user, enrolment.course_id) == 0:
        enrolment.completed_at = utcnow()
        return True
    return False


def _issue_certificate(db: Session, user: User, course_id: int) -> None:
    """The completed course's certificate (elearn/certificates), in a savepoint: when issuing fails
    the learner's completion is kept all the same (staff can issue the certificate by hand)."""
    from elearn.certificates.service import on_course_completed

    try:
        with savepoint(db, "the certificate of a completed course"):
            on_course_completed(db, user, course_id)
    except Exception:
        log.exception("no certificate issued to user %s for course %s", user.id, course_id)


def _reopen_course(db: Session, enrolment: Enrolment) -> None:
    """A lesson taken back (a regrade the pack allows to) leaves the course not completed."""
    _locked_enrolment(db, enrolment).completed_at = None


def _locked_enrolment(db: Session, enrolment: Enrolment) -> Enrolment:
    return db.scalars(
        select(Enrolment).where(Enrolment.id == enrolment.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lesson_scores(db: Session, lesson_ids: Iterable[int]) -> dict[int, dict[int, float | None]]:
    """Every learner's recorded score (0.0 to 1.0, or None) in each of ``lesson_ids``, in one
    statement: ``{lesson id: {user id: score}}``. For a plugin comparing lessons it does not own (a
    survey's pre-test and post-test), without reading another plugin's tables. Since plugin API 1.3."""
    wanted = sorted(set(lesson_ids))
    found: dict[int, dict[int, float | None]] = {lesson_id: {} for lesson_id in wanted}
    if wanted:
        for lesson_id, user_id, score in db.execute(
                select(LessonProgress.lesson_id, LessonProgress.user_id, LessonProgress.score)
                .where(LessonProgress.lesson_id.in_(wanted))):
            found[lesson_id][user_id] = score
    return found
