"""The quiz on a 360×740 phone in Chromium: autosave (online, then offline and back), the review of an
attempt, and the instructors' pages. Run once, on SQLite (the browser is what is tested here; the
database behind the saves is checked directly)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from elearn_quiz.models import QuizAnswerStep, QuizAttempt
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.models import CourseInstructor
from elearn.testing import TEST_PASSWORD, axe_violations, database_for

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SAVED = re.compile(r"^Đã lưu lúc (\d{1,2}):(\d{2})$")
OFFLINE = "Chưa lưu: bạn đang mất kết nối. Đang thử lại…"
QUESTIONS = [
    {"id": "q1", "type": "single", "stem": "Mỗi thành viên có mấy phiếu biểu quyết?",
     "choices": [{"text": "Một phiếu, không phụ thuộc số vốn góp của thành viên", "correct": True},
                 {"text": "Theo số vốn góp"}]},
    {"id": "q2", "type": "truefalse", "stem": "Đại hội thành viên là cơ quan cao nhất.", "correct": True},
    {"id": "q3", "type": "multiple", "stem": "Chọn những thông tin nên công khai cho thành viên.",
     "choices": [{"text": "Báo cáo tài chính năm", "fraction": 0.5},
                 {"text": "Cách chia lãi của hợp tác xã cho từng thành viên", "fraction": 0.5},
                 {"text": "Mật khẩu tài khoản ngân hàng", "fraction": -1}]},
    {"id": "q4", "type": "essay", "stem": "Trình bày vai trò của ban kiểm soát."},
]


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    return database_for("sqlite", _migrated_databases, tmp_path)


@pytest.fixture
def autosave_seconds() -> int:
    return 1  # not 15: the tests wait for a save


@pytest.fixture
def app_config(app_config, autosave_seconds):
    return {**app_config, "QUIZ_AUTOSAVE_SECONDS": autosave_seconds}


@pytest.fixture
def phone(browser):
    contexts = []

    def open_(**options):
        context = browser.new_context(locale="vi-VN", viewport=PHONE, **options)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda exc: page.problems.append(f"script error: {exc}"))
        page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status} for {r.url}"))
        return context, page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def quiz(db, make_lesson, learner, instructor, enrol):
    lesson = make_lesson("quiz", {"questions": QUESTIONS, "settings": {"review": "after_attempt"}})
    db.add(CourseInstructor(course_id=lesson.course_id, user_id=instructor.id))
    db.commit()
    enrol(learner, lesson.course)
    return lesson


def sign_in(page: Page, site: str, email: str) -> None:
    page.goto(f"{site}/login")
    page.fill("#login", email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main form button.button")


def start(page: Page, site: str, lesson) -> None:
    page.goto(f"{site}/lessons/{lesson.id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()


def saved_answers(db) -> dict:
    """What the server holds: the latest saved answer to each question answered (a multiple-choice
    question left alone is saved as no choice)."""
    db.rollback()
    answers = {}
    for step in db.scalars(select(QuizAnswerStep).order_by(QuizAnswerStep.seq, QuizAnswerStep.id)):
        answers[step.question_id] = step.response
    return {qid: response for qid, response in answers.items() if response not in (None, "", [])}


def background_save(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/submit")


def choice_value(page: Page, text: str) -> str:
    return page.locator(".quiz-choice", has_text=text).locator("input").get_attribute("value")


def test_autosave_keeps_the_answers_through_a_reload(app, db, site, phone, quiz, learner):
    _context, page = phone()
    sign_in(page, site, learner.email)
    start(page, site, quiz)
    status = page.locator(".quiz-autosave")
    expect(status).to_have_attribute("role", "status")

    page.locator(".quiz-choice", has_text="Một phiếu").click()
    expect(status).to_have_text(SAVED, timeout=10_000)
    right = choice_value(page, "Một phiếu")
    assert saved_answers(db) == {"q1": right}
    # The time shown is the server's, in Hồ Chí Minh City time (a save stores its steps at that time).
    step_time = db.scalar(select(QuizAnswerStep.created_at)) + timedelta(hours=7)
    shown = SAVED.match(status.text_content()).groups()
    assert shown in {(f"{t.hour}", f"{t.minute:02d}") for t in (step_time, step_time + timedelta(minutes=1))}

    with page.expect_response(background_save, timeout=10_000) as response:
        page.get_by_label("Câu trả lời của bạn").fill("Ban kiểm soát giám sát hoạt động.")
    assert response.value.status == 200 and response.value.json()["message"] == ""
    expect(status).to_have_text(SAVED)
    assert saved_answers(db) == {"q1": right, "q4": "Ban kiểm soát giám sát hoạt động."}

    page.reload()
    expect(page.locator(".quiz-choice", has_text="Một phiếu").locator("input")).to_be_checked()
    expect(page.get_by_label("Câu trả lời của bạn")).to_have_value("Ban kiểm soát giám sát hoạt động.")
    expect(status).to_have_text(SAVED)  # now from the server's page
    assert page.problems == []


def test_autosave_retries_while_offline_and_saves_once_back_online(app, db, site, phone, quiz, learner):
    context, page = phone()
    sign_in(page, site, learner.email)
    start(page, site, quiz)
    status = page.locator(".quiz-autosave")
    page.locator(".quiz-choice", has_text="Theo số vốn góp").click()
    expect(status).to_have_text(SAVED, timeout=10_000)
    first = choice_value(page, "Theo số vốn góp")
    assert saved_answers(db) == {"q1": first}

    context.set_offline(True)
    page.locator(".quiz-choice", has_text="Một phiếu").click()
    expect(status).to_have_text(OFFLINE, timeout=10_000)
    assert saved_answers(db) == {"q1": first}  # nothing reached the server

    context.set_offline(False)
    expect(status).to_have_text(SAVED, timeout=15_000)
    assert saved_answers(db) == {"q1": choice_value(page, "Một phiếu")}
    page.reload()
    expect(page.locator(".quiz-choice", has_text="Một phiếu").locator("input")).to_be_checked()
    assert [p for p in page.problems if "net::" not in p] == []


@pytest.mark.parametrize("autosave_seconds", [3600])
def test_hiding_the_page_saves_at_once(app, db, site, phone, quiz, learner):
    """A phone switching to another app hides the page: the answers are saved then, not at the next beat."""
    _context, page = phone()
    sign_in(page, site, learner.email)
    start(page, site, quiz)
    page.locator(".quiz-choice", has_text="Một phiếu").click()
    with page.expect_response(background_save) as response:
        page.evaluate("""() => {
            Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""")
    assert response.value.status == 200
    expect(page.locator(".quiz-autosave")).to_have_text(SAVED)
    assert saved_answers(db) == {"q1": choice_value(page, "Một phiếu")}


def test_the_review_and_the_staff_pages_fit_a_phone(app, db, client, site, phone, quiz, learner, instructor,
                                                   api_token, axe_script):
    headers = {"Authorization": f"Bearer {api_token(learner)}"}
    url = f"/api/v1/lessons/{quiz.id}/submissions"
    assert client.post(url, json={"action": "start"}, headers=headers).status_code == 201
    view = client.get(f"/api/v1/lessons/{quiz.id}", headers=headers).get_json()["view"]
    choices = {q["id"]: [c["id"] for c in q["choices"]] for q in view["attempt"]["questions"] if "choices" in q}
    answers = {"q1": choices["q1"][0], "q2": "true", "q3": choices["q3"][:1], "q4": "Giám sát."}
    assert client.post(url, json={"action": "submit", "seq": 1, "answers": answers},
                       headers=headers).status_code == 201

    _context, page = phone()
    sign_in(page, site, learner.email)
    page.goto(f"{site}/lessons/{quiz.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Each choice of the review: the learner's pick (➤), the choice and ✓ start on one line.
    lines = page.eval_on_selector_all(".quiz-review-choices li", """items => items.map(li => {
        const top = el => el ? el.getBoundingClientRect().top : null;
        const text = li.querySelector('.quiz-choice-text');
        const first = text.firstElementChild || text;  // the first line box of the choice's text
        const range = document.createRange(); range.selectNodeContents(first);
        const line = range.getClientRects()[0];
        return {text: li.innerText.trim(), line: [line.top, line.bottom],
                marks: [top(li.querySelector('.quiz-picked:not(:empty)')), top(li.querySelector('.quiz-tick'))]};
    })""")
    assert len(lines) == 7
    for item in lines:
        for mark in filter(None, item["marks"]):
            assert item["line"][0] - 6 <= mark <= item["line"][1] - 8, item
    assert sum(1 for item in lines if item["marks"][0] is not None) == 3  # q1, q2, q3's picks
    assert sum(1 for item in lines if item["marks"][1] is not None) == 4  # q1, q2 and q3's two right ones
    assert "Đúng" in page.locator(".quiz-review").inner_text() and "True" not in page.content()
    assert "tạm tính" in page.locator(".quiz-score").inner_text()
    assert axe_violations(page, axe_script) == []

    _context, staff = phone()
    sign_in(staff, site, instructor.email)
    attempt_id = db.scalar(select(QuizAttempt.id))
    for path in ("attempts", "grading", "statistics", f"attempts/{attempt_id}"):
        staff.goto(f"{site}/x/quiz/lessons/{quiz.id}/{path}")
        assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        for table in staff.locator("table").all():  # a wide table scrolls in its own labelled region
            region = table.locator("xpath=..")
            assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0", path
            assert region.get_attribute("aria-label"), path
        assert axe_violations(staff, axe_script, ("minor", "moderate", "serious", "critical")) == [], path
        assert "True" not in staff.content() and "False" not in staff.content(), path
    staff.goto(f"{site}/x/quiz/lessons/{quiz.id}/grading")
    assert staff.get_by_role("button", name="Lưu điểm").get_attribute("class") == "button"  # styled as the site's
    assert page.problems == [] and staff.problems == []
