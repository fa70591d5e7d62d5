"""A certificate on a 360×740 phone: the learner who completed the course downloads it from the
dashboard, its PDF's text has the name with its diacritics and a code, and the verification page
(opened by anyone, as its QR code would) accepts that code; the pages fit the screen with no
serious accessibility fault (axe-core)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_certificates import write_pack

from elearn.models import Course, CourseInstructor
from elearn.testing import axe_violations, csrf_token, lesson_ids

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
OVERFLOW = """() => document.documentElement.scrollWidth > window.innerWidth
  ? [`page ${document.documentElement.scrollWidth}px`] : []"""


@pytest.fixture
def completed(app, db, client, learner, instructor, enrol, login, tmp_path):
    from elearn.packs.service import install_path

    install_path(app, write_pack(tmp_path / "pack"))
    course = db.query(Course).one()
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    enrol(learner, course)
    login(client, learner)
    for lesson_id in lesson_ids(db, course):
        client.post(f"/lessons/{lesson_id}/submit",
                    data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{lesson_id}")})
    return course


def test_the_learner_downloads_the_certificate_and_the_verification_page_accepts_its_code(
        browser, browser_login, site, learner, instructor, completed, axe_script):
    page = browser_login(learner, viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN",
                         accept_downloads=True)
    page.goto(f"{site}/me")
    assert axe_violations(page, axe_script) == [] and page.evaluate(OVERFLOW) == []
    with page.expect_download() as download:
        page.click("text=Tải chứng nhận (PDF)")
    text = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages[0].extract_text()
    assert "Nguyễn Văn An" in text and "Quản trị hợp tác xã" in text
    code = re.search(r"Mã xác minh: ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})", text).group(1)

    visitor = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN").new_page()
    visitor.goto(f"{site}/verify")
    visitor.fill("#code", code.lower())
    with visitor.expect_navigation():
        visitor.click("main form button")
    assert visitor.locator("main .notice.success").inner_text() == "Chứng nhận hợp lệ."
    assert "Nguyễn Văn An" in visitor.locator("main dl.facts").inner_text()
    assert axe_violations(visitor, axe_script) == [] and visitor.evaluate(OVERFLOW) == []
    visitor.context.close()

    staff = browser_login(instructor, viewport=PHONE, is_mobile=True, locale="vi-VN")
    staff.goto(f"{site}/courses/{completed.slug}/certificates")
    assert axe_violations(staff, axe_script) == [] and staff.evaluate(OVERFLOW) == []
