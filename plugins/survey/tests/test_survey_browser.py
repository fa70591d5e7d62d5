"""The needs survey on a 360×740 phone in Chromium: a question depending on an answer on the same page
is hidden and shown live by the page's script, the survey is answered to the end, and the instructor
sees the chart. Run once, on SQLite (the browser is what is tested here)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from survey_samples import FULL

from elearn.testing import database_for

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    return database_for("sqlite", _migrated_databases, tmp_path)


def test_a_learner_answers_on_a_phone_and_the_instructor_sees_the_chart(survey, browser_login, site, answer):
    site_data = survey(anonymous=False)
    lesson = site_data.lesson
    page = browser_login(site_data.lan, viewport=PHONE, locale="vi-VN")
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.goto(f"{site}/lessons/{lesson.id}")
    crops = page.locator("#q-cay-trong")
    expect(crops).to_be_hidden()  # shown only for agriculture, decided live on this page
    page.get_by_label("Nông nghiệp").check()
    expect(crops).to_be_visible()
    page.get_by_label("Dịch vụ").check()
    expect(crops).to_be_hidden()
    page.get_by_label("Nông nghiệp").check()
    page.get_by_label("Lúa").check()
    page.locator('input[name="q.thanh-vien"]').fill("25")
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp", exact=True).click()
    expect(page.get_by_text("Trang 2/3")).to_be_visible()
    why = page.locator("#q-vi-sao")
    expect(why).to_be_hidden()
    page.get_by_label("Chưa", exact=True).check()
    expect(why).to_be_visible()
    page.locator('textarea[name="q.vi-sao"]').fill("Chưa biết thủ tục")
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi câu trả lời").click()
    expect(page.get_by_text("Cảm ơn anh/chị! Câu trả lời đã được gửi.")).to_be_visible()
    assert problems == []

    for other in (site_data.minh,):
        assert answer(other, lesson, {**FULL, "linh-vuc": "dich-vu", "nhan-hieu": "co"}).status_code == 201
    teacher = browser_login(site_data.teacher, viewport=PHONE, locale="vi-VN")
    teacher.goto(f"{site}/x/survey/lessons/{lesson.id}/results")
    chart = teacher.locator("#r-linh-vuc svg.survey-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(3)
    expect(teacher.locator("#r-linh-vuc")).to_contain_text("1 (50.0%)")
