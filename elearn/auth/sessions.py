"""Server-side login sessions and API tokens.

The browser's cookie and the API's bearer header carry a random secret; the
database keeps only its SHA-256. Logging out deletes the row, and a password
change deletes all of the user's rows, so copied cookies and tokens die with them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.i18n import LOCALE_SESSION_KEY
from elearn.models import ApiToken, AuthSession, User


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(db: Session, user: User) -> None:
    """Log ``user`` in on this browser with a brand-new session (no fixation).

    The session this browser had before (logging in again, or as someone else)
    ends here too, so its old cookie cannot be replayed.
    """
    now = utcnow()
    previous = getattr(current_user, "auth_token", None)
    if previous:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == _digest(previous)))
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.expires_at < now))
    secret = secrets.token_urlsafe(32)
    days = current_app.config["SESSION_DAYS"]
    db.add(AuthSession(user_id=user.id, token_hash=_digest(secret), expires_at=now + timedelta(days=days)))
    _clear_keeping_language()
    user.auth_token = secret
    login_user(user)
    session.permanent = True


def end_session(db: Session, user: User) -> None:
    """Log out this browser: its row goes, so a copy of the cookie is worthless."""
    if user.auth_token:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == _digest(user.auth_token)))
    logout_user()
    _clear_keeping_language()


def _clear_keeping_language() -> None:
    """A fresh session, except the language the visitor chose: logging in must not switch it back."""
    language = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if language:
        session[LOCALE_SESSION_KEY] = language


def end_all_sessions(db: Session, user: User) -> None:
    """End every browser session and API token of ``user`` (after a password change)."""
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


_SESSION_USER = (
    select(User)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(AuthSession.token_hash == bindparam("digest"), AuthSession.expires_at > bindparam("now"), User.is_active)
)


def user_for_session(db: Session, secret: str) -> User | None:
    """The user of a live browser session (run on every request, so the statement is built once)."""
    user = db.scalar(_SESSION_USER, {"digest": _digest(secret), "now": utcnow()})
    if user is not None:
        user.auth_token = secret
    return user


def issue_token(db: Session, user: User) -> tuple[str, ApiToken]:
    secret = secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    token = ApiToken(user_id=user.id, token_hash=_digest(secret), expires_at=utcnow() + timedelta(days=days))
    db.add(token)
    return secret, token


_TOKEN_USER = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.expires_at > bindparam("now"), User.is_active)
)


def user_for_token(db: Session, secret: str) -> User | None:
    """The user of a live API token (every API call, so the statement is built once)."""
    return db.scalar(_TOKEN_USER, {"digest": _digest(secret), "now": utcnow()})


def revoke_token(db: Session, secret: str) -> None:
    db.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(secret)))
