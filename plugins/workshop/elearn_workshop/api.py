"""The JSON API under ``/api/v1/x/workshop``: the instructors' list of plans, the workshop's
phase, the reviews and their rubric, a plan's feedback and history. Same rules and same services
(``reviews``, ``plans``, ``access``) as the HTML pages, one transaction per call; writing the plan
itself is the core's ``/api/v1/lessons/<id>/submissions``.

Bearer token only (the core mounts this blueprint without CSRF); errors are JSON
``{"error": {"message": ...}}`` with 400/401/403/404/409. A peer's review never names the plan's
authors nor their group, and the authors never see their peer reviewers' names when reviews are
anonymous (``reviews.feedback``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from elearn.plugin_api import (
    SubmissionError,
    User,
    api_user,
    db_session,
    display_name,
    fail,
    learner_lesson,
    lesson_to_teach,
    operation,
    token_required,
)
from elearn_workshop import api_models as m
from elearn_workshop import plans, reviews
from elearn_workshop.access import open_plan
from elearn_workshop.lesson import finance_figures
from elearn_workshop.models import Review
from elearn_workshop.peer.rubric import OVERALL, Rubric

api = Blueprint("workshop_api", __name__)
# A lesson or a plan the caller may not see is a 404, as on the pages; 403: seen, but not theirs to do.
SEEN = (403, 404)
GRADE_KEYS = ("learner", "email", "plan_id", "instructor", "peers", "own", "plan_grade", "assessment_grade",
              "score")
"""``reviews.grade_rows``' columns, in its order."""


def _taught(lesson_id: int):
    return lesson_to_teach(db_session(), api_user(), lesson_id, "workshop",
                           _("Only the course's instructors see every plan."))


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _score(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _refused(exc: SubmissionError):
    fail(exc.status, exc.message)


@api.get("/lessons/<int:lesson_id>/plans")
@token_required
@operation(responses={200: m.Plans}, errors=SEEN)
def lesson_plans(lesson_id: int):
    """Every plan of the lesson (instructors): whose, its version, when handed in, the sections still
    missing, the peers' reviews done of those given out"""
    db = db_session()
    lesson = _taught(lesson_id)
    peers = reviews.peer_progress(db, lesson)
    listed = []
    for item in plans.every_plan(db, lesson):
        done, given = peers.counts.get(item.plan.id, (0, 0))
        listed.append({
            "id": item.plan.id, "name": item.name, "version": item.plan.version,
            "submitted_at": _when(item.plan.submitted_at), "late": item.late, "missing": item.missing,
            "reviews_done": done, "reviews_assigned": given})
    return jsonify(phase=peers.phase, plans=listed)


@api.post("/lessons/<int:lesson_id>/phase")
@token_required
@operation(body=m.PhaseChange, responses={200: m.PhaseChanged}, errors=SEEN)
def set_phase(lesson_id: int, body: m.PhaseChange):
    """Move the workshop to another phase (instructors): {phase}. Entering assessment gives the peers
    their reviews; publishing feedback records the grades"""
    db = db_session()
    lesson = _taught(lesson_id)
    try:
        done = reviews.change_phase(db, lesson, body.phase, api_user())
    except SubmissionError as exc:
        _refused(exc)
    db.commit()
    return jsonify(phase=body.phase, allocated=done["allocated"], graded=done["graded"])


@api.post("/lessons/<int:lesson_id>/allocate")
@token_required
@operation(responses={200: m.Allocated}, errors=SEEN)
def allocate(lesson_id: int):
    """Give the plans handed in late their peer reviewers (instructors); the reviews given before are kept"""
    db = db_session()
    lesson = _taught(lesson_id)
    added = reviews.allocate_peers(db, lesson)
    db.commit()
    return jsonify(allocated=added)


@api.post("/lessons/<int:lesson_id>/remind")
@token_required
@operation(responses={200: m.Reminded}, errors=SEEN)
def remind(lesson_id: int):
    """Remind the reviewers who still have peer reviews to write (instructors), by e-mail or SMS"""
    db = db_session()
    sent, failed = reviews.remind(db, _taught(lesson_id))
    db.commit()
    return jsonify(reminded=sent, unreachable=failed)


@api.get("/lessons/<int:lesson_id>/grades")
@token_required
@operation(responses={200: m.Grades}, errors=SEEN)
def grades(lesson_id: int):
    """Every author's marks and grade (instructors), as the grades' CSV has them; marks as text, null when none"""
    db = db_session()
    lesson = _taught(lesson_id)
    _header, rows = reviews.grade_rows(db, lesson)
    return jsonify(grades=[{key: (None if value == "" and key not in ("learner", "email") else value)
                            for key, value in zip(GRADE_KEYS, row, strict=True)} for row in rows])


@api.get("/lessons/<int:lesson_id>/reviews")
@token_required
@operation(responses={200: m.MyReviews}, errors=SEEN)
def my_reviews(lesson_id: int):
    """The reviews the caller is to write in the lesson: the peers' plans given to them, their own plan's"""
    db = db_session()
    user = api_user()
    lesson = learner_lesson(db, user, lesson_id, "workshop").lesson
    return jsonify(reviews=[{"id": review.id, "kind": review.kind, "done": review.done, "score": _score(review.score),
                             "updated_at": _when(review.updated_at)}
                            for review in reviews.my_reviews(db, lesson.id, user.id)])


def _rubric(found: reviews.OpenReview) -> Rubric:
    rubric = reviews.rubric_of(found.lesson.content)
    if rubric is None:
        fail(404, _("This workshop has no rubric to assess with."))
    return rubric


def _given(rubric: Rubric, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored assessment in the API's shape: a draft saved from the page's form has the form's
    names (``c.<key>.level``), read back as the page reads them."""
    if any(isinstance(key, str) and key.startswith("c.") for key in stored):
        return reviews.typed_assessment(rubric, stored)
    known = {criterion.key for criterion in rubric.criteria} | {OVERALL}
    return {key: value for key, value in stored.items() if key in known}


def _review_body(db, found: reviews.OpenReview, rubric: Rubric) -> dict[str, Any]:
    """The review as its reader sees it. The plan is given by its sections only: never its group nor
    its owner, which would name the authors to a peer; an instructor's own review names them."""
    review, plan, content = found.review, found.plan, found.lesson.content
    phase = plans.phase(db, found.lesson.id)
    authors = None
    if review.kind == "instructor":
        authors = plans.name_of(db, plan)
    sections = []
    for section in content["sections"]:
        values = plan.content.get(section["key"], {})
        sections.append({"key": section["key"], "title": section["title"], "values": values,
                         "figures": finance_figures(section, values)})
    return {
        "id": review.id, "kind": review.kind, "done": review.done, "score": _score(review.score), "phase": phase,
        "editable": not found.as_teacher and reviews.may_assess(review.kind, phase), "authors": authors,
        "plan": {"id": plan.id, "version": plan.version, "sections": sections},
        "rubric": [{"key": c.key, "title": c.title, "description": c.description, "section": c.section,
                    "weight": c.weight, "levels": [{"points": level.points, "label": level.label,
                                                    "description": level.description} for level in c.levels]}
                   for c in rubric.criteria],
        "assessment": _given(rubric, review.assessment),
    }


@api.get("/reviews/<int:review_id>")
@token_required
@operation(responses={200: m.OneReview}, errors=SEEN)
def review(review_id: int):
    """A review (its reviewer, or the course's instructors): the plan's sections, the rubric and the
    assessment so far. A peer's review does not say whose plan it is"""
    db = db_session()
    found = reviews.open_review(db, api_user(), review_id)
    return jsonify(review=_review_body(db, found, _rubric(found)))


def _problems_message(rubric: Rubric, problems: Mapping[str, str]) -> str:
    titles = {criterion.key: criterion.title for criterion in rubric.criteria}
    titles[OVERALL] = _("Overall comment")
    return _("The review is not complete: %(problems)s",
             problems="; ".join(f"{titles.get(key, key)}: {problem}" for key, problem in problems.items()))


@api.put("/reviews/<int:review_id>")
@token_required
@operation(body=m.ReviewSave, responses={200: m.OneReview}, errors=(*SEEN, 409))
def save_review(review_id: int, body: m.ReviewSave):
    """Save a review (its reviewer): {assessment: {criterion key: {level, comment}, comment}, final}

final: true submits it (every criterion of the rubric needs one of its levels); false keeps a draft.
Peers and authors assess during the assessment phase only, an instructor until the workshop is closed."""
    db = db_session()
    found = reviews.open_review(db, api_user(), review_id)
    rubric = _rubric(found)
    given = body.assessment.model_dump()
    unknown = sorted(key for key in given if key != OVERALL and rubric.criterion(key) is None)
    if unknown:
        fail(400, _("This rubric has no criterion %(key)s.", key=unknown[0]))
    wrong = {key: _("Choose one of the levels.") for key, mark in given.items()
             if key != OVERALL and mark["level"] is not None and rubric.criterion(key).level(mark["level"]) is None}
    if wrong:
        fail(400, _problems_message(rubric, wrong))
    try:
        problems = reviews.save_review(db, found, given, body.final)
    except SubmissionError as exc:
        _refused(exc)
    if problems:
        fail(400, _problems_message(rubric, problems))
    answer = _review_body(db, found, rubric)
    db.commit()
    return jsonify(review=answer)


@api.post("/plans/<int:plan_id>/reviews")
@token_required
@operation(body=m.NewReview, responses={200: m.OneReview, 201: m.OneReview}, errors=(*SEEN, 409))
def start_review(plan_id: int, body: m.NewReview):
    """Start a review of a handed-in plan: {kind}: instructor (the course's instructors) or self (its
    authors, during assessment, when the workshop asks for it). 201 when started, 200 when it was already"""
    db = db_session()
    user = api_user()
    found = open_plan(db, user, plan_id)
    if reviews.rubric_of(found.lesson.content) is None:
        fail(404, _("This workshop has no rubric to assess with."))
    existed = db.scalar(select(Review.id).where(Review.plan_id == plan_id, Review.reviewer_id == user.id,
                                                Review.kind == body.kind)) is not None
    try:
        started = reviews.start_review(db, found.lesson, found.plan, user, body.kind)
    except SubmissionError as exc:
        _refused(exc)
    opened = reviews.OpenReview(started, found.plan, found.lesson, False)
    answer = _review_body(db, opened, _rubric(opened))
    db.commit()
    return jsonify(review=answer), 200 if existed else 201


@api.get("/plans/<int:plan_id>/feedback")
@token_required
@operation(responses={200: m.Feedback}, errors=SEEN)
def feedback(plan_id: int):
    """The reviews of the plan its authors may read: their own assessment; the instructor's and the
    peers' once feedback is published (a peer by number when reviews are anonymous)"""
    db = db_session()
    user = api_user()
    found = open_plan(db, user, plan_id)
    if not found.is_author:
        fail(403, _("Only the plan's authors read its feedback here; instructors open the reviews."))
    phase = plans.phase(db, found.lesson.id)
    shown = reviews.feedback(db, found.lesson, found.plan, user.id, phase)
    return jsonify(phase=phase, published=phase in reviews.PUBLISHED,
                   feedback=[{**item, "score": None if item["score"] == "None" else item["score"]}
                             for item in shown])


@api.get("/plans/<int:plan_id>/versions")
@token_required
@operation(responses={200: m.Versions}, errors=SEEN)
def versions(plan_id: int):
    """The plan's history (its authors and the course's instructors), newest first: who saved which
    sections when, handed in, or kept after a conflict"""
    db = db_session()
    found = open_plan(db, api_user(), plan_id)
    history = plans.versions(db, found.plan)
    people = {user.id: user for user in db.scalars(select(User).where(
        User.id.in_({version.saved_by for version in history if version.saved_by})))}
    titles = {section["key"]: section["title"] for section in found.lesson.content["sections"]}
    return jsonify(plan_id=found.plan.id, version=found.plan.version, versions=[
        {"number": version.number, "kind": version.kind, "saved_at": _when(version.saved_at),
         "saved_by": display_name(people[version.saved_by]) if version.saved_by in people else None,
         "changed": [{"key": key, "title": titles.get(key, key)} for key in version.changed]}
        for version in history])
