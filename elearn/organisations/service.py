"""Organisations' queries and changes, shared by the pages, the API and the CSV import.

Every function takes the caller's ``OrgAccess`` and keeps to it (``elearn.organisations.access``);
a refusal is an ``OrgError`` naming the field, which the pages show beside it and the API answers
as a 400 (bad value) or 409 (taken, or would break other rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, contains_eager

from elearn.models import AdminUnit, Cooperative, CooperativeKind, StaffArea, Track, UnitLevel, User
from elearn.models.organisations import LOCAL_LEVELS
from elearn.organisations.access import OrgAccess, cooperatives_in_reach, units_in_reach
from elearn.pagination import Page, paginate
from elearn.security import fail

LEVEL_LABELS = {
    UnitLevel.PROVINCE: _l("Province"),
    UnitLevel.AREA: _l("Area (former district)"),
    UnitLevel.WARD: _l("Ward"),
    UnitLevel.COMMUNE: _l("Commune"),
}
KIND_LABELS = {
    CooperativeKind.AGRICULTURAL: _l("Agricultural cooperative"),
    CooperativeKind.NON_AGRICULTURAL: _l("Non-agricultural cooperative"),
    CooperativeKind.CREDIT_FUND: _l("People's credit fund"),
    CooperativeKind.UNION: _l("Union of cooperatives"),
}
TRACK_LABELS = {Track.URBAN: _l("Urban"), Track.RURAL: _l("Rural")}
CODE_MAX, NAME_MAX, REGISTRATION_MAX = 20, 200, 50


def options(labels: dict) -> list[tuple[str, str]]:
    """A select's ``(value, label)`` pairs from one of the label tables."""
    return [(key.value, label) for key, label in labels.items()]


class OrgError(ValueError):
    """A refused change: ``field`` names the form field, ``status`` is 400 (bad value) or 409 (conflict)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def parent_problem(level: UnitLevel, parent: AdminUnit | None) -> str | None:
    """Why ``parent`` cannot hold a unit of ``level`` (None: it can). Provinces stand alone, an area
    belongs to a province, a commune or ward to a province or an area."""
    if level == UnitLevel.PROVINCE:
        return _("A province belongs to no other unit.") if parent is not None else None
    if parent is None:
        return _("Choose the unit this one belongs to.")
    if level == UnitLevel.AREA and parent.level != UnitLevel.PROVINCE:
        return _("An area belongs to a province.")
    if level in LOCAL_LEVELS and parent.level not in (UnitLevel.PROVINCE, UnitLevel.AREA):
        return _("A commune or ward belongs to a province or an area.")
    return None


def place(unit: AdminUnit, parent: AdminUnit | None) -> None:
    """Set the parent and the repeated ancestors (``province_id``, ``area_id``) from it."""
    unit.parent_id = parent.id if parent is not None else None
    if parent is None:
        unit.province_id, unit.area_id = None, None
    elif parent.level == UnitLevel.PROVINCE:
        unit.province_id, unit.area_id = parent.id, None
    else:
        unit.province_id, unit.area_id = parent.province_id, parent.id


def check_text(field: str, value: str, longest: int) -> str:
    value = (value or "").strip()
    if not value:
        raise OrgError(field, _("Please fill in this field."))
    if len(value) > longest:
        raise OrgError(field, _("This is too long: use at most %(max)d characters.", max=longest))
    return value


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit: AdminUnit
    parent_name: str | None


def list_units(db: Session, access: OrgAccess, page: object = 1, query: str = "", per_page: int = 50) -> Page:
    """The units in reach by province, area then name; two queries whatever their number."""
    parent = aliased(AdminUnit)
    rows = units_in_reach(access, select(AdminUnit, parent.name).outerjoin(parent, parent.id == AdminUnit.parent_id))
    if query:
        rows = rows.where(or_(AdminUnit.name.icontains(query, autoescape=True),
                              AdminUnit.code.icontains(query, autoescape=True)))
    rows = rows.order_by(func.coalesce(AdminUnit.province_id, AdminUnit.id), AdminUnit.level != UnitLevel.PROVINCE,
                         func.coalesce(AdminUnit.area_id, AdminUnit.id), AdminUnit.name, AdminUnit.id)
    found = paginate(db, rows, page, per_page=per_page, scalars=False, args={"q": query})
    found.items = [UnitRow(unit, parent_name) for unit, parent_name in found.items]
    return found


def list_cooperatives(db: Session, access: OrgAccess, page: object = 1, query: str = "", unit_id: int | None = None,
                      per_page: int = 50) -> Page:
    """The cooperatives in reach, with their unit (joined: no query per row), by unit then name."""
    rows = cooperatives_in_reach(access).options(contains_eager(Cooperative.unit))
    if query:
        rows = rows.where(or_(Cooperative.name.icontains(query, autoescape=True),
                              Cooperative.registration_number.icontains(query, autoescape=True)))
    if unit_id:
        rows = rows.where(or_(AdminUnit.id == unit_id, AdminUnit.area_id == unit_id, AdminUnit.province_id == unit_id))
    rows = rows.order_by(AdminUnit.name, Cooperative.name, Cooperative.id)
    return paginate(db, rows, page, per_page=per_page, args={"q": query, "unit": unit_id})


def get_unit(db: Session, access: OrgAccess, unit_id: int) -> AdminUnit:
    unit = db.get(AdminUnit, unit_id)
    if unit is None or not access.covers(unit):
        fail(404, _("There is no such unit."))
    return unit


def get_cooperative(db: Session, access: OrgAccess, cooperative_id: int) -> Cooperative:
    found = db.scalar(cooperatives_in_reach(access).options(contains_eager(Cooperative.unit))
                      .where(Cooperative.id == cooperative_id))
    if found is None:
        fail(404, _("There is no such cooperative."))
    return found


def parent_choices(db: Session, access: OrgAccess) -> list[AdminUnit]:
    """Provinces and areas in reach: where a unit may be put."""
    return list(db.scalars(units_in_reach(access).where(AdminUnit.level.in_([UnitLevel.PROVINCE, UnitLevel.AREA]))
                           .order_by(AdminUnit.level != UnitLevel.PROVINCE, AdminUnit.name)))


def local_units(db: Session, access: OrgAccess | None = None) -> list[AdminUnit]:
    """Communes and wards (in reach, when ``access`` is given), by name: where cooperatives are."""
    query = select(AdminUnit).where(AdminUnit.level.in_(LOCAL_LEVELS)).order_by(AdminUnit.name, AdminUnit.id)
    return list(db.scalars(units_in_reach(access, query) if access is not None else query))


# -- changing --------------------------------------------------------------------------------


def save_unit(db: Session, access: OrgAccess, unit: AdminUnit | None, code: str, name: str, level: str,
              parent_id: int | None) -> AdminUnit:
    """Create (``unit`` None) or change a unit. An area's staff keep to communes and wards of their area."""
    code = check_text("code", code, CODE_MAX)
    name = check_text("name", name, NAME_MAX)
    try:
        level = UnitLevel(level)
    except ValueError:
        raise OrgError("level", _("Choose one of the listed levels.")) from None
    if not access.is_admin and level not in LOCAL_LEVELS:
        raise OrgError("level", _("Only administrators can add or change provinces and areas."), 403)
    parent = None
    if parent_id:
        parent = db.get(AdminUnit, parent_id)
        if parent is None or not access.covers(parent):
            raise OrgError("parent", _("There is no such unit."), 404)
    problem = parent_problem(level, parent)
    if problem:
        raise OrgError("parent", problem)
    taken = db.scalar(select(AdminUnit.id).where(AdminUnit.code == code))
    if taken is not None and (unit is None or taken != unit.id):
        raise OrgError("code", _("Another unit already has this code."), 409)
    if unit is None:
        unit = AdminUnit(code=code, name=name, level=level)
        db.add(unit)
    else:
        if level != unit.level and _has_children(db, unit):
            raise OrgError("level", _("This unit has units or cooperatives under it: its level cannot change."), 409)
        unit.code, unit.name, unit.level = code, name, level
    place(unit, parent)
    try:
        db.flush()
    except IntegrityError:  # the same code saved by someone else at the same moment
        raise OrgError("code", _("Another unit already has this code."), 409) from None
    if level == UnitLevel.AREA:  # its communes follow it to its new province
        db.execute(update(AdminUnit).where(AdminUnit.area_id == unit.id).values(province_id=unit.province_id))
    return unit


def _has_children(db: Session, unit: AdminUnit) -> bool:
    return db.scalar(select(AdminUnit.id).where(AdminUnit.parent_id == unit.id).limit(1)) is not None or \
        db.scalar(select(Cooperative.id).where(Cooperative.unit_id == unit.id).limit(1)) is not None


def save_cooperative(db: Session, access: OrgAccess, cooperative: Cooperative | None, name: str, kind: str,
                     registration_number: str, unit_id: int | None) -> Cooperative:
    name = check_text("name", name, NAME_MAX)
    registration_number = check_text("registration_number", registration_number, REGISTRATION_MAX)
    try:
        kind = CooperativeKind(kind)
    except ValueError:
        raise OrgError("kind", _("Choose one of the listed types.")) from None
    unit = db.get(AdminUnit, unit_id) if unit_id else None
    if unit is None or not access.covers(unit):
        raise OrgError("unit", _("Choose the commune or ward of the cooperative."), 404 if unit_id else 400)
    if unit.level not in LOCAL_LEVELS:
        raise OrgError("unit", _("A cooperative belongs to a commune or a ward."))
    taken = db.scalar(select(Cooperative.id).where(Cooperative.registration_number == registration_number))
    if taken is not None and (cooperative is None or taken != cooperative.id):
        raise OrgError("registration_number", _("Another cooperative has this registration number."), 409)
    if cooperative is None:
        cooperative = Cooperative(name=name, kind=kind, registration_number=registration_number, unit=unit)
        db.add(cooperative)
    else:
        cooperative.name, cooperative.kind, cooperative.registration_number = name, kind, registration_number
        cooperative.unit = unit
    try:
        db.flush()
    except IntegrityError:
        raise OrgError("registration_number", _("Another cooperative has this registration number."), 409) from None
    return cooperative


# -- staff areas (administrators) ------------------------------------------------------------


def staff_assignments(db: Session) -> list[tuple[User, AdminUnit]]:
    return list(db.execute(select(User, AdminUnit).join(StaffArea, StaffArea.user_id == User.id)
                           .join(AdminUnit, AdminUnit.id == StaffArea.unit_id).order_by(User.name, AdminUnit.name)))


def assign_staff(db: Session, user: User, unit: AdminUnit) -> bool:
    """Give an instructor an area (a province or an area). True when it is new (repeating it is harmless)."""
    if not user.is_staff:
        raise OrgError("email", _("Only instructors can be Alliance staff. Give the person the instructor role first."),
                       409)
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.AREA):
        raise OrgError("unit", _("Staff are given a province or an area."))
    if db.get(StaffArea, (user.id, unit.id)) is not None:
        return False
    db.add(StaffArea(user_id=user.id, unit_id=unit.id))
    db.flush()
    return True


def unassign_staff(db: Session, user_id: int, unit_id: int) -> None:
    row = db.get(StaffArea, (user_id, unit_id))
    if row is not None:
        db.delete(row)
        db.flush()
