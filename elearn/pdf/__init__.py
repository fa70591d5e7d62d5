"""PDF documents of the site (certificates, reports, a workshop's plan), in Vietnamese.

Why fpdf2: it is pure Python (nothing to compile on the server, like segno for QR codes), it is
actively kept (releases every few months), it embeds a TrueType font as a subset with a Unicode
map, so the text of every Vietnamese letter with its tone mark is in the file and can be searched
and extracted, and its small API (cells, wrapped paragraphs, tables, PNG/JPEG/SVG images) is all
a certificate or a report needs. ReportLab does as much but its layout engine (Platypus) is far
larger than these documents need, and its faster parts are C extensions.

The font is DejaVu Sans (regular and bold, ``fonts/``, with its licence), cut down with fontTools'
``pyftsubset`` to Latin, Latin-1, the Vietnamese letters (U+1EA0–U+1EF9, ơ ư đ and combining
marks), punctuation and the đồng sign: 130 KB instead of 1.4 MB. Make the cut again with::

    pyftsubset DejaVuSans.ttf --layout-features='*' --output-file=elearn/pdf/fonts/DejaVuSans.ttf \\
      --unicodes=U+0020-007E,U+00A0-017F,U+01A0-01B0,U+0300-0323,U+1EA0-1EF9,U+2010-2027,U+2030-203A,U+20AB,U+20AC,U+2116,U+2122

Plugins use ``PdfDocument`` through ``elearn.plugin_api`` (the workshop's business plan, say).
"""

from elearn.pdf.document import PdfDocument, pdf_response, qr_png

__all__ = ["PdfDocument", "pdf_response", "qr_png"]
