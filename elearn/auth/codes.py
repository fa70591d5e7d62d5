"""One-time sign-in codes: on paper from staff, or by SMS (``elearn.auth.senders``).

A code is typed where the password goes, with the learner's phone number or username, so it is
checked under the same login limits as a password (``elearn.auth.ratelimit``) and an unknown
account answers like a known one. Eight characters from an alphabet without look-alikes
(no 0/O, 1/I/L), printed as ``ABCD-EFGH``: 32⁸ ≈ 10¹² codes against a handful of guesses.

Stored as an HMAC of the account and the code under the site's secret key, so a copy of the
database does not give the codes away; a used code is deleted in the same statement that checks
it, so two sign-ins with one code at once let one through. A paper or reset code makes the learner
choose a password at once (``User.must_change_password``, ``elearn.auth.views.choose_password``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.models import CodePurpose, SignInCode, User

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_TYPED = re.compile(r"[\s\-.]")


def _digest(user_id: int, code: str) -> str:
    key = current_app.secret_key.encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _typed(text: str) -> str | None:
    """What a learner typed, as a code (upper case, without spaces and dashes), or None if it cannot be one."""
    code = _TYPED.sub("", text or "").upper()
    return code if len(code) == LENGTH and all(ch in ALPHABET for ch in code) else None


def printed(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def issue_code(db: Session, user: User, purpose: CodePurpose, lifetime: timedelta,
               by: User | None = None) -> str:
    """A new code for ``user`` (as printed); the user's earlier unused codes of this purpose stop working."""
    db.execute(delete(SignInCode).where(SignInCode.user_id == user.id, SignInCode.purpose == purpose))
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    now = utcnow()
    db.add(SignInCode(user_id=user.id, code_hash=_digest(user.id, code), purpose=purpose,
                      created_by_id=by.id if by else None, created_at=now, expires_at=now + lifetime))
    return printed(code)


def redeem_code(db: Session, user: User, text: str) -> CodePurpose | None:
    """Use up ``text`` if it is one of ``user``'s live codes: its purpose, else None. A paper or reset
    code leaves the user having to choose a password."""
    code = _typed(text)
    if code is None:
        return None
    digest = _digest(user.id, code)
    found = db.execute(select(SignInCode.id, SignInCode.purpose).where(
        SignInCode.user_id == user.id, SignInCode.code_hash == digest, SignInCode.expires_at > utcnow())).first()
    if found is None:
        return None
    if db.execute(delete(SignInCode).where(SignInCode.id == found.id)).rowcount != 1:
        return None  # used by a sign-in at the same moment
    if found.purpose in (CodePurpose.PAPER, CodePurpose.RESET):
        user.must_change_password = True
    return found.purpose


def forget_codes(db: Session, user: User) -> None:
    """A password was chosen: the codes handed out for choosing one are of no more use."""
    db.execute(delete(SignInCode).where(SignInCode.user_id == user.id,
                                        SignInCode.purpose.in_((CodePurpose.PAPER, CodePurpose.RESET))))
