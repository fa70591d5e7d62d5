"""How people are named on the site, so that no learner can pass for a member of staff.

Wherever a person's name is shown (pages, notifications, e-mails, logs), staff carry their role
beside it: ``display_name(user)`` gives "Trần Thị Bình (giảng viên)" for an instructor and the
plain name for a learner. And no learner may take a staff member's name: ``name_problem`` refuses
a name that, ignoring case, spacing and Vietnamese diacritics (đ counts as d), is a staff member's
name, or that carries a role in brackets itself ("An (giảng viên)"). Staff accounts are made by
administrators, who are warned instead (``namesakes``) when others already use the name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from elearn.models import Role, User

STAFF_ROLES = (Role.INSTRUCTOR, Role.ADMIN)
_SPACES = re.compile(r"\s+")


class Named(Protocol):
    name: str
    role: Role | str


def role_word(role: Role | str) -> str | None:
    """The role as shown after a staff name ("giảng viên"), translated; None for learners."""
    role = Role(role)
    if role == Role.INSTRUCTOR:
        return _("instructor")
    if role == Role.ADMIN:
        return _("administrator")
    return None


def name_with_role(name: str, role: Role | str | None) -> str:
    """``name`` followed by the role for staff: for code that has the two columns, not a User."""
    word = role_word(role) if role is not None else None
    return _("%(name)s (%(role)s)", name=name, role=word) if word else name


def display_name(person: Named) -> str:
    """A person's name as every page, notification and e-mail shows it: staff with their role.

    Translated in the current locale: an e-mail to someone else is built under their locale
    (``flask_babel.force_locale``). Also the ``display_name`` template filter.
    """
    return name_with_role(person.name, person.role)


def name_key(name: str) -> str:
    """What two names are compared by: case folded, Vietnamese diacritics and invisible characters
    removed (đ is d), spaces collapsed. "TRẦN  thị Bình" and "Tran Thi Binh" have one key."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Cf"))
    return _SPACES.sub(" ", text.casefold()).strip()


def _role_markers() -> set[str]:
    """The keys of "(instructor)", "(giảng viên)"... in every language of the site."""
    markers = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            markers.update(f"({name_key(role_word(role))})" for role in STAFF_ROLES)
    return markers


def staff_namesakes(db: Session, name: str, exclude_id: int | None = None) -> list[User]:
    """Staff members whose name has the same key as ``name`` (one query over the staff only)."""
    key = name_key(name)
    staff = db.scalars(select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.id))
    return [user for user in staff if user.id != exclude_id and name_key(user.name) == key]


def namesakes(db: Session, user: User) -> list[User]:
    """Other accounts whose name has the same key as ``user``'s: for warning an admin who makes
    ``user`` staff while a learner already uses that name. Reads every name: an admin's action."""
    key = name_key(user.name)
    others = db.execute(select(User.id, User.name).where(User.id != user.id))
    ids = [user_id for user_id, name in others if name_key(name) == key]
    return list(db.scalars(select(User).where(User.id.in_(ids)).order_by(User.email))) if ids else []


def name_problem(db: Session, name: str, exclude_id: int | None = None) -> str | None:
    """Why ``name`` cannot be a new account's (or a renamed account's) name, or None."""
    key = name_key(name)
    if any(marker in key for marker in _role_markers()):
        return _("A name cannot contain a role in brackets, such as “(instructor)”: the site adds it to staff names.")
    if staff_namesakes(db, name, exclude_id):
        return _(
            "This name is already used by a member of staff (an instructor or administrator). "
            "Please add something that tells you apart, such as your cooperative's name."
        )
    return None


def matching(people: Select, query: str) -> Select:
    """``people`` (a query of users) narrowed to names, usernames or emails containing ``query``, ignoring case:
    fully on PostgreSQL, for unaccented letters on SQLite (whose lower() knows only ASCII). For
    staff lists' search boxes."""
    if not query:
        return people
    lowered = query.lower()
    return people.where(
        User.name.contains(query, autoescape=True)
        | func.lower(User.name).contains(lowered, autoescape=True)
        | User.email.contains(lowered, autoescape=True)
        | User.username.contains(lowered, autoescape=True)
    )
