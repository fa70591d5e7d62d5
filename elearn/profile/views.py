"""The profile page (/me/profile), and the same page for administrators (/admin/users/<id>/profile).

No script: the cooperative is chosen in two steps that work on any phone (the commune or ward,
then one of its cooperatives), so the page never sends the whole province's list.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.db import db_session
from elearn.models import Cooperative, User
from elearn.organisations.service import local_units
from elearn.permissions import require_admin
from elearn.profile import service
from elearn.profile.phones import display_phone
from elearn.security import fail, safe_next

bp = Blueprint("profile", __name__)


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def mine():
    return _page(current_user._get_current_object(), by_staff=False)


@bp.route("/admin/users/<int:user_id>/profile", methods=["GET", "POST"])
@login_required
def of_user(user_id: int):
    require_admin(current_user)
    user = db_session().get(User, user_id)
    if user is None:
        fail(404, _("There is no such user."))
    return _page(user, by_staff=True)


def _page(user: User, by_staff: bool):
    db = db_session()
    rules = service.ProfileRules.from_config()
    editable = set(service.FIELDS) if by_staff else set(rules.editable)
    errors: dict[str, str] = {}
    target = safe_next(request.values.get("next"), "")
    if request.method == "POST":
        changes = {name: request.form.get(name, "") for name in service.FIELDS
                   if name in editable and name in request.form}
        try:
            service.save_profile(db, user, changes, by_staff=by_staff)
        except service.ProfileError as exc:
            db.rollback()
            errors[exc.field] = str(exc)
        else:
            db.commit()
            flash(_("Your profile is saved.") if not by_staff else _("The profile is saved."), "success")
            return redirect(target or request.path, code=303)
    profile, cooperative = service.get_profile(db, user.id)
    values = {
        "cooperative": profile.cooperative_id if profile else None,
        "position": profile.position.value if profile and profile.position else None,
        "birth_year": profile.birth_year if profile else None,
        "gender": profile.gender.value if profile and profile.gender else None,
        "phone": display_phone(profile.phone) if profile else "",
    }
    if errors:  # what was typed into the fields the person may change, to correct it
        values.update({name: request.form.get(name) for name in editable if name in request.form})
    unit_id = request.args.get("unit", type=int) or (cooperative.unit_id if cooperative else None)
    choices = list(db.scalars(select(Cooperative).where(Cooperative.unit_id == unit_id)
                              .order_by(Cooperative.name))) if unit_id else []
    missing = service.missing_fields(profile, rules) if not by_staff else []
    return render_template(
        "profile/profile.html", person=user, by_staff=by_staff, values=values, errors=errors,
        editable=editable, required=rules.required, missing=[service.FIELD_LABELS[name] for name in missing],
        cooperative=cooperative, units=local_units(db), unit_id=unit_id, choices=choices, next=target,
        positions=[(p.value, label) for p, label in service.POSITION_LABELS.items()],
        genders=[(g.value, label) for g, label in service.GENDER_LABELS.items()],
        labels=service.FIELD_LABELS,
    ), 400 if errors else 200
