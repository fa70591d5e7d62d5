"""The instructors' lists of a quiz, a page at a time: the attempts and the grading queue.

A course may have thousands of attempts, so each list is filtered and paged in SQL: a page costs
the same few queries (the count, the page's rows, what those rows need) with 10 attempts or 10,000.
No Flask request here: the views read the query string and call these; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.plugin_api import Page, User, matching, paginate
from elearn_quiz.models import AttemptState, QuizAttempt
from elearn_quiz.questions import Question
from elearn_quiz.reports import answers_of, lesson_questions

ATTEMPTS_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20  # attempts with answers to grade: each shows its essays and a form per essay
MAX_SEARCH = 200
NEEDS_GRADING = "needs_grading"
# The attempts list's ``?state=`` filters, each with what its attempts are, (state, answers waiting), to word it
STATE_FILTERS = {
    AttemptState.IN_PROGRESS: (AttemptState.IN_PROGRESS, 0),
    AttemptState.FINISHED: (AttemptState.FINISHED, 0),
    NEEDS_GRADING: (AttemptState.FINISHED, 1),
}


def search_text(value: Any) -> str:
    return str(value or "").strip()[:MAX_SEARCH]


def state_filter(value: Any) -> str:
    return value if value in STATE_FILTERS else ""


def attempts_page(db: Session, lesson, number: Any = 1, search: str = "", state: str = "") -> Page:
    """Attempts with their learner, by learner name then attempt number; ``state`` is a key of
    ``STATE_FILTERS`` ("needs_grading": finished with an answer waiting for a person) or "" for all."""
    query = matching(
        select(QuizAttempt, User).join(User, User.id == QuizAttempt.user_id).where(QuizAttempt.lesson_id == lesson.id),
        search,
    )
    if state == NEEDS_GRADING:
        query = query.where(QuizAttempt.state == AttemptState.FINISHED, QuizAttempt.pending_grading > 0)
    elif state:
        query = query.where(QuizAttempt.state == state)
    return paginate(db, query.order_by(User.name, User.id, QuizAttempt.number), number, ATTEMPTS_PAGE_SIZE,
                    scalars=False, args={"q": search, "state": state})


def waiting_count(db: Session, lesson) -> int:
    """Answers of the quiz waiting for a person's mark."""
    return db.scalar(
        select(func.coalesce(func.sum(QuizAttempt.pending_grading), 0))
        .where(QuizAttempt.lesson_id == lesson.id, QuizAttempt.state == AttemptState.FINISHED)
    ) or 0


@dataclass
class QueueItem:
    attempt: QuizAttempt
    user: User
    question: Question
    answer: Any


def queue_page(db: Session, lesson, number: Any = 1, search: str = "") -> Page:
    """A page of the grading queue: the attempts with answers waiting for a person (state
    ``needs_grading``), oldest first, and each of their waiting answers (``Page.items`` are
    ``QueueItem``; ``Page.total`` counts attempts)."""
    query = matching(
        select(QuizAttempt, User)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.lesson_id == lesson.id, QuizAttempt.state == AttemptState.FINISHED,
               QuizAttempt.pending_grading > 0),
        search,
    )
    found = paginate(db, query.order_by(QuizAttempt.finished_at, QuizAttempt.id), number, QUEUE_PAGE_SIZE,
                     scalars=False, args={"q": search})
    questions = lesson_questions(lesson)
    answers = answers_of(db, [attempt for attempt, _user in found.items])
    items = []
    for attempt, user in found.items:
        results = (attempt.result or {}).get("questions", {})
        for qid in attempt.question_order:
            if results.get(qid, {}).get("state") == "needs_grading" and qid in questions:
                items.append(QueueItem(attempt, user, questions[qid], answers[attempt.id].get(qid)))
    found.items = items
    return found
