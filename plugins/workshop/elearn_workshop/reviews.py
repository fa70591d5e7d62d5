"""Assessing the handed-in plans with the lesson's rubric: the instructor's review, the peers'
(allocated fairly, anonymous if the pack says so) and the authors' own; what the authors may see
of them and when; the grades they make.

The rules, as in Moodle's Workshop: peers and authors assess while the workshop is in its
``assessment`` phase; an instructor reviews any handed-in plan until the workshop is closed.
Authors see the instructor's and the peers' reviews only once feedback is published (the
``feedback`` phase, then ``closed``), a peer's never with the reviewer's name when reviews are
anonymous, and a reviewer never sees whose plan they assess. Publishing feedback records each
author's score in the core's progress (``record_outcome``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from elearn.plugin_api import (
    GroupMember,
    LearnerProfile,
    Lesson,
    Message,
    Outcome,
    Status,
    SubmissionError,
    User,
    display_name,
    fail,
    get_lesson,
    insert_if_missing,
    reassess,
    send_message,
    utcnow,
)
from elearn_workshop import plans
from elearn_workshop.access import teaches
from elearn_workshop.models import PHASES, LessonPhase, Plan, Review
from elearn_workshop.peer.allocation import allocate
from elearn_workshop.peer.grades import assessment_grades, combine_grade, lesson_score
from elearn_workshop.peer.rubric import Rubric, parse_assessment, parse_rubric
from elearn_workshop.template import Grading

PUBLISHED = ("feedback", "closed")


def rubric_of(content: Mapping[str, Any]) -> Rubric | None:
    """The lesson's rubric (checked when the pack was installed), or None without one."""
    found, _problems = parse_rubric(content.get("rubric") or [])
    return found


def authors(db, lesson_plans: list[Plan]) -> dict[int, frozenset[int]]:
    """``{plan id: its authors' user ids}``: the owner, or the members of the plan's group."""
    groups = {plan.group_id for plan in lesson_plans if plan.group_id is not None}
    members: dict[int, set[int]] = defaultdict(set)
    if groups:
        for group_id, user_id in db.execute(select(GroupMember.group_id, GroupMember.user_id)
                                            .where(GroupMember.group_id.in_(groups))):
            members[group_id].add(user_id)
    return {plan.id: frozenset(members[plan.group_id] if plan.group_id is not None else {plan.owner_id})
            for plan in lesson_plans}


def submitted_plans(db, lesson_id: int) -> list[Plan]:
    return list(db.scalars(select(Plan).where(Plan.lesson_id == lesson_id, Plan.submitted_version.is_not(None))
                           .order_by(Plan.id)))


def allocate_peers(db, lesson: Lesson) -> int:
    """Give every author of a handed-in plan ``peer_review.reviews`` plans of others to review
    (``peer.allocation``); reviews given before are kept, so calling it again after late plans
    came in only adds. How many reviews were added."""
    settings = lesson.content.get("peer_review")
    if not settings:
        return 0
    handed_in = submitted_plans(db, lesson.id)
    existing: dict[int, set[int]] = defaultdict(set)
    for reviewer_id, plan_id in db.execute(select(Review.reviewer_id, Review.plan_id).where(
            Review.lesson_id == lesson.id, Review.kind == "peer")):
        existing[reviewer_id].add(plan_id)
    wanted = allocate(authors(db, handed_in), settings["reviews"], existing, seed=lesson.id)
    added = 0
    for reviewer_id, plan_ids in sorted(wanted.items()):
        for plan_id in plan_ids:
            if plan_id not in existing[reviewer_id]:
                added += insert_if_missing(db, Review, ["plan_id", "reviewer_id", "kind"], lesson_id=lesson.id,
                                           plan_id=plan_id, reviewer_id=reviewer_id, kind="peer", assessment={},
                                           done=False, updated_at=utcnow()) or 0
    return added


@dataclass(frozen=True)
class OpenReview:
    review: Review
    plan: Plan
    lesson: Lesson
    as_teacher: bool


def open_review(db, user, review_id: int) -> OpenReview:
    """A review its reviewer (or the course's instructors) may open; 404 for anyone else."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    review = db.get(Review, review_id)
    if review is None:
        fail(404, _("There is no such review."))
    teacher = review.reviewer_id != user.id and teaches(db, user, review.lesson_id)
    if review.reviewer_id != user.id and not teacher:
        fail(404, _("There is no such review."))
    return OpenReview(review, db.get(Plan, review.plan_id), get_lesson(db, review.lesson_id), teacher)


def may_assess(kind: str, phase: str) -> bool:
    return phase == "assessment" if kind in ("peer", "self") else phase != "closed"


def save_review(db, found: OpenReview, data: Mapping[str, Any], final: bool) -> dict[str, str]:
    """Keep the reviewer's assessment (a draft, or ``final``: counted in the grades); the problems
    by criterion, and nothing kept, when a final one is incomplete."""
    if found.as_teacher:
        fail(403, _("Only the reviewer writes this review."))
    phase = plans.phase(db, found.lesson.id)
    if not may_assess(found.review.kind, phase):
        raise SubmissionError(_("Reviews cannot be changed now: the workshop is in its %(phase)s phase.",
                                phase=plans.phase_label(phase)), status=409)
    rubric = rubric_of(found.lesson.content)
    if rubric is None:
        fail(409, _("This workshop has no rubric to assess with."))
    assessment, problems = parse_assessment(rubric, data)
    if assessment is None:
        if final or found.review.done:  # a submitted review is only ever replaced by a complete one
            return problems
        found.review.assessment = _draft(rubric, data)
        found.review.updated_at = utcnow()
        return {}
    found.review.assessment, found.review.score = assessment.as_json(), assessment.score
    found.review.done = final or found.review.done
    found.review.updated_at = utcnow()
    return {}


def _draft(rubric: Rubric, data: Mapping[str, Any]) -> dict[str, Any]:
    """What an unfinished review has so far, in the stored shape (shown again; not counted)."""
    if any(isinstance(key, str) and key.startswith("c.") for key in data):  # the page's form
        return typed_assessment(rubric, data)
    known = {criterion.key for criterion in rubric.criteria} | {"comment"}
    return {key: value for key, value in data.items() if key in known and isinstance(value, str | dict)}


def start_review(db, lesson: Lesson, plan: Plan, user, kind: str) -> Review:
    """The instructor's (``instructor``) or an author's own (``self``) review of a handed-in plan,
    created the first time."""
    if plan.submitted_version is None:
        raise SubmissionError(_("This plan has not been handed in yet."), status=409)
    if kind == "self":
        if not lesson.content.get("self_assessment"):
            fail(404, _("This workshop has no self-assessment."))
        if user.id not in authors(db, [plan])[plan.id]:
            fail(404, _("There is no such plan."))
    elif not teaches(db, user, lesson.id):
        fail(403, _("Only the course's instructors review plans."))
    phase = plans.phase(db, lesson.id)
    if not may_assess(kind, phase):
        raise SubmissionError(_("Reviews cannot be changed now: the workshop is in its %(phase)s phase.",
                                phase=plans.phase_label(phase)), status=409)
    insert_if_missing(db, Review, ["plan_id", "reviewer_id", "kind"], lesson_id=lesson.id, plan_id=plan.id,
                      reviewer_id=user.id, kind=kind, assessment={}, done=False, updated_at=utcnow())
    return db.scalar(select(Review).where(Review.plan_id == plan.id, Review.reviewer_id == user.id,
                                          Review.kind == kind))


def my_reviews(db, lesson_id: int, user_id: int) -> list[Review]:
    """The reviews ``user_id`` is to write in the lesson (peers' plans, their own)."""
    return [review for review, _reviewer in _reviews_for(db, lesson_id, user_id, None)
            if review.reviewer_id == user_id and review.kind in ("peer", "self")]


def _reviews_for(db, lesson_id: int, user_id: int, plan: Plan | None) -> list[tuple[Review, User]]:
    """In one statement: the reviews ``user_id`` writes, and the finished reviews of their ``plan``."""
    mine = and_(Review.reviewer_id == user_id, Review.kind.in_(("peer", "self")))
    wanted = or_(mine, and_(Review.plan_id == plan.id, Review.done.is_(True))) if plan is not None else mine
    return list(db.execute(select(Review, User).join(User, User.id == Review.reviewer_id)
                           .where(Review.lesson_id == lesson_id, wanted).order_by(Review.kind, Review.id)).all())


def reviews_and_feedback(db, lesson: Lesson, plan: Plan | None, user_id: int, phase: str
                         ) -> tuple[list[Review], list[dict[str, Any]]]:
    """What the lesson page shows: the learner's reviews to write, and the feedback they may read."""
    rows = _reviews_for(db, lesson.id, user_id, plan)
    mine = sorted((review for review, _user in rows if review.reviewer_id == user_id
                   and review.kind in ("peer", "self")), key=lambda review: review.id)
    return mine, _feedback(lesson, rows if plan is not None else [], plan, user_id, phase)


def feedback(db, lesson: Lesson, plan: Plan | None, user_id: int, phase: str) -> list[dict[str, Any]]:
    """The finished reviews of ``plan`` its author ``user_id`` may read in ``phase``: their own
    always; the instructor's and the peers' once feedback is published, peers by number when
    anonymous."""
    if plan is None:
        return []
    return _feedback(lesson, _reviews_for(db, lesson.id, user_id, plan), plan, user_id, phase)


def _feedback(lesson: Lesson, rows: list[tuple[Review, User]], plan: Plan | None, user_id: int,
              phase: str) -> list[dict[str, Any]]:
    published = phase in PUBLISHED
    anonymous = (lesson.content.get("peer_review") or {}).get("anonymous", True)
    rubric = rubric_of(lesson.content)
    shown, peer_number = [], 0
    for review, reviewer in rows:
        if plan is None or review.plan_id != plan.id or not review.done:
            continue
        if (review.kind == "self" and review.reviewer_id != user_id) or (review.kind != "self" and not published):
            continue
        if review.kind == "peer":
            peer_number += 1
            name = _("Reviewer %(num)d", num=peer_number) if anonymous else display_name(reviewer)
        else:
            name = display_name(reviewer)
        shown.append({"kind": review.kind, "reviewer": name, "score": str(review.score),
                      "marks": marks(rubric, review.assessment), "comment": review.assessment.get("comment", "")})
    return shown


def marks(rubric: Rubric | None, assessment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A review's marks beside the rubric's criteria, for reading."""
    if rubric is None:
        return []
    found = []
    for criterion in rubric.criteria:
        mark = assessment.get(criterion.key) or {}
        level = criterion.level(mark["level"]) if isinstance(mark.get("level"), int) else None
        found.append({"criterion": criterion.key, "title": criterion.title, "section": criterion.section,
                      "points": mark.get("level"), "max": criterion.max_points,
                      "level": level.label if level else "", "comment": mark.get("comment", "")})
    return found


@dataclass
class Grades:
    """A lesson's grades: each plan's marks and grade, each reviewer's grade for assessment, each
    author's score in the lesson (0 to 100)."""

    plans: dict[int, dict[str, Any]]
    assessment: dict[int, Decimal]
    learners: dict[int, Decimal | None]
    authors: dict[int, frozenset[int]]


def grades(db, lesson: Lesson) -> Grades:
    content = lesson.content
    weights = Grading.model_validate(content.get("grading") or {})
    handed_in = submitted_plans(db, lesson.id)
    by_plan = authors(db, handed_in)
    done = defaultdict(list)
    for review in db.scalars(select(Review).where(Review.lesson_id == lesson.id, Review.done.is_(True))):
        done[review.plan_id].append(review)
    per_plan: dict[int, dict[str, Any]] = {}
    peer_levels: dict[int, dict[int, dict[str, int]]] = {}
    for plan in handed_in:
        reviews = done[plan.id]
        instructor = [r.score for r in reviews if r.kind == "instructor" and r.score is not None]
        peers = [r.score for r in reviews if r.kind == "peer" and r.score is not None]
        selves = [r.score for r in reviews if r.kind == "self" and r.score is not None]
        instructor_mark = sum(instructor, Decimal(0)) / len(instructor) if instructor else None
        self_mark = sum(selves, Decimal(0)) / len(selves) if selves else None
        per_plan[plan.id] = {"instructor": instructor_mark, "peers": peers, "self": self_mark,
                             "grade": combine_grade(instructor_mark, peers, self_mark, weights)}
        peer_levels[plan.id] = {r.reviewer_id: review_levels(r) for r in reviews if r.kind == "peer"}
    rubric = rubric_of(content)
    for_assessment = assessment_grades(peer_levels, rubric, weights.strictness) if rubric and weights.assessment \
        else {}
    learners: dict[int, Decimal | None] = {}
    for plan_id, people in by_plan.items():
        for user_id in people:
            learners[user_id] = lesson_score(per_plan[plan_id]["grade"], for_assessment.get(user_id),
                                             weights.assessment)
    return Grades(per_plan, for_assessment, learners, by_plan)


def review_levels(review: Review) -> dict[str, int]:
    """A stored review's ``{criterion: points}``."""
    return {key: mark["level"] for key, mark in review.assessment.items()
            if isinstance(mark, Mapping) and isinstance(mark.get("level"), int)}


def publish(db, lesson: Lesson) -> int:
    """Record each author's score in the core's progress, as feedback is published: completed
    with the pass mark or above, in progress below it (they may revise). How many were stored."""
    found = grades(db, lesson)
    pass_mark = Grading.model_validate(lesson.content.get("grading") or {}).pass_mark
    outcomes = {user_id: Outcome(status=Status.COMPLETED if score >= pass_mark else Status.IN_PROGRESS,
                                 score=float(score / 100), counts_as_attempt=False, may_uncomplete=False,
                                 message=_("Your plan's grade is %(score)s / 100.", score=score))
                for user_id, score in found.learners.items() if score is not None}
    return len(reassess(db, lesson, outcomes))


def change_phase(db, lesson: Lesson, wanted: str, user) -> dict[str, int]:
    """Move the workshop to ``wanted``: entering assessment allocates the peers' reviews,
    publishing feedback records the grades. What was done (``allocated``, ``graded``)."""
    if wanted not in PHASES:
        raise SubmissionError(_("There is no phase %(phase)s.", phase=wanted))
    row = db.get(LessonPhase, lesson.id, with_for_update=True)
    if row is None:
        insert_if_missing(db, LessonPhase, ["lesson_id"], lesson_id=lesson.id, phase="open", changed_at=utcnow())
        row = db.get(LessonPhase, lesson.id, with_for_update=True)
    row.phase, row.changed_at, row.changed_by = wanted, utcnow(), user.id
    done = {"allocated": 0, "graded": 0}
    if wanted == "assessment":
        done["allocated"] = allocate_peers(db, lesson)
    elif wanted == "feedback":
        done["graded"] = publish(db, lesson)
    return done


def typed_assessment(rubric: Rubric, form) -> dict[str, Any]:
    """A refused review's form as typed, in the stored shape, to show it again."""
    typed: dict[str, Any] = {"comment": form.get("comment", "")}
    for criterion in rubric.criteria:
        level = form.get(f"c.{criterion.key}.level", "")
        typed[criterion.key] = {"level": int(level) if level.isdigit() else None,
                                "comment": form.get(f"c.{criterion.key}.comment", "")}
    return typed


def grade_rows(db, lesson: Lesson) -> tuple[list[str], list[list[object]]]:
    """The grades as a table: one row per author of a handed-in plan."""
    found = grades(db, lesson)
    people = {user.id: user for user in db.scalars(select(User).where(
        User.id.in_({user_id for ids in found.authors.values() for user_id in ids})))}
    header = [_("Learner"), _("E-mail"), _("Plan"), _("Instructor's mark"), _("Peers' mark"), _("Own mark"),
              _("Plan's grade"), _("Grade for assessment"), _("Score")]
    rows = []
    for plan_id, ids in sorted(found.authors.items()):
        marks_of = found.plans[plan_id]
        peers = marks_of["peers"]
        peer_mark = (sum(peers, Decimal(0)) / len(peers)).quantize(Decimal("0.01")) if peers else None
        for user_id in sorted(ids):
            user = people.get(user_id)
            if user is None:
                continue
            rows.append([display_name(user), user.email or "", plan_id, _blank(marks_of["instructor"]),
                         _blank(peer_mark), _blank(marks_of["self"]), _blank(marks_of["grade"]),
                         _blank(found.assessment.get(user_id)), _blank(found.learners.get(user_id))])
    return header, rows


def _blank(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(Decimal("0.01")))


@dataclass
class PeerProgress:
    """The workshop's phase and how the peers' reviews stand, for the instructors' list: ``counts``
    is ``{plan id: (done, given)}``, ``outstanding`` the reviewers with reviews still to write and
    how many."""

    phase: str
    counts: dict[int, tuple[int, int]]
    outstanding: list[tuple[User, int]]


def peer_progress(db, lesson: Lesson) -> PeerProgress:
    """One statement, whatever the number of plans (a row per peer review; one row without any)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    waiting: dict[int, list[Any]] = {}
    phase = "open"
    rows = db.execute(select(LessonPhase.phase, Review.plan_id, Review.done, User).select_from(Lesson)
                      .outerjoin(LessonPhase, LessonPhase.lesson_id == Lesson.id)
                      .outerjoin(Review, and_(Review.lesson_id == Lesson.id, Review.kind == "peer"))
                      .outerjoin(User, User.id == Review.reviewer_id)
                      .where(Lesson.id == lesson.id))
    for phase_name, plan_id, done, user in rows:
        phase = phase_name or "open"
        if plan_id is None:
            continue
        counts[plan_id][1] += 1
        if done:
            counts[plan_id][0] += 1
        else:
            waiting.setdefault(user.id, [user, 0])[1] += 1
    outstanding = sorted(((user, count) for user, count in waiting.values()), key=lambda item: item[0].name)
    return PeerProgress(phase, {plan_id: (done, given) for plan_id, (done, given) in counts.items()}, outstanding)


def remind(db, lesson: Lesson) -> tuple[int, int]:
    """Remind every reviewer with peer reviews still to write, by e-mail (or SMS to the phone in
    their profile, when the site has an SMS sender and they have no e-mail), each in their own
    language. How many were reminded, and how many could not be reached."""
    waiting = peer_progress(db, lesson).outstanding
    phones = {user_id: phone for user_id, phone in db.execute(select(LearnerProfile.user_id, LearnerProfile.phone)
              .where(LearnerProfile.user_id.in_([user.id for user, _count in waiting])))} if waiting else {}
    link = url_for("learning.lesson", lesson_id=lesson.id, _external=True)
    sent = failed = 0
    for user, count in waiting:
        with force_locale(user.locale or "vi"):
            text = _("You still have %(num)d plan(s) of other cooperatives to review in “%(lesson)s”: %(link)s",
                     num=count, lesson=lesson.title_for(user.locale or "vi"), link=link)
            subject = _("Reviews still to write")
        if (user.email and send_message("email", Message(to=user.email, text=text, subject=subject))) \
                or (phones.get(user.id) and send_message("sms", Message(to=phones[user.id], text=text))):
            sent += 1
        else:
            failed += 1
    return sent, failed
