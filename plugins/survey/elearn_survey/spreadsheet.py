"""The results as an Excel workbook (openpyxl): the same rows as the CSV file.

Every text is written as a text cell, never as a formula: an answer such as ``=HYPERLINK(...)`` is
shown as typed and not run (the CSV file neutralises it with a leading ``'`` instead).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell


def xlsx(title: str, header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Survey")

    def cells(values: Iterable[object]) -> list[WriteOnlyCell]:
        found = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value if isinstance(value, int | float) else str(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts with "="
            found.append(cell)
        return found

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
