"""Creating accounts and checking credentials, shared by the web, the API and the CLI."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.auth.names import name_problem
from elearn.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from elearn.models import Role, User


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why, ``field`` about
    which of the form's fields (``email``, ``name``, ``password``, ``role``)."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(db: Session, email: str, name: str, password: str, role: Role | str = Role.LEARNER) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or _has_control(email):
        raise AccountError(_("This is not a valid email address."))
    # Control characters (a NUL above all, which PostgreSQL cannot store) never belong in a name.
    name = "".join(ch for ch in name if not _is_control(ch))
    if not name.strip():
        raise AccountError(_("A name is required."), "name")
    if len(password) < MIN_LENGTH:
        raise AccountError(ngettext("The password must have at least %(num)d character.",
                                    "The password must have at least %(num)d characters.", MIN_LENGTH), "password")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_("Unknown role “%(role)s”: use learner, instructor or admin.", role=role), "role") from None
    # Learners register themselves: none may take a staff member's name. Administrators make staff
    # accounts, and are told of namesakes (``names.namesakes``).
    if role == Role.LEARNER and (problem := name_problem(db, name)):
        raise AccountError(problem, "name")
    if find_user(db, email) is not None:
        raise AccountError(_("An account with this email already exists."))
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role)
    try:
        with db.begin_nested():  # two sign-ups with one email at once: the second is told, not crashed
            db.add(user)
    except IntegrityError:
        raise AccountError(_("An account with this email already exists.")) from None
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user whose credentials these are, or None; unknown emails take as long as known ones."""
    user = find_user(db, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def _has_control(text: str) -> bool:
    return any(_is_control(ch) for ch in text)
