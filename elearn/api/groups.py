"""API endpoints of course groups: the same ``elearn.groups.service`` calls as the instructors' page.

A blueprint of its own (same ``/api/v1`` prefix, same bearer-token rule, no CSRF)
keeps the groups' routes together without growing ``elearn.api.views``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from elearn.api.auth import api_user, token_required
from elearn.api.views import json_body
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
def groups(slug: str):
    """Staff see every group and its members; an enrolled learner sees only their own groups."""
    db, user = db_session(), api_user()
    course, access = service.course_for(db, user, slug)
    if access.can_teach:
        return jsonify(groups=[group_for_staff(row) for row in service.groups_of_course(db, course)])
    if not access.is_enrolled:
        fail(403, _("Enrol in this course to see its groups."))
    return jsonify(groups=[_group(group) for group in service.groups_of_user(db, user.id, course.id)])


@bp.post("/courses/<slug>/groups")
@token_required
def create(slug: str):
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    body = json_body()
    fields = [body.get(name, "") for name in ("group_set", "key", "title_vi", "title_en")]
    if not all(isinstance(value, str) for value in fields):
        fail(400, _("Send “group_set”, “key”, “title_vi” and optionally “title_en” as strings."))
    group = service.create_group(db, course, *fields)
    db.commit()
    return jsonify(group_for_staff(service.GroupRow(group))), 201


@bp.put("/courses/<slug>/groups/<int:group_id>/members/<int:user_id>")
@token_required
def assign(slug: str, group_id: int, user_id: int):
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    group = service.get_group(db, course, group_id)
    member = service.assign(db, course, service.get_user(db, user_id), group)
    db.commit()
    return jsonify(_membership(member, group))


@bp.delete("/courses/<slug>/groups/<int:group_id>/members/<int:user_id>")
@token_required
def unassign(slug: str, group_id: int, user_id: int):
    """Idempotent, and only out of this group: a learner since moved to another group stays there."""
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    group = service.get_group(db, course, group_id)
    user = service.get_user(db, user_id)
    service.unassign(db, course, user, group)
    db.commit()
    return "", 204


@bp.put("/courses/<slug>/my-groups/<group_set>")
@token_required
def choose(slug: str, group_set: str):
    """The caller, an enrolled learner, chooses their group in a set that lets learners choose."""
    db, user = db_session(), api_user()
    course, _access = service.course_for(db, user, slug)
    group_id = json_body().get("group_id")
    if not isinstance(group_id, int) or isinstance(group_id, bool):
        fail(400, _("Send “group_id” as a number."))
    group = service.get_group(db, course, group_id)
    if group.group_set != group_set:
        fail(404, _("This course has no such group."))
    member = service.choose_group(db, course, user, group)
    db.commit()
    return jsonify(_membership(member, group))


def _membership(member: GroupMember, group: CourseGroup) -> dict[str, Any]:
    return {"user_id": member.user_id, "group_id": group.id, **_group(group)}


