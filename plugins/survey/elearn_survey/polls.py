"""Site-wide polls: a survey lesson with ``poll: true`` (one single-choice question, anonymous) is asked
on every signed-in user's dashboard, enrolled in its course or not, and answered there in one click.

A vote is an anonymous ``Response`` plus the user's ``Respondent`` marker, as for any anonymous survey:
one vote each, never linked to the voter. Votes are also limited per address (``POLL_LIMIT``), against
many accounts voting from one place. After voting the user sees everyone's figures (from 5 votes, the
anonymous rule). The dashboard's panel costs three queries, whatever the number of polls and votes.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import request
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import select
from sqlalchemy.orm import undefer

from elearn.plugin_api import Course, Lesson, Panel, fail, insert_if_missing, rate_limiter
from elearn_survey import logic, responses, results
from elearn_survey.models import Respondent, Response

POLL_LIMIT = parse("20/hour")  # votes from one address


def open_polls(db) -> list[Lesson]:
    """The polls of published courses that are not retired or closed (one query; their translations too)."""
    rows = db.scalars(select(Lesson).join(Course, Course.id == Lesson.course_id)
                      .options(undefer(Lesson.translations))
                      .where(Lesson.type_name == "survey", Lesson.retired_at.is_(None), Course.is_published)
                      .order_by(Lesson.id))
    return [lesson for lesson in rows if lesson.content.get("poll") and not responses.closed(lesson.content)]


def panels(db, user, locale: str) -> list[Panel]:
    polls = open_polls(db)
    if not polls:
        return []
    voted = set(db.scalars(select(Respondent.lesson_id).where(
        Respondent.user_id == user.id, Respondent.lesson_id.in_([p.id for p in polls]))))
    rows = db.scalars(select(Response).where(Response.lesson_id.in_([p.id for p in polls]))
                      .order_by(Response.id)) if voted else []
    by_lesson: dict[int, list[Response]] = {}
    for row in rows:
        by_lesson.setdefault(row.lesson_id, []).append(row)
    items = []
    for poll in polls:
        content = poll.content_for(locale)
        question = content["questions"][0]
        item: dict[str, Any] = {"lesson_id": poll.id, "title": poll.title_for(locale), "question": question,
                                "voted": poll.id in voted, "results": None}
        if item["voted"]:
            item["results"] = results.summary(db, poll, content, {}, for_respondents=True,
                                              rows=by_lesson.get(poll.id, []))
        items.append(item)
    return [Panel(key="survey-polls", template="survey/polls.html", data={"polls": items}, title=_("Polls"),
                  order=50)]


def vote(db, user, lesson_id: int, choice: str, other: str = "") -> None:
    """One vote, in the caller's transaction: 404 no such poll, 400 not an answer, 409 voted already,
    429 too many votes from this address."""
    poll = next((p for p in open_polls(db) if p.id == lesson_id), None)
    if poll is None:
        fail(404, _("There is no such poll, or it is closed."))
    question = poll.content["questions"][0]
    try:
        answer, other_text = logic.clean(question, choice or None, other)
    except logic.AnswerError as exc:
        fail(400, exc.message)
    if answer is None:
        fail(400, _("Choose one of the answers offered."))
    if not rate_limiter().hit(POLL_LIMIT, "survey-poll", request.remote_addr or "unknown"):
        fail(429, _("Too many votes from this address. Please try again later."))
    if not insert_if_missing(db, Respondent, ["lesson_id", "user_id"], lesson_id=poll.id, user_id=user.id):
        fail(409, _("You have already voted in this poll."))
    db.add(Response(id=secrets.token_hex(16), lesson_id=poll.id, user_id=None,
                    answers={question["id"]: answer}, others={question["id"]: other_text} if other_text else {},
                    profile=responses.profile_of(db, user.id)))
