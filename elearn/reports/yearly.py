"""The yearly training report: the year's figures in the form the Alliance reports them to the
province — courses held, learners by area, track and position, completion and results — as a
page, a PDF (the core's ``PdfDocument``, as certificates and the workshop's plans) and JSON.

Each table is the progress report (``progress.progress_report``) restricted to the year: the
enrolments open at some time in it (enrolled before its end, not completed before its start),
completions counted when they fell within it. The caller's reach applies as on every report.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearn.clock import utcnow
from elearn.pdf import PdfDocument
from elearn.reports.access import ReportScope
from elearn.reports.progress import DIMENSIONS, ProgressQuery, ProgressReport, progress_report
from elearn.security import fail

SECTIONS = ("course", "area", "track", "position")
FIRST_YEAR = 2000
LAST_YEAR = 2100


@dataclass
class YearlyReport:
    year: int
    by: dict[str, ProgressReport]

    @property
    def total(self):
        return self.by["course"].total

    @property
    def courses_held(self) -> int:
        return len(self.by["course"].rows)


def this_year() -> int:
    """The year now, in Vietnam."""
    return utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).year


def parse_year(raw: str | None) -> int:
    if raw in (None, ""):
        return this_year()
    text = str(raw).strip()
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= this_year() + 1:
        fail(400, _("“%(field)s” must be a year from %(first)d to %(last)d.", field="year", first=FIRST_YEAR,
                    last=this_year() + 1))
    return int(text)


def yearly_report(db: Session, scope: ReportScope, year: int) -> YearlyReport:
    """Two statements per table (its rows and its total), whatever the number of learners."""
    return YearlyReport(year, {key: progress_report(db, scope, ProgressQuery(group_by=key, year=year))
                               for key in SECTIONS})


def yearly_pdf(report: YearlyReport, organisation: str) -> bytes:
    """The report as the PDF the Alliance files: the summary, then one table per section."""
    title = _("Training report %(year)d", year=report.year)
    doc = PdfDocument(title, author=organisation)
    doc.heading(title)
    if organisation:
        doc.paragraph(organisation)
    total = report.total
    doc.paragraph(_("Courses held: %(courses)s. Enrolments: %(enrolled)s, of which %(completed)s completed "
                    "(%(rate)s).", courses=format_decimal(report.courses_held), enrolled=format_decimal(total.enrolled),
                    completed=format_decimal(total.completed), rate=format_percent(total.completion)))
    for key in SECTIONS:
        found = report.by[key]
        doc.heading(str(DIMENSIONS[key]), level=2)
        rows = [[row.label, format_decimal(row.enrolled), format_decimal(row.started), format_decimal(row.completed),
                 format_percent(row.completion),
                 format_percent(row.average_score) if row.average_score is not None else "—"]
                for row in [*found.rows, found.total]]
        doc.table([str(DIMENSIONS[key]), _("Enrolled"), _("Started"), _("Completed"), _("Completion"),
                   _("Average score")], rows)
    doc.paragraph(_("Each enrolment in a course counts once: a learner in two courses counts twice. The year's "
                    "enrolments are those open at some time in it; completions are counted in the year they "
                    "happened."), size=9)
    return doc.output()
