"""A user's profile: the fields plugins declare (``elearn_profile_fields``), shown and saved.

The core keeps no profile columns of its own for plugins: each field's value lives in the
plugin's own table, and the plugin's ``save`` stores a new one. The HTML page (``/account``)
and the API (``/api/v1/me/profile``) both go through ``save_profile``, so they accept and refuse
the same values, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearn.models import User
from elearn.plugins.isolation import savepoint
from elearn.plugins.surfaces import Collected, ProfileField, collect


@dataclass(frozen=True)
class Field:
    """A profile field as pages and the API show it: ``id`` is ``<plugin>.<name>``."""

    id: str
    plugin: str
    field: ProfileField

    @property
    def input_name(self) -> str:
        return "profile-" + self.id.replace(".", "-")


def profile_fields(db: Session, user: User) -> tuple[list[Field], Collected]:
    found = collect(current_app.extensions["elearn_plugins"], "elearn_profile_fields", ProfileField,
                    user=user, db=db)
    return [Field(f"{plugin}.{item.name}", plugin, item) for plugin, item in found.items], found


def save_profile(db: Session, user: User, fields: list[Field], values: Mapping[str, str]) -> dict[str, str]:
    """Save every changed field in ``values`` (by field id); the refusals, by field id.

    Each save runs in a savepoint: a refused (or failing) one leaves nothing behind, and the
    caller commits only when there is no refusal at all."""
    errors: dict[str, str] = {}
    known = {f.id: f for f in fields}
    for field_id in values:
        if field_id not in known:
            errors[field_id] = _("There is no such profile field.")
        elif known[field_id].field.read_only:
            errors[field_id] = _("This field cannot be changed here.")
    for field_id, value in values.items():
        if field_id in errors or value == known[field_id].field.value:
            continue
        entry = known[field_id]
        if not isinstance(value, str) or len(value) > entry.field.max_length:
            errors[field_id] = _("At most %(num)d characters.", num=entry.field.max_length)
            continue
        try:
            with savepoint(db, f"profile field {field_id}"):
                entry.field.save(db, user, value.strip())
        except ValueError as exc:
            errors[field_id] = str(exc) or _("This value is not accepted.")
        except Exception:
            current_app.logger.exception("plugin %s failed saving profile field %s", entry.plugin, field_id)
            errors[field_id] = _("The “%(plugin)s” plugin could not save this field.", plugin=entry.plugin)
    return errors
