"""CSV files that people make in Excel, read and written one way for every importer and export.

The organisations importer and the learners importer share this: the file is UTF-8 with or
without a BOM, ``;`` or ``,`` (or a tab) between the columns, capped in size; the header names the
columns in English or Vietnamese; each record keeps its row number as a spreadsheet shows it
(the header is row 1), so a report can point at the row to fix. An import checks every row, and
writes only a file without a single error (``ImportReport.ok``). Exports neutralise formulas, since
a cell that starts with ``=`` is run by Excel when an administrator opens the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from flask_babel import gettext as _

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
Action = Literal["create", "update", "unchanged", "error"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def key(text: str) -> str:
    """A header or a value as compared: trimmed, lower case, single spaces."""
    return re.sub(r"\s+", " ", (text or "").strip().lower())


@dataclass
class RowResult:
    row: int
    action: Action
    code: str
    name: str
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    file_error: str | None = None
    committed: bool = False
    created_ids: list[int] = field(default_factory=list)  # the accounts a committed import made (learners)

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.action == "error"]

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)


def read_rows(data: bytes, headers: Mapping[str, set[str]], required: Iterable[str],
              max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    """The file's records as ``(row number, {column: value})``, or a reason the file cannot be read.

    ``headers`` maps each column to the titles it may have (compared by ``key``); ``required`` are
    the columns the header must name."""
    if len(data) > max_bytes:
        return [], _("The file is too large: at most %(size)s.", size=size(max_bytes))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.")
    if not text.strip():
        return [], _("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, [])
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        for name, aliases in headers.items():
            if key(title) in aliases:
                columns[index] = name
    missing = [name for name in required if name not in columns.values()]
    if missing:
        return [], _("The first row must name the columns; missing: %(columns)s.", columns=", ".join(missing))
    records = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        record = {name: "" for name in headers}
        for index, value in enumerate(values):
            if index in columns:
                record[columns[index]] = value.strip()
        records.append((number, record))
    return records, None


def size(count: int) -> str:
    """``5 MB``, or ``100 KB`` below a megabyte (bytes as people read a size)."""
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:g} MB"
    return f"{max(1, count // 1024)} KB"


def neutralise(value: object) -> str:
    """A cell that a spreadsheet shows as text: one starting with ``= + - @`` (a formula) gets a ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with a BOM (so Excel reads the Vietnamese right), ``,`` between columns, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return "\ufeff".encode() + out.getvalue().encode()


def report_body(report: ImportReport) -> dict:
    """An import's report as the API answers it (``ImportResult`` in ``elearn.organisations.api``)."""
    return {"committed": report.committed, "created": report.count("create"), "updated": report.count("update"),
            "unchanged": report.count("unchanged"), "errors": report.count("error"),
            "rows": [{"row": r.row, "action": r.action, "code": r.code, "name": r.name, "message": r.message}
                     for r in report.rows]}


def unneutralise(text: str) -> str:
    """A cell as ``neutralise`` found it: an export imported again changes nothing."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def upload_page(run, max_bytes: int, again: str, template: str):
    """The admin upload page of a CSV import: "Check" shows the report row by row, "Import" writes it
    (all or nothing, committed here). ``run(db, data, commit, max_bytes)`` is the importer; ``again``
    the endpoint to send a form without a file back to. The organisations and learners pages share it."""
    from flask import flash, redirect, render_template, request, url_for

    from elearn.db import db_session

    report = None
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            flash(_("Choose a CSV file."), "error")
            return redirect(url_for(again), code=303)
        db = db_session()
        report = run(db, file.stream.read(max_bytes + 1), request.form.get("commit") == "1", max_bytes)
        if report.committed:
            db.commit()
            flash(_("Imported: %(created)d created, %(updated)d changed, %(unchanged)d unchanged.",
                    created=report.count("create"), updated=report.count("update"),
                    unchanged=report.count("unchanged")), "success")
        else:
            db.rollback()
    return render_template(template, report=report), 400 if report is not None and not report.ok else 200
