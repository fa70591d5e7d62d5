"""The JSON API under ``/api/v1/x/survey``: a survey's results for the course's instructors, with the
same filters and the same rule as the page (an anonymous survey shows no group of fewer than 5); the
dashboard's polls and voting in them."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from elearn.plugin_api import api_user, current_locale, db_session, fail, no_content, operation, token_required
from elearn_survey import api_models as m
from elearn_survey import gain, polls, results
from elearn_survey.views import TEXTS_PER_PAGE, taught

api = Blueprint("survey_api", __name__)


@api.get("/lessons/<int:lesson_id>/results")
@token_required
@operation(query=m.ResultsQuery, responses={200: m.Results}, errors=(400, 401, 403, 404))
def get_results(lesson_id: int, query: m.ResultsQuery):
    """For the course's instructors: counts, percentages, means and distributions of every question"""
    db = db_session()
    lesson = taught(db, api_user(), lesson_id)
    filters = results.read_filters(query.model_dump())
    found = results.summary(db, lesson, lesson.content, filters)
    found["knowledge_gain"] = gain.section(db, lesson, lesson.content, filters, results.filter_choices(db),
                                           min_group=results.MIN_GROUP)
    return jsonify(found)


@api.get("/lessons/<int:lesson_id>/results/<question_key>/texts")
@token_required
@operation(query=m.TextsQuery, responses={200: m.Texts}, errors=(400, 401, 403, 404, 409))
def get_texts(lesson_id: int, question_key: str, query: m.TextsQuery):
    """For the course's instructors: the written answers to a question, searched, 50 a page

    409 when the filters choose fewer than 5 respondents of an anonymous survey."""
    db = db_session()
    lesson = taught(db, api_user(), lesson_id)
    if not any(q["id"] == question_key for q in lesson.content["questions"]):
        fail(404, _("This survey has no such question."))
    filters = results.read_filters(query.model_dump(exclude={"q", "page"}))
    found, refused = results.texts(db, lesson, lesson.content, question_key, filters, query.q)
    if refused:
        fail(409, refused)
    start = (query.page - 1) * TEXTS_PER_PAGE
    return jsonify(texts=found[start:start + TEXTS_PER_PAGE], total=len(found), page=query.page)


@api.get("/polls")
@token_required
@operation(responses={200: m.Polls}, errors=(401,))
def get_polls():
    """The open polls, as on the dashboard: the question, or everyone's figures once voted"""
    found = polls.panels(db_session(), api_user(), current_locale())
    return jsonify(polls=[{key: poll[key] for key in ("lesson_id", "title", "question", "voted", "results")}
                          for panel in found for poll in panel.data["polls"]])


@api.post("/polls/<int:lesson_id>")
@token_required
@operation(body=m.VoteIn, responses={204: None}, errors=(400, 401, 404, 409, 429))
def post_vote(lesson_id: int, body: m.VoteIn):
    """Vote in a poll, once, anonymously (limited per address: 429)"""
    db = db_session()
    polls.vote(db, api_user(), lesson_id, body.choice, body.other)
    db.commit()
    return no_content()
