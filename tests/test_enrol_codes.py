"""Enrolment by code: instructors make codes, learners type or scan them."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from elearn.models import CourseGroup, Enrolment, EnrolmentCode, GroupMember
from elearn.models.enrolment import CODE_ALPHABET
from elearn.testing import csrf_token, fresh, test_config

THREADS = 20


@pytest.fixture
def app_config(database_url, tmp_path):
    """Twenty learners redeeming at once from one test client's address."""
    return test_config(database_url, tmp_path, CONCURRENT_REQUESTS_PER_CLIENT=THREADS)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def teaching(db, instructor, make_course):
    from elearn.models import CourseInstructor

    course = make_course(slug="hop-tac-xa")
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    return course


@pytest.fixture
def make_code(client, instructor, api_token, teaching):
    token = api_token(instructor)

    def make(**body):
        response = client.post(f"/api/v1/courses/{teaching.slug}/enrol-codes", json=body, headers=bearer(token))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def redeem(client, token, code):
    return client.post("/api/v1/enrol-codes/redeem", json={"code": code}, headers=bearer(token))


def enrolled(db, user, course) -> bool:
    fresh(db)
    return db.scalar(select(Enrolment.id).where(Enrolment.user_id == user.id,
                                                Enrolment.course_id == course.id)) is not None


def test_a_code_is_eight_unambiguous_characters_and_enrols_whoever_types_it(client, db, learner, api_token,
                                                                           teaching, make_code):
    made = make_code()
    assert len(made["code"]) == 8 and set(made["code"]) <= set(CODE_ALPHABET)
    assert not set(made["code"]) & set("0O1I")
    assert made["display"] == f"{made['code'][:4]}-{made['code'][4:]}"
    # Typed the way people type on a phone: lower case, with the dash and a space.
    response = redeem(client, api_token(learner), f" {made['display'].lower()} ")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["course"]["slug"] == teaching.slug
    assert enrolled(db, learner, teaching)


def test_redeeming_twice_is_fine_and_counts_one_use(client, db, learner, api_token, make_code):
    made = make_code(max_uses=1)
    token = api_token(learner)
    assert redeem(client, token, made["code"]).status_code == 201
    again = redeem(client, token, made["code"])
    assert again.status_code == 200 and again.get_json()["created"] is False
    fresh(db)
    assert db.get(EnrolmentCode, made["id"]).uses == 1


def test_unknown_code_is_404(client, learner, api_token, make_code):
    make_code()
    response = redeem(client, api_token(learner), "ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert "ZZZZ-ZZZZ" in response.get_json()["error"]["message"]


def test_expired_code_is_409(client, db, learner, api_token, teaching, make_code):
    made = make_code(expires_at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    code = db.get(EnrolmentCode, made["id"])
    code.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.commit()
    response = redeem(client, api_token(learner), made["code"])
    assert response.status_code == 409
    assert "đã hết hạn" in response.get_json()["error"]["message"]
    assert not enrolled(db, learner, teaching)


def test_an_expiry_in_the_past_is_refused(client, instructor, api_token, teaching):
    response = client.post(f"/api/v1/courses/{teaching.slug}/enrol-codes", headers=bearer(api_token(instructor)),
                           json={"expires_at": "2020-01-01T00:00:00+07:00"})
    assert response.status_code == 409


def test_a_whole_number_written_with_a_decimal_point_is_a_whole_number(client, instructor, api_token, teaching):
    # JSON Schema counts 5.0 as an integer: a client that writes it so is following the document.
    response = client.post(f"/api/v1/courses/{teaching.slug}/enrol-codes", headers=bearer(api_token(instructor)),
                           json={"max_uses": 5.0})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["max_uses"] == 5
    refused = client.post(f"/api/v1/courses/{teaching.slug}/enrol-codes", headers=bearer(api_token(instructor)),
                          json={"max_uses": 5.5})
    assert refused.status_code == 400


def test_used_up_code_is_409(client, db, make_user, api_token, teaching, make_code):
    made = make_code(max_uses=2)
    first, second, third = (make_user() for _ in range(3))
    assert redeem(client, api_token(first), made["code"]).status_code == 201
    assert redeem(client, api_token(second), made["code"]).status_code == 201
    response = redeem(client, api_token(third), made["code"])
    assert response.status_code == 409
    assert "hết lượt dùng" in response.get_json()["error"]["message"]
    assert not enrolled(db, third, teaching)


def test_disabled_code_is_409_and_can_be_enabled_again(client, db, learner, instructor, api_token, teaching,
                                                         make_code):
    made = make_code()
    staff = bearer(api_token(instructor))
    url = f"/api/v1/courses/{teaching.slug}/enrol-codes/{made['id']}"
    assert client.patch(url, json={"disabled": True}, headers=staff).get_json()["usable"] is False
    token = api_token(learner)
    response = redeem(client, token, made["code"])
    assert response.status_code == 409 and "đã bị tắt" in response.get_json()["error"]["message"]
    assert client.patch(url, json={"disabled": False}, headers=staff).get_json()["usable"] is True
    assert redeem(client, token, made["code"]).status_code == 201


def test_a_code_tied_to_a_group_puts_the_learner_in_it(client, db, learner, api_token, teaching, make_code):
    group = CourseGroup(course_id=teaching.id, group_set="track", key="rural", title_vi="Xã nông thôn")
    db.add(group)
    db.commit()
    made = make_code(group_id=group.id)
    assert made["group"]["key"] == "rural"
    response = redeem(client, api_token(learner), made["code"])
    assert response.status_code == 201
    assert "Xã nông thôn" in response.get_json()["message"]
    fresh(db)
    assert db.scalar(select(GroupMember.group_id).where(GroupMember.user_id == learner.id)) == group.id


def test_a_group_of_another_course_is_refused(client, db, instructor, api_token, teaching, make_course):
    other = make_course()
    group = CourseGroup(course_id=other.id, group_set="track", key="urban", title_vi="Phường")
    db.add(group)
    db.commit()
    response = client.post(f"/api/v1/courses/{teaching.slug}/enrol-codes", json={"group_id": group.id},
                           headers=bearer(api_token(instructor)))
    assert response.status_code == 404
    fresh(db)
    assert db.scalar(select(func.count(EnrolmentCode.id))) == 0


def test_a_learner_cannot_create_or_list_codes(client, learner, make_user, api_token, teaching, make_code):
    make_code()
    other_instructor = make_user("instructor")
    for user in (learner, other_instructor):
        headers = bearer(api_token(user))
        url = f"/api/v1/courses/{teaching.slug}/enrol-codes"
        assert client.get(url, headers=headers).status_code == 403
        assert client.post(url, json={}, headers=headers).status_code == 403


def test_staff_list_shows_each_code_with_its_uses(client, learner, instructor, api_token, teaching, make_code):
    made = make_code(max_uses=5)
    make_code()
    redeem(client, api_token(learner), made["code"])
    listed = client.get(f"/api/v1/courses/{teaching.slug}/enrol-codes", headers=bearer(api_token(instructor)))
    by_id = {code["id"]: code for code in listed.get_json()["codes"]}
    assert len(by_id) == 2 and by_id[made["id"]]["uses"] == 1 and by_id[made["id"]]["max_uses"] == 5


def test_guessing_is_rate_limited(client, app, learner, api_token, make_code):
    app.config["ENROL_CODE_LIMITS"] = "3 per minute"
    made = make_code()
    token = api_token(learner)
    assert [redeem(client, token, "ZZZZZZZZ").status_code for _ in range(3)] == [404] * 3
    # Even the right code now waits: the wrong guesses counted.
    assert redeem(client, token, made["code"]).status_code == 429


def test_twenty_learners_at_once_on_a_five_use_code_make_exactly_five_enrolments(app, db, make_user, api_token,
                                                                                 teaching, make_code):
    made = make_code(max_uses=5)
    tokens = [api_token(make_user()) for _ in range(THREADS)]

    def attempt(token):
        return app.test_client().post("/api/v1/enrol-codes/redeem", json={"code": made["code"]},
                                      headers=bearer(token)).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(attempt, tokens))

    assert sorted(statuses) == [201] * 5 + [409] * 15, statuses
    fresh(db)
    assert db.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == teaching.id)) == 5
    assert db.get(EnrolmentCode, made["id"]).uses == 5


# -- the pages ---------------------------------------------------------------------------


def test_the_code_page_shows_a_qr_code_linking_to_the_join_form(client, login, instructor, teaching, make_code):
    made = make_code()
    login(client, instructor)
    page = client.get(f"/courses/{teaching.slug}/codes/{made['id']}").get_data(as_text=True)
    assert "<svg" in page and made["display"] in page
    assert f"/join/{made['code']}" in page
    listing = client.get(f"/courses/{teaching.slug}/codes").get_data(as_text=True)
    assert made["display"] in listing


def test_scanning_prefills_the_form_and_posting_it_enrols(client, db, login, learner, teaching, make_code):
    made = make_code()
    login(client, learner)
    form = client.get(f"/join/{made['code']}").get_data(as_text=True)
    assert f'value="{made["code"]}"' in form
    response = client.post("/join", data={"code": made["code"], "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/courses/{teaching.slug}")
    assert enrolled(db, learner, teaching)


def test_a_wrong_code_in_the_form_says_why_with_its_status(client, login, learner, make_code):
    make_code()
    login(client, learner)
    response = client.post("/join", data={"code": "ABCD", "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 404
    assert "ABCD" in response.get_data(as_text=True) and 'name="code"' in response.get_data(as_text=True)


def test_a_learner_cannot_open_the_codes_pages(client, login, learner, teaching, make_code):
    made = make_code()
    login(client, learner)
    assert client.get(f"/courses/{teaching.slug}/codes").status_code == 403
    assert client.get(f"/courses/{teaching.slug}/codes/{made['id']}").status_code == 403


def test_an_instructor_creates_and_disables_a_code_on_the_page(client, db, login, instructor, teaching):
    group = CourseGroup(course_id=teaching.id, group_set="track", key="urban", title_vi="Phường")
    db.add(group)
    db.commit()
    login(client, instructor)
    url = f"/courses/{teaching.slug}/codes"
    token = csrf_token(client, url)
    made = client.post(url, data={"group_id": str(group.id), "max_uses": "30", "expires_on": "2099-06-30",
                                  "csrf_token": token})
    assert made.status_code == 303
    fresh(db)
    code = db.scalar(select(EnrolmentCode))
    assert (code.group_id, code.max_uses, code.expires_at.date().isoformat()) == (group.id, 30, "2099-06-30")
    assert "Phường" in client.get(made.headers["Location"]).get_data(as_text=True)
    client.post(f"{url}/{code.id}/disabled", data={"disabled": "1", "csrf_token": token})
    fresh(db)
    assert db.get(EnrolmentCode, code.id).disabled_at is not None
    assert "đã tắt" in client.get(url).get_data(as_text=True)


def test_a_learner_enrolled_already_uses_nothing(client, db, learner, api_token, teaching, make_code, enrol):
    made = make_code(max_uses=1)
    enrol(learner, teaching)
    response = redeem(client, api_token(learner), made["code"])
    assert response.status_code == 200 and response.get_json()["created"] is False
    fresh(db)
    assert db.get(EnrolmentCode, made["id"]).uses == 0
