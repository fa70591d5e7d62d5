"""The whole plan as a PDF: a cover, then every section as the printable page shows it, the
financial plan with its statements and a chart of the cash at the end of each period, and
"Page 3/9" at the foot of every page.

Built on the core's ``PdfDocument`` (A4, the bundled DejaVu font with every Vietnamese letter, text
always plain text: what a learner typed is printed as typed, never read as Markdown). What it lacks
here, right-aligned money columns, a totals row, a bar chart and page numbers, is drawn with fpdf2
on ``doc.pdf`` directly, so the core is not changed for one plugin.

Values are formatted the reader's way (``fields.shown``: 1.234.567 ₫ in Vietnamese), in the request's
locale, so call it inside a request (or ``app.test_request_context()``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from elearn.plugin_api import PdfDocument
from elearn_workshop.fields import shown
from elearn_workshop.tables import Column, Table

SummaryLine = tuple[str, object, str]
FinanceTables = Callable[[Mapping[str, Any], Any], tuple[list[SummaryLine], list[Table], list[tuple[str, Decimal]]]]

RIGHT = ("number", "money", "percent")
MAX_TEXT_WIDTH = 60.0  # millimetres; a longer text wraps in its cell
CELL_PADDING = 2.5  # fpdf2's padding either side of a cell's text, and a little air
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 240, 236))
TOTALS = FontFace(emphasis="BOLD", fill_color=(245, 245, 245))
POSITIVE = (46, 125, 50)
NEGATIVE = (198, 40, 40)
GREY = (90, 90, 90)
CHART_HEIGHT = 60.0
AXIS_WIDTH = 30.0
MAX_PERIOD_LABELS = 12
MAX_BAR_WIDTH = 14.0  # a plan of three periods gets bars, not blocks


def figure(kind: str, value: object) -> str:
    """A statement's cell as a reader reads it: ``1.234.567 ₫``, ``1.234,5``, ``7,5%``, a day."""
    if value is None or value == "":
        return ""
    if kind in RIGHT and not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except ArithmeticError:
            return str(value)
    if kind == "money":
        return format_currency(value, "VND")
    if kind == "number":
        return format_decimal(value)
    if kind == "percent":  # percentage points: Decimal("7.5") is 7,5%
        return _("%(number)s%%", number=format_decimal(value))
    if isinstance(value, (date, datetime)):
        return format_date(value, "medium")
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class _Writer:
    """The document being written, with the few drawing helpers the plan needs."""

    def __init__(self, doc: PdfDocument, finance_tables: FinanceTables) -> None:
        self.doc = doc
        self.pdf = doc.pdf
        self.family = doc.pdf.font_family  # the core's Unicode font, set by the site line
        self.finance_tables = finance_tables

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` millimetres still fit on this one (no heading left alone
        at the foot of a page)."""
        if self.pdf.will_page_break(height):
            self.doc.new_page()

    def footer(self) -> None:
        """fpdf2 calls this at the end of every page; ``{nb}`` becomes the page count on output."""
        pdf = self.pdf
        pdf.set_y(-11)
        self.font(8)
        pdf.set_text_color(*GREY)
        pdf.cell(0, 5, _("Page %(page)s/%(pages)s", page=pdf.page_no(), pages=pdf.str_alias_nb_pages), align="C")
        pdf.set_text_color(0, 0, 0)

    # -- the parts of the plan -------------------------------------------------------------

    def cover(self, cooperative: str, lesson_title: str, course: str, version: int, saved_at: datetime | None) -> None:
        doc = self.doc
        doc.space(45)
        doc.heading(lesson_title, 1, align="C")
        doc.space(4)
        if cooperative:
            doc.heading(cooperative, 2, align="C")
        if course:
            doc.paragraph(course, size=12, align="C")
        doc.space(20)
        doc.paragraph(_("Version %(number)d", number=version), align="C")
        when = (_("Saved on %(date)s", date=format_date(saved_at, "long")) if saved_at is not None
                else _("Not saved yet"))
        doc.paragraph(when, align="C", grey=True)

    def section(self, number: int, section: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self.keep(30)
        self.doc.heading(f"{number}. {section['title']}", 2)
        written = False
        for field in section["fields"]:
            value = values.get(field["key"])
            if _empty(value) and not field.get("required"):
                continue
            written = written or not _empty(value)
            self.field(field, value)
        if not written:
            self.doc.paragraph(_("(not written yet)"), grey=True)
        self.doc.space(2)

    def field(self, field: Mapping[str, Any], value: Any) -> None:
        kind = field["kind"]
        self.keep(16)
        if kind == "table":
            self.label(field["label"])
            if _empty(value):
                self.doc.paragraph("—")
                return
            columns = tuple(Column(column["label"], column.get("kind", "text")) for column in field["columns"])
            rows = tuple(tuple(shown(column, row.get(column["key"])) for column in field["columns"])
                         for row in value if isinstance(row, Mapping))
            self.table(columns, rows)
        elif kind == "finance":
            self.doc.heading(field["label"], 3)
            if _empty(value):
                self.doc.paragraph("—")
                return
            self.finance(field, value)
        else:
            self.label(field["label"])
            self.doc.paragraph(shown(field, value) or "—")

    def label(self, text: str) -> None:
        self.doc.paragraph(text, size=10, bold=True)

    def finance(self, field: Mapping[str, Any], value: Any) -> None:
        summary, statements, cash = self.finance_tables(field, value)
        if summary:
            self.table((Column(""), Column("", "money")),
                       tuple((label, figure(kind, amount)) for label, amount, kind in summary), headings=False)
        for statement in statements:
            self.statement(statement)
        if cash:
            self.chart(cash)

    def statement(self, table: Table) -> None:
        """A statement of the finance engine, its cells formatted by their columns' kinds; a table
        wider than the page (a column a month) is printed in parts, each with the first column again."""
        kinds = [column.kind for column in table.columns]

        def formatted(values: Sequence[object]) -> tuple[str, ...]:
            return tuple(figure(kinds[index] if index < len(kinds) else "text", value)
                         for index, value in enumerate(values))

        rows = tuple(formatted(row) for row in table.rows)
        footer = formatted(table.footer) if table.footer is not None else None
        size = _size(len(table.columns))
        widths = self.widths(table.columns, [*rows, *([footer] if footer else [])], size)
        for number, indices in enumerate(_column_parts(widths, self.pdf.epw)):
            title = table.title if number == 0 else _("%(title)s (continued)", title=table.title)
            self.keep(20)
            self.doc.paragraph(title, size=10.5, bold=True)
            self.table(tuple(table.columns[i] for i in indices), tuple(tuple(row[i] for i in indices) for row in rows),
                       footer=tuple(footer[i] for i in indices) if footer else None,
                       widths=[widths[i] for i in indices], size=size)
        if table.note:
            self.doc.paragraph(table.note, size=9, grey=True)

    def widths(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], size: float) -> list[float]:
        """Each column's width in millimetres as its widest cell needs (a text column at most
        MAX_TEXT_WIDTH: longer text wraps), so that money is never broken across lines."""
        self.font(size, bold=True)
        needed = [self.pdf.get_string_width(column.label) for column in columns]
        self.font(size)
        for row in rows:
            for index, text in enumerate(row[:len(columns)]):
                needed[index] = max(needed[index], self.pdf.get_string_width(str(text)))
        return [min(width + CELL_PADDING, MAX_TEXT_WIDTH) if column.kind not in RIGHT else width + CELL_PADDING
                for column, width in zip(columns, needed, strict=True)]

    def table(self, columns: tuple[Column, ...], rows: Sequence[Sequence[str]], *, headings: bool = True,
              footer: Sequence[str] | None = None, widths: Sequence[float] | None = None,
              size: float | None = None) -> None:
        """Rows of text already formatted, across the page; number and money columns right-aligned,
        a totals row in bold."""
        pdf = self.pdf
        size = size or _size(len(columns))
        if widths is None:
            widths = self.widths(columns, [*rows, *([footer] if footer else [])], size)
        self.font(size)
        aligns = ["R" if column.kind in RIGHT else "L" for column in columns]
        with pdf.table(col_widths=tuple(widths), line_height=size * 0.5, headings_style=HEADINGS, markdown=False,
                       first_row_as_headings=headings, text_align=tuple(aligns), width=pdf.epw) as table:
            if headings:
                heading_row = table.row()
                for column, align in zip(columns, aligns, strict=True):
                    heading_row.cell(column.label, align=align)
            for values in rows:
                row = table.row()
                for index, align in enumerate(aligns):
                    row.cell(str(values[index]) if index < len(values) else "", align=align)
            if footer is not None:
                row = table.row()
                for index, align in enumerate(aligns):
                    row.cell(str(footer[index]) if index < len(footer) else "", align=align, style=TOTALS)
        pdf.ln(3)

    def chart(self, series: Sequence[tuple[str, Decimal]]) -> None:
        """Bars of the cash at the end of each period from a zero line: green above, red below; the
        highest, zero and lowest amounts on the axis, the periods' names under the bars."""
        pdf = self.pdf
        self.keep(CHART_HEIGHT + 30)
        self.doc.paragraph(_("Cash at the end of each period"), size=10.5, bold=True)
        amounts = [Decimal(amount) for _label, amount in series]
        top, bottom = max(max(amounts), Decimal(0)), min(min(amounts), Decimal(0))
        span = (top - bottom) or Decimal(1)
        x0, y0 = pdf.l_margin + AXIS_WIDTH, pdf.get_y() + 2
        width = pdf.epw - AXIS_WIDTH
        zero = y0 + CHART_HEIGHT * float(top / span)
        slot = width / len(amounts)
        bar = min(slot * 0.7, MAX_BAR_WIDTH)
        for index, amount in enumerate(amounts):
            height = CHART_HEIGHT * float(abs(amount) / span)
            if not height:
                continue
            pdf.set_fill_color(*(POSITIVE if amount >= 0 else NEGATIVE))
            pdf.rect(x0 + index * slot + (slot - bar) / 2, zero - height if amount >= 0 else zero, bar, height,
                     style="F")
        pdf.set_draw_color(120, 120, 120)
        pdf.line(x0, y0, x0, y0 + CHART_HEIGHT)
        pdf.line(x0, zero, x0 + width, zero)
        self.font(7)
        ticks = [(zero, Decimal(0))]
        if top > 0:
            ticks.append((y0, top))
        if bottom < 0:
            ticks.append((y0 + CHART_HEIGHT, bottom))
        for y, amount in ticks:
            pdf.set_xy(pdf.l_margin, y - 2)
            pdf.cell(AXIS_WIDTH - 1.5, 4, format_currency(amount, "VND"), align="R")
        step = math.ceil(len(amounts) / MAX_PERIOD_LABELS)
        for index in range(0, len(series), step):
            pdf.set_xy(x0 + index * slot - (slot * step - slot) / 2, y0 + CHART_HEIGHT + 1.5)
            pdf.cell(slot * step, 4, str(series[index][0]), align="C")
        pdf.set_xy(x0, y0 + CHART_HEIGHT + 7)
        self.legend(POSITIVE, _("Cash in hand"))
        if bottom < 0:
            self.legend(NEGATIVE, _("Short of cash"))
        pdf.set_xy(pdf.l_margin, y0 + CHART_HEIGHT + 13)
        pdf.ln(2)

    def legend(self, colour: tuple[int, int, int], text: str) -> None:
        pdf = self.pdf
        pdf.set_fill_color(*colour)
        pdf.rect(pdf.get_x(), pdf.get_y() + 1, 3, 3, style="F")
        pdf.set_x(pdf.get_x() + 4.5)
        self.font(8)
        pdf.cell(pdf.get_string_width(text) + 6, 5, text, new_x=XPos.RIGHT, new_y=YPos.TOP)


def _size(columns: int) -> float:
    return 9 if columns <= 5 else 8


def _column_parts(widths: Sequence[float], page: float) -> list[list[int]]:
    """The columns of each part of a table wider than ``page``: the first column (the rows' names),
    then as many more as fit beside it, spread evenly over the parts (no last part of one month)."""
    greedy: list[list[int]] = [[0]]
    used = widths[0] if widths else 0
    for index in range(1, len(widths)):
        if used + widths[index] > page and len(greedy[-1]) > 1:
            greedy.append([0])
            used = widths[0]
        greedy[-1].append(index)
        used += widths[index]
    rest, count = list(range(1, len(widths))), len(greedy)
    per = math.ceil(len(rest) / count) if rest else 0
    even = [[0, *rest[start:start + per]] for start in range(0, len(rest), per)] if per else greedy
    fits = len(even) == count and all(sum(widths[i] for i in part) <= page for part in even)
    return even if fits else greedy


def plan_pdf(template: Mapping[str, Any], content: Mapping[str, Any], *, cooperative: str, course: str,
             lesson_title: str, version: int, saved_at: datetime | None, finance_tables: FinanceTables) -> bytes:
    """The plan ``content`` (``{section key: {field key: stored value}}``) of the lesson ``template``
    (``Template.model_dump(by_alias=True)``) as PDF bytes. ``finance_tables(field, value)`` turns the
    finance field's value into (summary lines, statement tables, the cash at the end of each period)."""
    title = f"{lesson_title} — {cooperative}" if cooperative else lesson_title
    doc = PdfDocument(title, author=cooperative)
    writer = _Writer(doc, finance_tables)
    doc.pdf.footer = writer.footer  # fpdf2 calls self.footer() at each page's end, the first page's too
    writer.cover(cooperative, lesson_title, course, version, saved_at)
    doc.new_page()
    for number, section in enumerate(template["sections"], start=1):
        writer.section(number, section, content.get(section["key"]) or {})
    return doc.output()
