"""The enrolment pages on a 360×740 phone, as a learner in a training room uses them: the code
page's QR code opens the form filled in, the form enrols, and the programme on the dashboard, the
codes list and the code page fit the screen with no serious accessibility fault (axe-core)."""

from __future__ import annotations

import re

import pytest

from elearn.enrolment import codes
from elearn.models import CourseInstructor
from elearn.testing import TEST_PASSWORD, axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
OVERFLOW = """() => document.documentElement.scrollWidth > window.innerWidth
  ? [`page ${document.documentElement.scrollWidth}px`] : []"""


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()

    def sign_in(user):
        page.context.clear_cookies()
        page.goto(f"{site}/login")
        page.fill("#login", user.email)
        page.fill("#password", TEST_PASSWORD)
        with page.expect_navigation():
            page.click("main form button.button")
        return page

    yield sign_in
    context.close()


@pytest.fixture
def setting(db, admin, instructor, make_course):
    from elearn.enrolment import programmes

    first = make_course(slug="kien-thuc-chung", title="Kiến thức chung về hợp tác xã")
    second = make_course(slug="quan-tri", title="Quản trị hợp tác xã")
    db.add(CourseInstructor(course_id=first.id, user_id=instructor.id))
    programme = programmes.create_programme(db, "Giám đốc HTX", "", [
        programmes.PlannedCourse(first.slug, None), programmes.PlannedCourse(second.slug, None, [first.slug])])
    cohort = programmes.create_cohort(db, programme, "Giám đốc HTX khu vực Mường Thanh, 2027")
    code = codes.create(db, first, instructor, max_uses=30)
    db.commit()
    return first, cohort, code


def test_scanning_the_qr_code_opens_the_form_filled_in_and_it_enrols(phone, site, learner, instructor, setting,
                                                                       axe_script):
    course, _cohort, code = setting
    page = phone(instructor)
    page.goto(f"{site}/courses/{course.slug}/codes/{code.id}")
    assert page.locator("main figure.qr svg").count() == 1
    assert axe_violations(page, axe_script) == [] and page.evaluate(OVERFLOW) == []
    link = page.locator("main figure.qr a").get_attribute("href")
    assert re.search(rf"/join/{code.code}$", link)
    page.goto(f"{site}/courses/{course.slug}/codes")
    assert axe_violations(page, axe_script) == [] and page.evaluate(OVERFLOW) == []
    page = phone(learner)
    page.goto(link)
    assert page.input_value("#enrol-code") == code.code
    assert axe_violations(page, axe_script) == [] and page.evaluate(OVERFLOW) == []
    with page.expect_navigation():
        page.click("main form.enrol-code button")
    assert page.url.endswith(f"/courses/{course.slug}")


def test_the_programme_on_the_dashboard_fits_a_phone(db, phone, site, learner, setting, axe_script):
    from elearn.enrolment import programmes

    _course, cohort, _code = setting
    programmes.add_members(db, cohort, [learner.id])
    db.commit()
    page = phone(learner)
    page.goto(f"{site}/me")
    assert page.locator("main section.programme li.step.locked").count() == 1
    assert axe_violations(page, axe_script) == [] and page.evaluate(OVERFLOW) == []
