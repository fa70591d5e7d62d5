"""The administrators' page of the audit log: filter by actor, action and days, paged; CSV export.

Read-only: the blueprint has GET routes only (``tests/test_audit.py`` checks there is no other)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import get_timezone
from flask_login import current_user

from elearn import audit
from elearn.csvfiles import write_csv
from elearn.db import db_session
from elearn.pagination import paginate
from elearn.permissions import require_admin

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
EXPORT_LIMIT = 100_000


@bp.before_request
def _admins_only():
    require_admin(current_user if current_user.is_authenticated else None)


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None


def filters() -> dict:
    """The filter as the query string gives it; what does not parse is left out, never a 500."""
    actor = request.args.get("actor", "")
    action = request.args.get("action", "")[:60]
    return {"actor_id": int(actor) if actor.isdigit() and len(actor) < 10 else None, "action": action,
            "since": _day("since"), "until": _day("until")}


@bp.get("")
def log():
    db = db_session()
    chosen = filters()
    query = audit.entries_query(**chosen, zone=get_timezone())
    args = {"actor": chosen["actor_id"] or "", "action": chosen["action"],
            "since": chosen["since"].isoformat() if chosen["since"] else "",
            "until": chosen["until"].isoformat() if chosen["until"] else ""}
    found = paginate(db, query, request.args.get("page"), per_page=audit.PAGE_SIZE, args=args)
    return render_template("admin/audit.html", found=found, chosen=chosen, args=args, actors=audit.actors(db),
                           actions=audit.ACTIONS, label=audit.action_label)


@bp.get("/export.csv")
def export():
    """The rows the filter selects (up to 100,000, newest first) as CSV, formulas neutralised."""
    query = audit.entries_query(**filters(), zone=get_timezone()).limit(EXPORT_LIMIT)
    rows = (audit.row_values(entry) for entry in db_session().scalars(query))
    return Response(write_csv(audit.CSV_HEADER, rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
