"""The learner's profile: phone numbers normalised and unique, the site's required and editable
fields, the gentle redirect at sign-in, and that no learner ever sees another's profile."""

from __future__ import annotations

import pytest

from elearn.models import AdminUnit, Cooperative, CooperativeKind, LearnerProfile, UnitLevel
from elearn.profile.phones import InvalidPhone, normalise_phone
from elearn.testing import csrf_token, fresh


@pytest.mark.parametrize("typed", ["0912 345 678", "+84912345678", "84912345678", "0912.345.678", "0912-345-678",
                                   "+84 912 345 678", "(+84) 912345678", "0084912345678"])
def test_vietnamese_mobile_numbers_are_stored_one_way(typed):
    assert normalise_phone(typed) == "+84912345678"


def test_landlines_and_foreign_numbers():
    assert normalise_phone("0215 3825 123") == "+842153825123"  # Điện Biên's area code
    assert normalise_phone("+1 650 253 0000") == "+16502530000"


@pytest.mark.parametrize("typed", ["", "123", "0912 345", "09123456789012", "abc", "0912 345 67x", "+84 000 000 000"])
def test_what_is_not_a_phone_number(typed):
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


@pytest.fixture
def cooperative(db):
    province = AdminUnit(code="11", name="Tỉnh Điện Biên", level=UnitLevel.PROVINCE)
    db.add(province)
    db.flush()
    ward = AdminUnit(code="P1", name="Phường Mường Thanh", level=UnitLevel.WARD, parent_id=province.id,
                     province_id=province.id)
    db.add(ward)
    db.flush()
    coop = Cooperative(name="HTX Mường Thanh", kind=CooperativeKind.NON_AGRICULTURAL, registration_number="R-1",
                       unit_id=ward.id)
    db.add(coop)
    db.commit()
    return coop


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_api_reads_and_changes_the_callers_profile(client, api_token, learner, cooperative, db):
    headers = bearer(api_token(learner))
    empty = client.get("/api/v1/me/profile", headers=headers).get_json()
    assert empty["cooperative"] is None and empty["phone"] is None
    changed = client.put("/api/v1/me/profile", headers=headers, json={
        "cooperative_id": cooperative.id, "position": "director", "birth_year": 1968, "phone": "0912 345 678"})
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["phone"] == "+84912345678" and body["position"] == "director" and body["birth_year"] == 1968
    assert body["cooperative"]["name"] == "HTX Mường Thanh" and body["cooperative"]["track"] == "urban"
    # Only what is sent changes; null clears.
    cleared = client.put("/api/v1/me/profile", headers=headers, json={"phone": None}).get_json()
    assert cleared["phone"] is None and cleared["position"] == "director"
    for bad in ({"birth_year": 1850}, {"position": "king"}, {"phone": "12"}, {"cooperative_id": 999}):
        assert client.put("/api/v1/me/profile", headers=headers, json=bad).status_code == 400, bad
    assert fresh(db).get(LearnerProfile, learner.id).birth_year == 1968


def test_a_phone_number_belongs_to_one_account(client, api_token, login, learner, make_user):
    other = make_user("learner", "binh2@example.org", "Lò Văn Bình")
    assert client.put("/api/v1/me/profile", headers=bearer(api_token(learner)),
                      json={"phone": "0912 345 678"}).status_code == 200
    taken = client.put("/api/v1/me/profile", headers=bearer(api_token(other)), json={"phone": "+84912345678"})
    assert taken.status_code == 409
    assert taken.get_json()["error"]["message"] == "Số điện thoại này đã được một tài khoản khác sử dụng."
    login(client, other)
    page = client.post("/me/profile", data={"csrf_token": csrf_token(client, "/me/profile"), "phone": "84912345678"})
    assert page.status_code == 400


def test_the_profile_page_saves_and_shows_the_phone_as_people_read_it(client, login, learner, cooperative):
    login(client, learner)
    # The cooperative is chosen in two steps: its ward, then the ward's cooperatives.
    step = client.get(f"/me/profile?unit={cooperative.unit_id}").get_data(as_text=True)
    assert "HTX Mường Thanh" in step
    saved = client.post("/me/profile", data={
        "csrf_token": csrf_token(client, "/me/profile"), "cooperative": cooperative.id, "position": "accountant",
        "birth_year": "1975", "gender": "female", "phone": "+84 912 345 678"})
    assert saved.status_code == 303
    page = client.get("/me/profile").get_data(as_text=True)
    assert "0912 345 678" in page and "HTX Mường Thanh" in page


def test_a_learner_never_sees_another_learners_profile(client, api_token, login, learner, make_user, admin):
    other = make_user("learner", "chi@example.org", "Quàng Thị Chi")
    client.put("/api/v1/me/profile", headers=bearer(api_token(other)), json={"phone": "0987 654 321",
                                                                             "birth_year": 1961})
    login(client, learner)
    assert "987 654 321" not in client.get("/me/profile").get_data(as_text=True)
    assert client.get(f"/admin/users/{other.id}/profile").status_code == 403
    assert client.post(f"/admin/users/{other.id}/profile",
                       data={"csrf_token": csrf_token(client, "/me/profile"), "phone": ""}).status_code == 403
    mine = client.get("/api/v1/me/profile", headers=bearer(api_token(learner))).get_json()
    assert mine["phone"] is None and mine["birth_year"] is None
    assert client.get(f"/api/v1/users/{other.id}/profile", headers=bearer(api_token(learner))).status_code == 404
    # Staff see it, from the users page.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me/profile")})
    login(client, admin)
    assert f"/admin/users/{other.id}/profile" in client.get("/admin/users").get_data(as_text=True)
    assert "0987 654 321" in client.get(f"/admin/users/{other.id}/profile").get_data(as_text=True)


def test_fields_the_site_keeps_for_its_staff(app, client, api_token, login, learner, admin):
    headers = bearer(api_token(learner))
    client.put("/api/v1/me/profile", headers=headers, json={"birth_year": 1970})
    app.config["PROFILE_LEARNER_EDITABLE"] = ["phone"]
    assert client.put("/api/v1/me/profile", headers=headers, json={"position": "director"}).status_code == 403
    assert client.put("/api/v1/me/profile", headers=headers, json={"phone": "0912345678"}).status_code == 200
    login(client, learner)
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'name="position"' not in page and 'name="phone"' in page
    # A mistake in the one field they may change still shows the others as they are.
    wrong = client.post("/me/profile", data={"csrf_token": csrf_token(client, "/me/profile"), "phone": "12",
                                             "birth_year": "1999"})
    assert wrong.status_code == 400
    assert "1970" in wrong.get_data(as_text=True) and 'value="12"' in wrong.get_data(as_text=True)
    # The administrator may change them.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me/profile")})
    login(client, admin)
    path = f"/admin/users/{learner.id}/profile"
    assert client.post(path, data={"csrf_token": csrf_token(client, path), "position": "director"}).status_code == 303
    assert client.get("/api/v1/me/profile", headers=headers).get_json()["position"] == "director"


def test_required_fields_are_asked_for_at_the_next_sign_in(app, client, login, api_token, learner, cooperative):
    app.config["PROFILE_REQUIRED_FIELDS"] = ["cooperative", "phone"]
    answer = client.post("/login", data={"login": learner.email, "password": "correct horse battery",
                                         "next": "/courses", "csrf_token": csrf_token(client, "/login")})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/me/profile?next=")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Vui lòng bổ sung hồ sơ: Hợp tác xã, Số điện thoại." in page
    # Nothing else is blocked: other pages, the API and logging out still work.
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/progress", headers=bearer(api_token(learner))).status_code == 200
    # A required field cannot be cleared by the learner.
    headers = bearer(api_token(learner))
    client.put("/api/v1/me/profile", headers=headers, json={"phone": "0912345678", "cooperative_id": cooperative.id})
    assert client.put("/api/v1/me/profile", headers=headers, json={"phone": None}).status_code == 400
    assert client.get("/api/v1/me/profile", headers=headers).get_json()["missing"] == []
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 303
    again = login(client, learner)
    assert not again.headers["Location"].startswith("/me/profile")


def test_plugins_read_learners_cooperatives_in_one_query(app, db, learner, make_user, cooperative, count_queries):
    from elearn.plugin_api import Track, learner_cooperative, learner_cooperatives

    other = make_user("learner", "dung@example.org", "Lò Thị Dung")
    db.add(LearnerProfile(user_id=learner.id, cooperative_id=cooperative.id))
    db.commit()
    with count_queries() as counted:
        found = learner_cooperatives(db, [learner.id, other.id])
        assert found[learner.id].unit.name == "Phường Mường Thanh" and found[learner.id].track == Track.URBAN
    assert counted.n == 1 and other.id not in found
    assert learner_cooperative(db, other.id) is None


def test_a_new_account_is_asked_for_the_required_fields_right_away(app, client):
    app.config["PROFILE_REQUIRED_FIELDS"] = ["position"]
    answer = client.post("/register", data={"name": "Lò Văn Em", "email": "em@example.org",
                                            "password": "correct horse battery",
                                            "confirm": "correct horse battery",
                                            "csrf_token": csrf_token(client, "/register")})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/me/profile?next=")


def test_two_accounts_saving_one_number_at_once_get_a_409_not_a_failure(app, db, learner, make_user, monkeypatch):
    """The check before the write cannot see a number saved at the same moment: the unique constraint
    decides, and the loser is told the number is taken."""
    from elearn.profile import service

    other = make_user("learner", "gia@example.org", "Lò Văn Gia")
    db.add(LearnerProfile(user_id=other.id, phone="+84912345678"))
    db.commit()
    monkeypatch.setattr(service, "phone_taken", lambda *args: False)
    with app.test_request_context(), pytest.raises(service.ProfileError) as refused:
        service.save_profile(db, learner, {"phone": "0912 345 678"})
    db.rollback()
    assert refused.value.status == 409
