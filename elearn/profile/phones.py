"""Phone numbers as people type them, stored one way: E.164 (``+84912345678``).

Learners write ``0912 345 678``, ``0912.345.678``, ``+84 912 345 678`` or ``84912345678``; all are the
same number, and a number must be stored once so that it can be unique (and, later, sign a learner
in). Google's libphonenumber (the ``phonenumbers`` package) knows which Vietnamese numbers exist,
mobile and fixed, including the 2018 renumbering; a foreign number is taken when written with ``+``.
"""

from __future__ import annotations

import re

import phonenumbers

MAX_INPUT = 40
_SEPARATORS = re.compile(r"[\s.\-()/]")


class InvalidPhone(ValueError):
    """Not a phone number that exists."""


def normalise_phone(text: str) -> str:
    """``text`` as ``+84…`` (E.164), or ``InvalidPhone``."""
    compact = _SEPARATORS.sub("", text or "")
    if not compact or len(compact) > MAX_INPUT or not re.fullmatch(r"\+?\d+", compact):
        raise InvalidPhone(text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.startswith("84") and len(compact) in (11, 12):
        # 84912345678: the country code without its plus (as SMS gateways and spreadsheets write it).
        compact = "+" + compact
    try:
        number = phonenumbers.parse(compact, "VN")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(text) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str | None) -> str:
    """A stored number as Vietnamese people read it: ``0912 345 678`` at home, international abroad."""
    if not stored:
        return ""
    number = phonenumbers.parse(stored)
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 84 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)
