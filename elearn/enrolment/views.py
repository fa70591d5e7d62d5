"""Pages of enrolment codes (the instructors' list, a code with its QR code, the learners' form) and
the administrators' pages of programmes and cohorts. Thin shells around ``codes`` and ``programmes``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from elearn.auth.names import matching
from elearn.db import db_session
from elearn.enrolment import codes, programmes
from elearn.enrolment.access import code_course, require_programme_staff
from elearn.enrolment.api import redeemed_message
from elearn.models import Course, CourseGroup, Role, User
from elearn.pagination import paginate
from elearn.security import fail, refusal_message

bp = Blueprint("enrolment", __name__)


# -- learners: typing or scanning a code -----------------------------------------------------


@bp.get("/join")
@bp.get("/join/<code>")
@login_required
def join(code: str = ""):
    """The form, filled in with the code a QR code carried."""
    return render_template("enrolment/join.html", code=codes.normalise(code)[:40])


@bp.post("/join")
@login_required
def redeem():
    db = db_session()
    typed = request.form.get("code", "")
    try:
        done = codes.redeem(db, current_user, typed)
    except HTTPException as exc:
        # The form again with the reason, under the refusal's own status (the attempt stays counted).
        db.rollback()
        return render_template("enrolment/join.html", code=typed[:40], error=refusal_message(exc)), exc.code
    db.commit()
    flash(redeemed_message(done), "success")
    return redirect(url_for("learning.course", slug=done.course.slug), code=303)


# -- instructors: a course's codes -----------------------------------------------------------


def _expiry(text: str) -> datetime | None:
    """A date typed in the form: the code works until the end of that day (UTC)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(400, _("The expiry date must be a date such as 2027-06-30."))
    return datetime.combine(day, time.max, tzinfo=UTC)


def _whole(text: str, what: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        fail(400, _("“%(field)s” must be a number.", field=what))
    return int(text)


@bp.route("/courses/<slug>/codes", methods=["GET", "POST"])
@login_required
def course_codes(slug: str):
    db = db_session()
    course = code_course(db, current_user, slug)
    if request.method == "POST":
        group_id = _whole(request.form.get("group_id", ""), _("Group"))
        code = codes.create(db, course, current_user, group_id, _expiry(request.form.get("expires_on", "")),
                            _whole(request.form.get("max_uses", ""), _("Uses allowed")))
        db.commit()
        flash(_("New code: %(code)s.", code=codes.spaced(code.code)), "success")
        return redirect(url_for("enrolment.code_page", slug=slug, code_id=code.id), code=303)
    course_groups = db.scalars(select(CourseGroup).where(CourseGroup.course_id == course.id)
                               .order_by(CourseGroup.group_set, CourseGroup.title_vi)).all()
    return render_template("enrolment/codes.html", course=course, rows=codes.codes_of_course(db, course),
                           groups=course_groups, spaced=codes.spaced, state=codes.CodeState)


@bp.get("/courses/<slug>/codes/<int:code_id>")
@login_required
def code_page(slug: str, code_id: int):
    """The code to read out or show on a projector, with its QR code (an SVG in the page, no image file)."""
    db = db_session()
    course = code_course(db, current_user, slug)
    code = codes.get_code(db, course, code_id)
    link = url_for("enrolment.join", code=code.code, _external=True)
    qr = segno.make(link, error="m")
    svg = qr.svg_inline(scale=8, border=2, title=_("QR code of %(code)s", code=codes.spaced(code.code)))
    group = db.get(CourseGroup, code.group_id) if code.group_id else None
    return render_template("enrolment/code.html", course=course, code=code, group=group, link=link,
                           qr=Markup(svg), spaced=codes.spaced, state=codes.CodeState(code))


@bp.post("/courses/<slug>/codes/<int:code_id>/disabled")
@login_required
def set_disabled(slug: str, code_id: int):
    db = db_session()
    course = code_course(db, current_user, slug)
    code = codes.get_code(db, course, code_id)
    codes.set_disabled(code, request.form.get("disabled") == "1")
    db.commit()
    flash(_("The code is disabled.") if code.disabled_at else _("The code works again."), "success")
    return redirect(url_for("enrolment.course_codes", slug=slug), code=303)


# -- administrators: programmes and cohorts --------------------------------------------------


@bp.route("/admin/programmes", methods=["GET", "POST"])
@login_required
def programmes_page():
    db = db_session()
    require_programme_staff(current_user)
    if request.method == "POST":
        programme = programmes.create_programme(db, request.form.get("title_vi", ""),
                                                request.form.get("title_en", ""))
        db.commit()
        return redirect(url_for("enrolment.programme_page", programme_id=programme.id), code=303)
    return render_template("enrolment/programmes.html", programmes=programmes.all_programmes(db))


def _current_plan(items: list[programmes.ProgrammeItem]) -> list[programmes.PlannedCourse]:
    return [programmes.PlannedCourse(item.course.slug, item.link.target_date, [c.slug for c in item.requires])
            for item in items]


@bp.route("/admin/programmes/<int:programme_id>", methods=["GET", "POST"])
@login_required
def programme_page(programme_id: int):
    """The programme's courses in order: add one at the end (with its target date and prerequisites),
    take one out; and its cohorts."""
    db = db_session()
    require_programme_staff(current_user)
    programme = programmes.get_programme(db, programme_id)
    items = programmes.programme_courses(db, programme)
    if request.method == "POST":
        plan = _current_plan(items)
        action = request.form.get("action")
        if action == "add":
            target = request.form.get("target_date", "")
            try:
                target_date = date.fromisoformat(target) if target else None
            except ValueError:
                fail(400, _("The target date must be a date such as 2027-06-30."))
            plan.append(programmes.PlannedCourse(request.form.get("course", ""), target_date,
                                                 request.form.getlist("requires")))
        elif action == "remove":
            slug = request.form.get("course", "")
            plan = [programmes.PlannedCourse(p.course_slug, p.target_date, [r for r in p.requires if r != slug])
                    for p in plan if p.course_slug != slug]
        elif action == "cohort":
            cohort = programmes.create_cohort(db, programme, request.form.get("name", ""))
            db.commit()
            return redirect(url_for("enrolment.cohort_page", cohort_id=cohort.id), code=303)
        else:
            fail(400, _("Unknown action."))
        programmes.set_courses(db, programme, plan)
        db.commit()
        return redirect(url_for("enrolment.programme_page", programme_id=programme.id), code=303)
    in_programme = {item.course.id for item in items}
    others = [c for c in db.scalars(select(Course).order_by(Course.title_vi)) if c.id not in in_programme]
    return render_template("enrolment/programme.html", programme=programme, items=items, others=others,
                           cohorts=programmes.cohorts_of(db, programme))


@bp.route("/admin/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@login_required
def cohort_page(cohort_id: int):
    """The cohort's members, and learners found by name or e-mail to add (enrolled in the programme at once)."""
    db = db_session()
    require_programme_staff(current_user)
    cohort = programmes.get_cohort(db, cohort_id)
    if request.method == "POST":
        if request.form.get("action") == "remove":
            programmes.remove_member(db, cohort, _whole(request.form.get("user_id", ""), "user_id") or 0)
            db.commit()
            flash(_("Taken out of the cohort; their enrolments and progress stay."), "success")
        else:
            ids = [_whole(value, "user_id") for value in request.form.getlist("user_id")]
            if not ids:
                fail(400, _("Choose at least one learner."))
            added = programmes.add_members(db, cohort, ids, actor=current_user._get_current_object())
            db.commit()
            flash(ngettext("%(num)d learner added and enrolled in the programme's courses.",
                           "%(num)d learners added and enrolled in the programme's courses.", added), "success")
        return redirect(request.full_path if request.args else url_for("enrolment.cohort_page", cohort_id=cohort.id),
                        code=303)
    query = request.args.get("q", "").strip()[:120]
    found = None
    if query:
        learners = select(User).where(User.role == Role.LEARNER).order_by(User.name, User.id)
        found = paginate(db, matching(learners, query), request.args.get("page"), per_page=20,
                         args={"q": query}, count=False)
    return render_template("enrolment/cohort.html", cohort=cohort,
                           programme=programmes.get_programme(db, cohort.programme_id),
                           members=programmes.cohort_members(db, cohort), query=query, found=found)


