"""Tables of figures shared by the plan's parts: the financial statements the finance engine
computes, and the tables a learner fills, as the PDF, the printable page and the CSV download
show them.

Cells keep their raw values (``Decimal`` for money and numbers, ``str`` for text, ``date``), and
each column says its kind, so that every place formats them its own way: the Vietnamese way on a
page or in the PDF (1.234.567 ₫), plain digits in a CSV a spreadsheet reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["text", "number", "money", "percent", "date"]


@dataclass(frozen=True)
class Column:
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Table:
    """A titled table; ``footer`` is a totals row, shown apart from the rows."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    footer: tuple[object, ...] | None = None
    note: str = field(default="")  # a plain-language line under the table (how it is computed)
