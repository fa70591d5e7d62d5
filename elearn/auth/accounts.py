"""Creating accounts and checking credentials, shared by the web, the API and the CLI."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.auth.codes import redeem_code
from elearn.auth.names import name_problem
from elearn.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from elearn.models import LearnerProfile, Role, User
from elearn.profile.phones import InvalidPhone, normalise_phone

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why, ``field`` about
    which of the form's fields (``email``, ``username``, ``phone``, ``name``, ``password``, ``role``)."""

    def __init__(self, message: str, field: str = "email", status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status  # 409: the e-mail, username or phone number belongs to another account


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_username(username: str) -> str:
    return username.strip().lower()


def login_kind(login: str) -> tuple[str, str]:
    """What a "phone, username or e-mail" answer is, and its stored form: ``("email", "an@x.vn")``,
    ``("phone", "+84912345678")`` or ``("username", "ha.pham")``. A phone number is recognised in
    any of the ways people write it, so "0912 345 678" and "+84912345678" are one account."""
    text = login.strip()
    if "@" in text:
        return "email", normalise_email(text)
    try:
        return "phone", normalise_phone(text)
    except InvalidPhone:
        return "username", normalise_username(text)


def find_account(db: Session, login: str) -> User | None:
    """The account a phone number, username or e-mail address names, or None."""
    kind, value = login_kind(login)
    if kind == "email":
        return find_user(db, value)
    if kind == "phone":
        return db.scalar(select(User).join(LearnerProfile, LearnerProfile.user_id == User.id)
                         .where(LearnerProfile.phone == value))
    return db.scalar(select(User).where(User.username == value))


def check_username(db: Session, username: str, user_id: int | None = None) -> str:
    """``username`` as stored (lower case), or ``AccountError``: 3 to 40 letters, digits, ``.``, ``_`` or
    ``-``, with a letter, so that a username can never read as a phone number."""
    username = normalise_username(username)
    if not USERNAME.fullmatch(username) or not re.search(r"[a-z]", username):
        raise AccountError(_("A username has 3 to 40 letters (a–z), digits, dots, dashes or underscores, "
                             "and at least one letter."), "username")
    owner = db.scalar(select(User.id).where(User.username == username))
    if owner is not None and owner != user_id:
        raise AccountError(_("This username is taken."), "username", 409)
    return username


def create_user(db: Session, email: str | None, name: str, password: str, role: Role | str = Role.LEARNER,
                username: str | None = None, phone: str | None = None) -> User:
    """A new account, known by any of its e-mail, username and phone number (at least one)."""
    email = normalise_email(email or "") or None
    if email is not None and ("@" not in email or len(email) > 254 or _has_control(email)):
        raise AccountError(_("This is not a valid email address."))
    username = check_username(db, username) if username and username.strip() else None
    if phone and phone.strip():
        try:
            phone = normalise_phone(phone)
        except InvalidPhone:
            raise AccountError(_("This is not a phone number: write it as 0912 345 678 or +84 912 345 678."),
                               "phone") from None
        if db.scalar(select(LearnerProfile.user_id).where(LearnerProfile.phone == phone)) is not None:
            raise AccountError(_("Another account already uses this phone number."), "phone", 409)
    else:
        phone = None
    if email is None and username is None and phone is None:
        raise AccountError(_("Give a phone number, a username or an e-mail address to sign in with."), "phone")
    # Control characters (a NUL above all, which PostgreSQL cannot store) never belong in a name.
    name = "".join(ch for ch in name if not _is_control(ch))
    if not name.strip():
        raise AccountError(_("A name is required."), "name")
    if problem := password_problem(password):
        raise AccountError(problem, "password")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_("Unknown role “%(role)s”: use learner, instructor or admin.", role=role), "role") from None
    # Learners register themselves: none may take a staff member's name. Administrators make staff
    # accounts, and are told of namesakes (``names.namesakes``).
    if role == Role.LEARNER and (problem := name_problem(db, name)):
        raise AccountError(problem, "name")
    if email is not None and find_user(db, email) is not None:
        raise AccountError(_("An account with this email already exists."), status=409)
    user = User(email=email, username=username, name=name.strip(), password_hash=hash_password(password), role=role)
    try:
        with db.begin_nested():  # two sign-ups with one email at once: the second is told, not crashed
            db.add(user)
            if phone is not None:
                db.flush()
                db.add(LearnerProfile(user_id=user.id, phone=phone))
    except IntegrityError:
        raise AccountError(_("An account with this email, username or phone number already exists."),
                           status=409) from None
    return user


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return ngettext("The password must have at least %(num)d character.",
                        "The password must have at least %(num)d characters.", MIN_LENGTH)
    return None


def authenticate(db: Session, login: str, password: str) -> User | None:
    """The account ``login`` (a phone number, username or e-mail) names, if ``password`` is its password or
    one of its one-time codes; else None."""
    return check_password(db, find_account(db, login), password)


def check_password(db: Session, user: User | None, password: str) -> User | None:
    """``user`` if ``password`` is theirs or one of their one-time codes (``elearn.auth.codes``), else None;
    an unknown account (None) takes as long as a known one."""
    if not verify_password(user.password_hash if user else None, password):
        if user is None or not user.is_active or not redeem_code(db, user, password):
            return None
        return user
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def _has_control(text: str) -> bool:
    return any(_is_control(ch) for ch in text)
