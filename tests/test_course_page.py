"""What the course page and "my learning" offer each person: learners see the groups instructors put
them in; a course's own staff land on their courses and are never offered enrolment in them."""

from __future__ import annotations

import html

from elearn.groups import service
from elearn.models import CourseInstructor, Enrolment
from elearn.testing import csrf_token, fresh


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_learner_sees_the_group_an_instructor_put_them_in(client, db, make_course, learner, enrol, login,
                                                            api_token):
    course = make_course(slug="hop-tac-xa")
    urban = service.create_group(db, course, "track", "urban", "Phường, thị trấn", "Urban wards")
    service.ensure_group_set(db, course, "track").title_vi = "Địa bàn"
    enrol(learner, course)
    service.assign(db, course, learner, urban)
    db.commit()
    login(client, learner)
    page = text_of(client.get("/courses/hop-tac-xa"))
    assert "Nhóm của bạn — Địa bàn: Phường, thị trấn" in page
    body = client.get("/api/v1/courses/hop-tac-xa", headers={"Authorization": f"Bearer {api_token(learner)}"})
    assert body.get_json()["my_groups"] == [
        {"group_set": "track", "set_title": "Địa bàn", "key": "urban", "title": "Phường, thị trấn"}
    ]


def test_staff_land_on_the_courses_they_teach(client, db, make_course, instructor, admin, login, app):
    taught = make_course(slug="day-hoc", title="Khoá đang dạy")
    make_course(slug="khac", title="Khoá khác")
    db.add(CourseInstructor(course_id=taught.id, user_id=instructor.id))
    db.commit()
    login(client, instructor)
    mine = text_of(client.get("/me"))
    assert "Khoá học bạn giảng dạy" in mine and "Khoá đang dạy" in mine and "Khoá khác" not in mine
    assert 'href="/courses/day-hoc/groups"' in mine
    assert "Bạn chưa đăng ký học khoá học nào." not in mine
    other = app.test_client()
    login(other, admin)
    assert "Khoá khác" in text_of(other.get("/me")), "an administrator teaches every course"


def test_a_courses_own_staff_are_offered_its_staff_pages_not_enrolment(client, db, make_course, instructor, login,
                                                                     make_user):
    course = make_course(slug="day-hoc")
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    login(client, instructor)
    page = text_of(client.get("/courses/day-hoc"))
    assert "Bạn là giảng viên của khoá học này" in page and 'href="/courses/day-hoc/groups"' in page
    assert 'action="/courses/day-hoc/enrol"' not in page
    refused = client.post("/courses/day-hoc/enrol", data={"csrf_token": csrf_token(client, "/courses/day-hoc")})
    assert refused.status_code == 403
    assert fresh(db).query(Enrolment).count() == 0
    # An instructor of another course may still enrol in this one, as a learner.
    stranger = client.application.test_client()
    login(stranger, make_user("instructor"))
    assert 'action="/courses/day-hoc/enrol"' in stranger.get("/courses/day-hoc").get_data(as_text=True)
