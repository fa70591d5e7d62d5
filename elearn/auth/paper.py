"""Sheets of one-time sign-in codes that staff print and hand to learners without e-mail.

Administrators may print codes for any learner, an area's staff for the learners of the
cooperatives in their area (``elearn.organisations.access``); a learner out of reach is not found
(404), like one that does not exist. Printing a sheet again replaces the codes of the sheet before,
so a lost sheet is mended by printing a new one. Each learner who signs in with a code must choose
a password at once (``elearn.auth.codes``). Sheets per staff member are limited (``PAPER_CODE_LIMITS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from elearn.auth.codes import issue_code
from elearn.auth.signup import paper_code_lifetime
from elearn.clock import utcnow
from elearn.models import AdminUnit, CodePurpose, Cooperative, LearnerProfile, Role, User
from elearn.organisations.access import OrgAccess, cooperatives_in_reach
from elearn.profile.phones import display_phone
from elearn.rate_limits import commit_counts, rate_limiter
from elearn.security import fail

MAX_CARDS = 2000


@dataclass(frozen=True)
class Card:
    user_id: int
    name: str
    cooperative: str | None
    login: str | None  # what to type as "phone, username or e-mail"
    code: str


def print_codes(db: Session, access: OrgAccess, cooperative_id: int | None = None,
                user_ids: list[int] | tuple[int, ...] = ()) -> tuple[list[Card], datetime]:
    """New codes for every active learner of ``cooperative_id`` and for the learners ``user_ids`` name,
    in the caller's reach; the cards in name order and when the codes expire. The caller commits."""
    if cooperative_id is None and not user_ids:
        fail(400, _("Choose a cooperative or some learners."))
    if len(user_ids) > MAX_CARDS:
        fail(400, _("At most %(num)d learners on one sheet.", num=MAX_CARDS))
    chosen = [User.id.in_(list(user_ids))] if user_ids else []
    if cooperative_id is not None:
        chosen.append(LearnerProfile.cooperative_id == cooperative_id)
    query = (select(User, Cooperative.name, LearnerProfile.phone)
             .outerjoin(LearnerProfile, LearnerProfile.user_id == User.id)
             .outerjoin(Cooperative, Cooperative.id == LearnerProfile.cooperative_id)
             .outerjoin(AdminUnit, AdminUnit.id == Cooperative.unit_id)
             .where(User.role == Role.LEARNER, User.is_active,
                    or_(*chosen))
             .order_by(User.name, User.id).limit(MAX_CARDS + 1))
    if (condition := access.unit_filter()) is not None:
        query = query.where(condition)
    rows = db.execute(query).all()
    if cooperative_id is not None and db.scalar(
            cooperatives_in_reach(access, select(Cooperative.id)).where(Cooperative.id == cooperative_id)) is None:
        fail(404, _("No such cooperative."))
    if len({user.id for user, _name, _phone in rows} & set(user_ids)) != len(set(user_ids)):
        fail(404, _("Some of these learners do not exist or are not in your area."))
    if not rows:
        fail(400, _("This cooperative has no learners yet."))
    if len(rows) > MAX_CARDS:
        fail(400, _("At most %(num)d learners on one sheet.", num=MAX_CARDS))
    _count_sheet(access.user)
    lifetime = paper_code_lifetime()
    cards = [Card(user.id, user.name, coop_name, display_phone(phone) or user.username or user.email,
                  issue_code(db, user, CodePurpose.PAPER, lifetime, by=access.user))
             for user, coop_name, phone in rows]
    return cards, utcnow() + lifetime


def _count_sheet(user: User) -> None:
    limiter = rate_limiter()
    for item in parse_many(current_app.config["PAPER_CODE_LIMITS"]):
        if not limiter.hit(item, "paper-codes", str(user.id)):
            commit_counts()
            fail(429, _("Too many sheets of codes printed. Wait a while, then try again."))
    commit_counts()
