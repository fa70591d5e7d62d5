"""The page's own scripts call /api/v1 with the browser's session and the page's CSRF token.

A cookie alone never authorises an API call (another site could make a signed-in browser send
one); with the page's token in ``X-CSRFToken`` it does, under the same rules as a bearer token.
"""

from __future__ import annotations

import pytest

from elearn.testing import csrf_token

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def page(make_course, learner, enrol, login, client):
    course = make_course()
    enrol(learner, course)
    login(client, learner)
    lesson = course.modules[0].lessons[0]
    return lesson, csrf_token(client, f"/lessons/{lesson.id}")


def test_a_signed_in_page_reads_and_writes_through_the_api_with_its_csrf_token(client, page):
    lesson, token = page
    mine = client.get("/api/v1/me/progress", headers={"X-CSRFToken": token})
    assert mine.status_code == 200 and len(mine.get_json()["courses"]) == 1
    done = client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"read": True},
                       headers={"X-CSRFToken": token})
    assert done.status_code == 201 and done.get_json()["progress"]["status"] == "completed"


def test_the_session_cookie_alone_or_with_a_forged_token_is_refused(client, page):
    lesson, _token = page
    assert client.get("/api/v1/me/progress").status_code == 401
    post = client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"read": True})
    assert post.status_code == 401
    forged = client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"read": True},
                         headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 403 and forged.get_json()["error"]["message"]


def test_a_token_from_another_browser_session_is_refused(app, page, learner, login):
    _lesson, token = page
    other = app.test_client()
    login(other, learner)
    assert other.get("/api/v1/me/progress", headers={"X-CSRFToken": token}).status_code == 403


def test_signed_out_with_a_valid_page_token_is_anonymous(app, client, make_course):
    make_course()
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/login")
    assert anonymous.get("/api/v1/courses", headers={"X-CSRFToken": token}).status_code == 200
    assert anonymous.get("/api/v1/me/progress", headers={"X-CSRFToken": token}).status_code == 401
