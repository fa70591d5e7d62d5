"""API of organisations (administrators and an area's staff) and of the caller's own profile.

The same service calls as the pages (``elearn.organisations.service``, ``elearn.profile.service``),
the same reach: an area's staff get 404 for a unit or cooperative outside their area, anyone who is
neither an administrator nor an area's staff 403. There is no call that reads another learner's profile.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from pydantic import Field

from elearn.api import serialize
from elearn.api.auth import api_user, token_required
from elearn.api.models import ProfileFieldOut
from elearn.auth.profile import profile_fields, save_profile
from elearn.contract import Id, RequestModel, ResponseModel, no_content, operation
from elearn.csvfiles import report_body
from elearn.db import db_session
from elearn.models import AdminUnit, Cooperative, User
from elearn.organisations import service
from elearn.organisations.access import org_access
from elearn.organisations.importer import import_organisations
from elearn.profile import service as profiles
from elearn.security import csrf, fail

bp = Blueprint("api_orgs", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

Level = Literal["province", "area", "ward", "commune"]
Kind = Literal["agricultural", "non_agricultural", "credit_fund", "union"]
TrackName = Literal["urban", "rural"]
PositionName = Literal["director", "board_chair", "board_member", "controller", "accountant", "member", "other"]
GenderName = Literal["female", "male", "other"]
MAX_PAGE = 1_000_000


class ListQuery(RequestModel):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE, description="The page to show, from 1.")] = 1
    q: Annotated[str, Field(max_length=120, description="Part of a name or code.")] = ""


class UnitBody(RequestModel):
    code: Annotated[str, Field(min_length=1, max_length=service.CODE_MAX, pattern=r"\S")]
    name: Annotated[str, Field(min_length=1, max_length=service.NAME_MAX, pattern=r"\S")]
    level: Level
    parent_id: Id | None = Field(default=None, description="The province or area it belongs to; none for a province.")


class CooperativeBody(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=service.NAME_MAX, pattern=r"\S")]
    kind: Kind
    registration_number: Annotated[str, Field(min_length=1, max_length=service.REGISTRATION_MAX, pattern=r"\S")]
    unit_id: Id = Field(description="The commune or ward it belongs to.")


class ProfileBody(RequestModel):
    """Only the fields sent change; null clears one."""

    cooperative_id: Id | None = None
    position: PositionName | None = None
    birth_year: Annotated[int, Field(ge=profiles.OLDEST_BIRTH_YEAR, le=profiles.latest_birth_year())] | None = None
    gender: GenderName | None = None
    phone: Annotated[str, Field(max_length=40, description="As written: 0912 345 678, +84912345678…")] | None = None
    values: dict[Annotated[str, Field(max_length=200)], Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, description="Plugins' profile fields: new values by field id (``<plugin>.<name>``, "
        "as listed in ``fields``).")


class Unit(ResponseModel):
    id: int
    code: str
    name: str
    level: Level
    parent_id: int | None
    province_id: int | None
    area_id: int | None
    track: TrackName | None = Field(description="Urban for a ward, rural for a commune.")


class CooperativeOut(ResponseModel):
    id: int
    name: str
    kind: Kind
    registration_number: str
    unit_id: int
    unit_name: str
    track: TrackName | None


class UnitList(ResponseModel):
    items: list[Unit]
    page: int
    pages: int
    total: int


class CooperativeList(ResponseModel):
    items: list[CooperativeOut]
    page: int
    pages: int
    total: int


class ImportRow(ResponseModel):
    row: int = Field(description="The row as a spreadsheet numbers it: the header is row 1.")
    action: Literal["create", "update", "unchanged", "error"]
    code: str
    name: str
    message: str


class ImportResult(ResponseModel):
    committed: bool
    created: int
    updated: int
    unchanged: int
    errors: int
    rows: list[ImportRow]


class ProfileCooperative(ResponseModel):
    id: int
    name: str
    registration_number: str
    unit_name: str
    track: TrackName | None


class Profile(ResponseModel):
    cooperative: ProfileCooperative | None
    position: PositionName | None
    birth_year: int | None
    gender: GenderName | None
    phone: str | None = Field(description="E.164: +84912345678.")
    required: list[str] = Field(description="The fields the site asks every learner for.")
    editable: list[str] = Field(description="The fields the learner may change.")
    missing: list[str] = Field(description="Required fields not filled in yet.")
    fields: list[ProfileFieldOut] = Field(description="The profile fields plugins declare (as on /account).")


def _unit(unit: AdminUnit) -> dict[str, Any]:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level.value,
            "parent_id": unit.parent_id, "province_id": unit.province_id, "area_id": unit.area_id,
            "track": unit.track.value if unit.track else None}


def _cooperative(coop: Cooperative) -> dict[str, Any]:
    return {"id": coop.id, "name": coop.name, "kind": coop.kind.value, "registration_number": coop.registration_number,
            "unit_id": coop.unit_id, "unit_name": coop.unit.name, "track": coop.track.value if coop.track else None}


def _listed(found, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "page": found.page, "pages": found.pages, "total": found.total}


def _refused(exc: service.OrgError | profiles.ProfileError):
    fail(exc.status, str(exc))


@bp.get("/orgs/units")
@token_required
@operation(query=ListQuery, responses={200: UnitList})
def units(query: ListQuery):
    """Administrative units in the caller's reach (administrators: all; an area's staff: their area)"""
    found = service.list_units(db_session(), org_access(db_session(), api_user()), query.page, query.q)
    return jsonify(_listed(found, [_unit(row.unit) for row in found.items]))


@bp.post("/orgs/units")
@token_required
@operation(body=UnitBody, responses={201: Unit}, errors=(404, 409))
def create_unit(body: UnitBody):
    """Add a unit (an area's staff: communes and wards of their area)"""
    return _save_unit(None, body, 201)


@bp.get("/orgs/units/<int:unit_id>")
@token_required
@operation(responses={200: Unit}, errors=(404,))
def unit(unit_id: int):
    """One unit"""
    db = db_session()
    return jsonify(_unit(service.get_unit(db, org_access(db, api_user()), unit_id)))


@bp.put("/orgs/units/<int:unit_id>")
@token_required
@operation(body=UnitBody, responses={200: Unit}, errors=(404, 409))
def update_unit(unit_id: int, body: UnitBody):
    """Change a unit"""
    return _save_unit(unit_id, body, 200)


def _save_unit(unit_id: int | None, body: UnitBody, status: int):
    db = db_session()
    access = org_access(db, api_user())
    found = service.get_unit(db, access, unit_id) if unit_id else None
    try:
        saved = service.save_unit(db, access, found, body.code, body.name, body.level, body.parent_id)
    except service.OrgError as exc:
        db.rollback()
        _refused(exc)
    db.commit()
    return jsonify(_unit(saved)), status


@bp.get("/orgs/cooperatives")
@token_required
@operation(query=ListQuery, responses={200: CooperativeList})
def cooperatives(query: ListQuery):
    """Cooperatives in the caller's reach, with their commune or ward and track"""
    db = db_session()
    found = service.list_cooperatives(db, org_access(db, api_user()), query.page, query.q)
    return jsonify(_listed(found, [_cooperative(coop) for coop in found.items]))


@bp.post("/orgs/cooperatives")
@token_required
@operation(body=CooperativeBody, responses={201: CooperativeOut}, errors=(404, 409))
def create_cooperative(body: CooperativeBody):
    """Add a cooperative (in a commune or ward of the caller's reach)"""
    return _save_cooperative(None, body, 201)


@bp.get("/orgs/cooperatives/<int:cooperative_id>")
@token_required
@operation(responses={200: CooperativeOut}, errors=(404,))
def cooperative(cooperative_id: int):
    """One cooperative"""
    db = db_session()
    return jsonify(_cooperative(service.get_cooperative(db, org_access(db, api_user()), cooperative_id)))


@bp.put("/orgs/cooperatives/<int:cooperative_id>")
@token_required
@operation(body=CooperativeBody, responses={200: CooperativeOut}, errors=(404, 409))
def update_cooperative(cooperative_id: int, body: CooperativeBody):
    """Change a cooperative"""
    return _save_cooperative(cooperative_id, body, 200)


def _save_cooperative(cooperative_id: int | None, body: CooperativeBody, status: int):
    db = db_session()
    access = org_access(db, api_user())
    found = service.get_cooperative(db, access, cooperative_id) if cooperative_id else None
    try:
        saved = service.save_cooperative(db, access, found, body.name, body.kind, body.registration_number,
                                         body.unit_id)
    except service.OrgError as exc:
        db.rollback()
        _refused(exc)
    db.commit()
    return jsonify(_cooperative(saved)), status


@bp.post("/orgs/import")
@token_required
@operation(form={"file": "The CSV file (see the import page for its columns).",
                 "commit": "“true” to write it; otherwise a dry run that only reports."},
           responses={200: ImportResult, 409: ImportResult}, errors=(413,))
def import_file():
    """Import units and cooperatives from CSV (administrators): a dry run, or with commit=true all or nothing

A commit refused because some rows have errors answers 409 with the same report; nothing is written."""
    db = db_session()
    access = org_access(db, api_user())
    if not access.is_admin:
        fail(403, _("Only administrators can do this."))
    upload = request.files.get("file")
    if upload is None:
        fail(400, _("Send the CSV file in the “file” field."))
    limit = current_app.config["ORGS_IMPORT_MAX_BYTES"]
    report = import_organisations(db, access, upload.stream.read(limit + 1),
                                  commit=request.form.get("commit") == "true", max_bytes=limit)
    if report.file_error:
        db.rollback()
        fail(400, report.file_error)
    body = report_body(report)
    if report.committed:
        db.commit()
        return jsonify(body)
    db.rollback()
    return jsonify(body), 409 if request.form.get("commit") == "true" else 200


# -- staff areas (administrators) --------------------------------------------------------


class StaffAssignment(ResponseModel):
    user_id: int
    name: str
    unit_id: int
    unit_name: str


class StaffAssignments(ResponseModel):
    staff: list[StaffAssignment]


def _admin_access():
    access = org_access(db_session(), api_user())
    if not access.is_admin:
        fail(403, _("Only administrators can do this."))
    return access


def _assignment(user, unit) -> dict[str, Any]:
    return {"user_id": user.id, "name": user.name, "unit_id": unit.id, "unit_name": unit.name}


@bp.get("/orgs/staff")
@token_required
@operation(responses={200: StaffAssignments})
def staff():
    """The Alliance staff and their areas (administrators)"""
    _admin_access()
    return jsonify(staff=[_assignment(user, unit) for user, unit in service.staff_assignments(db_session())])


@bp.put("/orgs/staff/<int:user_id>/areas/<int:unit_id>")
@token_required
@operation(responses={200: StaffAssignment, 201: StaffAssignment}, errors=(400, 404, 409))
def assign(user_id: int, unit_id: int):
    """Give an instructor an area or a province (administrators): 201 the first time, 200 after"""
    _admin_access()
    db = db_session()
    user, unit = db.get(User, user_id), db.get(AdminUnit, unit_id)
    if user is None or unit is None:
        fail(404, _("There is no such user or unit."))
    try:
        created = service.assign_staff(db, user, unit)
    except service.OrgError as exc:
        db.rollback()
        _refused(exc)
    db.commit()
    return jsonify(_assignment(user, unit)), 201 if created else 200


@bp.delete("/orgs/staff/<int:user_id>/areas/<int:unit_id>")
@token_required
@operation(responses={204: None}, errors=(404,))
def unassign(user_id: int, unit_id: int):
    """Take an area from a staff member (administrators; idempotent)"""
    _admin_access()
    db = db_session()
    service.unassign_staff(db, user_id, unit_id)
    db.commit()
    return no_content()


# -- the caller's profile ------------------------------------------------------------------


def profile_body(db, user) -> dict[str, Any]:
    rules = profiles.ProfileRules.from_config()
    profile, coop = profiles.get_profile(db, user.id)
    return {
        "cooperative": None if coop is None else {
            "id": coop.id, "name": coop.name, "registration_number": coop.registration_number,
            "unit_name": coop.unit.name, "track": coop.track.value if coop.track else None},
        "position": profile.position.value if profile and profile.position else None,
        "birth_year": profile.birth_year if profile else None,
        "gender": profile.gender.value if profile and profile.gender else None,
        "phone": profile.phone if profile else None,
        "required": sorted(rules.required),
        "editable": sorted(rules.editable),
        "missing": profiles.missing_fields(profile, rules),
    }


@bp.get("/me/profile")
@token_required
@operation(responses={200: Profile})
def my_profile():
    """The caller's profile: cooperative, position, year of birth, gender, phone, and plugins' fields"""
    db, user = db_session(), api_user()
    return jsonify(_whole_profile(db, user))


@bp.put("/me/profile")
@token_required
@operation(body=ProfileBody, responses={200: Profile}, errors=(400, 403, 404, 409))
def update_my_profile(body: ProfileBody):
    """Change the caller's profile: everything sent is saved, or nothing

Only the core fields sent change (null clears one; a field the site does not let learners change
is a 403). ``values`` sets plugins' fields: an id no plugin declares is a 404, a read-only field a
403, a value its plugin refuses a 400 naming the field."""
    db, user = db_session(), api_user()
    changes = {("cooperative" if name == "cooperative_id" else name): getattr(body, name)
               for name in body.model_fields_set - {"values"}}
    try:
        profiles.save_profile(db, user, changes)
    except profiles.ProfileError as exc:
        db.rollback()
        _refused(exc)
    if body.values:
        _save_plugin_fields(db, user, body.values)
    db.commit()
    return jsonify(_whole_profile(db, user))


def _whole_profile(db, user) -> dict[str, Any]:
    fields, _found = profile_fields(db, user)
    return {**profile_body(db, user), "fields": [serialize.profile_field(entry) for entry in fields]}


def _save_plugin_fields(db, user, values: dict[str, str]) -> None:
    fields, _found = profile_fields(db, user)
    known = {entry.id: entry for entry in fields}
    for field_id in values:
        if field_id not in known:
            db.rollback()
            fail(404, f"{field_id}: " + _("There is no such profile field."))
        if known[field_id].field.read_only:
            db.rollback()
            fail(403, f"{field_id}: " + _("This field cannot be changed here."))
    errors = save_profile(db, user, fields, values)
    if errors:
        db.rollback()
        field_id, message = next(iter(errors.items()))
        fail(400, f"{field_id}: {message}")
