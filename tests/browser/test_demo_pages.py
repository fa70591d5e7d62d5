"""Every page of the demo course as a cooperative manager's phone shows it: 360×740, with and without
JavaScript, as a learner, an instructor and an administrator.

Each role's pages are found the way a person finds them: by following the links, starting from the
catalogue, so a page added tomorrow (a plugin's report, a new admin tab) is checked without this
file changing. On every page: axe-core finds no serious or critical accessibility problem, nothing
scrolls sideways, the header stays one row, and no console error or failed request happens.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from elearn.models import CourseInstructor
from elearn.testing import TEST_PASSWORD, axe_violations

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[2] / "content_packs" / "hop-tac-xa-co-ban"
PHONE = {"width": 360, "height": 740}
# Links a crawl must not follow: they change who is signed in, or are files rather than pages.
SKIP = ("/logout", "/language", ".csv", ".gift", "/media/", "/static/", "/attachments/")
MAX_PAGES = 40
HEADER_MAX = 60  # px: one row of 44 px targets and its padding


@pytest.fixture
def demo(app, db, make_user, enrol, client, api_token):
    """The demo pack installed, its three kinds of user, and some work done: a question asked in
    the case discussion, an attempt at the quiz, so the staff pages have something to show."""
    from elearn.packs.service import install_path

    install_path(app, DEMO)
    from elearn.models import Course

    course = db.query(Course).one()
    learner = make_user("learner", "hocvien@example.org", "Nguyễn Văn An")
    instructor = make_user("instructor", "giangvien@example.org", "Trần Thị Bình")
    admin = make_user("admin", "quantri@example.org", "Lê Minh Châu")
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    enrol(learner, course)
    lessons = {lesson.type_name: lesson for module in course.modules for lesson in module.lessons}
    auth = {"Authorization": f"Bearer {api_token(learner)}"}
    asked = client.post(f"/api/v1/x/discussion/lessons/{lessons['discussion'].id}/threads", headers=auth,
                        json={"title": "Đại hội có hợp lệ?", "body": "Theo tôi là **không** hợp lệ."})
    assert asked.status_code == 201, asked.get_json()
    quiz = f"/api/v1/lessons/{lessons['quiz'].id}/submissions"
    assert client.post(quiz, json={"action": "start"}, headers=auth).status_code == 201
    assert client.post(quiz, json={"action": "submit", "seq": 1, "answers": {}}, headers=auth).status_code == 201
    return {"learner": learner, "instructor": instructor, "admin": admin}


def sign_in(page: Page, site: str, email: str) -> None:
    page.goto(f"{site}/login")
    page.fill("#login", email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main form button.button")


def crawl(page: Page, site: str):
    """Every page reachable by links from the catalogue (same site, GET), each visited once.

    Links marked ``download`` (CSV, XLSX, PDF) are files, not pages: they are not followed."""
    seen, queue = set(), deque(["/", "/me"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(site + path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        yield path, response
        hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))")
        for href in hrefs:
            target = urlsplit(href)
            if target.netloc or not target.path.startswith("/") or any(s in target.path for s in SKIP):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))


LAYOUT = """maxHeader => {
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`scrolls sideways: ${document.documentElement.scrollWidth}px`);
  }
  const header = document.querySelector('header.site').getBoundingClientRect().height;
  if (header > maxHeader) problems.push(`the header takes ${Math.round(header)}px`);
  return problems;
}"""


@pytest.mark.parametrize("role", ["learner", "instructor", "admin"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_page_reads_well_on_a_phone(browser, site, demo, axe_script, role, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    try:
        sign_in(page, site, demo[role].email)
        visited = []
        for path, response in crawl(page, site):
            visited.append(path)
            if response.status >= 400:
                problems.append(f"{path}: HTTP {response.status}")
            problems.extend(f"{path}: {problem}" for problem in page.evaluate(LAYOUT, HEADER_MAX))
            if javascript:  # axe reads the page as rendered; once per page is enough
                problems.extend(f"{path}: {problem}" for problem in axe_violations(page, axe_script))
    finally:
        context.close()
    assert len(visited) >= 6, visited
    assert problems == []
