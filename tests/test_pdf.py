"""The core's PDF documents: Vietnamese text kept as text (searchable, extractable), the site's name
at the top, tables and images, and a download that no shared cache keeps."""

from __future__ import annotations

import io

from pypdf import PdfReader

from elearn.pdf import PdfDocument, pdf_response, qr_png


def test_a_document_keeps_every_vietnamese_letter_as_text(app):
    with app.test_request_context():
        doc = PdfDocument("Phương án kinh doanh")
        doc.heading("Phương án kinh doanh năm 2027")
        doc.paragraph("Hợp tác xã dịch vụ nông nghiệp Tân Thành — ưu tiên đầu tư, giảm rủi ro.")
        doc.table(["Khoản mục", "Số tiền"], [["Doanh thu dự kiến", "1.234.567 ₫"], ["Chi phí", None]],
                  widths=(70, 30))
        doc.qr("https://hoctap.example.org/plan/12", 25)
        data = doc.output()
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    for expected in ("Học tập Hợp tác xã", "Phương án kinh doanh năm 2027", "Tân Thành — ưu tiên đầu tư, giảm rủi ro.",
                     "Khoản mục", "Doanh thu dự kiến", "1.234.567 ₫"):
        assert expected in text, expected
    assert reader.metadata.title == "Phương án kinh doanh"
    assert len(reader.pages[0]["/Resources"]["/XObject"]) == 1, "the QR code"


def test_every_vietnamese_letter_has_a_glyph_in_the_bundled_fonts():
    from fontTools.ttLib import TTFont

    from elearn.pdf.document import FONTS

    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        covered = set(TTFont(FONTS / name).getBestCmap())
        missing = [ch for ch in letters + letters.upper() + "₫" if ord(ch) not in covered]
        assert missing == [], (name, missing)


def test_the_download_is_private_and_named(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-1.4", "chứng-nhận.pdf")
    assert response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    assert "attachment" in response.headers["Content-Disposition"]
    assert qr_png("x").startswith(b"\x89PNG")
