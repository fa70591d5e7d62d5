"""Administrative units and cooperatives from a CSV file: a dry run first, then all or nothing.

One file holds both, one row each, in the order a person would write them (a province, its areas,
their communes and wards, then the cooperatives), with the columns ``level, code, name, parent,
type`` (or their Vietnamese names: ``cấp, mã, tên, trực thuộc, loại hình``):

- ``level``: province, area, ward, commune or cooperative (tỉnh, khu vực/huyện, phường, xã, htx);
- ``code``: the unit's code, or the cooperative's registration number: what a row is matched by,
  so importing the same file again changes nothing;
- ``parent``: the code of the unit it belongs to (a row above, or a unit already there);
- ``type``: for a cooperative, agricultural, non_agricultural, credit_fund or union (or
  nông nghiệp, phi nông nghiệp, quỹ tín dụng nhân dân, liên hiệp).

Every row is checked before anything is written, and the report names each row by its number as a
spreadsheet shows it (the header is row 1) with what would be created or changed, or why it
cannot be. A commit writes only a file without a single error, in the caller's one transaction.
Files saved by Excel work: UTF-8 with or without a BOM, ``;`` or ``,`` between the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from elearn import audit
from elearn.csvfiles import DEFAULT_MAX_BYTES, ImportReport, RowResult
from elearn.csvfiles import key as _key
from elearn.csvfiles import read_rows as _read_rows
from elearn.models import AdminUnit, Cooperative, CooperativeKind, UnitLevel
from elearn.models.organisations import LOCAL_LEVELS
from elearn.organisations.access import OrgAccess
from elearn.organisations.service import CODE_MAX, NAME_MAX, REGISTRATION_MAX, parent_problem, place

COOPERATIVE = "cooperative"


HEADERS = {
    "level": {"level", "cấp", "loại đơn vị"},
    "code": {"code", "mã", "mã số", "số đăng ký", "registration_number"},
    "name": {"name", "tên"},
    "parent": {"parent", "trực thuộc", "thuộc", "mã cấp trên"},
    "type": {"type", "kind", "loại hình"},
}
LEVELS = {
    **{name: UnitLevel.PROVINCE for name in ("province", "tỉnh", "thành phố trực thuộc trung ương")},
    **{name: UnitLevel.AREA for name in ("area", "district", "khu vực", "địa bàn", "huyện", "huyện cũ")},
    **{name: UnitLevel.WARD for name in ("ward", "phường")},
    **{name: UnitLevel.COMMUNE for name in ("commune", "xã")},
    **{name: COOPERATIVE for name in ("cooperative", "htx", "hợp tác xã", "tổ chức")},
}
KINDS = {
    **{name: CooperativeKind.AGRICULTURAL for name in ("agricultural", "nông nghiệp", "htx nông nghiệp")},
    **{name: CooperativeKind.NON_AGRICULTURAL for name in ("non_agricultural", "phi nông nghiệp",
                                                             "htx phi nông nghiệp")},
    **{name: CooperativeKind.CREDIT_FUND for name in ("credit_fund", "quỹ tín dụng nhân dân", "qtdnd")},
    **{name: CooperativeKind.UNION for name in ("union", "liên hiệp", "liên hiệp hợp tác xã", "lhhtx")},
}


def read_rows(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    """The file's records as ``(row number, {column: value})``, or a reason the file cannot be read."""
    return _read_rows(data, HEADERS, ("level", "code", "name"), max_bytes)


@dataclass
class _Planned:
    """A unit as it will be after the import: existing (``unit``) or new."""

    code: str
    name: str
    level: UnitLevel
    parent_code: str | None
    unit: AdminUnit | None = None
    changed: bool = False


def import_organisations(db: Session, access: OrgAccess, data: bytes, commit: bool,
                         max_bytes: int = DEFAULT_MAX_BYTES) -> ImportReport:
    """Check every row of ``data``; with ``commit`` and no error, write them into ``db`` (not committed)."""
    report = ImportReport()
    records, report.file_error = read_rows(data, max_bytes)
    if report.file_error:
        return report
    units = {unit.code: unit for unit in db.scalars(select(AdminUnit))}
    by_id = {unit.id: unit for unit in units.values()}
    planned: dict[str, _Planned] = {}
    cooperatives = {c.registration_number: c for c in db.scalars(select(Cooperative))}
    planned_coops: dict[str, tuple[str, CooperativeKind, str, bool]] = {}
    seen: dict[str, int] = {}

    def level_of(code: str) -> UnitLevel | None:
        if code in planned:
            return planned[code].level
        return units[code].level if code in units else None

    def in_reach(code: str) -> bool:
        unit = units.get(code)
        return unit is not None and access.covers(unit)

    for number, record in records:
        code, name = record["code"], record["name"]
        result = RowResult(number, "error", code, name)
        report.rows.append(result)
        level = LEVELS.get(_key(record["level"]))
        if level is None:
            result.message = _("Unknown level “%(level)s”: use province, area, ward, commune or cooperative.",
                               level=record["level"])
            continue
        if not code or not name:
            result.message = _("The code and the name are required.")
            continue
        longest = REGISTRATION_MAX if level == COOPERATIVE else CODE_MAX
        if len(code) > longest or len(name) > NAME_MAX:
            result.message = _("The code or the name is too long.")
            continue
        key = f"{'c' if level == COOPERATIVE else 'u'}:{code}"
        if key in seen:
            result.message = _("This code is already on row %(row)d.", row=seen[key])
            continue
        seen[key] = number
        parent_code = record["parent"] or None
        if level == COOPERATIVE:
            kind = KINDS.get(_key(record["type"]))
            if kind is None:
                result.message = _("Unknown type “%(type)s”: use agricultural, non_agricultural, credit_fund or union.",
                                   type=record["type"])
            elif parent_code is None or level_of(parent_code) is None:
                result.message = _("The commune or ward “%(code)s” is neither in the file above nor on the site.",
                                   code=parent_code or "")
            elif level_of(parent_code) not in LOCAL_LEVELS:
                result.message = _("A cooperative belongs to a commune or a ward.")
            elif not access.is_admin and not in_reach(parent_code):
                result.message = _("This unit is outside your area.")
            elif code in cooperatives and not access.covers(by_id[cooperatives[code].unit_id]):
                result.message = _("This cooperative is outside your area.")
            else:
                existing = cooperatives.get(code)
                if existing is None:
                    result.action = "create"
                else:
                    before = (existing.name, existing.kind, by_id[existing.unit_id].code)
                    result.action = "unchanged" if before == (name, kind, parent_code) else "update"
                    result.message = _describe(before, (name, kind, parent_code))
                planned_coops[code] = (name, kind, parent_code, result.action != "unchanged")
            continue
        existing = units.get(code)
        outside = existing is not None and not access.covers(existing)
        if not access.is_admin and (level not in LOCAL_LEVELS or outside):
            result.message = _("Only administrators can add or change provinces, areas, and units outside your area.")
            continue
        if parent_code is not None and level_of(parent_code) is None:
            result.message = _("The unit “%(code)s” is neither in the file above nor on the site.", code=parent_code)
            continue
        if parent_code is not None and not access.is_admin and not in_reach(parent_code):
            result.message = _("This unit is outside your area.")
            continue
        parent_level = level_of(parent_code) if parent_code else None
        problem = parent_problem(level, _LevelOnly(parent_level) if parent_level else None)
        if problem:
            result.message = problem
            continue
        if existing is not None and existing.level != level:
            result.message = _("This unit is already a %(level)s: its level cannot change by import.",
                               level=existing.level.value)
            continue
        plan = _Planned(code, name, level, parent_code, existing)
        if existing is None:
            result.action = "create"
        else:
            old_parent = by_id[existing.parent_id].code if existing.parent_id else None
            result.action = "unchanged" if (existing.name, old_parent) == (name, parent_code) else "update"
            result.message = _describe((existing.name, old_parent), (name, parent_code))
        plan.changed = result.action != "unchanged"
        planned[code] = plan
    if commit and report.ok:
        _write(db, units, planned, cooperatives, planned_coops)
        report.committed = True
        audit.record_import(db, access.user, "import.organisations", report)
    return report


@dataclass(frozen=True)
class _LevelOnly:
    """A parent as ``parent_problem`` reads it, for a unit that may not exist yet."""

    level: UnitLevel


def _describe(before: tuple, after: tuple) -> str:
    """What an update changes: ``old → new`` for each differing value."""
    return "; ".join(f"{old or '—'} → {new or '—'}" for old, new in zip(before, after, strict=True) if old != new)


def _write(db: Session, units: dict[str, AdminUnit], planned: dict[str, _Planned],
           cooperatives: dict[str, Cooperative], planned_coops: dict) -> None:
    """Apply the plan: provinces, then areas, then communes and wards (one flush each, so parents have
    ids), then the cooperatives."""
    for levels in ((UnitLevel.PROVINCE,), (UnitLevel.AREA,), LOCAL_LEVELS):
        moved_areas = []
        for plan in planned.values():
            if plan.level not in levels or not plan.changed:
                continue
            unit = plan.unit
            if unit is None:
                unit = units[plan.code] = AdminUnit(code=plan.code, level=plan.level)
                db.add(unit)
            elif plan.level == UnitLevel.AREA:
                moved_areas.append(unit)
            unit.name = plan.name
            place(unit, units[plan.parent_code] if plan.parent_code else None)
        db.flush()
        for area in moved_areas:
            db.execute(update(AdminUnit).where(AdminUnit.area_id == area.id).values(province_id=area.province_id))
    for code, (name, kind, unit_code, changed) in planned_coops.items():
        if not changed:
            continue
        cooperative = cooperatives.get(code)
        if cooperative is None:
            cooperative = Cooperative(registration_number=code)
            db.add(cooperative)
        cooperative.name, cooperative.kind, cooperative.unit_id = name, kind, units[unit_code].id
    db.flush()
