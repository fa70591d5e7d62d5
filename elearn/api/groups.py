"""API endpoints of course groups: the same ``elearn.groups.service`` calls as the instructors' page.

A blueprint of its own (same ``/api/v1`` prefix, same bearer-token rule, no CSRF)
keeps the groups' routes together without growing ``elearn.api.views``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from elearn.api import models
from elearn.api.auth import api_user, token_required
from elearn.contract import no_content, operation
from elearn.db import db_session
from elearn.groups import service
from elearn.i18n import current_locale
from elearn.models import CourseGroup, GroupMember
from elearn.security import csrf, fail

bp = Blueprint("api_groups", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def group_for_staff(row: service.GroupRow) -> dict[str, Any]:
    """Members by id and name only: an instructor's client needs no emails to show a group."""
    return {
        **_group(row.group),
        "id": row.group.id,
        "title_vi": row.group.title_vi,
        "title_en": row.group.title_en,
        "member_count": row.member_count,
        "members": [{"id": user.id, "name": user.name} for user in row.members],
    }


def _group(group: CourseGroup) -> dict[str, Any]:
    return {"group_set": group.group_set, "key": group.key, "title": group.title_for(current_locale())}


@bp.get("/courses/<slug>/groups")
@token_required
@operation(responses={200: models.GroupList}, errors=(403, 404))
def groups(slug: str):
    """The course's groups: all with members for its instructors, the caller's own for a learner"""
    db, user = db_session(), api_user()
    course, access = service.course_for(db, user, slug)
    if access.can_teach:
        return jsonify(groups=[group_for_staff(row) for row in service.groups_of_course(db, course)])
    if not access.is_enrolled:
        fail(403, _("Enrol in this course to see its groups."))
    return jsonify(groups=[_group(group) for group in service.groups_of_user(db, user.id, course.id)])


@bp.post("/courses/<slug>/groups")
@token_required
@operation(body=models.NewGroup, responses={201: models.StaffGroup}, errors=(403, 404, 409))
def create(slug: str, body: models.NewGroup):
    """Create a group (instructors of the course)"""
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    group = service.create_group(db, course, body.group_set, body.key, body.title_vi, body.title_en)
    db.commit()
    return jsonify(group_for_staff(service.GroupRow(group))), 201


@bp.put("/courses/<slug>/groups/<int:group_id>/members/<int:user_id>")
@token_required
@operation(responses={200: models.Membership}, errors=(403, 404, 409))
def assign(slug: str, group_id: int, user_id: int):
    """Put an enrolled learner in the group, moving them out of the set's other group (idempotent)"""
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    group = service.get_group(db, course, group_id)
    member = service.assign(db, course, service.get_user(db, user_id), group)
    db.commit()
    return jsonify(_membership(member, group))


@bp.delete("/courses/<slug>/groups/<int:group_id>/members/<int:user_id>")
@token_required
@operation(responses={204: None}, errors=(403, 404))
def unassign(slug: str, group_id: int, user_id: int):
    """Take the learner out of the group (idempotent)

Only out of this group: a learner since moved to another group of the set stays there."""
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    group = service.get_group(db, course, group_id)
    user = service.get_user(db, user_id)
    service.unassign(db, course, user, group)
    db.commit()
    return no_content()


@bp.put("/courses/<slug>/my-groups/<group_set>")
@token_required
@operation(body=models.ChosenGroup, responses={200: models.Membership}, errors=(403, 404, 409))
def choose(slug: str, group_set: str, body: models.ChosenGroup):
    """Choose the caller's own group in a set that lets learners choose (enrolled learners; idempotent)"""
    db, user = db_session(), api_user()
    course, _access = service.course_for(db, user, slug)
    group = service.get_group(db, course, body.group_id)
    if group.group_set != group_set:
        fail(404, _("This course has no such group."))
    member = service.choose_group(db, course, user, group)
    db.commit()
    return jsonify(_membership(member, group))


def _membership(member: GroupMember, group: CourseGroup) -> dict[str, Any]:
    return {"user_id": member.user_id, "group_id": group.id, **_group(group)}


