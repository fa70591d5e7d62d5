"""The certificates' API: the same ``service`` calls and rules as the pages.

Verification is public (and rate-limited, like the page); a learner lists their own certificates;
a course's instructors and administrators list, issue, revoke and reissue its certificates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from pydantic import Field

from elearn.api.auth import api_user, token_required
from elearn.certificates import service
from elearn.contract import Id, RequestModel, ResponseModel, Text, operation
from elearn.db import db_session
from elearn.models import Certificate
from elearn.security import csrf, fail

bp = Blueprint("api_certificates", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

CertificateStatus = Literal["valid", "revoked", "replaced"]


class VerificationOut(ResponseModel):
    """What anyone may know of a certificate: nothing about its learner but the name."""

    code: str
    display: str = Field(description="The code as printed: ABCD-EFGH-JKLM-NPQR.")
    status: CertificateStatus
    learner_name: str
    course_title: str
    organisation: str
    issued_on: date
    ended_on: date | None = Field(description="When it was revoked or replaced.")
    replaced_by: str | None = Field(description="The code of the certificate that replaces it.")


class CertificateOut(ResponseModel):
    code: str
    display: str
    status: CertificateStatus
    user_id: int
    course_id: int
    learner_name: str
    course_title: str
    organisation: str
    hours: float | None
    completed_on: date
    issued_at: datetime
    automatic: bool = Field(description="Issued by the site when the learner completed the course.")
    revoked_at: datetime | None
    revoke_reason: str
    download_url: str = Field(description="The PDF, for a signed-in browser of its learner or the course's staff.")
    verify_url: str


class CertificateList(ResponseModel):
    certificates: list[CertificateOut]


class NewCertificate(RequestModel):
    user_id: Id


class Revocation(RequestModel):
    reason: Annotated[Text, Field(max_length=service.MAX_REASON)]


class Reissue(RequestModel):
    learner_name: Annotated[Text, Field(max_length=200)] | None = Field(
        default=None, description="The name to print, corrected; the account's name when absent.")


def certificate_body(certificate: Certificate) -> dict[str, Any]:
    return {
        "code": certificate.code, "display": service.spaced(certificate.code), "status": certificate.status,
        "user_id": certificate.user_id, "course_id": certificate.course_id,
        "learner_name": certificate.learner_name, "course_title": certificate.course_title,
        "organisation": certificate.organisation, "hours": certificate.hours,
        "completed_on": certificate.completed_on.isoformat(), "issued_at": certificate.issued_at.isoformat(),
        "automatic": certificate.issued_by is None,
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        "revoke_reason": certificate.revoke_reason or "",
        "download_url": url_for("certificates.download", code=certificate.code, _external=True),
        "verify_url": service.verify_url(certificate.code),
    }


@bp.get("/certificates/verify/<code>")
@operation(responses={200: VerificationOut}, errors=(404, 429), public=True)
def verify(code: str):
    """Check a certificate's code (anyone; a few lookups a minute): valid, revoked or replaced"""
    found = service.verify(db_session(), code[:60])
    if found is None:
        fail(404, _("No certificate has the code %(code)s. Check what you typed and try again.", code=code[:60]))
    return jsonify(code=found.code, display=service.spaced(found.code), status=found.status,
                   learner_name=found.learner_name, course_title=found.course_title,
                   organisation=found.organisation, issued_on=found.issued_on.isoformat(),
                   ended_on=found.ended_on.isoformat() if found.ended_on else None, replaced_by=found.replaced_by)


@bp.get("/me/certificates")
@token_required
@operation(responses={200: CertificateList})
def mine():
    """The caller's valid certificates, newest first"""
    return jsonify(certificates=[certificate_body(c) for c in service.of_learner(db_session(), api_user())])


@bp.get("/courses/<slug>/certificates")
@token_required
@operation(responses={200: CertificateList}, errors=(404,))
def of_course(slug: str):
    """Every certificate of a course, valid or not (its instructors and administrators)"""
    db = db_session()
    course = service.staff_course(db, api_user(), slug)
    return jsonify(certificates=[certificate_body(c) for c in service.of_course(db, course)])


@bp.post("/courses/<slug>/certificates")
@token_required
@operation(body=NewCertificate, responses={201: CertificateOut}, errors=(404, 409))
def issue(slug: str, body: NewCertificate):
    """Issue a certificate by hand to a learner enrolled in the course (409: they have a valid one)"""
    db, user = db_session(), api_user()
    course = service.staff_course(db, user, slug)
    certificate = service.issue_by_staff(db, user, course, body.user_id)
    db.commit()
    return jsonify(certificate_body(certificate)), 201


@bp.post("/certificates/<code>/revoke")
@token_required
@operation(body=Revocation, responses={200: CertificateOut}, errors=(404, 409))
def revoke(code: str, body: Revocation):
    """Revoke a valid certificate, with the reason (the course's instructors and administrators)"""
    db, user = db_session(), api_user()
    certificate, _course = service.require_staff_of(db, user, code)
    service.revoke(db, certificate, user, body.reason)
    db.commit()
    return jsonify(certificate_body(certificate))


@bp.post("/certificates/<code>/reissue")
@token_required
@operation(body=Reissue, responses={201: CertificateOut}, errors=(404, 409))
def reissue(code: str, body: Reissue):
    """Replace a valid certificate after a correction; the old code then shows as replaced"""
    db, user = db_session(), api_user()
    certificate, _course = service.require_staff_of(db, user, code)
    replacement = service.reissue(db, certificate, user, body.learner_name)
    db.commit()
    return jsonify(certificate_body(replacement)), 201
