"""``PdfDocument``: an A4 page with the site's title, headings, paragraphs, tables and images.

Text is always plain text (never HTML nor Markdown, which fpdf2 could otherwise interpret), in the
bundled Unicode font, so whatever a pack or a learner wrote is printed as written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import segno
from flask import Response, send_file
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONTS = Path(__file__).with_name("fonts")
FAMILY = "DejaVuSans"
_HEADING_SIZES = {1: 20, 2: 15, 3: 12.5}
TEXT_SIZE = 11


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of ``text`` as PNG (segno writes PNG itself: no image library needed)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


class PdfDocument:
    """One document. Call its methods top to bottom, then ``output()`` for the bytes.

    ``site_header`` prints the site's name in small type at the top of each page ("Học tập Hợp
    tác xã"); a certificate, which has its own layout, leaves it out.
    """

    def __init__(self, title: str, *, landscape: bool = False, site_header: bool = True, author: str = "") -> None:
        pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
        pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        site = _("Cooperative Learning")
        pdf.set_title(title)
        pdf.set_creator(site)
        pdf.set_author(author or site)
        pdf.set_lang("vi")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=16)
        self.pdf = pdf
        self.site = site
        self.site_header = site_header
        pdf.add_page()
        if site_header:
            self._site_line()

    @property
    def width(self) -> float:
        """The width between the margins, in millimetres."""
        return self.pdf.epw

    def _site_line(self) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(0, 5, self.site, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
        pdf.ln(5)
        pdf.set_text_color(0, 0, 0)

    def new_page(self) -> None:
        self.pdf.add_page()
        if self.site_header:
            self._site_line()

    def space(self, millimetres: float) -> None:
        self.pdf.ln(millimetres)

    def heading(self, text: str, level: int = 1, align: str = "L") -> None:
        size = _HEADING_SIZES.get(level, TEXT_SIZE)
        self.pdf.set_font(FAMILY, "B", size)
        self.pdf.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(size * 0.2)

    def paragraph(self, text: str, size: float = TEXT_SIZE, align: str = "L", bold: bool = False,
                  grey: bool = False) -> None:
        """Wrapped text; ``align`` is "L", "C", "R" or "J" (justified)."""
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        if grey:
            self.pdf.set_text_color(90, 90, 90)
        self.pdf.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.ln(size * 0.25)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]],
              widths: Sequence[float] | None = None, size: float = 10) -> None:
        """A table with a bold header row (repeated on each page it spans); cells are printed as text,
        numbers as the caller formatted them (``format_decimal`` for Vietnamese 1.234,5)."""
        self.pdf.set_font(FAMILY, "", size)
        with self.pdf.table(col_widths=tuple(widths) if widths else None, line_height=size * 0.55,
                            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 240, 236)), markdown=False,
                            first_row_as_headings=True) as table:
            heading_row = table.row()
            for cell in header:
                heading_row.cell(str(cell))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
        self.pdf.ln(3)

    def image(self, data: bytes, width: float, x: float | None = None, y: float | None = None,
              align: str = "C") -> None:
        """A PNG, JPEG or SVG image ``width`` millimetres wide, at ``x``/``y`` or placed by ``align``
        ("L", "C", "R") on the current line."""
        if x is None:
            x = {"L": self.pdf.l_margin, "R": self.pdf.w - self.pdf.r_margin - width}.get(
                align, (self.pdf.w - width) / 2)
        self.pdf.image(io.BytesIO(data), x=x, y=y, w=width)  # without ``y`` the text goes on below it

    def qr(self, text: str, size: float, x: float | None = None, y: float | None = None, align: str = "C") -> None:
        """A QR code of ``text`` (a link), ``size`` millimetres square."""
        self.image(qr_png(text), size, x=x, y=y, align=align)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def pdf_response(data: bytes, filename: str) -> Response:
    """The PDF as a download named ``filename`` (non-ASCII names are sent as RFC 5987 allows),
    never cached by a shared cache."""
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
