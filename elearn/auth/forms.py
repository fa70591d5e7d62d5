"""Account forms. Labels and messages are lazy so they follow the request's language.

WTForms ships no Vietnamese catalogue, so every validator gets its own message
from ours instead of WTForms' English default.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from elearn.auth.passwords import MIN_LENGTH
from elearn.models import Role

MAX_PASSWORD = 1024

REQUIRED = _l("Please fill in this field.")
TOO_LONG = _l("This is too long: use at most %(max)d characters.")
NOT_AN_EMAIL = _l("This is not a valid email address.")
PASSWORD_TOO_SHORT = lazy_ngettext("The password must have at least %(num)d character.",
                                   "The password must have at least %(num)d characters.", MIN_LENGTH)
AT_LEAST = lazy_ngettext("At least %(num)d character.", "At least %(num)d characters.", MIN_LENGTH)
PASSWORDS_DIFFER = _l("The two passwords differ.")

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.INSTRUCTOR: _l("Instructor"),
    Role.ADMIN: _l("Administrator"),
}
ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def at_most(count: int) -> Length:
    return Length(max=count, message=TOO_LONG)


def new_password() -> list:
    return [required(), Length(min=MIN_LENGTH, message=PASSWORD_TOO_SHORT), at_most(MAX_PASSWORD)]


class LoginForm(FlaskForm):
    login = StringField(_l("Phone, username or e-mail"), validators=[required(), at_most(254)])
    password = PasswordField(_l("Password or one-time code"), validators=[required(), at_most(MAX_PASSWORD)])


class CodeRequestForm(FlaskForm):
    login = StringField(_l("Phone number or e-mail"), validators=[required(), at_most(254)])


def optional_email() -> list:
    return [Optional(), Email(message=NOT_AN_EMAIL), at_most(254)]


class RegisterForm(FlaskForm):
    """Any of phone, username and e-mail will do (``accounts.create_user`` asks for one)."""

    name = StringField(_l("Full name"), validators=[required(), at_most(120)])
    phone = StringField(_l("Phone number"), validators=[at_most(40)], description=_l("Optional."))
    username = StringField(_l("Username"), validators=[at_most(40)], description=_l("Optional."))
    email = EmailField(_l("Email"), validators=optional_email(), description=_l("Optional."))
    password = PasswordField(
        _l("Password"),
        validators=new_password(),
        description=AT_LEAST,
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=PASSWORDS_DIFFER)],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[required(), at_most(MAX_PASSWORD)])
    password = PasswordField(
        _l("New password"),
        validators=new_password(),
        description=AT_LEAST,
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=PASSWORDS_DIFFER)],
    )


class NewPasswordForm(FlaskForm):
    """Choosing a password after signing in with a one-time code: the code was the proof."""

    password = PasswordField(_l("New password"), validators=new_password(), description=AT_LEAST)
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("password", message=PASSWORDS_DIFFER)],
    )


class UserForm(FlaskForm):
    """An admin creating an account: phone, username or e-mail, at least one."""

    name = StringField(_l("Full name"), validators=[required(), at_most(120)])
    phone = StringField(_l("Phone number"), validators=[at_most(40)], description=_l("Optional."))
    username = StringField(_l("Username"), validators=[at_most(40)], description=_l("Optional."))
    email = EmailField(_l("Email"), validators=optional_email(), description=_l("Optional."))
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    password = PasswordField(_l("Password"), validators=new_password())


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
