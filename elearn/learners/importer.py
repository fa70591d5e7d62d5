"""Learners from a CSV file: accounts, profiles and enrolments, a dry run first, then all or nothing.

The columns are ``name, phone, email, cooperative, position, course`` (or their Vietnamese names:
``họ và tên, số điện thoại, email, hợp tác xã, chức vụ, khóa học``); the cooperative is its
registration number, the course its slug. One row per learner and course: a learner in two courses
is on two rows. A row is matched to an account by its e-mail, or without one by its phone number
(stored as the profile stores it, ``+84…``), which must not be another account's. With no such
account one is created: a learner with no usable password, who signs in with a one-time code staff
print for them (``elearn.auth.paper``). Every row needs an e-mail or a phone number. The same file
imported twice changes nothing.

The file is read and reported as ``elearn.csvfiles`` does for every import (row numbers as a
spreadsheet shows them); a commit writes only a file without a single error, in the caller's one
transaction. ``export_learners`` writes the same columns, so an export can be edited and imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn import audit
from elearn.auth.accounts import normalise_email
from elearn.auth.names import name_key, name_problem
from elearn.csvfiles import DEFAULT_MAX_BYTES, ImportReport, RowResult, key, read_rows, unneutralise, write_csv
from elearn.models import Cooperative, Course, Enrolment, LearnerProfile, Position, Role, User
from elearn.profile.phones import InvalidPhone, display_phone, normalise_phone

# No argon2 hash has this form, so no password ever matches it (``verify_password`` says no).
UNUSABLE_PASSWORD = "!imported"
NAME_MAX = 120
EMAIL_MAX = 254
HEADERS = {
    "name": {"name", "full name", "họ và tên", "họ tên", "tên"},
    "phone": {"phone", "phone number", "số điện thoại", "điện thoại", "sđt"},
    "email": {"email", "e-mail", "thư điện tử"},
    "cooperative": {"cooperative", "registration_number", "hợp tác xã", "htx", "mã htx", "số đăng ký"},
    "position": {"position", "chức vụ", "vị trí"},
    "course": {"course", "khóa học", "khoá học", "mã khóa học"},
}
EXPORT_HEADER = ["name", "phone", "email", "cooperative", "position", "course"]
POSITIONS = {
    **{position.value: position for position in Position},
    **{key(name): Position.DIRECTOR for name in ("director", "giám đốc")},
    **{key(name): Position.BOARD_CHAIR for name in ("chair of the board", "chủ tịch hội đồng quản trị",
                                                     "chủ tịch hđqt")},
    **{key(name): Position.BOARD_MEMBER for name in ("board member", "thành viên hội đồng quản trị",
                                                      "thành viên hđqt")},
    **{key(name): Position.CONTROLLER for name in ("controller", "kiểm soát viên")},
    **{key(name): Position.ACCOUNTANT for name in ("accountant", "kế toán")},
    **{key(name): Position.MEMBER for name in ("member", "thành viên")},
    **{key(name): Position.OTHER for name in ("other", "khác")},
}


@dataclass(eq=False)
class _Learner:
    """A learner as they will be after the import: an existing account (``user``) or a new one."""

    row: int
    key: str  # who the row is: ``user:<id>`` for an account found, else the e-mail or ``tel:<phone>``
    email: str | None
    name: str
    phone: str | None
    cooperative_id: int | None
    position: Position | None
    user: User | None = None
    changed: bool = False
    courses: list[int] = field(default_factory=list)


def import_learners(db: Session, data: bytes, commit: bool, max_bytes: int = DEFAULT_MAX_BYTES,
                    actor: User | None = None) -> ImportReport:
    """Check every row of ``data``; with ``commit`` and no error, write them into ``db`` (not committed),
    with a row in the audit log naming ``actor`` (None: the command line)."""
    report = ImportReport()
    records, report.file_error = read_rows(data, HEADERS, ("name", "email"), max_bytes)
    if report.file_error:
        return report
    accounts = list(db.scalars(select(User)))
    users = {user.email: user for user in accounts if user.email}
    by_id = {user.id: user for user in accounts}
    profiles = {profile.user_id: profile for profile in db.scalars(select(LearnerProfile))}
    phones = {profile.phone: profile.user_id for profile in profiles.values() if profile.phone}
    cooperatives = dict(db.execute(select(Cooperative.registration_number, Cooperative.id)).all())
    courses = dict(db.execute(select(Course.slug, Course.id)).all())
    enrolled = set(db.execute(select(Enrolment.user_id, Enrolment.course_id)).all())
    staff_keys = {name_key(user.name) for user in accounts if user.is_staff}
    planned: dict[str, _Learner] = {}  # by ``_Learner.key``
    planned_phones: dict[str, str] = {}  # phone → key, for the new accounts and changed numbers
    new_enrolments: set[tuple[str, int]] = set()

    for number, record in records:
        record = {name: unneutralise(value) for name, value in record.items()}
        result = RowResult(number, "error", record["email"] or record["phone"], record["name"])
        report.rows.append(result)
        problem, plan = _check(db, number, record, users, by_id, profiles, phones, planned, planned_phones,
                               cooperatives, staff_keys)
        if problem:
            result.message = problem
            continue
        course_id = None
        if record["course"]:
            course_id = courses.get(record["course"])
            if course_id is None:
                result.message = _("There is no course “%(slug)s”.", slug=record["course"])
                continue
        plan = planned.setdefault(plan.key, plan)
        if plan.phone:
            planned_phones[plan.phone] = plan.key
        new_course = course_id is not None and (plan.key, course_id) not in new_enrolments and not (
            plan.user is not None and (plan.user.id, course_id) in enrolled)
        if new_course:
            new_enrolments.add((plan.key, course_id))
            plan.courses.append(course_id)
        if plan.user is None and plan.row == number:
            result.action = "create"
        elif plan.changed and plan.row == number:
            result.action = "update"
            result.message = _describe(plan, profiles.get(plan.user.id))
        elif new_course:
            result.action = "update"
        else:
            result.action = "unchanged"
        if new_course:
            enrol = _("enrol in %(course)s", course=record["course"])
            result.message = f"{result.message}; {enrol}" if result.message else enrol
    if commit and report.ok:
        new = [plan for plan in planned.values() if plan.user is None]
        _write(db, planned, profiles)
        report.committed = True
        audit.record_import(db, actor, "import.learners", report)
        report.created_ids = [plan.user.id for plan in new]  # for their sheet of sign-in codes
    return report


def _check(db, number, record, users, by_id, profiles, phones, planned, planned_phones, cooperatives, staff_keys):
    """``(problem, None)`` for a row that cannot be imported, else ``(None, the learner it plans)``."""
    name = record["name"]
    email = normalise_email(record["email"])
    if not name or not (email or record["phone"]):
        return _("The name and an e-mail or a phone number are required: the learner signs in with one."), None
    if (email and "@" not in email) or len(email) > EMAIL_MAX or len(name) > NAME_MAX:
        return _("This is not a valid email address, or the name is too long."), None
    phone = None
    if record["phone"]:
        try:
            phone = normalise_phone(record["phone"])
        except InvalidPhone:
            return _("This is not a phone number: write it as 0912 345 678 or +84 912 345 678."), None
    cooperative_id = None
    if record["cooperative"]:
        cooperative_id = cooperatives.get(record["cooperative"])
        if cooperative_id is None:
            return _("There is no cooperative with the registration number “%(code)s”.",
                     code=record["cooperative"]), None
    position = None
    if record["position"]:
        position = POSITIONS.get(key(record["position"]))
        if position is None:
            return _("Unknown position “%(position)s”.", position=record["position"]), None
    # A row with an e-mail is that e-mail's account; without one, its phone number's.
    user = users.get(email) if email else by_id.get(phones.get(phone))
    row_key = f"user:{user.id}" if user is not None else email or f"tel:{phone}"
    if phone is not None:
        owner = planned_phones.get(phone)
        if owner is None and phone in phones:
            owner = f"user:{phones[phone]}"
        if owner is not None and owner != row_key:
            return _("Another account already uses this phone number."), None
    if user is not None and user.role != Role.LEARNER:
        return _("This e-mail belongs to a member of staff: the import changes only learners."), None
    earlier = planned.get(row_key)
    if earlier is not None:
        if (earlier.name, earlier.phone, earlier.cooperative_id, earlier.position) != (
                name, phone, cooperative_id, position):
            return _("This learner is already on row %(row)d with other details.", row=earlier.row), None
        return None, earlier
    if (user is None or user.name != name) and (name_key(name) in staff_keys or "(" in name):
        # The rule of a learner's sign-up (no staff member's name, no role in brackets), asked only
        # when it could fail: once per row would be a query per row.
        problem = name_problem(db, name)
        if problem:
            return problem, None
    plan = _Learner(number, row_key, email or None, name, phone, cooperative_id, position, user)
    profile = profiles.get(user.id) if user is not None else None
    if user is not None:
        plan.changed = (user.name, profile.phone if profile else None, profile.cooperative_id if profile else None,
                        profile.position if profile else None) != (name, phone, cooperative_id, position)
    return None, plan


def _describe(plan: _Learner, profile: LearnerProfile | None) -> str:
    """What an update changes, ``old → new`` for each differing value."""
    before = (plan.user.name, profile.phone if profile else None, profile.cooperative_id if profile else None,
              profile.position if profile else None)
    after = (plan.name, plan.phone, plan.cooperative_id, plan.position)
    return "; ".join(f"{old or '—'} → {new or '—'}" for old, new in zip(before, after, strict=True) if old != new)


def _write(db: Session, planned: dict[str, _Learner], profiles: dict[int, LearnerProfile]) -> None:
    """Apply the plan: new accounts (one flush, so they have ids), then profiles and enrolments.

    A phone number moving between two accounts of the file is cleared first, so the unique
    constraint never sees it twice."""
    new = [plan for plan in planned.values() if plan.user is None]
    for plan in new:
        plan.changed = True
        plan.user = User(email=plan.email, name=plan.name, password_hash=UNUSABLE_PASSWORD, role=Role.LEARNER)
    db.add_all([plan.user for plan in new])
    db.flush()
    changed = [plan for plan in planned.values() if plan.changed]
    for plan in changed:
        profile = profiles.get(plan.user.id)
        if profile is not None and profile.phone != plan.phone:
            profile.phone = None
    db.flush()
    for plan in changed:
        plan.user.name = plan.name
        profile = profiles.get(plan.user.id)
        if profile is None:
            profile = profiles[plan.user.id] = LearnerProfile(user_id=plan.user.id)
            db.add(profile)
        profile.phone, profile.cooperative_id, profile.position = plan.phone, plan.cooperative_id, plan.position
    db.add_all([Enrolment(user_id=plan.user.id, course_id=course_id)
                for plan in planned.values() for course_id in plan.courses])
    db.flush()


def export_learners(db: Session) -> bytes:
    """Every learner in the import's columns, one row per course (a learner in none on one row)."""
    rows = db.execute(
        select(User.name, LearnerProfile.phone, User.email, Cooperative.registration_number,
               LearnerProfile.position, Course.slug)
        .outerjoin(LearnerProfile, LearnerProfile.user_id == User.id)
        .outerjoin(Cooperative, Cooperative.id == LearnerProfile.cooperative_id)
        .outerjoin(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(Course, Course.id == Enrolment.course_id)
        .where(User.role == Role.LEARNER)
        .order_by(User.id, Course.slug)
    )
    return write_csv(EXPORT_HEADER, ((name, display_phone(phone), email, code, position.value if position else "",
                                      slug) for name, phone, email, code, position, slug in rows))
