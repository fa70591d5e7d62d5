"""Staff pages on a 360×740 phone: the admin users and plugins pages fit the screen (every role
select and its save button reachable without scrolling sideways), the groups page's buttons are
named by their visible words first, and a pack's diagram opens full size."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearn.groups import service
from elearn.models import Course, CourseInstructor
from elearn.testing import TEST_PASSWORD, axe_violations

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[2] / "content_packs" / "hop-tac-xa-co-ban"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def demo(app, db, make_user, enrol):
    from elearn.packs.service import install_path

    install_path(app, DEMO)
    course = db.query(Course).one()
    people = {
        "learner": make_user("learner", "hocvien@example.org", "Nguyễn Văn An"),
        "instructor": make_user("instructor", "giangvien@example.org", "Trần Thị Bình"),
        "admin": make_user("admin", "quantri@example.org", "Lê Minh Châu"),
    }
    db.add(CourseInstructor(course_id=course.id, user_id=people["instructor"].id))
    db.commit()
    enrol(people["learner"], course)
    group = next(row.group for row in service.groups_of_course(db, course))
    service.assign(db, course, people["learner"], group)
    db.commit()
    return course, people


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()

    def sign_in(email: str):
        page.goto(f"{site}/login")
        page.fill("#login", email)
        page.fill("#password", TEST_PASSWORD)
        with page.expect_navigation():
            page.click("main form button.button")
        return page

    yield sign_in
    context.close()


OVERFLOW = """selector => {
  const out = [], width = window.innerWidth;
  if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth}px`);
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.right > width || box.left < 0) out.push(`${el.outerHTML.slice(0, 60)} at ${box.left}-${box.right}`);
  }
  return out;
}"""


def test_the_users_and_plugins_pages_fit_a_phone(phone, site, demo):
    page = phone("quantri@example.org")
    page.goto(f"{site}/admin/users")
    assert page.locator("main ul.people select[name=role]").count() == 3
    assert page.evaluate(OVERFLOW, "main ul.people select, main ul.people button, main .who") == []
    page.goto(f"{site}/admin/plugins")
    assert page.evaluate(OVERFLOW, "main td, main th") == []


def test_the_groups_page_names_its_buttons_by_their_visible_words(phone, site, demo, axe_script):
    course, _people = demo
    page = phone("giangvien@example.org")
    page.goto(f"{site}/courses/{course.slug}/groups")
    assert page.get_by_role("button", name="Gỡ bỏ Nguyễn Văn An").count() == 1
    assert axe_violations(page, axe_script, impacts=("minor", "moderate", "serious", "critical"),
                          rules=("label-content-name-mismatch",)) == []
    assert page.evaluate(OVERFLOW, "main button, main select") == []


def test_a_diagram_of_the_pack_opens_full_size(phone, site, demo):
    course, _people = demo
    page = phone("hocvien@example.org")
    lessons = {lesson.key: lesson for module in course.modules for lesson in module.lessons}
    lesson = lessons["dai-hoi-thanh-vien"]
    page.goto(f"{site}/lessons/{lesson.id}")
    picture = page.locator("a.picture")
    assert picture.count() == 1
    squeezed = page.locator("a.picture img").bounding_box()["width"]
    with page.expect_navigation():
        picture.click()
    assert page.url.endswith("/media/so-do-to-chuc.svg")
    # Opened alone, the diagram is as wide as it was drawn (480 px), wider than it was in the lesson.
    assert page.evaluate("document.documentElement.getBoundingClientRect().width") >= 480 > squeezed


def test_the_course_report_and_the_account_page_fit_a_phone_and_pass_axe(phone, site, demo, axe_script):
    """The pages the platform hooks added (elearn/core_plugin.py's report columns, /account's
    profile fields): no serious accessibility problem, nothing wider than the phone but the
    report's own scrolling table."""
    course, _people = demo
    page = phone("giangvien@example.org")
    page.goto(f"{site}/courses/{course.slug}/report")
    assert page.locator("main table.report tbody th").all_inner_texts() == ["Nguyễn Văn An"]
    assert axe_violations(page, axe_script) == []
    assert page.evaluate(OVERFLOW, "main select, main button, main .table-scroll") == []
    page.select_option("#group-by", index=1)
    with page.expect_navigation():
        page.click("main form.filter button")
    assert "group_by=" in page.url and axe_violations(page, axe_script) == []
    page.goto(f"{site}/account")
    assert axe_violations(page, axe_script) == []
    page.goto(f"{site}/me")
    assert axe_violations(page, axe_script) == []
