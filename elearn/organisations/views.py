"""The organisations pages (/orgs): cooperatives and units for administrators and an area's staff,
the CSV import and the staff's areas for administrators. Each view asks ``org_access`` first, and
reads and writes through ``elearn.organisations.service`` like the API."""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import Forbidden

from elearn import csvfiles
from elearn.auth.accounts import find_user
from elearn.auth.paper import print_codes
from elearn.db import db_session
from elearn.models import AdminUnit, UnitLevel
from elearn.organisations import service
from elearn.organisations.access import org_access
from elearn.organisations.importer import import_organisations
from elearn.security import fail

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


@bp.before_request
def _staff_only():
    user = current_user if current_user.is_authenticated else None
    try:
        g.org_access = org_access(db_session(), user)
    except Forbidden:
        # Every instructor's menu offers this page (knowing who has an area would cost a query on
        # every page): one without an area is told what to do instead of meeting an error.
        if user is not None and user.is_staff and request.endpoint == "orgs.cooperatives":
            return render_template("orgs/no_area.html")
        raise
    return None


def _admins_only():
    if not g.org_access.is_admin:
        fail(403, _("Only administrators can do this."))


def _id(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@bp.get("/")
def cooperatives():
    db = db_session()
    query, unit = request.args.get("q", "").strip()[:120], _id(request.args.get("unit"))
    found = service.list_cooperatives(db, g.org_access, request.args.get("page"), query, unit)
    return render_template("orgs/cooperatives.html", found=found, query=query, unit=unit,
                           units=service.parent_choices(db, g.org_access), labels=service)


@bp.route("/cooperatives/new", methods=["GET", "POST"], defaults={"cooperative_id": None})
@bp.route("/cooperatives/<int:cooperative_id>", methods=["GET", "POST"])
def cooperative(cooperative_id: int | None):
    db = db_session()
    found = service.get_cooperative(db, g.org_access, cooperative_id) if cooperative_id else None
    errors: dict[str, str] = {}
    values = {"name": found.name, "kind": found.kind.value, "registration_number": found.registration_number,
              "unit": found.unit_id} if found else {"unit": _id(request.args.get("unit"))}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in ("name", "kind", "registration_number", "unit")}
        try:
            saved = service.save_cooperative(db, g.org_access, found, values["name"], values["kind"],
                                             values["registration_number"], _id(values["unit"]))
        except service.OrgError as exc:
            db.rollback()
            errors[exc.field] = str(exc)
        else:
            db.commit()
            flash(_("Saved: %(name)s.", name=saved.name), "success")
            return redirect(url_for("orgs.cooperatives"), code=303)
    return render_template("orgs/cooperative.html", cooperative=found, values=values, errors=errors,
                           units=[(u.id, u.name) for u in service.local_units(db, g.org_access)],
                           kinds=service.options(service.KIND_LABELS)), 400 if errors else 200


@bp.post("/sign-in-codes")
def sign_in_codes():
    """A printable sheet of one-time sign-in codes: every learner of a cooperative (``cooperative``), or the
    learners named (``user_id``, repeated). The codes exist in clear only on this page."""
    db = db_session()
    user_ids = [value for value in map(_id, request.form.getlist("user_id")) if value is not None]
    cards, expires_at = print_codes(db, g.org_access, _id(request.form.get("cooperative")), user_ids)
    db.commit()
    site = url_for("auth.login", _external=True)
    qr = segno.make(site, error="m").svg_inline(scale=4, border=1, title=_("QR code of %(link)s", link=site))
    return render_template("orgs/sign_in_codes.html", cards=cards, expires_at=expires_at, site=site, qr=Markup(qr))


@bp.get("/units")
def units():
    db = db_session()
    query = request.args.get("q", "").strip()[:120]
    found = service.list_units(db, g.org_access, request.args.get("page"), query)
    return render_template("orgs/units.html", found=found, query=query, labels=service)


@bp.route("/units/new", methods=["GET", "POST"], defaults={"unit_id": None})
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit(unit_id: int | None):
    db = db_session()
    found = service.get_unit(db, g.org_access, unit_id) if unit_id else None
    errors: dict[str, str] = {}
    values = {"code": found.code, "name": found.name, "level": found.level.value, "parent": found.parent_id} \
        if found else {"level": UnitLevel.COMMUNE.value}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in ("code", "name", "level", "parent")}
        try:
            saved = service.save_unit(db, g.org_access, found, values["code"], values["name"], values["level"],
                                      _id(values["parent"]))
        except service.OrgError as exc:
            db.rollback()
            errors[exc.field] = str(exc)
        else:
            db.commit()
            flash(_("Saved: %(name)s.", name=saved.name), "success")
            return redirect(url_for("orgs.units"), code=303)
    levels = list(UnitLevel) if g.org_access.is_admin else [UnitLevel.WARD, UnitLevel.COMMUNE]
    return render_template("orgs/unit.html", unit=found, values=values, errors=errors,
                           levels=[(level.value, service.LEVEL_LABELS[level]) for level in levels],
                           parents=[(u.id, u.name) for u in service.parent_choices(db, g.org_access)]), \
        400 if errors else 200


@bp.route("/import", methods=["GET", "POST"])
def upload():
    """Upload a CSV: "Check" shows what would happen row by row; "Import" writes it, all or nothing."""
    _admins_only()
    return csvfiles.upload_page(
        lambda db, data, commit, limit: import_organisations(db, g.org_access, data, commit=commit, max_bytes=limit),
        current_app.config["ORGS_IMPORT_MAX_BYTES"], "orgs.upload", "orgs/import.html")


@bp.route("/staff", methods=["GET", "POST"])
def staff():
    """Administrators give instructors an area (or a whole province) to look after."""
    _admins_only()
    db = db_session()
    if request.method == "POST":
        user = find_user(db, request.form.get("email", ""))
        unit = db.get(AdminUnit, _id(request.form.get("unit")) or 0)
        if request.form.get("remove") and user is not None and unit is not None:
            service.unassign_staff(db, user.id, unit.id)
            db.commit()
            flash(_("%(name)s no longer looks after %(unit)s.", name=user.name, unit=unit.name), "success")
        elif user is None or unit is None:
            flash(_("Give the email of an instructor and choose an area."), "error")
        else:
            try:
                service.assign_staff(db, user, unit)
            except service.OrgError as exc:
                db.rollback()
                flash(str(exc), "error")
            else:
                db.commit()
                flash(_("%(name)s now looks after %(unit)s.", name=user.name, unit=unit.name), "success")
        return redirect(url_for("orgs.staff"), code=303)
    return render_template("orgs/staff.html", assignments=service.staff_assignments(db),
                           areas=service.parent_choices(db, g.org_access))
