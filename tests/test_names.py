"""Nobody passes for a member of staff by name: staff names carry their role wherever the core shows
them, and a new name equal to a staff member's (ignoring case, spacing and diacritics) is refused."""

from __future__ import annotations

import html

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from elearn.auth.accounts import AccountError, create_user
from elearn.auth.names import display_name, name_key, name_with_role
from elearn.models import CourseInstructor, Role, User
from elearn.testing import TEST_PASSWORD, csrf_token, fresh


def users(db) -> int:
    found = fresh(db).scalar(select(func.count()).select_from(User))
    db.commit()
    return found


def register(client, name: str, email: str = "moi@example.org"):
    return client.post("/register", data={
        "name": name, "email": email, "password": TEST_PASSWORD, "confirm": TEST_PASSWORD,
        "csrf_token": csrf_token(client, "/register"),
    })


def test_names_compare_without_case_spacing_or_diacritics():
    assert name_key("Trần Thị Bình") == name_key("TRAN  thi binh") == name_key(" tran thi\u200b binh ")
    assert name_key("Đỗ Văn Dũng") == name_key("do van dung")
    assert name_key("Trần Thị Bình") != name_key("Trần Thị Bích")


def test_staff_names_carry_their_role_in_the_current_language(app, db, instructor, admin, learner):
    with app.test_request_context():
        assert display_name(instructor) == "Trần Thị Bình (giảng viên)"
        assert display_name(admin) == "Lê Minh Châu (quản trị viên)"
        assert display_name(learner) == "Nguyễn Văn An"
        assert name_with_role("Trần Thị Bình", "instructor") == "Trần Thị Bình (giảng viên)"
        with force_locale("en"):
            assert display_name(instructor) == "Trần Thị Bình (instructor)"
        rendered = app.jinja_env.from_string("{{ user|display_name }}").render(user=instructor)
        assert rendered == "Trần Thị Bình (giảng viên)"


@pytest.mark.parametrize("name", ["Trần Thị Bình", "tran thi binh", "TRẦN  THỊ  BÌNH", "Tran Thi Binh"])
def test_registration_refuses_a_staff_members_name(client, db, instructor, name):
    response = register(client, name)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Tên này đã có một giảng viên hoặc quản trị viên dùng" in text
    # Under the name field, where the person corrects it.
    assert text.index('id="name"') < text.index("Tên này đã có") < text.index('id="email"')
    assert users(db) == 1


def test_registration_refuses_an_administrators_name_with_d_for_đ(client, db, make_user):
    make_user("admin", "dung@example.org", "Đỗ Văn Dũng")
    assert "Tên này đã có" in html.unescape(register(client, "Do Van Dung").get_data(as_text=True))
    assert users(db) == 1


@pytest.mark.parametrize("name", ["Nguyễn Văn An (giảng viên)", "An (Instructor)", "An (quan tri vien)"])
def test_a_name_cannot_carry_a_role_of_its_own(client, db, name):
    text = html.unescape(register(client, name).get_data(as_text=True))
    assert "Tên không được chứa vai trò trong ngoặc" in text
    assert users(db) == 0


def test_learners_may_share_a_name_with_each_other(client, db, learner):
    assert register(client, "nguyen van an").status_code == 303
    assert users(db) == 2


def test_the_command_line_and_the_admin_page_refuse_a_staff_name_too(app, client, db, admin, instructor, login):
    with pytest.raises(AccountError) as refused:
        create_user(db, "khac@example.org", "tran thi binh", TEST_PASSWORD)
    assert refused.value.field == "name"
    db.rollback()
    login(client, admin)
    response = client.post("/admin/users", data={
        "name": "Lê Minh Chau", "email": "khac@example.org", "role": "learner", "password": TEST_PASSWORD,
        "csrf_token": csrf_token(client, "/admin/users"),
    })
    assert "Tên này đã có" in html.unescape(response.get_data(as_text=True))
    assert users(db) == 2


def test_an_admin_may_make_staff_namesakes_and_is_told_so(client, db, admin, instructor, login):
    login(client, admin)
    response = client.post("/admin/users", data={
        "name": "Trần Thị Bình", "email": "binh2@example.org", "role": "instructor", "password": TEST_PASSWORD,
        "csrf_token": csrf_token(client, "/admin/users"),
    }, follow_redirects=True)
    assert "1 tài khoản khác dùng cùng tên: binh@example.org" in html.unescape(response.get_data(as_text=True))
    assert users(db) == 3


def test_making_staff_of_someone_whose_name_a_learner_has_warns_the_admin(client, db, admin, learner, make_user,
                                                                       login):
    teacher = make_user("learner", "an2@example.org", "Nguyen Van An")
    login(client, admin)
    response = client.post(f"/admin/users/{teacher.id}/role",
                           data={"role": "instructor", "csrf_token": csrf_token(client, "/admin/users")},
                           follow_redirects=True)
    text = html.unescape(response.get_data(as_text=True))
    assert fresh(db).get(User, teacher.id).role == Role.INSTRUCTOR
    assert "1 tài khoản khác dùng cùng tên: an@example.org" in text
    assert "Nguyen Van An (giảng viên)" in text and "Nguyễn Văn An</strong>" in text


def test_core_pages_show_staff_names_with_their_role(client, db, admin, instructor, learner, make_course, login):
    course = make_course(title="Quản trị rủi ro")
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    login(client, admin)
    assert "Trần Thị Bình (giảng viên)" in client.get("/admin/courses").get_data(as_text=True)
    people = client.get("/admin/users").get_data(as_text=True)
    assert "Lê Minh Châu (quản trị viên)" in people and "Trần Thị Bình (giảng viên)" in people
    assert "Nguyễn Văn An (" not in people
