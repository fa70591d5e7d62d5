"""Programmes (ordered courses with prerequisites and target dates) and cohorts enrolled in one step."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from elearn.models import Enrolment
from elearn.testing import fresh


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff(api_token, admin):
    return bearer(api_token(admin))


@pytest.fixture
def path(client, staff, make_course):
    """A programme of three courses: the second requires the first, the third requires both."""
    first = make_course(slug="kien-thuc-chung", title="Kiến thức chung")
    second = make_course(slug="quan-tri", title="Quản trị HTX")
    third = make_course(slug="ke-hoach", title="Kế hoạch kinh doanh")
    body = {"title_vi": "Giám đốc HTX", "courses": [
        {"course": first.slug, "target_date": "2027-03-31"},
        {"course": second.slug, "target_date": "2027-06-30", "requires": [first.slug]},
        {"course": third.slug, "requires": [first.slug, second.slug]},
    ]}
    response = client.post("/api/v1/programmes", json=body, headers=staff)
    assert response.status_code == 201, response.get_json()
    return response.get_json(), (first, second, third)


@pytest.fixture
def cohort(client, staff, path):
    programme, _courses = path
    response = client.post(f"/api/v1/programmes/{programme['id']}/cohorts",
                           json={"name": "Giám đốc HTX khu vực Mường Thanh, 2027"}, headers=staff)
    assert response.status_code == 201
    return response.get_json()


def add(client, staff, cohort, *users):
    response = client.post(f"/api/v1/cohorts/{cohort['id']}/members", json={"user_ids": [u.id for u in users]},
                           headers=staff)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def complete(db, user, course):
    fresh(db)
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))
    enrolment.completed_at = datetime.now(UTC)
    db.commit()


def test_adding_learners_to_a_cohort_enrols_them_in_every_course_in_one_step(client, db, staff, make_user, path,
                                                                           cohort):
    learners = [make_user() for _ in range(3)]
    assert add(client, staff, cohort, *learners)["added"] == 3
    assert add(client, staff, cohort, *learners)["added"] == 0  # again: nothing changes
    fresh(db)
    assert db.scalar(select(func.count(Enrolment.id))) == 9


def test_a_course_added_later_enrols_the_cohort_in_it(client, db, staff, learner, path, cohort, make_course):
    programme, courses = path
    add(client, staff, cohort, learner)
    extra = make_course(slug="bao-cao")
    body = {"title_vi": "Giám đốc HTX", "courses": [{"course": c.slug} for c in courses] + [{"course": extra.slug}]}
    assert client.put(f"/api/v1/programmes/{programme['id']}", json=body, headers=staff).status_code == 200
    fresh(db)
    assert db.scalar(select(Enrolment.id).where(Enrolment.user_id == learner.id,
                                                Enrolment.course_id == extra.id)) is not None


def test_a_prerequisite_must_come_earlier_in_the_programme(client, staff, make_course):
    first, second = make_course(), make_course()
    body = {"title_vi": "Sai thứ tự", "courses": [{"course": first.slug, "requires": [second.slug]},
                                                   {"course": second.slug}]}
    refused = client.post("/api/v1/programmes", json=body, headers=staff)
    assert refused.status_code == 409 and "đứng trước" in refused.get_json()["error"]["message"]


def test_a_locked_course_is_refused_with_what_to_complete_first(client, db, staff, learner, api_token, login, path,
                                                                cohort):
    _programme, (first, second, third) = path
    add(client, staff, cohort, learner)
    token = bearer(api_token(learner))
    refused = client.post(f"/api/v1/courses/{second.slug}/enrol", headers=token)
    assert refused.status_code == 409
    assert "Kiến thức chung" in refused.get_json()["error"]["message"]
    login(client, learner)
    page = client.get(f"/courses/{third.slug}")
    assert page.status_code == 409
    assert "Kiến thức chung" in page.get_data(as_text=True) and "Quản trị HTX" in page.get_data(as_text=True)
    lesson_id = second.modules[0].lessons[0].id
    assert client.get(f"/lessons/{lesson_id}").status_code == 409
    complete(db, learner, first)
    assert client.get(f"/courses/{second.slug}").status_code == 200
    assert client.get(f"/lessons/{lesson_id}").status_code == 200
    assert client.get(f"/courses/{third.slug}").status_code == 409  # still needs the second


def test_prerequisites_bind_the_cohorts_learners_only(client, learner, api_token, path):
    _programme, (_first, second, _third) = path
    assert client.post(f"/api/v1/courses/{second.slug}/enrol", headers=bearer(api_token(learner))).status_code == 201


def test_the_learner_sees_the_programme_with_states_and_what_comes_next(client, db, staff, learner, api_token, path,
                                                                        cohort):
    _programme, (first, _second, _third) = path
    add(client, staff, cohort, learner)
    mine = client.get("/api/v1/me/programmes", headers=bearer(api_token(learner))).get_json()["programmes"]
    assert len(mine) == 1 and mine[0]["cohorts"] == ["Giám đốc HTX khu vực Mường Thanh, 2027"]
    states = [course["state"] for course in mine[0]["courses"]]
    assert states == ["not_started", "locked", "locked"]
    assert [c["title"] for c in mine[0]["courses"][2]["missing"]] == ["Kiến thức chung", "Quản trị HTX"]
    assert mine[0]["next_course"]["slug"] == first.slug
    assert mine[0]["courses"][0]["target_date"] == "2027-03-31"
    complete(db, learner, first)
    mine = client.get("/api/v1/me/programmes", headers=bearer(api_token(learner))).get_json()["programmes"]
    assert [course["state"] for course in mine[0]["courses"]] == ["completed", "not_started", "locked"]


def test_the_dashboard_shows_the_programme_with_target_dates_the_vietnamese_way(client, staff, learner, login, path,
                                                                               cohort):
    add(client, staff, cohort, learner)
    login(client, learner)
    page = client.get("/me").get_data(as_text=True)
    assert "Giám đốc HTX" in page
    assert "31/03/2027" in page and "30/06/2027" in page
    assert "Chưa mở: hãy hoàn thành “Kiến thức chung” trước." in page


def test_learners_and_instructors_cannot_manage_programmes(client, learner, instructor, api_token, cohort, login):
    for user in (learner, instructor):
        headers = bearer(api_token(user))
        assert client.get("/api/v1/programmes", headers=headers).status_code == 403
        assert client.post("/api/v1/programmes", json={"title_vi": "X"}, headers=headers).status_code == 403
        assert client.post(f"/api/v1/cohorts/{cohort['id']}/members", json={"user_ids": [learner.id]},
                           headers=headers).status_code == 403
    login(client, learner)
    assert client.get("/admin/programmes").status_code == 403


def test_admin_pages_create_a_programme_and_add_learners_found_by_name(client, db, admin, login, make_user,
                                                                      make_course):
    from elearn.testing import csrf_token

    course = make_course(slug="mot", title="Khoá một")
    learner = make_user(name="Lò Văn Thắng", email="thang@example.org")
    login(client, admin)
    token = csrf_token(client, "/admin/programmes")
    created = client.post("/admin/programmes", data={"title_vi": "Chương trình A", "csrf_token": token})
    assert created.status_code == 303
    programme_url = created.headers["Location"]
    client.post(programme_url, data={"action": "add", "course": course.slug, "target_date": "2027-12-31",
                                     "csrf_token": token})
    assert "31/12/2027" in client.get(programme_url).get_data(as_text=True)
    made = client.post(programme_url, data={"action": "cohort", "name": "Khoá 2027", "csrf_token": token})
    cohort_url = made.headers["Location"]
    found = client.get(cohort_url, query_string={"q": "thắng"}).get_data(as_text=True)
    assert "thang@example.org" in found
    client.post(cohort_url, data={"action": "add", "user_id": str(learner.id), "csrf_token": token})
    fresh(db)
    assert db.scalar(select(Enrolment.id).where(Enrolment.user_id == learner.id,
                                                Enrolment.course_id == course.id)) is not None


def test_the_dashboard_costs_the_same_queries_with_one_or_thirty_programmes(client, db, staff, learner, login,
                                                                           make_course, count_queries):
    def follow_a_programme():
        first, second = make_course(), make_course()
        body = {"title_vi": "P", "courses": [{"course": first.slug, "target_date": "2027-01-01"},
                                              {"course": second.slug, "requires": [first.slug]}]}
        programme = client.post("/api/v1/programmes", json=body, headers=staff).get_json()
        cohort = client.post(f"/api/v1/programmes/{programme['id']}/cohorts", json={"name": "K"},
                             headers=staff).get_json()
        add(client, staff, cohort, learner)

    def dashboard(expected_programmes):
        with count_queries() as counted:
            page = client.get("/me")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count('class="card programme"') == expected_programmes
        return counted

    login(client, learner)
    follow_a_programme()
    one = dashboard(1)
    for _ in range(29):
        follow_a_programme()
    thirty = dashboard(30)
    assert thirty.n == one.n, thirty.statements


def test_a_code_for_a_locked_course_is_refused_too(client, db, staff, make_user, api_token, path, cohort):
    from elearn.models import EnrolmentCode

    _programme, (_first, second, _third) = path
    newcomer = make_user()
    # In the cohort, then taken out of the course's enrolment by hand: the code must not open it.
    add(client, staff, cohort, newcomer)
    fresh(db)
    db.execute(Enrolment.__table__.delete().where(Enrolment.user_id == newcomer.id,
                                                  Enrolment.course_id == second.id))
    db.add(EnrolmentCode(code="ABCDEFGH", course_id=second.id, uses=0))
    db.commit()
    response = client.post("/api/v1/enrol-codes/redeem", json={"code": "ABCDEFGH"},
                           headers=bearer(api_token(newcomer)))
    assert response.status_code == 409 and "Kiến thức chung" in response.get_json()["error"]["message"]
    fresh(db)
    assert db.get(EnrolmentCode, db.scalar(select(EnrolmentCode.id))).uses == 0


def test_taken_out_of_the_cohort_the_prerequisites_no_longer_bind(client, staff, learner, api_token, path, cohort):
    _programme, (_first, second, _third) = path
    add(client, staff, cohort, learner)
    token = bearer(api_token(learner))
    assert client.get(f"/api/v1/courses/{second.slug}", headers=token).status_code == 409
    assert client.delete(f"/api/v1/cohorts/{cohort['id']}/members/{learner.id}", headers=staff).status_code == 204
    assert client.get(f"/api/v1/courses/{second.slug}", headers=token).status_code == 200
    assert client.get("/api/v1/me/programmes", headers=token).get_json()["programmes"] == []


def test_staff_cannot_be_put_in_a_cohort(client, staff, instructor, cohort):
    response = client.post(f"/api/v1/cohorts/{cohort['id']}/members", json={"user_ids": [instructor.id]},
                           headers=staff)
    assert response.status_code == 409
