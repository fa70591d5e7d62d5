"""Certificates of completion, and the audit log of staff and administrators' actions.

A certificate keeps what it says (the learner's name, the course's title, hours, issuer, date and
the pack's wording) as it was when issued: correcting a name later means reissuing it, and the
old code then shows as replaced. At most one certificate of a learner for a course is current
(neither revoked nor replaced): a partial unique index says so to both databases.

The audit log has no foreign keys (a deleted account or course leaves its history as written,
with the names copied in) and is never updated nor deleted through the app; on PostgreSQL a
trigger refuses UPDATE and DELETE of its rows (migration 0011).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.db import Base
from elearn.db.types import JSONType, UTCDateTime

# Easy to read aloud and to type from paper: no 0/O, no 1/I. 16 of 32 letters: 80 random bits.
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CERTIFICATE_CODE_LENGTH = 16
_CURRENT = "revoked_at IS NULL AND replaced_by_id IS NULL"


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        Index("uq_certificates_current", "user_id", "course_id", unique=True,
              sqlite_where=text(_CURRENT), postgresql_where=text(_CURRENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CERTIFICATE_CODE_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    learner_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float | None] = mapped_column(Float)
    organisation: Mapped[str] = mapped_column(String(300), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    # The pack's wording and logo when issued (elearn/certificates/template.py), plain text only.
    template: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: on completion
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))

    @property
    def status(self) -> str:
        """``valid``, ``revoked`` or ``replaced`` (by a reissue after a correction)."""
        if self.replaced_by_id is not None:
            return "replaced"
        if self.revoked_at is not None:
            return "revoked"
        return "valid"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)  # no foreign key: history outlives accounts
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    # What was acted on: ``("certificate", "ABCD…")``, ``("user", "12")``, ``("pack", "hop-tac-xa")``.
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
