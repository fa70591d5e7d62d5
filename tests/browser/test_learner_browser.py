"""The learner's whole path in a real browser: register, enrol, read every lesson, see the course completed.

Learners use cheap phones on weak links, often without JavaScript and sometimes
with the keyboard alone, so the path is walked three ways: by keyboard with
JavaScript off, by touch on a 320px phone with JavaScript off, and once more by
mouse with JavaScript on. Every page must load without a console error, a
failed request or a Content-Security-Policy violation.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from elearn.testing import TEST_PASSWORD, fresh

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-rat-dai-2026"
# What a thumb or a shaky hand must be able to hit: buttons, fields and the links that move the learner on.
TARGETS = (
    "button, input:not([type=hidden]), select, textarea, a.button, header a, .crumbs a, .card h2 a, "
    "ol.lessons a, .pager a"
)
LAYOUT_PROBLEMS = """targets => {
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`scrolls sideways: ${document.documentElement.scrollWidth}px on a ${window.innerWidth}px screen`);
  }
  for (const el of document.querySelectorAll(targets)) {
    const box = el.getBoundingClientRect();
    if (el.getClientRects().length && box.height < 43.5) {
      problems.push(`${Math.round(box.height)}px high: ${el.outerHTML.slice(0, 90)}`);
    }
  }
  return problems;
}"""


@dataclass
class Watched:
    """A page whose console errors, failed requests and pages without the CSP are written down."""

    page: Page
    problems: list[str] = field(default_factory=list)
    loaded: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        self.page.on("requestfailed", lambda req: self.problems.append(f"request failed: {req.url}"))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type} on {self.page.url}: {message.text}")

    def _response(self, response) -> None:
        self.loaded.append(response)
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.url}")
        if response.request.resource_type == "document":
            policy = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
                self.problems.append(f"no strict Content-Security-Policy on {response.url}: {policy!r}")


@pytest.fixture
def open_page(browser):
    contexts = []

    def open_(**options) -> Watched:
        context = browser.new_context(locale="vi-VN", **options)
        contexts.append(context)
        return Watched(context.new_page())

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def course(make_course):
    """Three reading lessons in two modules."""
    return make_course(
        [("page", {"text": f"## Bài {n}\n\nHợp tác xã là **tổ chức kinh tế tập thể**."}) for n in (1, 2, 3)],
        modules=2,
        title="Hợp tác xã căn bản",
    )


# -- ways to act ---------------------------------------------------------------


class Keyboard:
    """Tab to the control, check that its focus shows, press Enter."""

    name = "keyboard"

    def __init__(self, page: Page) -> None:
        self.page = page

    def focus(self, selector: str, limit: int = 60) -> None:
        target = self.page.locator(selector)
        expect(target).to_have_count(1)
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                style, width = target.evaluate(
                    "el => [getComputedStyle(el).outlineStyle, parseFloat(getComputedStyle(el).outlineWidth)]"
                )
                assert style != "none" and width >= 2, f"no visible focus on {selector}"
                return
        raise AssertionError(f"{selector} cannot be reached with the Tab key")

    def activate(self, selector: str) -> None:
        self.focus(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def press(self, selector: str) -> None:
        self.focus(selector)
        self.page.keyboard.press("Enter")

    def register(self, name: str, email: str) -> None:
        self.page.keyboard.press("Tab")
        expect(self.page.locator("a.skip")).to_be_focused()
        self.page.keyboard.press("Enter")  # "Skip to content": past the header, into the form
        # Phone and username are optional (an e-mail is given): tabbed past, left empty.
        for selector, text in (("#name", name), ("#phone", ""), ("#username", ""), ("#email", email),
                               ("#password", PASSWORD), ("#confirm", PASSWORD)):
            self.page.keyboard.press("Tab")
            expect(self.page.locator(selector)).to_be_focused()
            self.page.keyboard.type(text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


class Pointer:
    """Click (or tap, on a touch screen) like most learners do."""

    name = "pointer"

    def __init__(self, page: Page, touch: bool = False) -> None:
        self.page = page
        self.touch = touch

    def activate(self, selector: str) -> None:
        target = self.page.locator(selector)
        with self.page.expect_navigation():
            target.tap() if self.touch else target.click()

    def press(self, selector: str) -> None:
        target = self.page.locator(selector)
        target.tap() if self.touch else target.click()

    def register(self, name: str, email: str) -> None:
        self.page.fill("#name", name)
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.page.fill("#confirm", PASSWORD)
        self.activate("main form button.button")


def open_menu(page: Page, act) -> None:
    """On a phone the header's links are behind "Menu" (a <details>, no script needed): open it."""
    if page.locator("details.menu > summary").is_visible() and not page.locator("details.menu[open]").count():
        act.press("details.menu > summary")
    expect(page.locator("header nav a").first).to_be_visible()


# -- the path ------------------------------------------------------------------


def walk_the_course(watched: Watched, act, site: str, course, email: str, check_layout: bool = False) -> None:
    page = watched.page

    def settled() -> None:
        if check_layout:
            assert page.evaluate(LAYOUT_PROBLEMS, TARGETS) == [], page.url

    page.goto(site + "/")
    settled()
    open_menu(page, act)
    settled()
    act.activate('header nav a[href="/register"]')
    settled()
    act.register("Phạm Thị Dung", email)
    open_menu(page, act)
    expect(page.locator("header nav form button")).to_be_visible()  # logged in: "Log out" is offered

    # English from here on, kept on the account.
    act.activate('header .lang button[value="en"]')
    expect(page.locator("html")).to_have_attribute("lang", "en")

    act.activate(f'.card h2 a[href="/courses/{course.slug}"]')
    settled()
    act.activate(f'form[action="/courses/{course.slug}/enrol"] button')
    expect(page.locator(".notice.success")).to_contain_text("You are enrolled")
    titles = page.locator("ol.lessons a").all_inner_texts()
    assert len(titles) == 3
    settled()

    act.activate('main a.button[href^="/lessons/"]')  # "Continue: <first lesson>"
    seen = []
    while True:
        settled()
        seen.append(page.locator("h1").inner_text())
        expect(page.locator(".meta .status.todo")).to_be_visible()
        # One primary action at a time: first "I have read this page", then the way on.
        expect(page.locator(".pager .next")).to_have_class(re.compile(r"\bsecondary\b"))
        act.activate("button[name=read]")
        expect(page.locator(".meta .status.done")).to_be_visible()
        expect(page.locator("button[name=read]")).to_have_count(0)
        expect(page.locator(".pager .next")).not_to_have_class(re.compile(r"\bsecondary\b"))
        settled()
        if page.locator("a[rel=next]").count() == 0:
            break
        act.activate("a[rel=next]")
    assert seen == titles, "Next leads through the lessons in the course's order"

    expect(page.locator(".notice.success", has_text="Congratulations! You have completed the course.")).to_be_visible()
    act.activate(".pager .next")  # "Back to the course"
    expect(page.locator("main .notice.success")).to_contain_text("You completed this course on")
    expect(page.locator(".status.done")).to_have_count(3)

    open_menu(page, act)
    act.activate('header nav a[href="/me"]')
    settled()
    card = page.locator("li.card", has_text=course.title_en)
    expect(card.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    expect(card.locator(".notice.success")).to_contain_text("Completed on")
    expect(card.locator("a.button")).to_have_count(0)


def test_keyboard_only_without_javascript(site, open_page, course):
    watched = open_page(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    walk_the_course(watched, Keyboard(watched.page), site, course, "dung.keyboard@example.org")
    assert watched.problems == []


def test_touch_on_a_small_phone_without_javascript(site, open_page, course):
    watched = open_page(
        java_script_enabled=False,
        viewport={"width": 320, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    walk_the_course(
        watched, Pointer(watched.page, touch=True), site, course, "dung.phone@example.org", check_layout=True
    )
    assert watched.problems == []


def test_mouse_with_javascript(site, open_page, course):
    watched = open_page(viewport={"width": 390, "height": 844})
    walk_the_course(watched, Pointer(watched.page), site, course, "dung.mouse@example.org", check_layout=True)
    assert watched.problems == []


def test_first_load_of_a_lesson_is_light(site, open_page, course, learner, enrol):
    """HTML and CSS of a lesson, gzip-compressed, fit a weak rural link.

    The budget of a first load is 30 KB; the shell around a lesson (header, pager, the stylesheet) may take at
    most 12 KB of it, leaving the rest to the lesson's own text. Today it is about 4.5 KB.
    """
    enrol(learner, course)
    lesson = course.modules[0].lessons[0]
    watched = open_page(java_script_enabled=False)
    page = watched.page
    page.goto(f"{site}/login")
    page.fill("#login", learner.email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main form button.button")
    watched.loaded.clear()
    page.goto(f"{site}/lessons/{lesson.id}")
    page.wait_for_load_state("load")
    kinds = sorted(response.request.resource_type for response in watched.loaded)
    assert kinds == ["document", "stylesheet"], "a lesson needs no script, font, icon or image of its own"
    size = sum(len(gzip.compress(response.body(), 6)) for response in watched.loaded)
    assert size < 12 * 1024, f"{size} bytes compressed"
    assert watched.problems == []


def test_the_watch_sees_csp_violations(app, site, open_page):
    """The checks above would notice an inline style or script: the CSP blocks them and the console says so."""

    @app.get("/_inline")
    def inline():
        return '<!doctype html><title>x</title><p style="color:red">x</p><script>document.title = "y"</script>'

    watched = open_page()
    watched.page.goto(f"{site}/_inline")
    assert any("Content Security Policy" in problem for problem in watched.problems), watched.problems
    assert watched.page.title() == "x", "the inline script did not run"


def test_a_page_script_uses_the_api_with_the_session_and_the_pages_csrf_token(site, open_page, course, learner,
                                                                              enrol, app, db):
    """What a progressive-enhancement script does: ``fetch`` /api/v1 from the signed-in page, sending
    the page's own CSRF token; the server keeps what it answered 201 to."""
    from sqlalchemy import select

    from elearn.models import LessonProgress

    enrol(learner, course)
    lesson = course.modules[0].lessons[0]
    watched = open_page(viewport={"width": 360, "height": 740})
    page = watched.page
    page.goto(f"{site}/login")
    page.fill("#login", learner.email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main form button.button")
    page.goto(f"{site}/lessons/{lesson.id}")
    answers = page.evaluate("""async lessonId => {
      const token = document.querySelector('input[name=csrf_token]').value;
      const call = (headers) => fetch(`/api/v1/lessons/${lessonId}/submissions`, {
        method: 'POST', headers: {'Content-Type': 'application/json', ...headers}, body: '{"read": true}'});
      const without = await call({});
      const withToken = await call({'X-CSRFToken': token});
      return [without.status, withToken.status, (await withToken.json()).progress.status];
    }""", lesson.id)
    assert answers == [401, 201, "completed"]
    stored = fresh(db).scalar(select(LessonProgress.status).where(LessonProgress.lesson_id == lesson.id,
                                                           LessonProgress.user_id == learner.id))
    assert stored == "completed"
    assert [p for p in watched.problems if "401" not in p] == []
