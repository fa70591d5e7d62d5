"""A plan taken out of the site: the PDF a cooperative prints or sends to the bank (every Vietnamese
letter kept as text, money the Vietnamese way, tables with their headings, the statements, page
numbers) and the statements' CSV a spreadsheet computes with (plain numbers, no formula run)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from elearn_workshop.export import plan_pdf, statements_csv
from elearn_workshop.tables import Column, Table
from elearn_workshop.template import Template
from flask_babel import gettext as _
from pypdf import PdfReader
from workshop_samples import content as sample_content

CASH = [("T1/2027", Decimal("150000000")), ("T2/2027", Decimal("-42000000")), ("T3/2027", Decimal("88000000"))]
FLOWS = Table("Lưu chuyển tiền mặt", (Column("Tháng"), Column("Thu", "money"), Column("Chi", "money"),
                                        Column("Tồn quỹ cuối kỳ", "money")),
              rows=(("T1/2027", Decimal("300000000"), Decimal("150000000"), Decimal("150000000")),
                    ("T2/2027", Decimal("8000000"), Decimal("200000000"), Decimal("-42000000")),
                    ("T3/2027", Decimal("310000000"), Decimal("180000000"), Decimal("88000000"))),
              footer=("Tổng cộng", Decimal("618000000"), Decimal("530000000"), None),
              note="Tồn quỹ = tồn đầu kỳ + thu - chi.")
MARGIN = Table("Tỷ suất", (Column("Chỉ tiêu"), Column("Tỷ lệ", "percent"), Column("Ngày", "date")),
               rows=(("=HYPERLINK(\"http://x.example/\",\"Bấm\")", Decimal("7.5"), date(2027, 3, 31)),
                     ("Lãi vay", Decimal("-1.25"), None)))


def template() -> dict:
    """The sample template, with a long text, an empty optional field, an empty section and the finance field."""
    plan = sample_content()
    plan["sections"][0]["fields"] += [{"key": "san-pham", "label": "Sản phẩm chính", "kind": "longtext"},
                                      {"key": "website", "label": "Trang web"}]
    # the sample's last section is the finance field (its statements are hand-made tables here)
    plan["sections"].append({"key": "rui-ro", "title": "Rủi ro và cách phòng ngừa",
                             "fields": [{"key": "rui-ro", "label": "Các rủi ro", "kind": "longtext"}]})
    return Template.model_validate(plan).model_dump(by_alias=True)  # as the lesson stores it: defaults filled


CONTENT = {
    "gioi-thieu": {"ten": "Hợp tác xã Tân Phú", "so-thanh-vien": "45",
                   "san-pham": "Gạo ST25 đạt chuẩn VietGAP, đóng túi 5 kg. " * 30},
    "von": {"von-gop": "12000000", "mua-sam": [{"hang": "Máy sấy lúa", "tien": "350000000"},
                                               {"hang": "Kho lạnh", "tien": "1250000000"}]},
    "tai-chinh": {"ke-hoach": {"thang": 3}},
}


def finance_tables(field, value):
    assert field["kind"] == "finance" and value == {"thang": 3}
    return ([("Tổng vốn cần có", Decimal("1612000000"), "money"), ("Tỷ suất lợi nhuận", Decimal("12.5"), "percent")],
            [FLOWS], CASH)


def make_pdf(app, content=CONTENT, **extra) -> tuple[PdfReader, str]:
    with app.test_request_context():
        data = plan_pdf(template(), content, cooperative="Hợp tác xã Tân Phú", course="Lập phương án kinh doanh",
                        lesson_title="Phương án sản xuất, kinh doanh 2027", version=7,
                        saved_at=datetime(2027, 3, 2, 3, 0, tzinfo=UTC), finance_tables=finance_tables,
                        **extra)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_plan_pdf_keeps_the_cooperatives_words_and_its_money_the_vietnamese_way(app):
    reader, text = make_pdf(app)
    flat = " ".join(text.split())
    assert reader.metadata.title == "Phương án sản xuất, kinh doanh 2027 — Hợp tác xã Tân Phú"
    cover = reader.pages[0].extract_text()
    for expected in ("Phương án sản xuất, kinh doanh 2027", "Hợp tác xã Tân Phú", "Lập phương án kinh doanh",
                     "2027"):
        assert expected in cover, expected
    for expected in ("1. Hợp tác xã và thành viên", "Tên hợp tác xã", "Gạo ST25 đạt chuẩn VietGAP", "45",
                     "Vốn góp của thành viên", "12.000.000 ₫",
                     "Hạng mục", "Số tiền", "Máy sấy lúa", "350.000.000 ₫", "Kho lạnh", "1.250.000.000 ₫"):
        assert expected in flat, expected
    assert flat.count("Gạo ST25 đạt chuẩn VietGAP") == 30, "the long text is all there, wrapped"
    assert "Trang web" not in flat, "an empty optional field is left out"


def test_the_finance_field_prints_its_summary_statements_and_a_cash_chart(app):
    reader, text = make_pdf(app)
    flat = " ".join(text.split())
    for expected in ("Tổng vốn cần có", "1.612.000.000 ₫", "12,5%", "Lưu chuyển tiền mặt", "Tồn quỹ cuối kỳ",
                     "-42.000.000 ₫", "Tổng cộng", "618.000.000 ₫", "Tồn quỹ = tồn đầu kỳ + thu - chi.",
                     "T1/2027", "T3/2027"):
        assert expected in flat, expected
    with app.test_request_context():
        assert _("Cash at the end of each period") in flat
        assert _("Short of cash") in flat, "a negative balance is told apart"
    chart_page = next(page for page in reader.pages if "T2/2027" in page.extract_text())
    drawn = chart_page.get_contents().get_data().decode("latin-1")
    assert drawn.count(" re") >= len(CASH), "one bar per period"


def test_every_page_is_numbered_and_an_empty_section_says_so(app):
    reader, text = make_pdf(app)
    count = len(reader.pages)
    assert count >= 3
    with app.test_request_context():
        for number, page in enumerate(reader.pages, start=1):
            assert _("Page %(page)s/%(pages)s", page=number, pages=count) in page.extract_text()
        assert "4. Rủi ro và cách phòng ngừa" in text
        assert _("(not written yet)") in text


def test_a_wide_statement_is_printed_in_parts_with_its_first_column_again(app):
    months = [f"T{n}" for n in range(1, 13)]
    wide = Table("Kết quả kinh doanh", (Column("Khoản mục"), *(Column(m, "money") for m in months)),
                 rows=(("Doanh thu", *(Decimal(n * 1000000) for n in range(1, 13))),))

    def tables(field, value):
        return [], [wide], []

    with app.test_request_context():
        data = plan_pdf(template(), CONTENT, cooperative="HTX Tân Phú", course="", lesson_title="Phương án",
                        version=1, saved_at=None, finance_tables=tables)
        continued = _("%(title)s (continued)", title="Kết quả kinh doanh")
    flat = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
    assert "12.000.000 ₫" in flat and "1.000.000 ₫" in flat
    assert continued in flat and flat.count("Doanh thu") == 2


def test_the_statements_csv_opens_in_a_spreadsheet_with_numbers_it_can_add_up(app):
    text = statements_csv([FLOWS, MARGIN])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["Lưu chuyển tiền mặt"]
    assert rows[1] == ["Tháng", "Thu", "Chi", "Tồn quỹ cuối kỳ"]
    assert rows[3] == ["T2/2027", "8000000", "200000000", "-42000000"], "a negative number stays a number"
    assert rows[5] == ["Tổng cộng", "618000000", "530000000", ""]
    assert sum(Decimal(row[1]) for row in rows[2:5]) == Decimal(rows[5][1])
    assert rows[6] == ["Tồn quỹ = tồn đầu kỳ + thu - chi."]
    assert rows[7] == [], "a blank row between tables"
    assert rows[8] == ["Tỷ suất"] and rows[9] == ["Chỉ tiêu", "Tỷ lệ", "Ngày"]
    assert rows[10] == ["'=HYPERLINK(\"http://x.example/\",\"Bấm\")", "7.5", "2027-03-31"], "no formula is run"
    assert rows[11] == ["Lãi vay", "-1.25", ""]
    assert len(rows) == 12


def test_csv_numbers_are_plain_digits_whatever_the_decimal_looks_like():
    table = Table("Vốn", (Column("Khoản"), Column("Số tiền", "money"), Column("Ghi chú")),
                  rows=(("Vay", Decimal("1.5E+9"), "-vay ngân hàng"), ("Góp", "-350000", "+góp thêm"),
                        ("@tên", Decimal("12000000.00"), "bình thường")))
    rows = list(csv.reader(io.StringIO(statements_csv([table]).removeprefix("\ufeff"))))
    assert rows[2:] == [["Vay", "1500000000", "'-vay ngân hàng"], ["Góp", "-350000", "'+góp thêm"],
                        ["'@tên", "12000000", "bình thường"]]
