"""A plan's fields: reading what a learner typed (a page's form or the API's JSON) into the stored
value of each kind, saying what is wrong at the field, and showing a value again.

Stored values are JSON: text as text, numbers and money as digit strings (``Decimal`` when
computed, never floats), dates as ISO days, a choice as its key, a table as a list of rows
(``{column key: text}``), the financial plan as the finance engine's document. Learners in
Vietnam type ``1.234.567`` or ``1 234 567`` for a sum and ``7,5`` for a rate: both are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _

from elearn_workshop import finance
from elearn_workshop.numbers import plain, read_number

MAX_TEXT = 500
MAX_LONGTEXT = 20000
BLANK_ROWS = 2


def field_name(section: str, field: str, *more: object) -> str:
    """The form field of a plan's field: ``f.<section>.<field>`` (``.<row>.<column>`` in a table)."""
    return ".".join(["f", section, field, *(str(part) for part in more)])


def read_value(field: Mapping[str, Any], raw: Any) -> tuple[Any, str | None]:
    """One field's stored value from what was typed, and the problem with it (or None)."""
    kind = field["kind"]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if kind in ("text", "longtext"):
        if not isinstance(raw, str):
            return None, _("Type text here.")
        limit = MAX_TEXT if kind == "text" else MAX_LONGTEXT
        text = raw.replace("\r\n", "\n").strip()
        if len(text) > limit:
            return text[:limit], _("At most %(num)d characters.", num=limit)
        return text, None
    if kind in ("number", "money"):
        try:
            number = read_number(str(raw), whole=kind == "money")
        except ValueError as exc:
            return None, str(exc)
        if field.get("minimum") is not None and number < field["minimum"]:
            return None, _("At least %(num)s.", num=field["minimum"])
        if field.get("maximum") is not None and number > field["maximum"]:
            return None, _("At most %(num)s.", num=field["maximum"])
        return plain(number), None
    if kind == "date":
        try:
            return date.fromisoformat(str(raw).strip()).isoformat(), None
        except ValueError:
            return None, _("Give a date such as 2027-03-31.")
    if kind == "choice":
        keys = [choice["key"] for choice in field["choices"]]
        return (raw, None) if raw in keys else (None, _("Choose one of the answers."))
    return None, _("This field cannot be read.")


def read_rows(field: Mapping[str, Any], rows: Any) -> tuple[list[dict[str, str]], dict[str, str]]:
    """A table's rows, blank rows left out; problems keyed ``<row>.<column>`` (rows from 0)."""
    if not isinstance(rows, list):
        return [], {"": _("Give the table as a list of rows.")}
    kept: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(rows[: field["rows"] + BLANK_ROWS]):
        if not isinstance(row, Mapping):
            errors[str(index)] = _("Give each row as its columns' values.")
            continue
        values: dict[str, str] = {}
        for column in field["columns"]:
            value, problem = read_value(column, row.get(column["key"]))
            if problem:
                errors[f"{index}.{column['key']}"] = problem
            if value is not None:
                values[column["key"]] = value
        if values:
            kept.append(values)
    if len(kept) > field["rows"]:
        errors[""] = _("At most %(num)d rows.", num=field["rows"])
    return kept, errors


def parse_section_form(section: Mapping[str, Any], form) -> tuple[dict[str, Any], dict[str, str]]:
    """A section's values from an HTML form; problems keyed by the form field's name."""
    data: dict[str, Any] = {}
    for field in section["fields"]:
        name = field_name(section["key"], field["key"])
        if field["kind"] == "table":
            rows = []
            for index in range(field["rows"] + BLANK_ROWS):
                rows.append({column["key"]: form.get(field_name(section["key"], field["key"], index, column["key"]))
                             for column in field["columns"]})
            data[field["key"]] = rows
        elif field["kind"] == "finance":
            data[field["key"]] = ("form", form, name + ".")
        else:
            data[field["key"]] = form.get(name)
    values, errors = _read(section, data)
    return values, {_form_key(section["key"], key): message for key, message in errors.items()}


def parse_section_json(section: Mapping[str, Any], data: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """A section's values from the API (``{field key: value}``); problems keyed ``field`` or
    ``field.<row>.<column>``."""
    if not isinstance(data, Mapping):
        return {}, {"": _("Give the section as its fields' values.")}
    known = {field["key"] for field in section["fields"]}
    unknown = sorted(set(data) - known)
    values, errors = _read(section, {key: data[key] for key in known if key in data})
    for key in unknown:
        errors[key] = _("This section has no field %(key)s.", key=key)
    return values, errors


def _read(section: Mapping[str, Any], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in section["fields"]:
        if field["key"] not in data:
            continue
        raw = data[field["key"]]
        if field["kind"] == "table":
            rows, problems = read_rows(field, raw)
            errors.update({f"{field['key']}.{key}" if key else field["key"]: message
                           for key, message in problems.items()})
            if rows:
                values[field["key"]] = rows
        elif field["kind"] == "finance":
            if isinstance(raw, tuple):
                _source, form, prefix = raw
                value, problems = finance.parse_form(form, prefix, field["options"])
                errors.update({key: message for key, message in problems.items()})
            else:
                value, problems = finance.parse_json(raw, field["options"])
                errors.update({f"{field['key']}.{key}": message for key, message in problems.items()})
            values[field["key"]] = value
        else:
            value, problem = read_value(field, raw)
            if problem:
                errors[field["key"]] = problem
            if value is not None:
                values[field["key"]] = value
    return values, errors


def _form_key(section: str, key: str) -> str:
    """A problem's key as a form field's name (finance problems already are)."""
    return key if key.startswith("f.") else field_name(section, *key.split("."))


def missing(section: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """The labels of the section's required fields that are still empty."""
    return [field["label"] for field in section["fields"]
            if field["required"] and field["kind"] != "finance" and not values.get(field["key"])]


def shown(field: Mapping[str, Any], value: Any) -> str:
    """A value as a reader sees it, formatted the reader's way (1.234.567 ₫ in Vietnamese)."""
    if value is None or value == "" or value == []:
        return ""
    kind = field["kind"]
    if kind == "money":
        return format_currency(Decimal(value), "VND")
    if kind == "number":
        return format_decimal(Decimal(value))
    if kind == "date":
        return format_date(date.fromisoformat(value), "medium")
    if kind == "choice":
        return next((choice["label"] for choice in field["choices"] if choice["key"] == value), value)
    return str(value)
