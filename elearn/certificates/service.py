"""Issuing, revoking, reissuing and verifying certificates; the rules every page and API call keeps.

- A learner gets a certificate by themselves when they complete a course whose pack describes one
  (``on_course_completed``, called where the core decides a course is completed), once: a revoked one is
  not issued again on its own. An instructor of the course (or an administrator) may issue one by
  hand to any learner enrolled in it.
- A certificate is downloaded by its learner, the course's instructors and administrators only;
  anyone else gets a 404, as if it did not exist (``require_download``).
- Anyone may verify a code, without logging in, a few times a minute (``CERTIFICATE_VERIFY_LIMITS``):
  the answer names the learner and the course and nothing else about them.
- Staff actions are written to the audit log in the same transaction.

Codes are 16 characters of ``CERTIFICATE_ALPHABET`` drawn with ``secrets`` (80 bits): guessing one
among millions at the allowed rate would take longer than the certificates matter.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn import audit
from elearn.certificates.template import image_kind
from elearn.clock import utcnow
from elearn.i18n import local_date
from elearn.media import media_folder
from elearn.models import Certificate, Course, Enrolment, InstalledPack, User
from elearn.models.certificates import CERTIFICATE_ALPHABET, CERTIFICATE_CODE_LENGTH
from elearn.packs.installer import certificate_template
from elearn.permissions import course_access, require_course_view
from elearn.rate_limits import commit_counts, rate_limiter
from elearn.security import fail

_SEPARATORS = re.compile(r"[\s\-_.]+")
MAX_REASON = 1000


def new_code() -> str:
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


def normalise(typed: str) -> str:
    """A code as typed (``abcd-efgh …``), as stored: upper case, without spaces or dashes."""
    return _SEPARATORS.sub("", typed or "").upper()


def spaced(code: str) -> str:
    """``ABCDEFGHJKLMNPQR`` as printed: ``ABCD-EFGH-JKLM-NPQR``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def verify_url(code: str) -> str:
    from flask import url_for

    return url_for("certificates.verify", code=code, _external=True)


# -- issuing -----------------------------------------------------------------------------


def issue(db: Session, user: User, course: Course, actor: User | None, learner_name: str | None = None) -> Certificate:
    """A new current certificate of ``user`` for ``course``, with the course's template as it is now.

    409 when the learner already has a current one (revoke or reissue it instead). ``actor`` None:
    issued by the site on completion. Recorded in the audit log."""
    certificate = _new_certificate(db, user, course, learner_name)
    _insert(db, certificate, actor)
    audit.record(db, actor, "certificate.issued", subject_type="certificate", subject_id=certificate.code,
                 summary=f"{certificate.learner_name} — {certificate.course_title}",
                 details={"user_id": user.id, "course_id": course.id, "automatic": actor is None})
    return certificate


def issue_by_staff(db: Session, actor: User, course: Course, user_id: int) -> Certificate:
    """An instructor issues a certificate by hand: the learner must be enrolled in the course."""
    user = db.get(User, user_id)
    if user is None or db.scalar(select(Enrolment.id).where(Enrolment.user_id == user_id,
                                                            Enrolment.course_id == course.id)) is None:
        fail(404, _("This learner is not enrolled in this course."))
    if current_of(db, user.id, course.id) is not None:
        fail(409, _("This learner already has a valid certificate for this course. Reissue it to correct it."))
    return issue(db, user, course, actor)


def revoke(db: Session, certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke a valid certificate, saying why (shown to staff; the verification page says only
    that it was revoked, and when)."""
    reason = (reason or "").strip()
    if not reason:
        fail(400, _("Say why the certificate is revoked."))
    if len(reason) > MAX_REASON:
        fail(400, _("The reason is longer than %(num)d characters.", num=MAX_REASON))
    if certificate.status != "valid":
        fail(409, _("This certificate is no longer valid: it cannot be revoked."))
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = utcnow(), actor.id, reason
    audit.record(db, actor, "certificate.revoked", subject_type="certificate", subject_id=certificate.code,
                 summary=f"{certificate.learner_name} — {certificate.course_title}: {reason}",
                 details={"user_id": certificate.user_id, "course_id": certificate.course_id, "reason": reason})


def reissue(db: Session, certificate: Certificate, actor: User, learner_name: str | None = None) -> Certificate:
    """Replace a valid certificate after a correction (the learner's name, the pack's wording): a new
    code with what is true now; the old code shows as replaced and points to the new one."""
    if certificate.status != "valid":
        fail(409, _("Only a valid certificate can be reissued."))
    if learner_name is not None:
        learner_name = learner_name.strip()
        if not learner_name or len(learner_name) > 200:
            fail(400, _("Give the learner's name as it must be printed (up to 200 characters)."))
    user, course = db.get(User, certificate.user_id), db.get(Course, certificate.course_id)
    certificate.revoked_at = utcnow()  # no longer current, so the new one may be
    db.flush()
    replacement = _new_certificate(db, user, course, learner_name)
    replacement.completed_on = certificate.completed_on
    _insert(db, replacement, actor)
    certificate.replaced_by_id = replacement.id
    audit.record(db, actor, "certificate.reissued", subject_type="certificate", subject_id=replacement.code,
                 summary=f"{certificate.code} → {replacement.code}: {replacement.learner_name} — "
                         f"{replacement.course_title}",
                 details={"user_id": user.id, "course_id": course.id, "replaces": certificate.code,
                          "learner_name_before": certificate.learner_name})
    return replacement


def _new_certificate(db: Session, user: User, course: Course, learner_name: str | None) -> Certificate:
    template = dict(certificate_template(db, course) or {})
    logo = template.pop("logo", None)
    if logo:
        template["logo_file"] = _keep_logo(db, course, logo)
    enrolment_done = db.scalar(select(Enrolment.completed_at).where(Enrolment.user_id == user.id,
                                                                    Enrolment.course_id == course.id))
    return Certificate(
        user_id=user.id, course_id=course.id, learner_name=(learner_name or user.name)[:200],
        course_title=course.title_vi[:300], hours=template.get("hours"),
        organisation=template.get("organisation") or current_app.config["CERTIFICATE_ORGANISATION"],
        completed_on=local_date(enrolment_done or utcnow()), template=template, issued_at=utcnow(),
    )


def _insert(db: Session, certificate: Certificate, actor: User | None) -> None:
    certificate.issued_by = actor.id if actor is not None else None
    for _attempt in range(5):
        certificate.code = new_code()
        try:
            with db.begin_nested():
                db.add(certificate)
        except IntegrityError:
            if current_of(db, certificate.user_id, certificate.course_id) is not None:
                fail(409, _("This learner already has a valid certificate for this course."))
            continue
        return
    fail(409, _("No free code could be drawn. Please try again."))


def _keep_logo(db: Session, course: Course, logo: str) -> str | None:
    """Copy the pack's logo into ``<media>/certificates/`` under its hash (a pack upgrade removes
    the old version's files; the certificate must keep looking as issued). The file's name."""
    from elearn.packs.service import media_root

    installed = db.get(InstalledPack, course.pack_id) if course.pack_id else None
    if installed is None:
        return None
    source = media_root(current_app) / installed.id / installed.version / logo
    if not source.is_file():
        return None
    data = source.read_bytes()
    kind = image_kind(data)
    if kind is None:
        return None
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{kind}"
    target = media_folder("certificates", name)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return name


def logo_bytes(certificate: Certificate) -> bytes | None:
    name = (certificate.template or {}).get("logo_file")
    if not name or "/" in name or "\\" in name:
        return None
    path = media_folder("certificates", name)
    return path.read_bytes() if path.is_file() else None


def on_course_completed(db: Session, user: User, course_id: int) -> None:
    """The learner has just completed the course: when its pack describes a certificate and the
    learner never had one for it, issue it. Called by the core's progress code in the transaction
    that completed the course, so a lesson completed without completing its course costs nothing."""
    if db.scalar(select(Certificate.id).where(Certificate.user_id == user.id,
                                              Certificate.course_id == course_id).limit(1)) is not None:
        return
    course = db.get(Course, course_id)
    if certificate_template(db, course) is None:
        return
    issue(db, user, course, None)


# -- reading -----------------------------------------------------------------------------


def current_of(db: Session, user_id: int, course_id: int) -> Certificate | None:
    return db.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id,
                                               Certificate.revoked_at.is_(None),
                                               Certificate.replaced_by_id.is_(None)))


def of_learner(db: Session, user: User) -> list[Certificate]:
    """The learner's valid certificates, newest first: one query."""
    return list(db.scalars(select(Certificate).where(Certificate.user_id == user.id,
                                                     Certificate.revoked_at.is_(None),
                                                     Certificate.replaced_by_id.is_(None))
                           .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def of_course(db: Session, course: Course) -> list[Certificate]:
    """Every certificate of the course, valid or not, newest first: one query."""
    return list(db.scalars(select(Certificate).where(Certificate.course_id == course.id)
                           .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def by_code(db: Session, code: str) -> Certificate | None:
    value = normalise(code)
    if len(value) != CERTIFICATE_CODE_LENGTH or any(ch not in CERTIFICATE_ALPHABET for ch in value):
        return None
    return db.scalar(select(Certificate).where(Certificate.code == value))


def require_download(db: Session, user: User | None, code: str) -> Certificate:
    """The certificate, for its learner, the course's instructors and administrators; anyone else
    (and an unknown code) gets the same 404, so a code alone reveals nothing to them."""
    certificate = by_code(db, code)
    if certificate is None or user is None or not _may_see(db, user, certificate):
        fail(404, _("There is no such certificate."))
    return certificate


def _may_see(db: Session, user: User, certificate: Certificate) -> bool:
    if user.id == certificate.user_id:
        return True
    return course_access(db, user, db.get(Course, certificate.course_id), enrolment=None).can_teach


def staff_course(db: Session, user: User | None, slug: str) -> Course:
    """The course, for its instructors and admins (401 anonymous, 404 hidden, 403 anyone else)."""
    from elearn.learning.service import get_course

    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    course = get_course(db, slug)
    access = course_access(db, user, course)
    require_course_view(access)
    if not access.can_teach:
        fail(403, _("Only the course's instructors and administrators can manage its certificates."))
    return course


def require_staff_of(db: Session, user: User | None, code: str) -> tuple[Certificate, Course]:
    """The certificate and its course, for the course's instructors and administrators (others: 404,
    or 403 for its own learner, who may see but not change it)."""
    certificate = require_download(db, user, code)
    course = db.get(Course, certificate.course_id)
    if not course_access(db, user, course, enrolment=None).can_teach:
        fail(403, _("Only the course's instructors and administrators can change a certificate."))
    return certificate, course


@dataclass
class Verification:
    """What the public verification page shows: no more than this."""

    code: str
    status: str
    learner_name: str
    course_title: str
    organisation: str
    issued_on: object
    ended_on: object
    replaced_by: str | None


def verify(db: Session, typed: str) -> Verification | None:
    """Look a code up for anyone, counting the attempt first (429 past ``CERTIFICATE_VERIFY_LIMITS``
    from one address): None for an unknown code."""
    limiter = rate_limiter()
    for item in parse_many(current_app.config["CERTIFICATE_VERIFY_LIMITS"]):
        if not limiter.hit(item, "certificate-verify", request.remote_addr or "unknown"):
            fail(429, _("Too many codes looked up. Wait a minute, then try again."))
    commit_counts()
    certificate = by_code(db, typed)
    if certificate is None:
        return None
    replaced_by = db.get(Certificate, certificate.replaced_by_id).code if certificate.replaced_by_id else None
    return Verification(certificate.code, certificate.status, certificate.learner_name, certificate.course_title,
                        certificate.organisation, local_date(certificate.issued_at),
                        local_date(certificate.revoked_at) if certificate.revoked_at else None, replaced_by)
