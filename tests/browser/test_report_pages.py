"""The gradebook and the reports on a 360×740 phone: nothing wider than the screen but the tables,
which scroll inside their labelled region, and no serious accessibility fault.

A screenshot of the gradebook is kept (``ELEARN_SCREENSHOTS=<folder>``, else the test's own tmp
folder) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elearn.clock import utcnow
from elearn.models import (
    AdminUnit,
    Cooperative,
    CooperativeKind,
    Enrolment,
    LearnerProfile,
    LessonProgress,
    Position,
    Status,
    UnitLevel,
)
from elearn.organisations.service import place
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
QUIZ = {"questions": [{"id": "q1", "type": "truefalse", "stem": "Hợp tác xã có tư cách pháp nhân?", "correct": True}]}
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang"]


@pytest.fixture
def classroom(db, make_course, make_user):
    from elearn_quiz.models import AttemptState, QuizAttempt

    admin = make_user("admin", "quantri@example.org", "Lê Minh Châu")
    province = AdminUnit(code="11", name="Tỉnh Điện Biên", level=UnitLevel.PROVINCE)
    db.add(province)
    db.flush()
    commune = AdminUnit(code="X1", name="Xã Thanh Nưa", level=UnitLevel.COMMUNE)
    place(commune, province)
    db.add(commune)
    db.flush()
    coop = Cooperative(name="HTX Nông nghiệp Thanh Nưa", kind=CooperativeKind.AGRICULTURAL,
                       registration_number="R-1", unit_id=commune.id)
    db.add(coop)
    course = make_course([("page", {"text": "Đọc"}), ("quiz", QUIZ), ("page", {"text": "Đọc"}), ("quiz", QUIZ)],
                         modules=2, title="Kế toán hợp tác xã")
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    now = utcnow()
    for index, name in enumerate(NAMES):
        user = make_user("learner", f"hv{index}@example.org", name)
        db.add(Enrolment(user_id=user.id, course_id=course.id))
        db.add(LearnerProfile(user_id=user.id, cooperative_id=coop.id, position=Position.MEMBER))
        for lesson in lessons[: index % 5]:
            db.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, status=Status.COMPLETED, attempts=1,
                                  state={}, updated_at=now))
            if lesson.type_name == "quiz":
                db.add(QuizAttempt(user_id=user.id, lesson_id=lesson.id, number=1, seq=1, question_order=["q1"],
                                   seed=1, state=AttemptState.FINISHED, started_at=now,
                                   fraction=(index + 2) / 8))
    db.commit()
    return {"admin": admin, "course": course, "learner": user}


def test_the_gradebook_and_reports_fit_a_phone_and_pass_axe(browser, site, classroom, axe_script, tmp_path):
    slug = classroom["course"].slug
    for who, paths in [("admin", [f"/courses/{slug}/gradebook", "/reports", "/reports?group_by=cooperative",
                                  "/reports/stalled?days=1"]),
                       ("learner", ["/me/grades"])]:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
        page = context.new_page()
        page.goto(f"{site}/login")
        page.fill("#login", classroom[who].email)
        page.fill("#password", TEST_PASSWORD)
        with page.expect_navigation():
            page.click("main form button.button")
        try:
            for path in paths:
                page.goto(f"{site}{path}")
                assert page.evaluate(WIDER_THAN_THE_SCREEN) == [], path
                assert axe_violations(page, axe_script) == [], path
                for region in page.locator(".table-scroll").all():
                    assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
            if who == "admin":
                page.goto(f"{site}/courses/{slug}/gradebook")
                assert page.locator("tr[data-learner]").count() == len(NAMES)
                folder = Path(os.environ.get("ELEARN_SCREENSHOTS") or tmp_path)
                page.screenshot(path=str(folder / "gradebook-phone.png"), full_page=True)
                page.goto(f"{site}/reports?group_by=unit")
                page.screenshot(path=str(folder / "progress-phone.png"), full_page=True)
        finally:
            context.close()
