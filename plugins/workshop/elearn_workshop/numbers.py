"""Numbers as learners in Vietnam type them: ``1.234.567`` or ``1 234 567`` for a sum, ``7,5`` for a
rate. Kept apart from ``fields`` because the finance engine reads its figures the same way."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

MAX_AMOUNT = Decimal(10) ** 15
_GROUPED = re.compile(r"^-?\d{1,3}([. \u00a0]\d{3})+(,\d+)?$")


def read_number(text: str, whole: bool) -> Decimal:
    """``1.234.567``, ``1 234 567``, ``1234567`` and ``7,5`` as a Decimal; ValueError with the reason."""
    cleaned = text.strip().replace("\u00a0", " ")
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(".", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Type a number, such as 1.250.000.")) from None
    if not value.is_finite():
        raise ValueError(_("Type a number, such as 1.250.000."))
    if whole and value != value.to_integral_value():
        raise ValueError(_("Type a whole number of đồng, without decimals."))
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(_("This number is too large."))
    return value


def plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")
