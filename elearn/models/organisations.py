"""Who the learners work for: administrative units, cooperatives, and the Alliance staff of an area.

Vietnam has had two levels of local government since 1 July 2025 (province → commune or ward),
but the Alliance still groups communes by its own areas or by the former districts, and its
reports and older records use them; so a unit's parent is its province or one of those areas.
A ward (phường) is urban, a commune (xã) rural: a cooperative's training track follows from the
unit it belongs to, and is never typed twice.

``province_id`` and ``area_id`` repeat the unit's ancestors, so "everything in this area" is one
indexed comparison, not a walk up the tree (an area's staff are checked that way on every list).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import UTCDateTime


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class UnitLevel(StrEnum):
    PROVINCE = "province"
    AREA = "area"  # the Alliance's own area, or a former district
    WARD = "ward"  # phường: urban
    COMMUNE = "commune"  # xã: rural


LOCAL_LEVELS = (UnitLevel.WARD, UnitLevel.COMMUNE)


class Track(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class CooperativeKind(StrEnum):
    AGRICULTURAL = "agricultural"
    NON_AGRICULTURAL = "non_agricultural"
    CREDIT_FUND = "credit_fund"  # quỹ tín dụng nhân dân
    UNION = "union"  # liên hiệp hợp tác xã


class AdminUnit(Base):
    __tablename__ = "admin_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[UnitLevel] = mapped_column(_enum(UnitLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id", ondelete="RESTRICT"), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id", ondelete="RESTRICT"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id], foreign_keys=[parent_id], lazy="raise")

    @property
    def track(self) -> Track | None:
        if self.level == UnitLevel.WARD:
            return Track.URBAN
        if self.level == UnitLevel.COMMUNE:
            return Track.RURAL
        return None


class Cooperative(Base):
    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CooperativeKind] = mapped_column(_enum(CooperativeKind))
    registration_number: Mapped[str] = mapped_column(String(50), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[AdminUnit] = relationship(lazy="raise")

    @property
    def track(self) -> Track | None:
        return self.unit.track


class StaffArea(Base):
    """An Alliance staff member's area: they see and edit the units and cooperatives under it
    (an area, or a whole province). Only instructors and administrators hold one: an account
    that loses its staff role loses its areas' rights with it."""

    __tablename__ = "staff_areas"
    __table_args__ = (Index("ix_staff_areas_unit_id", "unit_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
