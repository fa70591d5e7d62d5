"""Who may see and edit organisations: administrators all of them, an area's staff their area only.

The rule is applied inside the queries (``units_in_reach``, ``cooperatives_in_reach``), so a list
never loads a row it must then hide, and a unit or cooperative outside the caller's areas is
simply not found: a 404, the same answer as for one that does not exist, so that ids outside the
area tell nothing. Anyone else (learners, instructors without an area) is refused with a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from elearn.models import AdminUnit, Cooperative, Role, StaffArea, User
from elearn.security import fail


@dataclass(frozen=True)
class OrgAccess:
    """``areas`` is None for an administrator (everything), else the ids of the units the staff member holds."""

    user: User
    areas: frozenset[int] | None

    @property
    def is_admin(self) -> bool:
        return self.areas is None

    def covers(self, unit: AdminUnit) -> bool:
        """Whether ``unit`` is one of the caller's areas or lies under one."""
        if self.areas is None:
            return True
        return bool({unit.id, unit.province_id, unit.area_id} & self.areas)

    def unit_filter(self):
        """The SQL condition of ``covers`` on ``AdminUnit`` (None: no condition)."""
        if self.areas is None:
            return None
        areas = sorted(self.areas)
        return or_(AdminUnit.id.in_(areas), AdminUnit.province_id.in_(areas), AdminUnit.area_id.in_(areas))


def staff_areas(db: Session, user_id: int) -> frozenset[int]:
    return frozenset(db.scalars(select(StaffArea.unit_id).where(StaffArea.user_id == user_id)))


def org_access(db: Session, user: User | None) -> OrgAccess:
    """The caller's reach, or a 401/403: administrators, and instructors given at least one area."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    if user.role == Role.ADMIN:
        return OrgAccess(user, None)
    if user.role == Role.INSTRUCTOR:
        areas = staff_areas(db, user.id)
        if areas:
            return OrgAccess(user, areas)
    fail(403, _("Only administrators and the Alliance staff of an area can manage organisations."))


def may_manage(db: Session, user: User | None) -> bool:
    """For the menu: whether the organisations pages are for this user (one query, for instructors only)."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.INSTRUCTOR and bool(staff_areas(db, user.id))


def units_in_reach(access: OrgAccess, query: Select | None = None) -> Select:
    query = query if query is not None else select(AdminUnit)
    condition = access.unit_filter()
    return query if condition is None else query.where(condition)


def cooperatives_in_reach(access: OrgAccess, query: Select | None = None) -> Select:
    query = query if query is not None else select(Cooperative)
    query = query.join(AdminUnit, AdminUnit.id == Cooperative.unit_id)
    condition = access.unit_filter()
    return query if condition is None else query.where(condition)
