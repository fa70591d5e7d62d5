"""Fixtures for the discussion plugin's tests: a discussion lesson with its course, people in
their roles, and small clients that act through the HTML forms or the JSON API."""

from __future__ import annotations

import re
from typing import Any

import pytest

from elearn.models import CourseGroup, CourseInstructor, GroupMember

CASE = {
    "case": "Hợp tác xã A có 120 thành viên nhưng chỉ 40 người đến dự đại hội.",
    "questions": ["Vì sao thành viên không đến dự?"],
}


@pytest.fixture(autouse=True)
def _generous_post_limit(app):
    """Tests post quickly; the rate-limit test sets its own limit."""
    app.config["DISCUSSION_POST_LIMITS"] = "1000/minute"
    app.extensions.pop("elearn_discussion_limiter", None)


@pytest.fixture
def discussion(app, db, make_lesson, make_user, enrol):
    """``discussion(**settings)``: a discussion lesson whose course has an instructor and two
    enrolled learners. Returns a namespace with lesson, course, teacher, alice, bob."""

    def make(**settings: Any):
        content = {**CASE, "settings": settings} if settings else dict(CASE)
        lesson = make_lesson("discussion", content)
        course = lesson.course
        teacher = make_user("instructor", name="Cô Lan")
        db.add(CourseInstructor(course_id=course.id, user_id=teacher.id))
        alice = make_user("learner", name="Alice Nguyễn")
        bob = make_user("learner", name="Bình Trần")
        for person in (alice, bob):
            enrol(person, course)
        db.commit()

        class Site:
            pass

        site = Site()
        site.lesson, site.course, site.teacher, site.alice, site.bob = lesson, course, teacher, alice, bob
        return site

    return make


@pytest.fixture
def put_in_group(db):
    """``put_in_group(course, user, key, group_set='track')``: creates the group if needed."""

    def do(course, user, key: str, group_set: str = "track"):
        group = db.query(CourseGroup).filter_by(course_id=course.id, group_set=group_set, key=key).one_or_none()
        if group is None:
            group = CourseGroup(course_id=course.id, group_set=group_set, key=key, title_vi=f"Nhóm {key}")
            db.add(group)
            db.flush()
        db.add(GroupMember(group_id=group.id, user_id=user.id, course_id=course.id, group_set=group_set))
        db.commit()
        return group

    return do


@pytest.fixture
def as_api(client, api_token):
    """``as_api(user)``: a JSON client for ``/api/v1/x/discussion`` with the user's token."""

    def make(user):
        headers = {"Authorization": f"Bearer {api_token(user)}"}

        class Api:
            def get(self, path: str, **kw):
                return client.get(f"/api/v1/x/discussion{path}", headers=headers, **kw)

            def send(self, method: str, path: str, body: Any = None):
                return client.open(f"/api/v1/x/discussion{path}", method=method, json=body, headers=headers)

            def lesson(self, lesson_id: int, **params):
                return client.get(f"/api/v1/lessons/{lesson_id}", headers=headers, query_string=params)

            # The steps most tests take on the way, each asserted to succeed.

            def start(self, lesson, title: str, body: str, **extra) -> dict:
                response = self.send("POST", f"/lessons/{lesson.id}/threads", {"title": title, "body": body, **extra})
                assert response.status_code == 201, response.get_json()
                return response.get_json()["post"]

            def answer(self, lesson, thread_id: int, body: str, **extra) -> dict:
                response = self.send("POST", f"/lessons/{lesson.id}/threads/{thread_id}/posts", {"body": body, **extra})
                assert response.status_code == 201, response.get_json()
                return response.get_json()["post"]

            def moderate(self, lesson, post_id: int, action: str, reason: str | None = None) -> dict:
                response = self.send("POST", f"/lessons/{lesson.id}/posts/{post_id}/moderation",
                                     {"action": action, "reason": reason})
                assert response.status_code == 200, response.get_json()
                return response.get_json()["post"]

        return Api()

    return make


@pytest.fixture
def signed_in(app, login):
    """``signed_in(user)``: a browser-like client of its own, logged in through the login form;
    ``.submit(path, **fields)`` posts a form with the session's CSRF token, as a browser would."""

    class Client(app.test_client_class):
        def submit(self, path: str, **fields):
            page = self.get("/me").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            return self.post(path, data={"csrf_token": token, **fields})

    def make(user):
        client = Client(app, app.response_class, use_cookies=True)
        login(client, user)
        return client

    return make
