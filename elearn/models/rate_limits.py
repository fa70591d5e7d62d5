"""Rate-limit counters kept in the site's database, shared by every worker (see ``elearn.rate_limits``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.db import Base
from elearn.db.types import UTCDateTime


class RateLimitCounter(Base):
    """One fixed window of one limit: how many hits since the window opened, and when it closes.

    ``key`` is the SHA-256 of the ``limits`` key, so its length is bounded and no email or
    address is stored in clear.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
