"""Signing in without e-mail: by phone number or username, sign-up on or off, one-time codes on paper or
by SMS (through a plugin's sender), and the password that must be chosen after a code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.models import (
    AdminUnit,
    CodePurpose,
    Cooperative,
    CooperativeKind,
    LearnerProfile,
    SignInCode,
    StaffArea,
    UnitLevel,
    User,
)
from elearn.testing import TEST_PASSWORD, FakeClock, FakeSenders, csrf_token, fresh, test_config

NEW_PASSWORD = "my own new passphrase"
CODE = re.compile(r"\b[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b")


def post_login(client, login: str, password: str, **extra):
    data = {"login": login, "password": password, "csrf_token": csrf_token(client, "/login")}
    return client.post("/login", data=data, **extra)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def phone_learner(make_user, db):
    """A learner who has a phone number and a username."""
    user = make_user("learner", "ha@example.org", "Phạm Thu Hà")
    user.username = "ha.pham"
    db.add(LearnerProfile(user_id=user.id, phone="+84912345678"))
    db.commit()
    return user


@pytest.fixture
def place(db):
    """Two communes, each with a cooperative with a learner; area staff for the first commune."""
    found = {}
    for key, code in (("a", "A"), ("b", "B")):
        unit = AdminUnit(code=code, name=f"Xã {code}", level=UnitLevel.COMMUNE)
        db.add(unit)
        db.flush()
        coop = Cooperative(name=f"HTX {code}", kind=CooperativeKind.AGRICULTURAL, registration_number=f"R-{code}",
                           unit_id=unit.id)
        db.add(coop)
        db.flush()
        found[key], found[f"coop_{key}"] = unit, coop
    db.commit()
    return found


@pytest.fixture
def members(make_user, db, place):
    """Two learners without e-mail in cooperative A, one in B."""
    people = {}
    for key, name, phone, coop in (("lan", "Lò Thị Lan", "+84987654321", "coop_a"),
                                   ("tu", "Quàng Văn Tú", "+84912000111", "coop_a"),
                                   ("mai", "Lường Thị Mai", "+84912000222", "coop_b")):
        user = User(email=None, name=name, password_hash="!imported")
        db.add(user)
        db.flush()
        db.add(LearnerProfile(user_id=user.id, phone=phone, cooperative_id=place[coop].id))
        people[key] = user
    db.commit()
    return people


def print_sheet(client, cooperative: Cooperative, **extra):
    return client.post("/orgs/sign-in-codes", data={"cooperative": str(cooperative.id),
                                                    "csrf_token": csrf_token(client, "/me")}, **extra)


def codes_on(response) -> list[str]:
    return CODE.findall(response.get_data(as_text=True))


# -- phone, username or e-mail ---------------------------------------------------------------


@pytest.mark.parametrize("login", ["0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678",
                                   "HA.PHAM", "ha@example.org"])
def test_one_field_takes_the_phone_number_in_any_writing_the_username_or_the_email(client, phone_learner, login):
    response = post_login(client, login, TEST_PASSWORD)
    assert response.status_code == 303
    assert client.get("/me").status_code == 200


def test_a_wrong_password_names_no_field_and_an_unknown_phone_answers_the_same(client, phone_learner):
    known = post_login(client, "0912345678", "wrong password here")
    unknown = post_login(client, "0987 000 000", "wrong password here")
    assert known.status_code == unknown.status_code == 401
    assert known.get_data(as_text=True).count('role="alert"') == unknown.get_data(as_text=True).count('role="alert"')


def test_the_phone_in_two_writings_is_one_account_for_the_limits(app, client, phone_learner):
    limit = 5  # LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS: 5 per minute
    for attempt in range(limit):
        login = "0912 345 678" if attempt % 2 else "+84912345678"
        assert post_login(client, login, "wrong password here").status_code == 401
    assert post_login(client, "ha.pham", TEST_PASSWORD).status_code == 429


def test_an_unknown_phone_is_limited_like_a_known_one(client, phone_learner):
    answers = {}
    for login in ("0912 345 678", "0987 000 000"):
        answers[login] = [post_login(client, login, "wrong password here", environ_base={
            "REMOTE_ADDR": f"10.0.0.{len(answers) + 1}"}).status_code for _ in range(6)]
    assert answers["0912 345 678"] == answers["0987 000 000"] == [401] * 5 + [429]


def test_the_api_takes_a_phone_number_as_login(client, phone_learner):
    response = client.post("/api/v1/auth/token", json={"login": "0912 345 678", "password": TEST_PASSWORD})
    assert response.status_code == 201
    assert client.get("/api/v1/me/progress", headers=bearer(response.get_json()["token"])).status_code == 200
    missing = client.post("/api/v1/auth/token", json={"password": TEST_PASSWORD})
    assert missing.status_code == 400


# -- sign-up ---------------------------------------------------------------------------------


def register(client, **fields):
    data = {"name": "Điêu Văn Sơn", "phone": "", "username": "", "email": "", "password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD, "csrf_token": csrf_token(client, "/register")}
    return client.post("/register", data={**data, **fields})


def test_signing_up_with_a_phone_number_only(app, client, db):
    assert register(client, phone="0977 123 456").status_code == 303
    user = fresh(db).scalar(select(User).where(User.name == "Điêu Văn Sơn"))
    assert user.email is None
    assert fresh(db).get(LearnerProfile, user.id).phone == "+84977123456"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert post_login(client, "+84977123456", TEST_PASSWORD).status_code == 303


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "phone number, a username or an e-mail"),
    ({"phone": "12"}, "not a phone number"),
    ({"username": "0912345678"}, "at least one letter"),
    ({"username": "a b"}, "at least one letter"),
])
def test_signing_up_without_a_way_to_sign_in_is_refused(client, db, fields, message):
    client.get("/language", query_string={"lang": "en"})
    client.post("/language", data={"lang": "en", "next": "/register", "csrf_token": csrf_token(client, "/register")})
    response = register(client, **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert fresh(db).scalar(select(User).where(User.name == "Điêu Văn Sơn")) is None


def test_a_taken_phone_or_username_is_refused(client, db, phone_learner):
    assert register(client, phone="0912 345 678").status_code == 200
    assert register(client, username="Ha.Pham").status_code == 200
    taken = client.post("/api/v1/auth/register", json={"name": "Sơn", "password": TEST_PASSWORD,
                                                      "phone": "+84912345678"})
    assert taken.status_code == 409
    assert fresh(db).scalar(select(User).where(User.name == "Điêu Văn Sơn")) is None


def test_the_api_signs_up_and_gives_a_token(client):
    response = client.post("/api/v1/auth/register", json={"name": "Lò Văn Sơn", "password": TEST_PASSWORD,
                                                          "username": "son.lo"})
    assert response.status_code == 201
    assert client.get("/api/v1/me/progress", headers=bearer(response.get_json()["token"])).status_code == 200


@pytest.fixture
def closed(database_url, tmp_path):
    from elearn import create_app

    app = create_app(test_config(database_url, tmp_path, SELF_SIGNUP=False,
                                 SIGNUP_CLOSED_HELP="Gọi văn phòng Liên minh: 0215 3825 123."))
    yield app
    app.extensions["elearn_db"].dispose()


def test_the_sign_up_switch_is_the_variable_the_readme_names(database_url, tmp_path, monkeypatch):
    """The core's settings take the site's one prefix: ``ELEARN_SELF_SIGNUP``, not ``ELEARN_ELEARN_SELF_SIGNUP``."""
    from elearn import create_app

    monkeypatch.setenv("ELEARN_SELF_SIGNUP", "false")
    app = create_app(test_config(database_url, tmp_path))
    try:
        assert app.test_client().get("/register").status_code == 403
    finally:
        app.extensions["elearn_db"].dispose()


def test_with_sign_up_off_the_page_says_how_to_get_an_account_and_the_api_refuses(closed):
    client = closed.test_client()
    page = client.get("/register")
    assert page.status_code == 403
    assert "0215 3825 123" in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True).split("<main", 1)[1]
    assert 'href="/register"' not in client.get("/login").get_data(as_text=True).split("<main", 1)[1]
    answer = client.post("/api/v1/auth/register", json={"name": "Sơn", "password": TEST_PASSWORD, "username": "son"})
    assert answer.status_code == 403
    assert "tài khoản" in answer.get_json()["error"]["message"]


# -- one-time codes on paper -------------------------------------------------------------------


def test_an_admin_prints_a_card_per_learner_of_a_cooperative(client, login, admin, members, place, db):
    login(client, admin)
    sheet = print_sheet(client, place["coop_a"])
    assert sheet.status_code == 200
    html = sheet.get_data(as_text=True)
    assert "Lò Thị Lan" in html and "Quàng Văn Tú" in html and "Lường Thị Mai" not in html
    assert "0987 654 321" in html and "HTX A" in html
    assert "http://localhost/login" in html and "<svg" in html, "the site's address as text and as a QR code"
    codes = codes_on(sheet)
    assert len(codes) == 2
    stored = fresh(db).scalars(select(SignInCode.code_hash)).all()
    assert len(stored) == 2 and not any(code.replace("-", "") in "".join(stored) for code in codes)


def test_a_paper_code_signs_in_once_and_a_password_must_be_chosen_first(client, app, login, admin, members, place,
                                                                       db):
    login(client, admin)
    lan_code = codes_on(print_sheet(client, place["coop_a"]))[0]  # Lan comes first by name
    learner = app.test_client()
    first = post_login(learner, "0987 654 321", lan_code.lower().replace("-", " "))
    assert first.status_code == 303 and "/account/new-password" in first.headers["Location"]
    for page in ("/me", "/courses", "/me/profile"):
        answer = learner.get(page)
        assert answer.status_code == 302 and "/account/new-password" in answer.headers["Location"], page
    chosen = learner.post("/account/new-password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                         "csrf_token": csrf_token(learner, "/account/new-password")})
    assert chosen.status_code == 303
    assert learner.get("/me").status_code == 200
    other = app.test_client()
    assert post_login(other, "0987654321", lan_code).status_code == 401, "a code works once"
    assert post_login(other, "0987654321", NEW_PASSWORD).status_code == 303


def test_a_paper_code_through_the_api_allows_only_choosing_a_password(client, app, login, admin, members, place):
    login(client, admin)
    lan_code = codes_on(print_sheet(client, place["coop_a"]))[0]
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"login": "+84987654321", "password": lan_code}).get_json()["token"]
    refused = api.get("/api/v1/me/progress", headers=bearer(token))
    assert refused.status_code == 403
    assert "/api/v1/me/password" in refused.get_json()["error"]["message"]
    chosen = api.post("/api/v1/me/password", json={"password": NEW_PASSWORD}, headers=bearer(token))
    assert chosen.status_code == 201
    assert api.get("/api/v1/me/progress", headers=bearer(token)).status_code == 401, "the code's token ended"
    assert api.get("/api/v1/me/progress", headers=bearer(chosen.get_json()["token"])).status_code == 200
    again = api.post("/api/v1/me/password", json={"password": "yet another passphrase"},
                     headers=bearer(chosen.get_json()["token"]))
    assert again.status_code == 403, "once a password is chosen, changing it asks for it"


def test_a_new_sheet_replaces_the_codes_and_codes_expire(client, app, login, admin, members, place, monkeypatch):
    login(client, admin)
    old = codes_on(print_sheet(client, place["coop_a"]))[0]
    clock = FakeClock()
    monkeypatch.setattr("elearn.auth.codes.utcnow", clock)
    new = codes_on(print_sheet(client, place["coop_a"]))[0]
    learner = app.test_client()
    assert post_login(learner, "0987654321", old).status_code == 401
    clock.advance(days=14, seconds=1)
    assert post_login(learner, "0987654321", new).status_code == 401, "14 days by default"


def test_area_staff_print_for_their_area_only_and_learners_not_at_all(client, app, login, make_user, members, place,
                                                                     db):
    staff = make_user("instructor", "staff@example.org", "Cán bộ xã A")
    db.add(StaffArea(user_id=staff.id, unit_id=place["a"].id))
    db.commit()
    login(client, staff)
    assert print_sheet(client, place["coop_b"]).status_code == 404
    assert len(codes_on(print_sheet(client, place["coop_a"]))) == 2
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"login": staff.email, "password": TEST_PASSWORD}).get_json()["token"]
    mai = api.post("/api/v1/sign-in-codes", json={"user_ids": [members["mai"].id]}, headers=bearer(token))
    assert mai.status_code == 404
    mine = api.post("/api/v1/sign-in-codes", json={"user_ids": [members["tu"].id]}, headers=bearer(token))
    assert mine.status_code == 201
    assert [card["name"] for card in mine.get_json()["codes"]] == ["Quàng Văn Tú"]
    assert CODE.fullmatch(mine.get_json()["codes"][0]["code"])
    learner = make_user()
    other = app.test_client()
    login(other, learner)
    assert print_sheet(other, place["coop_a"]).status_code == 403


def test_printing_sheets_is_rate_limited(client, login, admin, members, place):
    login(client, admin)
    answers = [print_sheet(client, place["coop_a"]).status_code for _ in range(21)]
    assert answers == [200] * 20 + [429]


# -- codes by SMS --------------------------------------------------------------------------------


@pytest.fixture
def sms():
    return FakeSenders("sms")


@pytest.fixture
def sms_app(database_url, tmp_path, sms):
    from elearn import create_app

    app = create_app(test_config(database_url, tmp_path, PLUGIN_OBJECTS={"fake_sms": sms}))
    yield app
    app.extensions["elearn_db"].dispose()


def test_without_an_sms_sender_the_option_is_not_offered(client):
    assert "/login/code" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/code").status_code == 404
    assert client.post("/api/v1/auth/sign-in-code", json={"login": "0912345678"}).status_code == 404


def ask(client, path: str, login: str, **extra):
    return client.post(path, data={"login": login, "csrf_token": csrf_token(client, path)}, **extra)


def test_a_code_by_sms_signs_in_once_without_asking_for_a_new_password(sms_app, sms, phone_learner):
    client = sms_app.test_client()
    assert "/login/code" in client.get("/login").get_data(as_text=True)
    assert ask(client, "/login/code", "0912 345 678").status_code == 303
    [message] = sms.sent()
    assert message.to == "+84912345678"
    code = CODE.search(message.text).group()
    assert post_login(client, "0912345678", code).headers["Location"] == "/me"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert post_login(client, "0912345678", code).status_code == 401


def test_a_reset_code_by_sms_leads_to_choosing_a_password(sms_app, sms, phone_learner):
    client = sms_app.test_client()
    assert "/login/forgot" in client.get("/login").get_data(as_text=True)
    ask(client, "/login/forgot", "+84912345678")
    code = CODE.search(sms.sent()[0].text).group()
    assert "/account/new-password" in post_login(client, "ha.pham", code).headers["Location"]


def test_asking_for_an_unknown_phone_answers_the_same_and_sends_nothing(sms_app, sms, phone_learner):
    client = sms_app.test_client()
    known, unknown = ask(client, "/login/code", "0912345678"), ask(client, "/login/code", "0987 000 000")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert len(sms.sent()) == 1
    assert client.post("/api/v1/auth/sign-in-code", json={"login": "0987000001"}).status_code == 204
    assert len(sms.sent()) == 1


def test_codes_sent_are_limited_per_phone(sms_app, sms, phone_learner):
    client = sms_app.test_client()
    answers = [ask(client, "/login/code", "0912345678", environ_base={"REMOTE_ADDR": f"10.0.1.{n}"}).status_code
               for n in range(4)]
    assert answers == [303, 303, 303, 429]
    assert len(sms.sent()) == 3


def test_the_openapi_document_has_the_sign_in_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/auth/register", "/auth/sign-in-code", "/auth/password-reset", "/me/password", "/sign-in-codes"):
        assert "post" in document["paths"][path], path
    assert "login" in document["components"]["schemas"]["Credentials"]["properties"]


def test_codes_have_a_purpose(db, phone_learner, app):
    from elearn.auth.codes import issue_code, redeem_code

    with app.test_request_context():
        from datetime import timedelta

        code = issue_code(db, phone_learner, CodePurpose.SMS, timedelta(minutes=5))
        assert redeem_code(db, phone_learner, "WRONG-CODE") is None
        assert redeem_code(db, phone_learner, code) == CodePurpose.SMS
        assert not phone_learner.must_change_password


def test_an_admin_resets_a_learners_password_with_a_code_from_the_profile_page(client, app, login, admin, members):
    login(client, admin)
    page = client.get(f"/admin/users/{members['lan'].id}/profile").get_data(as_text=True)
    assert 'action="/orgs/sign-in-codes"' in page and f'name="user_id" value="{members["lan"].id}"' in page
    sheet = client.post("/orgs/sign-in-codes", data={"user_id": str(members["lan"].id),
                                                     "csrf_token": csrf_token(client, "/me")})
    [code] = codes_on(sheet)
    assert "Lò Thị Lan" in sheet.get_data(as_text=True)
    assert "/account/new-password" in post_login(app.test_client(), "0987654321", code).headers["Location"]


def test_a_learner_who_signs_in_by_phone_alone_cannot_remove_the_phone(client, app, login, admin, members, place):
    login(client, admin)
    code = codes_on(print_sheet(client, place["coop_a"]))[0]
    learner = app.test_client()
    post_login(learner, "0987654321", code)
    token = learner.post("/api/v1/me/password", json={"password": NEW_PASSWORD},
                         headers={"X-CSRFToken": csrf_token(learner, "/account/new-password")})
    assert token.status_code == 201
    removed = learner.put("/api/v1/me/profile", json={"phone": ""}, headers=bearer(token.get_json()["token"]))
    assert removed.status_code == 400
    assert post_login(app.test_client(), "0987654321", NEW_PASSWORD).status_code == 303


def test_learners_just_imported_by_phone_get_their_sheet_of_codes(client, app, login, admin, place):
    import io

    login(client, admin)
    data = ("name,phone,email,cooperative,position,course\n"
            "Lò Văn Páo,0977 111 222,,R-A,member,\n"
            "Cà Thị Hương,0977 333 444,,R-B,accountant,\n").encode()
    page = client.post("/admin/learners/import", data={"csrf_token": csrf_token(client, "/admin/learners/import"),
                                                       "commit": "1", "file": (io.BytesIO(data), "x.csv")})
    html = page.get_data(as_text=True)
    ids = re.findall(r'name="user_id" value="(\d+)"', html)
    assert page.status_code == 200 and len(ids) == 2
    sheet = client.post("/orgs/sign-in-codes", data={"user_id": ids, "csrf_token": csrf_token(client, "/me")})
    codes = codes_on(sheet)
    assert len(codes) == 2 and "HTX B" in sheet.get_data(as_text=True)
    learner = app.test_client()
    assert "/account/new-password" in post_login(learner, "0977 333 444", codes[0]).headers["Location"]
