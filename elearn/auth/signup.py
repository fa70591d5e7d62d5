"""The site's sign-in settings, declared by the core like any plugin's (``elearn_settings`` of the
``elearn`` core plugin, so /admin/plugins lists them and a bad value stops the app at startup).

As variables, or without the ``ELEARN_`` prefix in ``instance/config.py`` (``SELF_SIGNUP = False``):

- ``ELEARN_SELF_SIGNUP``: ``false`` closes the sign-up page and
  ``POST /api/v1/auth/register``; accounts are then made by staff (admin page, CSV import) and
  handed over with one-time codes;
- ``ELEARN_SIGNUP_CLOSED_HELP``: what the closed sign-up page says about getting an account
  (an office, a phone number); a general sentence when empty;
- ``ELEARN_SIGN_IN_CODE_DAYS``: how long a code printed by staff stays usable (14 days);
- ``ELEARN_SMS_CODE_MINUTES``: how long a code sent by SMS stays usable (15 minutes).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from elearn.plugins.settings import Setting, plugin_setting

CORE = "elearn"


def _positive(value: int) -> None:
    if value < 1:
        raise ValueError("must be 1 or more")


SETTINGS = [
    Setting("self_signup", bool, default=True, help=_l("Anyone may create an account on the sign-up page.")),
    Setting("signup_closed_help", str, default="",
            help=_l("How to get an account, shown when self sign-up is off.")),
    Setting("sign_in_code_days", int, default=14, check=_positive,
            help=_l("Days a one-time sign-in code printed by staff stays usable.")),
    Setting("sms_code_minutes", int, default=15, check=_positive,
            help=_l("Minutes a sign-in code sent by SMS stays usable.")),
]


def self_signup_open() -> bool:
    return plugin_setting(CORE, "self_signup")


def signup_closed_help() -> str:
    return plugin_setting(CORE, "signup_closed_help")


def paper_code_lifetime() -> timedelta:
    return timedelta(days=plugin_setting(CORE, "sign_in_code_days"))


def sms_code_lifetime() -> timedelta:
    return timedelta(minutes=plugin_setting(CORE, "sms_code_minutes"))
