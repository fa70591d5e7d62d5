"""The instructors' lists of a quiz, a page at a time: the attempts and the grading queue.

A course may have thousands of attempts, so each list is filtered and paged in SQL: a page costs
the same few queries (the count, the page's rows, what those rows need) with 10 attempts or 10,000.
No Flask request here: the views read the query string and call these; nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from elearn.models import User
from elearn_quiz.models import AttemptState, QuizAttempt
from elearn_quiz.questions import Question
from elearn_quiz.reports import answers_of, lesson_questions

ATTEMPTS_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20  # attempts with answers to grade: each shows its essays and a form per essay
MAX_PAGE = 100_000
MAX_SEARCH = 200
NEEDS_GRADING = "needs_grading"
# The attempts list's ``?state=`` filters, each with what its attempts are, (state, answers waiting), to word it
STATE_FILTERS = {
    AttemptState.IN_PROGRESS: (AttemptState.IN_PROGRESS, 0),
    AttemptState.FINISHED: (AttemptState.FINISHED, 0),
    NEEDS_GRADING: (AttemptState.FINISHED, 1),
}


@dataclass
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def page_number(value: Any) -> int:
    """``?page=`` as a page number from 1; anything else is page 1."""
    text = str(value or "1")
    return min(int(text), MAX_PAGE) if text.isascii() and text.isdigit() and int(text) > 0 else 1


def search_text(value: Any) -> str:
    return str(value or "").strip()[:MAX_SEARCH]


def state_filter(value: Any) -> str:
    return value if value in STATE_FILTERS else ""


def _learner_matches(query: Select, search: str) -> Select:
    """Learners whose name or email contains ``search``, case-insensitively (``%`` and ``_`` are literal)."""
    if not search:
        return query
    return query.where(or_(User.name.icontains(search, autoescape=True),
                           User.email.icontains(search, autoescape=True)))


def _paged(db: Session, query: Select, order: Sequence[Any], number: int, size: int) -> Page:
    total = db.scalar(query.with_only_columns(func.count(QuizAttempt.id), maintain_column_froms=True)) or 0
    number = min(number, max(1, math.ceil(total / size)))
    rows = db.execute(query.order_by(*order).limit(size).offset((number - 1) * size)).all() if total else []
    return Page(items=list(rows), number=number, size=size, total=total)


def attempts_page(db: Session, lesson, number: int = 1, search: str = "", state: str = "") -> Page:
    """Attempts with their learner, by learner name then attempt number; ``state`` is a key of
    ``STATE_FILTERS`` ("needs_grading": finished with an answer waiting for a person) or "" for all."""
    query = _learner_matches(
        select(QuizAttempt, User).join(User, User.id == QuizAttempt.user_id).where(QuizAttempt.lesson_id == lesson.id),
        search,
    )
    if state == NEEDS_GRADING:
        query = query.where(QuizAttempt.state == AttemptState.FINISHED, QuizAttempt.pending_grading > 0)
    elif state:
        query = query.where(QuizAttempt.state == state)
    return _paged(db, query, (User.name, User.id, QuizAttempt.number), number, ATTEMPTS_PAGE_SIZE)


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


def queue_page(db: Session, lesson, number: int = 1, search: str = "") -> Page:
    """A page of the grading queue: the attempts with answers waiting for a person (state
    ``needs_grading``), oldest first, and each of their waiting answers (``Page.items`` are
    ``QueueItem``; ``Page.total`` counts attempts)."""
    query = _learner_matches(
        select(QuizAttempt, User)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.lesson_id == lesson.id, QuizAttempt.state == AttemptState.FINISHED,
               QuizAttempt.pending_grading > 0),
        search,
    )
    found = _paged(db, query, (QuizAttempt.finished_at, QuizAttempt.id), number, QUEUE_PAGE_SIZE)
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
