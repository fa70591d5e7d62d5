"""People and their ways in: accounts, browser sessions and API tokens.

Browser sessions and API tokens are rows on the server, stored as hashes of a
random secret, so logging out or changing a password can end them: a copied
cookie or token stops working the moment its row is gone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import UTCDateTime


class Role(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Any of the three signs the user in (elearn.auth.accounts.find_account); e-mail and username are
    # optional, and the phone number is the profile's (``LearnerProfile.phone``).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Signed in with a one-time code: every page leads to choosing a password until one is chosen.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.LEARNER,
    )
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Flask-Login protocol. ``auth_token`` is the secret of the browser session
    # this user object was loaded through; Flask-Login keeps it in the cookie.
    auth_token = None
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.auth_token

    @property
    def sign_in_name(self) -> str:
        """What pages show beside the name to tell accounts apart: the username, else the e-mail (the
        phone number, in the profile, is for staff pages that load it)."""
        return self.username or self.email or ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.INSTRUCTOR)


class AuthSession(Base):
    """One logged-in browser. The cookie holds the secret; the row holds its hash."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class ApiToken(Base):
    """A bearer token for the JSON API, stored as a hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class CodePurpose(StrEnum):
    PAPER = "paper"  # handed over on paper by staff; a password must be chosen at once
    SMS = "sms"  # asked for on the sign-in page, sent by SMS: signs in, nothing more
    RESET = "reset"  # a forgotten password, sent by SMS: signs in, then a password must be chosen


class SignInCode(Base):
    """A one-time sign-in code, stored as a keyed hash (``elearn.auth.codes``); used means deleted."""

    __tablename__ = "sign_in_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[CodePurpose] = mapped_column(
        Enum(CodePurpose, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
