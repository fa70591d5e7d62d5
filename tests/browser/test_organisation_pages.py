"""The organisations pages and the profile page on a 360×740 phone: nothing wider than the screen
but the tables, which scroll inside their labelled region, and no serious accessibility fault."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.demo import DEMO_ORGANISATIONS
from elearn.models import AdminUnit, StaffArea
from elearn.organisations.access import OrgAccess
from elearn.organisations.importer import import_organisations
from elearn.testing import TEST_PASSWORD, axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
WIDER_THAN_THE_SCREEN = """() => {
  const width = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('.table-scroll')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)) out.push(el.outerHTML.slice(0, 80));
  }
  return out;
}"""


@pytest.fixture
def people(db, make_user):
    admin = make_user("admin", "quantri@example.org", "Lê Minh Châu")
    staff = make_user("instructor", "giangvien@example.org", "Trần Thị Bình")
    learner = make_user("learner", "hocvien@example.org", "Nguyễn Văn An")
    report = import_organisations(db, OrgAccess(admin, None), DEMO_ORGANISATIONS.read_bytes(), commit=True)
    assert report.committed
    area = db.scalar(select(AdminUnit).where(AdminUnit.code == "DB-HMN"))
    db.add(StaffArea(user_id=staff.id, unit_id=area.id))
    db.commit()
    return {"admin": admin, "staff": staff, "learner": learner}


@pytest.mark.parametrize(("who", "paths"), [
    ("admin", ["/orgs/", "/orgs/units", "/orgs/import", "/orgs/staff", "/orgs/cooperatives/new", "/orgs/units/new"]),
    ("staff", ["/orgs/", "/orgs/units"]),
    ("learner", ["/me/profile", "/me/profile?unit=10"]),
])
def test_the_pages_fit_a_phone_and_pass_axe(browser, site, people, axe_script, who, paths):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{site}/login")
    page.fill("#login", people[who].email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main form button.button")
    try:
        for path in paths:
            page.goto(f"{site}{path}")
            assert page.evaluate(WIDER_THAN_THE_SCREEN) == [], path
            assert axe_violations(page, axe_script) == [], path
            for region in page.locator(".table-scroll").all():
                assert region.get_attribute("role") == "region" and region.get_attribute("aria-labelledby")
    finally:
        context.close()
