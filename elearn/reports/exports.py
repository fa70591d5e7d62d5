"""Every report table as a download: CSV (``elearn.csvfiles``) or XLSX (openpyxl).

Both neutralise formulas: a learner can name themselves ``=HYPERLINK(...)``, and a manager opens the
file in Excel. The CSV prefixes such a cell with ``'`` (``csvfiles.neutralise``); the XLSX stores
every text as a text cell, never a formula, so it shows exactly what was typed. Numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from flask_babel import gettext as _

from elearn.csvfiles import write_csv
from elearn.security import fail

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted_format(value: str | None) -> str | None:
    """``?format=``: None for the page, ``csv`` or ``xlsx`` for a download, a 400 otherwise."""
    if not value:
        return None
    if value not in FORMATS:
        fail(400, _("Downloads are CSV or XLSX, not “%(format)s”.", format=value[:20]))
    return value


def write_xlsx(header: Sequence[str], rows: Iterable[Iterable[Any]], title: str = "") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(title or "Report")[:31].translate(str.maketrans("[]:*?/\\", "       ")))
    sheet.append([_text_cell(sheet, value) for value in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value: Any):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return _text_cell(sheet, value)


def _text_cell(sheet, value: Any):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # text, even when it starts with "=": never a formula
    return cell


def download(name: str, fmt: str, header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Response:
    """The table as ``<name>.csv`` or ``<name>.xlsx``."""
    rows = list(rows)
    if fmt == "xlsx":
        body, mimetype = write_xlsx(header, rows, name), XLSX_TYPE
    else:
        body, mimetype = write_csv(list(header), rows), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
