"""The audit log: who among the staff and administrators did what, and when (``audit_log``).

``record(db, actor, action, ...)`` adds one row in the caller's transaction, so the row stands or
falls with the action it records. Rows are never changed: there is no route that updates or
deletes one, and the database refuses UPDATE and DELETE on the table (migration 0011). The
actor's name is copied in, so the history stays readable after an account is deleted.

Plugins record their own staff actions through ``elearn.plugin_api.audit_record`` (the quiz's
manual grading records ``grade.changed``). An action is a short dotted name; those the core
knows are listed in ``ACTIONS`` with their label, others are shown as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.models import AuditEntry, User

COMMAND_LINE = "—"
PAGE_SIZE = 25  # rows of the admin page and of the API's pages

ACTIONS = {
    "grade.changed": _l("Grade changed"),
    "certificate.issued": _l("Certificate issued"),
    "certificate.revoked": _l("Certificate revoked"),
    "certificate.reissued": _l("Certificate reissued"),
    "import.learners": _l("Learners imported"),
    "import.organisations": _l("Organisations imported"),
    "role.changed": _l("Role changed"),
    "pack.installed": _l("Pack installed"),
    "instructor.assigned": _l("Instructor assigned to a course"),
    "enrolment.by_staff": _l("Learners enrolled by staff"),
}


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def record(db: Session, actor: User | None, action: str, *, subject_type: str = "", subject_id: object = "",
           summary: str = "", details: dict[str, Any] | None = None) -> AuditEntry:
    """Add a row for ``action`` done by ``actor`` (None: the command line, or the site itself, as
    when a certificate is issued on completion). ``summary`` is a line a person reads; ``details``
    the values behind it (JSON). Not committed: it goes with the caller's transaction."""
    entry = AuditEntry(
        at=utcnow(), actor_id=actor.id if actor is not None else None,
        actor_name=(actor.name if actor is not None else "")[:200], action=action[:60],
        subject_type=subject_type[:40], subject_id=str(subject_id)[:100], summary=summary, details=details or {},
    )
    db.add(entry)
    return entry


def record_import(db: Session, actor: User | None, action: str, report) -> AuditEntry:
    """An import written (``csvfiles.ImportReport``): how many rows created, changed and unchanged."""
    counts = {name: report.count(kind) for name, kind in
              (("created", "create"), ("updated", "update"), ("unchanged", "unchanged"))}
    return record(db, actor, action, subject_type="import",
                  summary=_("%(created)d created, %(updated)d changed, %(unchanged)d unchanged", **counts),
                  details=counts)


def entries_query(actor_id: int | None = None, action: str = "", since: date | None = None,
                  until: date | None = None, zone=None) -> Select:
    """The log newest first, filtered by actor, action and days (from ``since`` to ``until``, both
    included, as days of the site's time zone ``zone``)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= _start_of(since, zone))
    if until is not None:
        query = query.where(AuditEntry.at < _start_of(until + timedelta(days=1), zone))
    return query


def _start_of(day: date, zone) -> datetime:
    """Midnight of ``day`` in ``zone`` (Babel may give a pytz zone, which must not be passed as
    ``tzinfo``: it would use the zone's first, local mean time offset), in UTC."""
    local = ZoneInfo(str(zone)) if zone is not None else UTC
    return datetime.combine(day, time.min, tzinfo=local).astimezone(UTC)


def actors(db: Session) -> list[tuple[int, str]]:
    """Who appears in the log (id, name as recorded), for the filter: one query."""
    rows = db.execute(select(AuditEntry.actor_id, AuditEntry.actor_name).where(AuditEntry.actor_id.is_not(None))
                      .distinct().order_by(AuditEntry.actor_name)).all()
    seen: dict[int, str] = {}
    for actor_id, name in rows:
        seen.setdefault(actor_id, name)
    return sorted(seen.items(), key=lambda item: item[1])


def row_values(entry: AuditEntry) -> list[object]:
    """One row of the CSV export (``CSV_HEADER``)."""
    return [entry.at.isoformat(timespec="seconds"), entry.actor_id or "", entry.actor_name or COMMAND_LINE,
            entry.action, entry.subject_type, entry.subject_id, entry.summary]


CSV_HEADER = ["at", "actor_id", "actor", "action", "subject_type", "subject_id", "summary"]
