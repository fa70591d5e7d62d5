"""Reading and saving a learner's profile, for the profile page, the API and the admin users page.

Which fields a site asks for and which a learner may change are settings:
``PROFILE_REQUIRED_FIELDS`` (asked for at the next sign-in) and ``PROFILE_LEARNER_EDITABLE``
(the others are shown to the learner but kept by the administrators). A profile is only ever shown
to its owner and to staff; no page or API call gives one learner another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.models import Cooperative, Gender, LearnerProfile, Position, User
from elearn.profile.phones import InvalidPhone, normalise_phone

FIELDS = ("cooperative", "position", "birth_year", "gender", "phone")
POSITION_LABELS = {
    Position.DIRECTOR: _l("Director"),
    Position.BOARD_CHAIR: _l("Chair of the board"),
    Position.BOARD_MEMBER: _l("Board member"),
    Position.CONTROLLER: _l("Controller"),
    Position.ACCOUNTANT: _l("Accountant"),
    Position.MEMBER: _l("Member"),
    Position.OTHER: _l("Other"),
}
GENDER_LABELS = {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male"), Gender.OTHER: _l("Other")}
FIELD_LABELS = {
    "cooperative": _l("Cooperative"),
    "position": _l("Position in the cooperative"),
    "birth_year": _l("Year of birth"),
    "gender": _l("Gender"),
    "phone": _l("Phone number"),
}
OLDEST_BIRTH_YEAR = 1900
YOUNGEST_AGE = 14


def latest_birth_year() -> int:
    return date.today().year - YOUNGEST_AGE


class ProfileError(ValueError):
    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class ProfileRules:
    required: frozenset[str]
    editable: frozenset[str]

    @classmethod
    def from_config(cls) -> ProfileRules:
        config = current_app.config
        return cls(frozenset(config["PROFILE_REQUIRED_FIELDS"]) & set(FIELDS),
                   frozenset(config["PROFILE_LEARNER_EDITABLE"]) & set(FIELDS))


def get_profile(db: Session, user_id: int) -> tuple[LearnerProfile | None, Cooperative | None]:
    """The profile and its cooperative (with its unit), in one query; (None, None) before the first save."""
    from sqlalchemy.orm import joinedload

    row = db.execute(
        select(LearnerProfile, Cooperative)
        .outerjoin(Cooperative, Cooperative.id == LearnerProfile.cooperative_id)
        .options(joinedload(Cooperative.unit))
        .where(LearnerProfile.user_id == user_id)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def missing_fields(profile: LearnerProfile | None, rules: ProfileRules) -> list[str]:
    """The required fields the learner has not filled in yet."""
    return [name for name in FIELDS if name in rules.required and _value(profile, name) is None]


def _value(profile: LearnerProfile | None, name: str) -> Any:
    if profile is None:
        return None
    return profile.cooperative_id if name == "cooperative" else getattr(profile, name)


def profile_incomplete(db: Session, user: User) -> bool:
    """Whether a learner must be asked for required fields (staff are never asked)."""
    rules = ProfileRules.from_config()
    if user.is_staff or not rules.required:
        return False
    return bool(missing_fields(db.get(LearnerProfile, user.id), rules))


def save_profile(db: Session, user: User, changes: dict[str, Any], by_staff: bool = False) -> LearnerProfile:
    """Apply ``changes`` (field name → value as typed; None or "" clears it) and check the result.

    A learner may change only the editable fields, and may not clear a required one; staff may change
    every field. Raises ``ProfileError`` (400 bad value, 403 not editable, 409 phone taken)."""
    rules = ProfileRules.from_config()
    profile = db.get(LearnerProfile, user.id)
    if profile is None:
        profile = LearnerProfile(user_id=user.id)
        db.add(profile)
    for name, raw in changes.items():
        if name not in FIELDS:
            raise ProfileError(name, _("“%(field)s” is not a field of the profile.", field=name))
        value = _parse(db, name, raw)
        if value == _value(profile, name):
            continue
        if not by_staff and name not in rules.editable:
            raise ProfileError(name, _("Only the staff can change your %(field)s.", field=FIELD_LABELS[name]), 403)
        if value is None and name in rules.required and not by_staff:
            raise ProfileError(name, _("Please fill in this field."))
        if name == "phone" and value is None and not (user.email or user.username):
            raise ProfileError(name, _("This phone number is how the account signs in: it cannot be removed "
                                       "while the account has no e-mail or username."))
        if name == "phone" and value and phone_taken(db, value, user.id):
            # Checked before the unique constraint would refuse the commit: a clear 409, not a failure.
            raise ProfileError(name, _("Another account already uses this phone number."), 409)
        if name == "cooperative":
            profile.cooperative_id = value
        else:
            setattr(profile, name, value)
    try:
        db.flush()
    except IntegrityError:  # the same number saved by another account at the same moment
        raise ProfileError("phone", _("Another account already uses this phone number."), 409) from None
    return profile


def _parse(db: Session, name: str, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if name == "phone":
        try:
            phone = normalise_phone(str(raw))
        except InvalidPhone:
            raise ProfileError(name, _("This is not a phone number: write it as 0912 345 678 or +84 912 345 678."),
                               ) from None
        return phone
    if name == "birth_year":
        try:
            year = int(raw)
        except (TypeError, ValueError):
            raise ProfileError(name, _("Write the year with four digits, for example 1968.")) from None
        latest = latest_birth_year()
        if not OLDEST_BIRTH_YEAR <= year <= latest:
            raise ProfileError(name, _("The year of birth must be between %(first)d and %(last)d.",
                                       first=OLDEST_BIRTH_YEAR, last=latest))
        return year
    if name == "position":
        return _choice(Position, name, raw)
    if name == "gender":
        return _choice(Gender, name, raw)
    try:
        cooperative_id = int(raw)
    except (TypeError, ValueError):
        cooperative_id = 0
    if cooperative_id <= 0 or db.get(Cooperative, cooperative_id) is None:
        raise ProfileError(name, _("There is no such cooperative."))
    return cooperative_id


def _choice(kind, name: str, raw: Any):
    try:
        return kind(raw)
    except ValueError:
        raise ProfileError(name, _("Choose one of the listed values.")) from None


def phone_taken(db: Session, phone: str, user_id: int) -> bool:
    return db.scalar(select(LearnerProfile.user_id).where(LearnerProfile.phone == phone,
                                                          LearnerProfile.user_id != user_id)) is not None



def learner_cooperatives(db: Session, user_ids: list[int]) -> dict[int, Cooperative]:
    """Each learner's cooperative (with its unit loaded, so ``.unit`` and ``.track`` cost nothing), in
    one query for all of them: for a report by cooperative, commune, area or track. Learners without
    one are left out."""
    from sqlalchemy.orm import contains_eager

    from elearn.models import AdminUnit

    if not user_ids:
        return {}
    rows = db.execute(
        select(LearnerProfile.user_id, Cooperative)
        .join(Cooperative, Cooperative.id == LearnerProfile.cooperative_id)
        .join(AdminUnit, AdminUnit.id == Cooperative.unit_id)
        .options(contains_eager(Cooperative.unit))
        .where(LearnerProfile.user_id.in_(sorted(set(user_ids))))
    )
    return {user_id: cooperative for user_id, cooperative in rows}


def learner_cooperative(db: Session, user_id: int) -> Cooperative | None:
    """The learner's cooperative (its unit loaded), or None."""
    return learner_cooperatives(db, [user_id]).get(user_id)
