"""The yearly training report: the year's enrolments (open at some time in it) and completions
(within it), by course, area, track and position, against hand-counted fixtures; as a page, a PDF
whose text holds the figures, CSV and JSON; within the reader's reach."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from test_reports import programme, readers, school, scoring_plugin, tree  # noqa: F401  (fixtures)

from elearn.models import Enrolment

HERE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def years(db, school, programme):  # noqa: F811  (the fixtures imported above)
    """Move the enrolments in time. K1: An, Bình, Cường enrolled in March 2025; An completed K1 on
    1 January 2026 at 05:00 Vietnam time (still 31 December 2025 in UTC: it counts in 2026); Dũng
    enrolled and completed K1 in 2024 (not open in 2025 nor 2026). K2: An enrolled and completed in
    2026, Cường enrolled in 2026."""
    people = school.people
    k1 = {e.user_id: e for e in db.query(Enrolment).filter(Enrolment.course_id == school.course.id)}
    k2 = {e.user_id: e for e in db.query(Enrolment).filter(Enrolment.course_id == programme.second.id)}
    for key in ("an", "binh", "cuong"):
        k1[people[key].id].enrolled_at = datetime(2025, 3, 1, tzinfo=HERE)
    k1[people["an"].id].completed_at = datetime(2026, 1, 1, 5, 0, tzinfo=HERE)
    k1[people["dung"].id].enrolled_at = datetime(2024, 2, 1, tzinfo=HERE)
    k1[people["dung"].id].completed_at = datetime(2024, 6, 1, tzinfo=HERE)
    k2[people["an"].id].enrolled_at = datetime(2026, 2, 1, tzinfo=HERE)
    k2[people["an"].id].completed_at = datetime(2026, 2, 1, tzinfo=HERE) + timedelta(days=10)
    k2[people["cuong"].id].enrolled_at = datetime(2026, 5, 1, tzinfo=HERE)
    db.commit()
    return people


def report(client, year, token):
    return client.get(f"/api/v1/reports/yearly?year={year}", headers={"Authorization": f"Bearer {token}"}).get_json()


def counts(part):
    return {row["label"]: (row["enrolled"], row["completed"]) for row in [*part["rows"], part["total"]]}


def test_the_years_figures_by_course_area_track_and_position(client, admin, years, school, programme,  # noqa: F811
                                                            api_token):
    token = api_token(admin)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    k1, k2 = school.course.title_en, programme.second.title_en
    in_2025 = report(client, 2025, token)
    assert in_2025["courses_held"] == 1
    assert counts(in_2025["course"]) == {k1: (3, 0), "Total": (3, 0)}  # Dũng's ended in 2024
    assert counts(in_2025["area"]) == {"Khu vực A": (2, 0), "Khu vực B": (1, 0), "Total": (3, 0)}
    in_2026 = report(client, 2026, token)
    # K1 was still open in 2026 for all three, and An completed it then (Vietnam's new year); K2: An and Cường.
    assert in_2026["courses_held"] == 2
    assert counts(in_2026["course"]) == {k1: (3, 1), k2: (2, 1), "Total": (5, 2)}
    assert counts(in_2026["track"]) == {"Urban": (2, 2), "Rural": (3, 0), "Total": (5, 2)}
    assert counts(in_2026["position"]) == {"Director": (2, 2), "Member": (3, 0), "Total": (5, 2)}
    assert report(client, 2024, token)["course"]["total"]["enrolled"] == 1
    bad = client.get("/api/v1/reports/yearly?year=1990", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and "year" in bad.get_json()["error"]["message"]


def test_the_page_the_pdf_and_the_csv_say_the_same(app, login, admin, years):
    reader = app.test_client()
    login(reader, admin)
    page = reader.get("/reports/yearly?year=2026").get_data(as_text=True)
    assert "Khu vực A" in page and "<svg" in page
    pdf = reader.get("/reports/yearly?year=2026&format=pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "2026" in text and "Khu vực A" in text and "Nguyễn" not in text  # figures, never names
    csv = reader.get("/reports/yearly?year=2026&format=csv").get_data().decode("utf-8-sig")
    assert csv.count("\n") >= 8


def test_area_staff_see_their_area_only(app, years, readers, api_token):  # noqa: F811
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    got = report(client, 2026, api_token(readers.staff_a))
    assert set(counts(got["area"])) == {"Khu vực A", "Total"}
    assert counts(got["area"])["Total"] == (3, 2)  # An's K1 and K2, Bình's K1; not Cường of area B
