"""A case discussion in a real browser, on a small phone with JavaScript off: a learner answers
a Q&A case by touch and then sees the others' answers; the instructor publishes a synthesis
from the thread with the keyboard's help of a <details> toggle; the learner finds it at the
top of the lesson. No page may scroll sideways, log a console error or lack the strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.testing import TEST_PASSWORD, database_for

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    return database_for("sqlite", _migrated_databases, tmp_path)


@pytest.fixture
def phone(browser):
    contexts = []

    def open_() -> tuple[Page, list[str]]:
        context = browser.new_context(locale="vi-VN", java_script_enabled=False, viewport={"width": 320, "height": 640},
                                      is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))

        def response(r) -> None:
            if r.status >= 400:
                problems.append(f"HTTP {r.status} for {r.url}")
            if r.request.resource_type == "document" and "script-src 'self'" not in r.headers.get(
                    "content-security-policy", ""):
                problems.append(f"no strict CSP on {r.url}")

        page.on("response", response)
        return page, problems

    yield open_
    for context in contexts:
        context.close()


def sign_in(page: Page, site: str, user) -> None:
    page.goto(f"{site}/login")
    page.fill("#login", user.email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.tap("main form button.button")


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_answer_a_case_then_read_the_synthesis(site, phone, discussion, as_api):
    case = discussion(mode="qa")
    as_api(case.bob).send("POST", f"/lessons/{case.lesson.id}/threads",
                          {"title": "Bình: thông báo quá muộn", "body": "Cần gửi giấy mời trước 15 ngày."})

    page, problems = phone()
    sign_in(page, site, case.alice)
    page.goto(f"{site}/lessons/{case.lesson.id}")
    no_sideways_scroll(page)
    expect(page.locator(".d-thread-list")).to_have_count(0)  # Q&A: Bình's answer is not shown yet
    page.fill("#d-title", "Alice: họp vào buổi tối")
    page.fill("#d-body", "Nên họp **buổi tối** và gửi giấy mời tận nhà.")
    with page.expect_navigation():
        page.tap(".d-form button.button")
    expect(page.locator(".d-post strong", has_text="buổi tối")).to_be_visible()
    no_sideways_scroll(page)
    page.goto(f"{site}/lessons/{case.lesson.id}")
    expect(page.locator(".d-thread-list a", has_text="Bình: thông báo quá muộn")).to_be_visible()

    teacher, teacher_problems = phone()
    sign_in(teacher, site, case.teacher)
    teacher.goto(f"{site}/lessons/{case.lesson.id}")
    with teacher.expect_navigation():
        teacher.tap(".d-thread-list a >> text=Alice: họp vào buổi tối")
    teacher.fill("#reply-body", "Tổng kết: đại hội phải được thông báo đúng hạn cho mọi thành viên.")
    with teacher.expect_navigation():
        teacher.tap("#reply button.button")
    mine = teacher.locator(".d-post.staff").last
    mine.locator("summary").tap()
    with teacher.expect_navigation():
        mine.locator("button[value=synthesis]").tap()
    no_sideways_scroll(teacher)

    page.goto(f"{site}/lessons/{case.lesson.id}")
    expect(page.locator(".d-synthesis")).to_contain_text("đại hội phải được thông báo đúng hạn")
    no_sideways_scroll(page)
    assert problems == [] and teacher_problems == []
