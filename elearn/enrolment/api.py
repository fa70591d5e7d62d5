"""API of enrolment codes, programmes and cohorts: the same ``codes`` and ``programmes`` calls as the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _

from elearn.api import models
from elearn.api.auth import api_user, token_required
from elearn.contract import no_content, operation
from elearn.db import db_session
from elearn.enrolment import codes, programmes
from elearn.enrolment.access import code_course, require_programme_staff
from elearn.i18n import current_locale
from elearn.models import Cohort, Course, CourseGroup, EnrolmentCode, Programme
from elearn.security import csrf

bp = Blueprint("api_enrolment", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _course_ref(course: Course) -> dict[str, str]:
    return {"slug": course.slug, "title": course.title_for(current_locale())}


def _group(group: CourseGroup | None) -> dict[str, str] | None:
    if group is None:
        return None
    return {"group_set": group.group_set, "key": group.key, "title": group.title_for(current_locale())}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def code_body(code: EnrolmentCode, course: Course, group: CourseGroup | None) -> dict[str, Any]:
    return {
        "id": code.id,
        "code": code.code,
        "display": codes.spaced(code.code),
        "course": _course_ref(course),
        "group": _group(group),
        "expires_at": _iso(code.expires_at),
        "max_uses": code.max_uses,
        "uses": code.uses,
        "disabled": code.disabled_at is not None,
        "usable": codes.CodeState(code).usable,
        "join_url": url_for("enrolment.join", code=code.code, _external=True),
    }


@bp.get("/courses/<slug>/enrol-codes")
@token_required
@operation(responses={200: models.EnrolCodeList}, errors=(403, 404))
def list_codes(slug: str):
    """The course's enrolment codes with their uses (its instructors and admins)"""
    db = db_session()
    course = code_course(db, api_user(), slug)
    return jsonify(codes=[code_body(code, course, group) for code, group in codes.codes_of_course(db, course)])


@bp.post("/courses/<slug>/enrol-codes")
@token_required
@operation(body=models.NewEnrolCode, responses={201: models.EnrolCode}, errors=(403, 404, 409))
def create_code(slug: str, body: models.NewEnrolCode):
    """Create an enrolment code, optionally into a group, with an expiry and a use limit"""
    db, user = db_session(), api_user()
    course = code_course(db, user, slug)
    code = codes.create(db, course, user, body.group_id, body.expires_at, body.max_uses)
    group = db.get(CourseGroup, code.group_id) if code.group_id else None
    db.commit()
    return jsonify(code_body(code, course, group)), 201


@bp.patch("/courses/<slug>/enrol-codes/<int:code_id>")
@token_required
@operation(body=models.EnrolCodeChange, responses={200: models.EnrolCode}, errors=(403, 404))
def change_code(slug: str, code_id: int, body: models.EnrolCodeChange):
    """Disable an enrolment code (or enable it again)"""
    db = db_session()
    course = code_course(db, api_user(), slug)
    code = codes.get_code(db, course, code_id)
    codes.set_disabled(code, body.disabled)
    group = db.get(CourseGroup, code.group_id) if code.group_id else None
    db.commit()
    return jsonify(code_body(code, course, group))


@bp.post("/enrol-codes/redeem")
@token_required
@operation(body=models.CodeRedemption, responses={200: models.Redemption, 201: models.Redemption},
           errors=(403, 404, 409, 429))
def redeem(body: models.CodeRedemption):
    """Enrol with a code: 201 enrolled now, 200 enrolled already (no use counted)

Unknown code 404; disabled, expired or used up 409; too many attempts 429."""
    db = db_session()
    done = codes.redeem(db, api_user(), body.code)
    db.commit()
    return jsonify(course=_course_ref(done.course), group=_group(done.group), created=done.created,
                   message=redeemed_message(done)), 201 if done.created else 200


def redeemed_message(done: codes.Redeemed) -> str:
    title = done.course.title_for(current_locale())
    if not done.created:
        return _("You are already enrolled in “%(course)s”.", course=title)
    if done.group is not None:
        return _("You are enrolled in “%(course)s”, in the group “%(group)s”. Welcome!", course=title,
                 group=done.group.title_for(current_locale()))
    return _("You are enrolled in “%(course)s”. Welcome!", course=title)


# -- programmes and cohorts ------------------------------------------------------------------


def programme_body(db, programme: Programme) -> dict[str, Any]:
    locale = current_locale()
    return {
        "id": programme.id,
        "title": programme.title_for(locale),
        "title_vi": programme.title_vi,
        "title_en": programme.title_en,
        "courses": [
            {"course": _course_ref(item.course), "position": item.link.position,
             "target_date": _iso(item.link.target_date), "requires": [_course_ref(c) for c in item.requires]}
            for item in programmes.programme_courses(db, programme)
        ],
        "cohorts": [{"id": c.id, "name": c.name} for c in programmes.cohorts_of(db, programme)],
    }


def _planned(body: models.ProgrammeIn) -> list[programmes.PlannedCourse]:
    return [programmes.PlannedCourse(item.course, item.target_date, list(item.requires)) for item in body.courses]


@bp.get("/programmes")
@token_required
@operation(responses={200: models.ProgrammeList}, errors=(403,))
def list_programmes():
    """Every programme with its courses and cohorts (administrators)"""
    db = db_session()
    require_programme_staff(api_user())
    return jsonify(programmes=[programme_body(db, p) for p in programmes.all_programmes(db)])


@bp.post("/programmes")
@token_required
@operation(body=models.ProgrammeIn, responses={201: models.ProgrammeOut}, errors=(403, 404, 409))
def create_programme(body: models.ProgrammeIn):
    """Create a programme: courses in order, with target dates and prerequisites placed before them"""
    db = db_session()
    require_programme_staff(api_user())
    programme = programmes.create_programme(db, body.title_vi, body.title_en, _planned(body))
    db.commit()
    return jsonify(programme_body(db, programme)), 201


@bp.get("/programmes/<int:programme_id>")
@token_required
@operation(responses={200: models.ProgrammeOut}, errors=(403, 404))
def get_programme(programme_id: int):
    """One programme (administrators)"""
    db = db_session()
    require_programme_staff(api_user())
    return jsonify(programme_body(db, programmes.get_programme(db, programme_id)))


@bp.put("/programmes/<int:programme_id>")
@token_required
@operation(body=models.ProgrammeIn, responses={200: models.ProgrammeOut}, errors=(403, 404, 409))
def update_programme(programme_id: int, body: models.ProgrammeIn):
    """Replace a programme's titles and courses; its cohorts' learners are enrolled in courses new to it"""
    db = db_session()
    require_programme_staff(api_user())
    programme = programmes.get_programme(db, programme_id)
    programmes.update_programme(db, programme, body.title_vi, body.title_en, _planned(body))
    db.commit()
    return jsonify(programme_body(db, programme))


@bp.delete("/programmes/<int:programme_id>")
@token_required
@operation(responses={204: None}, errors=(403, 404))
def delete_programme(programme_id: int):
    """Delete a programme and its cohorts; the learners' enrolments and progress stay"""
    db = db_session()
    require_programme_staff(api_user())
    db.delete(programmes.get_programme(db, programme_id))
    db.commit()
    return no_content()


def cohort_body(db, cohort: Cohort, added: int | None = None) -> dict[str, Any]:
    body = {"id": cohort.id, "name": cohort.name, "programme_id": cohort.programme_id,
            "members": [{"id": u.id, "name": u.name} for u in programmes.cohort_members(db, cohort)]}
    if added is not None:
        body["added"] = added
    return body


@bp.post("/programmes/<int:programme_id>/cohorts")
@token_required
@operation(body=models.NewCohort, responses={201: models.CohortOut}, errors=(403, 404))
def create_cohort(programme_id: int, body: models.NewCohort):
    """Create a cohort following the programme"""
    db = db_session()
    require_programme_staff(api_user())
    cohort = programmes.create_cohort(db, programmes.get_programme(db, programme_id), body.name)
    db.commit()
    return jsonify(cohort_body(db, cohort)), 201


@bp.get("/cohorts/<int:cohort_id>")
@token_required
@operation(responses={200: models.CohortOut}, errors=(403, 404))
def get_cohort(cohort_id: int):
    """A cohort with its members"""
    db = db_session()
    require_programme_staff(api_user())
    return jsonify(cohort_body(db, programmes.get_cohort(db, cohort_id)))


@bp.delete("/cohorts/<int:cohort_id>")
@token_required
@operation(responses={204: None}, errors=(403, 404))
def delete_cohort(cohort_id: int):
    """Delete a cohort; its learners keep their enrolments and progress"""
    db = db_session()
    require_programme_staff(api_user())
    db.delete(programmes.get_cohort(db, cohort_id))
    db.commit()
    return no_content()


@bp.post("/cohorts/<int:cohort_id>/members")
@token_required
@operation(body=models.CohortMembersIn, responses={200: models.CohortOut}, errors=(403, 404, 409))
def add_members(cohort_id: int, body: models.CohortMembersIn):
    """Add learners to the cohort, enrolling them in every course of its programme in one step (idempotent)"""
    db = db_session()
    require_programme_staff(api_user())
    cohort = programmes.get_cohort(db, cohort_id)
    added = programmes.add_members(db, cohort, list(body.user_ids), actor=api_user())
    db.commit()
    return jsonify(cohort_body(db, cohort, added))


@bp.delete("/cohorts/<int:cohort_id>/members/<int:user_id>")
@token_required
@operation(responses={204: None}, errors=(403, 404))
def remove_member(cohort_id: int, user_id: int):
    """Take a learner out of the cohort; their enrolments and progress stay (idempotent)"""
    db = db_session()
    require_programme_staff(api_user())
    programmes.remove_member(db, programmes.get_cohort(db, cohort_id), user_id)
    db.commit()
    return no_content()


@bp.get("/me/programmes")
@token_required
@operation(responses={200: models.MyProgrammeList})
def my_programmes():
    """The caller's programmes: each course with its state, target date, what locks it and the next lesson"""
    from elearn.api.serialize import lesson_link

    views = programmes.my_programmes(db_session(), api_user())
    locale = current_locale()
    return jsonify(programmes=[
        {
            "id": view.programme.id,
            "title": view.programme.title_for(locale),
            "cohorts": view.cohorts,
            "completed_courses": view.completed,
            "next_course": _course_ref(view.next_step.course) if view.next_step else None,
            "courses": [
                {"course": _course_ref(step.course), "state": step.state, "target_date": _iso(step.link.target_date),
                 "missing": [_course_ref(c) for c in step.missing], "fraction": round(step.progress.fraction, 4),
                 "next_lesson": lesson_link(step.next_lesson)}
                for step in view.steps
            ],
        }
        for view in views
    ])
