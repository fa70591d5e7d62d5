"""The financial statements as one CSV file: every table under its title and its header row, a blank
row between tables.

Written for a spreadsheet: UTF-8 with a BOM (Excel otherwise reads the Vietnamese as Latin-1), commas
between columns, numbers as plain digits (``-1250000.5``, never ``1.250.000,5 ₫``) so Excel and
LibreOffice take them as numbers whatever the computer's language, dates as ISO days. A text cell
that starts with ``= + - @`` would be run as a formula (``=HYPERLINK(...)`` typed in a plan by
someone else): it gets a leading ``'``, as the core's own CSV files do (the core's ``neutralise`` is
not in the plugin API, ``write_csv`` writes a single table only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from elearn_workshop.tables import Column, Table

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC = ("number", "money", "percent")


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain_number(value: Decimal | int) -> str:
    """Digits a spreadsheet reads as a number in any locale: no grouping, a ``.`` before decimals, no
    exponent (``Decimal("1E+6")`` is ``1000000``)."""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell(column: Column | None, value: object) -> str:
    """One cell as the spreadsheet should read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return neutralise(str(value))
    if isinstance(value, (Decimal, int)):
        return plain_number(value)
    if isinstance(value, float):  # not expected (money is Decimal), but never written as 1e+06
        return plain_number(Decimal(repr(value)))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    if column is not None and column.kind in NUMERIC:
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            pass
        else:
            if number.is_finite():  # "-350000" in a money column is a number, not a formula
                return plain_number(number)
    return neutralise(text)


def _cells(columns: tuple[Column, ...], values: Iterable[object]) -> list[str]:
    return [cell(columns[index] if index < len(columns) else None, value) for index, value in enumerate(values)]


def statements_csv(tables: list[Table]) -> str:
    """The tables as one CSV text, BOM first (encode it as UTF-8 to send it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([neutralise(table.title)])
        writer.writerow([neutralise(column.label) for column in table.columns])
        for row in table.rows:
            writer.writerow(_cells(table.columns, row))
        if table.footer is not None:
            writer.writerow(_cells(table.columns, table.footer))
        if table.note:
            writer.writerow([neutralise(table.note)])
    return BOM + out.getvalue()
