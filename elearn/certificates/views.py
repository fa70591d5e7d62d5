"""Certificate pages: the public verification page, the download, and the course's certificates
page where its instructors issue, revoke and reissue them. The API (``api.py``) calls the same
service functions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.certificates import service
from elearn.certificates.render import certificate_pdf, filename
from elearn.db import db_session
from elearn.models import Enrolment, User
from elearn.pdf import pdf_response

bp = Blueprint("certificates", __name__)
bp.add_app_template_filter(service.spaced, "certificate_code")


@bp.get("/verify")
def verify_form():
    """The form to type a code from a paper certificate; a code sent with it opens its page."""
    typed = request.args.get("code", "").strip()[:60]
    if typed:
        return redirect(url_for("certificates.verify", code=service.normalise(typed) or typed), code=303)
    return render_template("certificates/verify.html", found=None, code="")


@bp.get("/verify/<code>")
def verify(code: str):
    """What the QR code opens: valid, revoked or replaced, with the name and course only."""
    found = service.verify(db_session(), code[:60])
    return render_template("certificates/verify.html", found=found, code=code[:60]), 200 if found else 404


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str):
    certificate = service.require_download(db_session(), current_user, code)
    return pdf_response(certificate_pdf(certificate), filename(certificate))


@bp.get("/courses/<slug>/certificates")
def course_certificates(slug: str):
    db = db_session()
    course = service.staff_course(db, _user(), slug)
    certificates = service.of_course(db, course)
    holders = {c.user_id for c in certificates if c.status == "valid"}
    learners = [user for user in db.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.course_id == course.id)
        .order_by(User.name, User.id)) if user.id not in holders]
    return render_template("certificates/course.html", course=course, certificates=certificates, learners=learners)


@bp.post("/courses/<slug>/certificates")
def issue(slug: str):
    db = db_session()
    actor = _user()
    course = service.staff_course(db, actor, slug)
    certificate = service.issue_by_staff(db, actor, course, request.form.get("user_id", type=int) or 0)
    db.commit()
    flash(_("Certificate %(code)s issued to %(name)s.", code=service.spaced(certificate.code),
            name=certificate.learner_name), "success")
    return redirect(url_for("certificates.course_certificates", slug=course.slug), code=303)


@bp.post("/certificates/<code>/revoke")
def revoke(code: str):
    db = db_session()
    actor = _user()
    certificate, course = service.require_staff_of(db, actor, code)
    service.revoke(db, certificate, actor, request.form.get("reason", ""))
    db.commit()
    flash(_("Certificate %(code)s revoked.", code=service.spaced(certificate.code)), "success")
    return redirect(url_for("certificates.course_certificates", slug=course.slug), code=303)


@bp.post("/certificates/<code>/reissue")
def reissue(code: str):
    db = db_session()
    actor = _user()
    certificate, course = service.require_staff_of(db, actor, code)
    name = request.form.get("learner_name", "").strip() or None
    replacement = service.reissue(db, certificate, actor, name)
    db.commit()
    flash(_("Certificate reissued: %(new)s replaces %(old)s.", new=service.spaced(replacement.code),
            old=service.spaced(certificate.code)), "success")
    return redirect(url_for("certificates.course_certificates", slug=course.slug), code=303)


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None
