"""How long a full business plan takes to print as a PDF, and how much memory it needs.

    .venv/bin/python benchmarks/bench_workshop_pdf.py [--runs 10] [--periods 36] [--save plan.pdf]

A plan as large as a cooperative writes one: 9 sections of text, numbers, money and dates (long
texts of a few paragraphs), 3 tables of 20 rows, and the financial plan with 4 statements of
``--periods`` months each (a cash flow with a row per month, and three statements with a column per
month, printed in parts), its summary and its cash chart. The finance engine is replaced by tables
made here, so only the PDF is measured. It runs in a request context of an app on a temporary
SQLite database (for the locale: money is formatted the Vietnamese way); nothing is served and the
site's own instance is not touched.

It prints the seconds per PDF (the first run apart: it loads the font), the PDF's size and pages,
and the peak of memory allocated by Python during one PDF (``tracemalloc``, measured on a run of
its own since tracing slows the run down).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(HERE), str(HERE / "plugins" / "workshop")]

sys.path.insert(0, str(HERE / "benchmarks"))

import workshop_plan  # noqa: E402
from workshop_plan import PARAGRAPH  # noqa: E402


def template(count: int = 9) -> dict:
    """The shared nine-section plan (workshop_plan.py), as the lesson stores it."""
    from elearn_workshop.template import Template

    return Template.model_validate({"sections": workshop_plan.sections(count)}).model_dump(by_alias=True)


def content(plan: dict) -> dict:
    values = {}
    for number, section in enumerate(plan["sections"], start=1):
        section_values = {"tom-tat": PARAGRAPH * 6 + "\n\n" + PARAGRAPH * 4, "chi-tieu": "Tăng sản lượng 15%",
                          "so-luong": "120", "so-tien": str(250_000_000 * number), "ngay": "2027-03-01",
                          "muc-do": "cao"}
        if any(field["key"] == "bang" for field in section["fields"]):
            section_values["bang"] = [{"hang": f"Vật tư số {row}: phân bón hữu cơ vi sinh", "sl": str(row * 10),
                                       "gia": "185000", "tien": str(row * 1_850_000), "ngay": "2027-04-15"}
                                      for row in range(1, 21)]
        if any(field["key"] == "tai-chinh" for field in section["fields"]):
            section_values["tai-chinh"] = {"periods": 36}
        values[section["key"]] = section_values
    return values


def finance_tables(periods: int):
    from elearn_workshop.tables import Column, Table

    months = [f"T{month % 12 + 1}/{2027 + month // 12}" for month in range(periods)]
    cash, balance = [], Decimal(150_000_000)
    flow_rows = []
    for month, label in enumerate(months):
        income, spent = Decimal(90_000_000 + 7_000_000 * (month % 5)), Decimal(95_000_000 + 3_000_000 * (month % 7))
        balance += income - spent
        flow_rows.append((label, income, spent, income - spent, balance))
        cash.append((label, balance))
    flows = Table("Lưu chuyển tiền mặt", (Column("Tháng"), Column("Thu", "money"), Column("Chi", "money"),
                                            Column("Chênh lệch", "money"), Column("Tồn quỹ", "money")),
                  tuple(flow_rows), footer=("Tổng cộng", sum(r[1] for r in flow_rows), sum(r[2] for r in flow_rows),
                                            sum(r[3] for r in flow_rows), None),
                  note="Tồn quỹ cuối tháng = tồn đầu tháng + thu - chi.")
    wide = [Table(title, (Column("Khoản mục"), *(Column(m, "money") for m in months)),
                  tuple((f"{title}: dòng {row}", *(Decimal(1_000_000 * (row + month)) for month in range(periods)))
                        for row in range(1, 9)))
            for title in ("Doanh thu", "Chi phí", "Kết quả kinh doanh")]
    summary = [("Tổng vốn cần có", Decimal(1_612_000_000), "money"),
               ("Lợi nhuận năm đầu", Decimal(-42_000_000), "money"),
               ("Tỷ suất lợi nhuận", Decimal("12.5"), "percent"), ("Thời gian hoàn vốn (tháng)", Decimal(30), "number")]

    def tables(field, value):
        return summary, [flows, *wide], cash

    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--periods", type=int, default=36)
    parser.add_argument("--save", type=Path, help="also write the PDF here, to look at it")
    args = parser.parse_args()

    from elearn_workshop.export import plan_pdf
    from pypdf import PdfReader

    from elearn import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "INSTANCE_PATH": folder,
                          "SECRET_KEY": "bench", "TESTING": True})
        plan = template()
        values = content(plan)
        tables = finance_tables(args.periods)

        def one() -> bytes:
            return plan_pdf(plan, values, cooperative="Hợp tác xã Nông nghiệp Tân Phú",
                            course="Lập phương án kinh doanh",
                            lesson_title="Phương án sản xuất, kinh doanh 2027-2029", version=12,
                            saved_at=datetime(2027, 3, 2, 3, 0, tzinfo=UTC), finance_tables=tables)

        with app.test_request_context():
            started = time.perf_counter()
            data = one()
            first = time.perf_counter() - started
            times = []
            for _run in range(args.runs):
                started = time.perf_counter()
                one()
                times.append(time.perf_counter() - started)
            tracemalloc.start()
            one()
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        app.extensions["elearn_db"].dispose()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    if args.save:
        args.save.write_bytes(data)
    print(f"plan: 9 sections, 3 tables of 20 rows, 4 statements of {args.periods} periods")
    print(f"PDF: {len(data) / 1024:.0f} KB, {pages} pages")
    print(f"first PDF: {first:.3f} s")
    print(f"next {args.runs}: median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s")
    print(f"peak memory of one PDF (tracemalloc): {peak / 1024 / 1024:.1f} MB")


if __name__ == "__main__":
    main()
