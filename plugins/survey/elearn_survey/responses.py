"""Saving, moving between pages and sending a survey: the rules of ``submit``, for the page and the API.

A draft (``Draft``) holds the answers until they are sent. Sending an anonymous survey writes a
``Response`` with no user, no time and a random id, adds the ``Respondent`` marker (one response
each) and deletes the draft: from then on nothing links the learner to their answers. A named
survey's response keeps the user and the day, and an editable one can be changed until it closes
(changing starts a draft from the response; sending again replaces the response).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _
from sqlalchemy import delete, exists, select

from elearn.plugin_api import (
    LearnerProfile,
    LessonContext,
    Outcome,
    Status,
    SubmissionError,
    insert_if_missing,
    learner_cooperative,
    utcnow,
)
from elearn_survey import logic
from elearn_survey.models import Draft, Respondent, Response


@dataclass
class Found:
    """What one learner has of a survey: their draft, and whether (and, if named, when) they sent it."""

    sent: bool = False
    sent_on: date | None = None
    draft: Draft | None = None
    response: Response | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)
    page: int = 0
    problems: dict[str, str] = field(default_factory=dict)


def of(db, lesson, user_id: int) -> Found:
    """Three primary-key or indexed reads, whatever the number of responses."""
    draft = db.get(Draft, (lesson.id, user_id))
    sent = db.get(Respondent, (lesson.id, user_id)) is not None
    response = None
    if sent and not lesson.content.get("anonymous"):
        response = db.scalar(select(Response).where(Response.lesson_id == lesson.id, Response.user_id == user_id))
    found = Found(sent=sent, sent_on=response.sent_on if response else None, draft=draft, response=response)
    source = draft or response
    if source is not None:
        found.answers, found.others = dict(source.answers), dict(source.others)
    if draft is not None:
        found.page, found.problems = draft.page, dict(draft.problems)
    return found


def any_response(db, lesson_id: int) -> bool:
    return bool(db.scalar(select(exists().where(Respondent.lesson_id == lesson_id))))


def closed(content: Mapping[str, Any]) -> bool:
    """Answers are taken up to and including the closing day, in the site's time zone."""
    return bool(content.get("closes")) and to_user_timezone(utcnow()).date() > date.fromisoformat(content["closes"])


def _given(content: Mapping[str, Any], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers and "other" texts sent: as JSON, or read from the page's form fields."""
    form = data.get("form")
    if form is None:
        return dict(data.get("answers") or {}), dict(data.get("others") or {})
    fields, questions = form["fields"], logic.by_id(content)
    answers: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for qid in form["asked"]:
        question = questions.get(qid)
        if question is None:
            continue
        kind, key = question["kind"], f"q.{qid}"
        values = [v for v in fields.get(key, []) if v.strip()]
        if kind == "multiple":
            answers[qid] = values
        elif kind == "likert":
            answers[qid] = {s["id"]: (fields.get(f"{key}.{s['id']}") or [""])[0] for s in question["statements"]}
        elif kind == "ranking":
            ranks = {o["id"]: (fields.get(f"{key}.{o['id']}") or [""])[0] for o in question["options"]}
            answers[qid] = _ranked(question, ranks)
        else:
            answers[qid] = values[0] if values else None
        if f"o.{qid}" in fields:
            others[qid] = fields[f"o.{qid}"][0]
    return answers, others


def _ranked(question: Mapping[str, Any], ranks: Mapping[str, str]) -> list[str] | str | None:
    """Places chosen in the form (``1``, ``2``...) as the ordered list; text that says what is wrong
    when two items share a place (``clean`` refuses it)."""
    if not any(r.strip() for r in ranks.values()):
        return None
    if not all(r.strip().isdigit() for r in ranks.values()) or len(set(ranks.values())) != len(ranks):
        return "unordered"
    return sorted(ranks, key=lambda option: int(ranks[option]))


def profile_of(db, user_id: int) -> dict[str, Any]:
    """What results are filtered by, as the learner's profile says it now: cooperative kind, area,
    track and position (None where the profile does not say)."""
    cooperative = learner_cooperative(db, user_id)
    position = db.scalar(select(LearnerProfile.position).where(LearnerProfile.user_id == user_id))
    unit = cooperative.unit if cooperative else None
    area = None
    if unit is not None:
        area = unit.id if unit.level.value == "area" else unit.area_id
    return {"kind": cooperative.kind.value if cooperative else None, "area": area,
            "track": unit.track.value if unit is not None and unit.track else None,
            "position": position.value if position else None}


def take(ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
    """One save, page move or sending (``SurveySubmission``), in the caller's transaction."""
    db, lesson, content, user = ctx.db, ctx.lesson, ctx.content, ctx.user
    if closed(content):
        raise SubmissionError(_("This survey closed on %(day)s.", day=format_date(date.fromisoformat(
            content["closes"]), "medium")), status=409)
    found = of(db, lesson, user.id)
    if found.sent and not content["editable"]:
        raise SubmissionError(_("You have already answered this survey."), status=409)
    from_form = data.get("form") is not None
    action = data.get("action", "save")
    pages = len(content["pages"])
    page = data.get("page")
    current = min(page if isinstance(page, int) else found.page, pages - 1)
    given, given_others = _given(content, data)
    answers, others, problems = logic.merge(content, found.answers, found.others, given, given_others)
    if problems and not from_form:
        raise SubmissionError("; ".join(f"{qid}: {message}" for qid, message in problems.items()))
    stay = found.sent and found.draft is None and not given  # "change my answers": open the draft only
    kept_status = Status.COMPLETED if found.sent else Status.IN_PROGRESS
    message = ""
    if action == "submit" and not problems:
        left = logic.missing(content, answers)
        if not left:
            return _send(ctx, found, answers, others)
        if not from_form:
            raise SubmissionError(_("Answer the required questions first: %(ids)s.", ids=", ".join(left)))
        problems = {qid: _("This question needs an answer.") for qid in left}
        current = logic.by_id(content)[left[0]]["page"]
        message = _("Some required questions are not answered yet.")
    elif action == "next" and not problems:
        left = logic.missing(content, answers, pages={current})
        if left and not from_form:
            raise SubmissionError(_("Answer the required questions first: %(ids)s.", ids=", ".join(left)))
        if left:
            problems = {qid: _("This question needs an answer.") for qid in left}
            message = _("Some required questions are not answered yet.")
        else:
            current = logic.step(content, answers, current, +1) or current
    elif action == "back" and not problems:
        found_back = logic.step(content, answers, current, -1)
        current = current if found_back is None else found_back
    elif problems:
        message = _("Some answers could not be taken: see the questions marked.")
    elif not stay:
        message = _("Saved. You can come back and finish later.")
    draft = found.draft
    if draft is None:
        draft = Draft(lesson_id=lesson.id, user_id=user.id)
        db.add(draft)
    draft.answers, draft.others, draft.page, draft.problems = answers, others, current, problems
    draft.saved_at = utcnow()
    return Outcome(status=kept_status, message=message, counts_as_attempt=False)


def _send(ctx: LessonContext, found: Found, answers: dict, others: dict) -> Outcome:
    db, lesson, user = ctx.db, ctx.lesson, ctx.user
    anonymous = ctx.content["anonymous"]
    profile = profile_of(db, user.id)
    if found.response is not None:  # an editable named survey, sent again
        found.response.answers, found.response.others = answers, others
        found.response.profile, found.response.sent_on = profile, utcnow().date()
    else:
        if not insert_if_missing(db, Respondent, ["lesson_id", "user_id"], lesson_id=lesson.id, user_id=user.id):
            raise SubmissionError(_("You have already answered this survey."), status=409)
        db.add(Response(id=secrets.token_hex(16), lesson_id=lesson.id, user_id=None if anonymous else user.id,
                        answers=answers, others=others, profile=profile,
                        sent_on=None if anonymous else utcnow().date()))
    db.execute(delete(Draft).where(Draft.lesson_id == lesson.id, Draft.user_id == user.id))
    if anonymous:
        message = _("Thank you! Your answers were sent anonymously: they are not kept with your name.")
    else:
        message = _("Thank you! Your answers were sent.")
    return Outcome(status=Status.COMPLETED, message=message, counts_as_attempt=not found.sent)
