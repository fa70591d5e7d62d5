"""The audit log in the API, for administrators: the same filter and pages as its admin page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from flask import Blueprint, jsonify
from flask_babel import get_timezone
from pydantic import Field

from elearn import audit
from elearn.api.auth import api_user, token_required
from elearn.contract import RequestModel, ResponseModel, operation
from elearn.db import db_session
from elearn.pagination import paginate
from elearn.permissions import require_admin
from elearn.security import csrf

bp = Blueprint("api_audit", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class AuditQuery(RequestModel):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    actor_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    action: Annotated[str, Field(max_length=60, description="For example certificate.revoked.")] = ""
    since: date | None = Field(default=None, description="From this day (the site's time zone), included.")
    until: date | None = Field(default=None, description="Until this day, included.")


class AuditEntryOut(ResponseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    action_label: str
    subject_type: str
    subject_id: str
    summary: str
    details: dict[str, Any]


class AuditPage(ResponseModel):
    items: list[AuditEntryOut]
    page: int
    pages: int
    total: int


@bp.get("/audit")
@token_required
@operation(query=AuditQuery, responses={200: AuditPage})
def entries(query: AuditQuery):
    """The audit log, newest first, 25 a page (administrators)"""
    require_admin(api_user())
    db = db_session()
    found = paginate(db, audit.entries_query(query.actor_id, query.action, query.since, query.until,
                                             zone=get_timezone()), query.page, per_page=audit.PAGE_SIZE)
    items = [{"id": e.id, "at": e.at.isoformat(), "actor_id": e.actor_id, "actor_name": e.actor_name,
              "action": e.action, "action_label": audit.action_label(e.action), "subject_type": e.subject_type,
              "subject_id": e.subject_id, "summary": e.summary, "details": e.details or {}}
             for e in found.items]
    return jsonify(items=items, page=found.page, pages=found.pages, total=found.total)
