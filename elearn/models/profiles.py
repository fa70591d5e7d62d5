"""A learner's profile: who they are in their cooperative, for the Alliance's reports.

A table of its own (one row per account, made on first save) keeps the accounts table what it
is; the phone number is stored normalised (+84…) and unique, so it can later identify a learner
who has no e-mail address.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import UTCDateTime


class Position(StrEnum):
    DIRECTOR = "director"
    BOARD_CHAIR = "board_chair"
    BOARD_MEMBER = "board_member"
    CONTROLLER = "controller"
    ACCOUNTANT = "accountant"
    MEMBER = "member"
    OTHER = "other"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class LearnerProfile(Base):
    __tablename__ = "learner_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[Position | None] = mapped_column(_enum(Position))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    gender: Mapped[Gender | None] = mapped_column(_enum(Gender))
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
