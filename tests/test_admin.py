"""Administration: who may enter, accounts and roles, instructors of courses, plugins."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn.models import CourseInstructor, Enrolment, LessonProgress, Role, User
from elearn.testing import TEST_PASSWORD, csrf_token, fresh

ADMIN_PAGES = ["/admin/users", "/admin/courses", "/admin/plugins"]


def role_of(db, user_id: int) -> Role:
    role = fresh(db).get(User, user_id).role
    db.commit()
    return role


def count(db, model) -> int:
    found = fresh(db).scalar(select(func.count()).select_from(model))
    db.commit()
    return found


def first_lesson_id(db, course) -> int:
    lesson_id = course.modules[0].lessons[0].id
    db.commit()
    return lesson_id


def create_account(client, **fields):
    data = {
        "name": "Đỗ Văn Dũng",
        "email": "dung@example.org",
        "role": "instructor",
        "password": TEST_PASSWORD,
        "csrf_token": csrf_token(client, "/admin/users"),
    }
    data.update(fields)
    return client.post("/admin/users", data=data)


def set_role(client, user_id: int, role: str):
    return client.post(f"/admin/users/{user_id}/role", data={"role": role, "csrf_token": csrf_token(client, "/")})


def assign(client, course_id, email: str):
    return client.post(
        "/admin/courses",
        data={"course_id": str(course_id), "email": email, "csrf_token": csrf_token(client, "/")},
    )


# -- who may enter ---------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_kept_out(client, path):
    response = client.get(path)
    if response.status_code in (302, 303):
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 401
        assert "<table" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_learners_and_instructors_get_403(client, make_user, login, role):
    login(client, make_user(role))
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "<table" not in response.get_data(as_text=True), path


def test_admins_get_in(client, admin, login):
    login(client, admin)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200, path


def test_a_learner_cannot_use_the_admin_forms(client, db, learner, login, make_course):
    course = make_course()
    login(client, learner)
    assert set_role(client, learner.id, "admin").status_code == 403
    assert create_account(client, role="admin", csrf_token=csrf_token(client, "/")).status_code == 403
    assert assign(client, course.id, learner.email).status_code == 403
    assert role_of(db, learner.id) == Role.LEARNER
    assert count(db, User) == 1
    assert count(db, CourseInstructor) == 0


def test_the_admin_link_shows_only_for_admins(client, learner, admin, login, app):
    login(client, learner)
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)
    browser = app.test_client()
    login(browser, admin)
    assert 'href="/admin/users"' in browser.get("/").get_data(as_text=True)


# -- accounts and roles ----------------------------------------------------------


def test_an_admin_creates_an_account_with_a_role(app, client, db, admin, login):
    login(client, admin)
    response = create_account(client, email="Dung@Example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    created = fresh(db).scalar(select(User).where(User.email == "dung@example.org"))
    assert created is not None
    assert created.role == Role.INSTRUCTOR
    assert created.name == "Đỗ Văn Dũng"
    assert created.password_hash.startswith("$argon2id$")
    db.commit()
    assert "dung@example.org" in client.get("/admin/users").get_data(as_text=True)

    # The new person can log in with the password the admin set.
    browser = app.test_client()
    response = browser.post(
        "/login",
        data={"login": "dung@example.org", "password": TEST_PASSWORD, "csrf_token": csrf_token(browser, "/login")},
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"role": "superuser"}, id="unknown-role"),
        pytest.param({"email": "not-an-email"}, id="bad-email"),
        pytest.param({"password": "short"}, id="short-password"),
        pytest.param({"name": ""}, id="no-name"),
        pytest.param({"email": "chau@example.org"}, id="email-taken"),
    ],
)
def test_an_invalid_account_is_not_created(client, db, admin, login, fields):
    login(client, admin)
    response = create_account(client, **fields)
    assert response.status_code in (200, 400, 409, 422)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert count(db, User) == 1, "only the admin exists"
    assert role_of(db, admin.id) == Role.ADMIN


def test_an_admin_changes_a_role(client, db, admin, learner, login):
    login(client, admin)
    response = set_role(client, learner.id, "instructor")
    assert response.status_code == 303
    assert role_of(db, learner.id) == Role.INSTRUCTOR
    assert set_role(client, learner.id, "admin").status_code == 303
    assert role_of(db, learner.id) == Role.ADMIN
    assert set_role(client, learner.id, "learner").status_code == 303
    assert role_of(db, learner.id) == Role.LEARNER
    # The page shows the current role selected.
    html = client.get("/admin/users").get_data(as_text=True)
    select_box = re.search(rf'<select[^>]*\bid="role-{learner.id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"[^>]*\bselected', select_box) == ["learner"]


def test_a_new_role_takes_effect_at_once(app, client, db, admin, learner, login):
    login(client, admin)
    browser = app.test_client()
    login(browser, learner)
    assert browser.get("/admin/users").status_code == 403
    assert set_role(client, learner.id, "admin").status_code == 303
    assert browser.get("/admin/users").status_code == 200
    assert set_role(client, learner.id, "learner").status_code == 303
    assert browser.get("/admin/users").status_code == 403


def test_bad_role_changes_are_refused(client, db, admin, learner, login):
    login(client, admin)
    refused = set_role(client, learner.id, "superuser")
    assert refused.status_code == 400
    assert role_of(db, learner.id) == Role.LEARNER
    assert set_role(client, 999999, "admin").status_code == 404


def test_an_admin_cannot_remove_their_own_admin_role(client, db, admin, login):
    login(client, admin)
    for role in ("learner", "instructor"):
        response = set_role(client, admin.id, role)
        assert response.status_code == 409
        assert role_of(db, admin.id) == Role.ADMIN
    assert client.get("/admin/users").status_code == 200
    # Keeping it is fine.
    assert set_role(client, admin.id, "admin").status_code == 303


def test_another_admin_can_change_an_admin(client, db, admin, make_user, login):
    other = make_user("admin")
    login(client, other)
    assert set_role(client, admin.id, "learner").status_code == 303
    assert role_of(db, admin.id) == Role.LEARNER


# -- instructors -----------------------------------------------------------------


def test_an_admin_assigns_an_instructor_to_a_course(client, db, admin, instructor, login, make_course):
    course = make_course(title="Quản trị rủi ro")
    login(client, admin)
    page = client.get("/admin/courses").get_data(as_text=True)
    assert "Quản trị rủi ro" in page
    assert instructor.name not in page

    response = assign(client, course.id, instructor.email.upper())
    assert response.status_code == 303
    rows = fresh(db).scalars(select(CourseInstructor)).all()
    assert [(r.course_id, r.user_id) for r in rows] == [(course.id, instructor.id)]
    db.commit()
    assert instructor.name in client.get("/admin/courses").get_data(as_text=True)

    # Twice is harmless.
    assert assign(client, course.id, instructor.email).status_code == 303
    assert count(db, CourseInstructor) == 1


def test_only_instructors_can_be_assigned(client, db, admin, learner, login, make_course):
    course = make_course()
    login(client, admin)
    for email in (learner.email, "nobody@example.org"):
        response = assign(client, course.id, email)
        assert response.status_code in (303, 400, 409, 422)
    assert count(db, CourseInstructor) == 0
    assert assign(client, 999999, learner.email).status_code == 404


@pytest.fixture
def taught_course(db, instructor, make_course):
    course = make_course([("page", {"text": "Nội dung cho giảng viên"}), ("page", {"text": "Bài hai"})])
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    return course


def test_the_instructor_previews_lessons_without_enrolling(client, db, instructor, login, taught_course):
    lesson_id = first_lesson_id(db, taught_course)
    login(client, instructor)
    course_page = client.get(f"/courses/{taught_course.slug}").get_data(as_text=True)
    assert f'href="/lessons/{lesson_id}"' in course_page

    response = client.get(f"/lessons/{lesson_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nội dung cho giảng viên" in html
    assert f'action="/lessons/{lesson_id}/submit"' not in html, "no submit button in a preview"

    submitted = client.post(
        f"/lessons/{lesson_id}/submit", data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{lesson_id}")}
    )
    assert submitted.status_code == 403
    assert count(db, LessonProgress) == 0
    assert count(db, Enrolment) == 0


def test_the_instructor_previews_through_the_api_but_cannot_submit(client, db, instructor, api_token, taught_course):
    lesson_id = first_lesson_id(db, taught_course)
    headers = {"Authorization": f"Bearer {api_token(instructor)}"}
    response = client.get(f"/api/v1/lessons/{lesson_id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["can_submit"] is False
    assert "Nội dung cho giảng viên" in body["view"]["html"]
    submitted = client.post(f"/api/v1/lessons/{lesson_id}/submissions", json={"read": True}, headers=headers)
    assert submitted.status_code == 403
    assert submitted.get_json()["error"]["message"]
    assert count(db, LessonProgress) == 0


def test_the_instructor_sees_their_unpublished_course(client, db, instructor, make_user, login, make_course):
    draft = make_course(published=False, title="Khoá nháp")
    db.add(CourseInstructor(course_id=draft.id, user_id=instructor.id))
    db.commit()
    lesson_id = first_lesson_id(db, draft)
    login(client, instructor)
    assert client.get(f"/courses/{draft.slug}").status_code == 200
    assert client.get(f"/lessons/{lesson_id}").status_code == 200
    # Nobody else but admins.
    other = make_user("instructor")
    browser = client.application.test_client()
    login(browser, other)
    assert browser.get(f"/courses/{draft.slug}").status_code == 404
    assert browser.get(f"/lessons/{lesson_id}").status_code == 404


def test_an_instructor_of_another_course_cannot_view(client, db, make_user, login, taught_course, make_course):
    lesson_id = first_lesson_id(db, taught_course)
    stranger = make_user("instructor")
    db.add(CourseInstructor(course_id=make_course().id, user_id=stranger.id))
    db.commit()
    login(client, stranger)
    response = client.get(f"/lessons/{lesson_id}")
    assert response.status_code == 403
    assert "Nội dung cho giảng viên" not in response.get_data(as_text=True)
    course_page = client.get(f"/courses/{taught_course.slug}").get_data(as_text=True)
    assert f'href="/lessons/{lesson_id}"' not in course_page


def test_an_instructor_made_learner_loses_the_preview(client, db, admin, instructor, login, taught_course, app):
    lesson_id = first_lesson_id(db, taught_course)
    login(client, instructor)
    assert client.get(f"/lessons/{lesson_id}").status_code == 200
    browser = app.test_client()
    login(browser, admin)
    assert set_role(browser, instructor.id, "learner").status_code == 303
    assert client.get(f"/lessons/{lesson_id}").status_code == 403


def test_an_admin_previews_any_lesson(client, db, admin, login, taught_course):
    lesson_id = first_lesson_id(db, taught_course)
    login(client, admin)
    assert client.get(f"/lessons/{lesson_id}").status_code == 200


def test_an_assignment_made_on_the_admin_page_opens_the_preview(
    app, client, db, admin, instructor, login, make_course
):
    course = make_course()
    lesson_id = first_lesson_id(db, course)
    browser = app.test_client()
    login(browser, instructor)
    assert browser.get(f"/lessons/{lesson_id}").status_code == 403
    login(client, admin)
    assert assign(client, course.id, instructor.email).status_code == 303
    assert browser.get(f"/lessons/{lesson_id}").status_code == 200


# -- plugins ---------------------------------------------------------------------


def test_the_plugins_page_lists_the_page_plugin(client, admin, login):
    login(client, admin)
    html = client.get("/admin/plugins").get_data(as_text=True)
    rows = re.findall(r"<tr\b[^>]*>(.*?)</tr>", html, re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)]
        for row in rows
    ]
    page_rows = [row for row in cells if row and row[0] == "page"]
    assert page_rows, html
    assert "page" in page_rows[0][2], "the page lesson type is listed"
    assert "elearn_lesson_types" in page_rows[0][3]
