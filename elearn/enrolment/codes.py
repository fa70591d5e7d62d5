"""Enrolment codes: created by a course's instructors, redeemed by learners.

Each function takes the request's session and leaves committing to the caller, except ``redeem``,
which commits the attempt's rate-limit count first (a refused guess must still count).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.db import insert_if_missing
from elearn.groups import service as groups
from elearn.models import Course, CourseGroup, Enrolment, EnrolmentCode, GroupMember, User
from elearn.models.enrolment import CODE_ALPHABET, CODE_LENGTH
from elearn.permissions import course_access
from elearn.rate_limits import commit_counts, rate_limiter
from elearn.security import fail

MAX_USES_LIMIT = 100_000
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise(typed: str) -> str:
    """What a learner typed, as stored: upper case, without the spaces or dashes of ``ABCD-EFGH``."""
    return _SEPARATORS.sub("", typed or "").upper()


def spaced(code: str) -> str:
    """``ABCDEFGH`` as shown, in two halves (``ABCD-EFGH``): easier to read out and to copy."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


@dataclass
class CodeState:
    """Why a code does or does not let anyone in now."""

    code: EnrolmentCode

    @property
    def disabled(self) -> bool:
        return self.code.disabled_at is not None

    @property
    def expired(self) -> bool:
        return self.code.expires_at is not None and self.code.expires_at <= utcnow()

    @property
    def used_up(self) -> bool:
        return self.code.max_uses is not None and self.code.uses >= self.code.max_uses

    @property
    def usable(self) -> bool:
        return not (self.disabled or self.expired or self.used_up)


def create(db: Session, course: Course, user: User, group_id: int | None = None,
           expires_at: datetime | None = None, max_uses: int | None = None) -> EnrolmentCode:
    """A new code for ``course`` (the caller checked the user teaches it), optionally into one of its groups."""
    if group_id is not None:
        groups.get_group(db, course, group_id)  # another course's group: 404
    if max_uses is not None and not 1 <= max_uses <= MAX_USES_LIMIT:
        fail(400, _("The number of uses must be between 1 and %(num)d.", num=MAX_USES_LIMIT))
    if expires_at is not None and expires_at <= utcnow():
        # Well-formed, but it would make a code that lets no one in: a conflict with the present.
        fail(409, _("The expiry date must be in the future."))
    for _attempt in range(5):
        code = EnrolmentCode(code=new_code(), course_id=course.id, group_id=group_id, expires_at=expires_at,
                             max_uses=max_uses, uses=0, created_by=user.id, created_at=utcnow())
        try:
            # The unique constraint decides: one in 32^8 chances that a code is drawn twice.
            with db.begin_nested():
                db.add(code)
        except IntegrityError:
            continue
        return code
    fail(409, _("No free code could be drawn. Please try again."))


def codes_of_course(db: Session, course: Course) -> list[tuple[EnrolmentCode, CourseGroup | None]]:
    """The course's codes, newest first, with the group each enrols into: one query."""
    return list(
        db.execute(
            select(EnrolmentCode, CourseGroup)
            .outerjoin(CourseGroup, CourseGroup.id == EnrolmentCode.group_id)
            .where(EnrolmentCode.course_id == course.id)
            .order_by(EnrolmentCode.created_at.desc(), EnrolmentCode.id.desc())
        )
    )


def get_code(db: Session, course: Course, code_id: int) -> EnrolmentCode:
    code = db.get(EnrolmentCode, code_id)
    if code is None or code.course_id != course.id:
        fail(404, _("This course has no such enrolment code."))
    return code


def set_disabled(code: EnrolmentCode, disabled: bool) -> None:
    if disabled and code.disabled_at is None:
        code.disabled_at = utcnow()
    elif not disabled:
        code.disabled_at = None


@dataclass
class Redeemed:
    course: Course
    group: CourseGroup | None
    created: bool  # False: the learner was enrolled already, and no use was counted


def redeem(db: Session, user: User, typed: str) -> Redeemed:
    """Enrol ``user`` with the code they typed, and put them in its group.

    404 for an unknown code, 409 for a disabled, expired or used-up one. A learner already enrolled
    is told so (200 in the API) and uses nothing. The use is taken by one conditional UPDATE, so any
    number of learners redeeming at once never takes more than ``max_uses``; the enrolment and the
    use stand or fall together (one transaction).
    """
    _count_attempt(user)
    value = normalise(typed)
    row = None
    if len(value) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in value):
        row = db.execute(
            select(EnrolmentCode, Course).join(Course, Course.id == EnrolmentCode.course_id)
            .where(EnrolmentCode.code == value)
        ).first()
    if row is None:
        fail(404, _("There is no enrolment code %(code)s. Check what you typed and try again.",
                    code=spaced(value) if len(value) == CODE_LENGTH else (typed or "").strip()[:40]))
    code, course = row
    access = course_access(db, user, course)
    group = db.get(CourseGroup, code.group_id) if code.group_id is not None else None
    if access.is_enrolled:
        _place(db, course, user, group, keep_existing=True)
        return Redeemed(course, group, created=False)
    if access.can_teach:
        fail(403, _("You teach this course, so you need not enrol: you can open all its lessons as they are."))
    state = CodeState(code)
    _refuse_unusable(state)
    if not course.is_published:
        fail(409, _("This course is not open for enrolment."))
    from elearn.enrolment.programmes import require_unlocked

    require_unlocked(db, user, course)
    if not insert_if_missing(db, Enrolment, ["user_id", "course_id"], user_id=user.id, course_id=course.id,
                             enrolled_at=utcnow()):
        # Enrolled by another request a moment ago: the same as enrolled already.
        return Redeemed(course, group, created=False)
    now = utcnow()
    taken = db.execute(
        update(EnrolmentCode)
        .where(
            EnrolmentCode.id == code.id,
            EnrolmentCode.disabled_at.is_(None),
            or_(EnrolmentCode.max_uses.is_(None), EnrolmentCode.uses < EnrolmentCode.max_uses),
            or_(EnrolmentCode.expires_at.is_(None), EnrolmentCode.expires_at > now),
        )
        .values(uses=EnrolmentCode.uses + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        # Someone took the last use (or disabled it) meanwhile: this request's enrolment is rolled back.
        db.refresh(code)
        _refuse_unusable(CodeState(code))
        fail(409, _("This enrolment code has been used as many times as it allows."))
    _place(db, course, user, group)
    return Redeemed(course, group, created=True)


def _refuse_unusable(state: CodeState) -> None:
    if state.disabled:
        fail(409, _("This enrolment code has been disabled. Ask your instructor for a new one."))
    if state.expired:
        fail(409, _("This enrolment code has expired. Ask your instructor for a new one."))
    if state.used_up:
        fail(409, _("This enrolment code has been used as many times as it allows. "
                    "Ask your instructor for a new one."))


def _place(db: Session, course: Course, user: User, group: CourseGroup | None, keep_existing: bool = False) -> None:
    """Into the code's group; a learner already placed in that set by an instructor stays where they are."""
    if group is None:
        return
    if keep_existing and db.scalar(
        select(GroupMember.id).where(GroupMember.course_id == course.id, GroupMember.group_set == group.group_set,
                                     GroupMember.user_id == user.id)
    ) is not None:
        return
    groups.assign(db, course, user, group)


def _count_attempt(user: User) -> None:
    """Every attempt counts against the learner (``ENROL_CODE_LIMITS``), committed before the code is
    looked up: a wrong guess, which ends in a refusal, still counts."""
    limiter = rate_limiter()
    for item in parse_many(current_app.config["ENROL_CODE_LIMITS"]):
        if not limiter.hit(item, "enrol-code", str(user.id)):
            fail(429, _("Too many codes tried. Wait a while, then try again."))
    commit_counts()
