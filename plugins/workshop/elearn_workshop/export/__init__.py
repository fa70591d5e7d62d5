"""A plan taken out of the site: the whole plan as a PDF (``pdf.plan_pdf``, laid out as the printable
page is) and the financial statements as a CSV a spreadsheet opens (``csv.statements_csv``).

Both take the financial statements as ``Table``s (``elearn_workshop.tables``) with raw cell values,
so each formats them its own way: 1.234.567 ₫ for a reader in the PDF, plain digits in the CSV
for a spreadsheet to compute with. The finance engine is passed in (``finance_tables``) rather than
imported, so the exports do not depend on how the statements are computed and can be tested with
hand-made tables.
"""

from __future__ import annotations

from elearn_workshop.export.csv import statements_csv
from elearn_workshop.export.pdf import FinanceTables, plan_pdf

__all__ = ["FinanceTables", "plan_pdf", "statements_csv"]
