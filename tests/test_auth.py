"""Accounts and web security: register, log in and out, sessions, CSRF, redirects, rate limits, headers."""

from __future__ import annotations

import ipaddress
import random
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits import parse_many
from sqlalchemy import func, select

from elearn import testing
from elearn.config import DEFAULTS
from elearn.models import ApiToken, AuthSession, CourseInstructor, Enrolment, LessonProgress, Role, User
from elearn.testing import TEST_PASSWORD, FakeClock, csrf_token, fresh

COOKIE = "elearn_session"
NEW_PASSWORD = "a brand new passphrase"


def count(db, model) -> int:
    return fresh(db).scalar(select(func.count()).select_from(model))


def user_by_email(db, email: str) -> User | None:
    return fresh(db).scalar(select(User).where(User.email == email))


def is_logged_in(client) -> bool:
    response = client.get("/me")
    if response.status_code == 200:
        return True
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")
    return False


def session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def browser_with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def post_login(client, email: str, password: str, **extra):
    data = {"login": email, "password": password, "csrf_token": csrf_token(client, "/login")}
    return client.post("/login", data={**data, **extra.pop("data", {})}, **extra)


def register(client, **fields):
    data = {
        "name": "Phạm Thu Hà",
        "email": "ha@example.org",
        "password": TEST_PASSWORD,
        "confirm": TEST_PASSWORD,
        "csrf_token": csrf_token(client, "/register"),
    }
    data.update(fields)
    return client.post("/register", data=data)


def token_attempt(client, email: str, password: str, address: str):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def change_password(client, current: str = TEST_PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        "/account/password",
        data={
            "current": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )


# -- registration ----------------------------------------------------------------


def test_registering_creates_a_learner_and_logs_in(client, db):
    assert client.get("/register").status_code == 200
    response = register(client, email="Ha@Example.org", role="admin")
    assert response.status_code == 303
    user = user_by_email(db, "ha@example.org")
    assert user is not None, "the email is stored normalised"
    assert user.name == "Phạm Thu Hà"
    assert user.role == Role.LEARNER, "a role field in the form is ignored"
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash
    db.commit()
    assert is_logged_in(client)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"name": ""}, id="no-name"),
        pytest.param({"name": "   "}, id="blank-name"),
        pytest.param({"email": ""}, id="no-email"),
        pytest.param({"email": "not-an-email"}, id="bad-email"),
        pytest.param({"password": "short", "confirm": "short"}, id="short-password"),
        pytest.param({"confirm": "something else entirely"}, id="confirm-differs"),
        pytest.param({"name": "x" * 121}, id="long-name"),
    ],
)
def test_registering_with_invalid_fields_shows_the_form_again(client, db, fields):
    response = register(client, **fields)
    assert response.status_code in (200, 400, 422)
    html = response.get_data(as_text=True)
    assert '<form method="post"' in html
    assert 'role="alert"' in html, "the error is shown next to the form"
    assert TEST_PASSWORD not in html, "the password is never echoed back"
    assert count(db, User) == 0
    db.commit()
    assert not is_logged_in(client)


def test_registering_an_email_that_is_taken_changes_nothing(client, db, learner):
    old_hash, old_name = learner.password_hash, learner.name
    response = register(client, email=learner.email.upper(), name="Kẻ mạo danh", password="x" * 12, confirm="x" * 12)
    assert response.status_code in (200, 400, 409, 422)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert count(db, User) == 1
    user = user_by_email(db, learner.email)
    assert (user.name, user.password_hash) == (old_name, old_hash)
    db.commit()
    assert not is_logged_in(client)


# -- logging in and out ----------------------------------------------------------


def test_logging_in_and_out(client, db, learner):
    assert client.get("/login").status_code == 200
    response = post_login(client, learner.email, TEST_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/me"
    assert is_logged_in(client)
    assert count(db, AuthSession) == 1
    db.commit()

    # Logging out is a POST with a CSRF token; a GET does nothing.
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert out.status_code == 303
    assert not is_logged_in(client)
    assert count(db, AuthSession) == 0
    db.commit()


def test_a_wrong_password_is_refused(client, db, learner):
    response = post_login(client, learner.email, "wrong password!")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert "wrong password!" not in html
    assert not is_logged_in(client)
    assert count(db, AuthSession) == 0
    db.commit()


def test_a_deactivated_account_cannot_log_in(client, db, learner):
    fresh(db).get(User, learner.id).is_active = False
    db.commit()
    assert post_login(client, learner.email, TEST_PASSWORD).status_code == 401
    assert not is_logged_in(client)


def test_logged_in_visitors_of_the_login_page_go_on(client, learner, login):
    login(client, learner)
    response = client.get("/login?next=/courses/abc")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/courses/abc"


# -- next= -----------------------------------------------------------------------

UNSAFE_TARGETS = [
    "https://evil.example",
    "https://evil.example/me",
    "http:evil.example",
    "//evil.example",
    "//evil.example/me",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_login_never_redirects_off_site(client, learner, target):
    response = post_login(client, learner.email, TEST_PASSWORD, data={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/me"


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:evil()"])
def test_the_login_form_does_not_carry_an_unsafe_target(client, target):
    html = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    form = re.search(r'<form method="post" class="stack.*?</form>', html, re.S).group(0)
    assert re.findall(r'name="next" value="([^"]*)"', form) == ["/me"]


@pytest.mark.parametrize("target", ["/courses/ke-toan", "/lessons/3?tab=notes", "/me"])
def test_login_follows_a_local_next(client, learner, target):
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next"' in page
    response = post_login(client, learner.email, TEST_PASSWORD, data={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:x"])
def test_the_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


# -- sessions --------------------------------------------------------------------


def test_logging_in_starts_a_new_session(app, client, learner):
    client.get("/login")
    before = session_cookie(client)
    post_login(client, learner.email, TEST_PASSWORD)
    after = session_cookie(client)
    assert after != before
    assert is_logged_in(client)
    # Someone who planted or copied the cookie from before the login is not logged in.
    assert not is_logged_in(browser_with_cookie(app, before))
    # A copy of the new cookie is (which is why logout must end it on the server).
    assert is_logged_in(browser_with_cookie(app, after))


def test_logging_in_again_ends_the_browsers_previous_session(app, client, db, learner, make_user):
    post_login(client, learner.email, TEST_PASSWORD)
    first = session_cookie(client)
    other = make_user()
    # Logging in as someone else from the same browser, without logging out first
    # (the login page redirects a logged-in visitor, so the form is posted directly).
    data = {"login": other.email, "password": TEST_PASSWORD, "csrf_token": csrf_token(client, "/me")}
    assert client.post("/login", data=data).status_code == 303
    assert not is_logged_in(browser_with_cookie(app, first)), "the first session's cookie must be dead"
    assert fresh(db).scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == learner.id)) == 0
    db.commit()


def test_logging_out_ends_the_session_on_the_server(app, client, db, learner, login):
    login(client, learner)
    copied = browser_with_cookie(app, session_cookie(client))
    assert is_logged_in(copied)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/me")}).status_code == 303
    assert not is_logged_in(client)
    assert not is_logged_in(copied), "a cookie copied before logout is worthless after it"
    assert count(db, AuthSession) == 0
    db.commit()


def test_logging_out_leaves_other_browsers_logged_in(app, client, learner, login):
    login(client, learner)
    laptop = app.test_client()
    login(laptop, learner)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/me")}).status_code == 303
    assert is_logged_in(laptop)


def test_changing_the_password_ends_every_other_session_and_token(app, client, db, learner, login, api_token):
    login(client, learner)
    copied = browser_with_cookie(app, session_cookie(client))
    phone = app.test_client()
    login(phone, learner)
    token = api_token(learner)
    assert is_logged_in(copied)
    assert is_logged_in(phone)

    response = change_password(client)
    assert response.status_code == 303
    assert is_logged_in(client), "the browser that changed the password stays logged in"
    assert not is_logged_in(copied)
    assert not is_logged_in(phone)
    assert client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert count(db, ApiToken) == 0
    assert count(db, AuthSession) == 1
    db.commit()

    assert post_login(app.test_client(), learner.email, TEST_PASSWORD).status_code == 401
    assert post_login(app.test_client(), learner.email, NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "confirm"),
    [
        pytest.param("not my password", NEW_PASSWORD, None, id="wrong-current"),
        pytest.param(TEST_PASSWORD, "short", None, id="too-short"),
        pytest.param(TEST_PASSWORD, NEW_PASSWORD, "does not match", id="confirm-differs"),
    ],
)
def test_a_refused_password_change_changes_nothing(app, client, db, learner, login, api_token, current, new, confirm):
    login(client, learner)
    phone = app.test_client()
    login(phone, learner)
    token = api_token(learner)
    old_hash = learner.password_hash
    response = change_password(client, current, new, confirm)
    assert response.status_code in (200, 400, 422)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert fresh(db).get(User, learner.id).password_hash == old_hash
    db.commit()
    assert is_logged_in(client)
    assert is_logged_in(phone)
    assert client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_changing_the_password_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


# -- CSRF ------------------------------------------------------------------------


def _snapshot(db) -> dict:
    fresh(db)
    users = db.execute(select(User.id, User.email, User.role, User.password_hash, User.locale).order_by(User.id))
    return {
        "users": [tuple(row) for row in users],
        **{model.__name__: count(db, model) for model in (AuthSession, ApiToken, Enrolment, LessonProgress)},
        "instructors": count(db, CourseInstructor),
    }


def _form_data(rule: str, learner, instructor, course) -> dict:
    """What a real submission of the form at ``rule`` would send, minus the CSRF token."""
    samples = {
        "/login": {"login": learner.email, "password": TEST_PASSWORD},
        "/register": {"name": "Mới", "email": "moi@example.org", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD},
        "/account/password": {"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        "/language": {"lang": "en", "next": "/"},
        "/lessons/<int:lesson_id>/submit": {"read": "1"},
        "/admin/users": {"name": "Mới", "email": "moi2@example.org", "role": "admin", "password": TEST_PASSWORD},
        "/admin/users/<int:user_id>/role": {"role": "admin"},
        "/admin/courses": {"course_id": str(course.id), "email": instructor.email},
    }
    return samples.get(rule, {})


def _url(rule, learner, course, lesson_id) -> str:
    values = {"slug": course.slug, "lesson_id": lesson_id, "user_id": learner.id}
    args = {arg: values.get(arg, 1) for arg in rule.arguments}
    return rule.build(args, append_unknown=False)[1]


def test_every_html_form_post_needs_the_csrf_token(app, client, db, admin, learner, instructor, login, make_course):
    course = make_course()
    lesson_id = course.modules[0].lessons[0].id
    db.commit()
    # The learner enrols on their own browser so that a submission would count.
    learner_browser = app.test_client()
    login(learner_browser, learner)
    learner_browser.post(
        f"/courses/{course.slug}/enrol", data={"csrf_token": csrf_token(learner_browser, f"/courses/{course.slug}")}
    )
    login(client, admin)
    anonymous = app.test_client()
    before = _snapshot(db)
    db.commit()

    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and not rule.rule.startswith("/api/")]
    assert {"/login", "/logout", "/register", "/account/password", "/courses/<slug>/enrol"} <= {r.rule for r in posts}
    for rule in posts:
        url = _url(rule, learner, course, lesson_id)
        data = _form_data(rule.rule, learner, instructor, course)
        browser = learner_browser if rule.rule.startswith(("/lessons/", "/courses/")) else client
        for who, sender, payload in (
            ("missing", browser, data),
            ("forged", browser, {**data, "csrf_token": "forged-token"}),
            ("anonymous", anonymous, data),
        ):
            response = sender.post(url, data=payload)
            assert response.status_code == 400, f"{rule.rule} ({who} token): {response.status_code}"
    assert _snapshot(db) == before, "a POST without a valid CSRF token changed something"
    db.commit()
    assert is_logged_in(client), "logout without a token did not log out"
    assert is_logged_in(learner_browser)


def test_a_token_from_another_session_is_refused(app, client, db, learner, login, make_course):
    course = make_course()
    login(client, learner)
    other = app.test_client()
    stolen = csrf_token(other, "/login")
    response = client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert count(db, Enrolment) == 0
    db.commit()


# -- rate limits -----------------------------------------------------------------


class TestLoginRateLimits:
    @pytest.fixture
    def app_config(self, database_url, tmp_path):
        return testing.test_config(
            database_url,
            tmp_path,
            RATELIMIT_STORAGE_URI="database://",
            LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS="3 per minute",
            LOGIN_LIMITS_PER_ADDRESS="5 per minute",
            LOGIN_LIMITS_PER_ACCOUNT="4 per hour",
            LOGIN_BACKOFF_SECONDS=10,
            LOGIN_BACKOFF_MAX_SECONDS=40,
        )

    @pytest.fixture
    def clock(self, monkeypatch):
        clock = FakeClock()
        monkeypatch.setattr("elearn.rate_limits.utcnow", clock)
        monkeypatch.setattr("elearn.auth.ratelimit.utcnow", clock)
        return clock

    @staticmethod
    def attempt(client, email, password, address):
        return post_login(client, email, password, environ_base={"REMOTE_ADDR": address})

    def test_a_guesser_is_stopped_on_that_account_from_that_address_only(self, app, client, learner, make_user, clock):
        for _ in range(3):
            assert self.attempt(client, learner.email, "wrong password!", "10.0.0.1").status_code == 401
        refused = self.attempt(client, learner.email, TEST_PASSWORD, "10.0.0.1")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        api = token_attempt(client, learner.email, TEST_PASSWORD, "10.0.0.1")
        assert api.status_code == 429
        assert api.headers["Retry-After"] == "60"
        assert api.get_json()["error"]["message"]
        # The owner, anywhere else, still gets in: a guesser cannot lock them out.
        browser = app.test_client()
        assert self.attempt(browser, learner.email, TEST_PASSWORD, "10.0.0.7").status_code == 303
        assert is_logged_in(browser)
        assert token_attempt(app.test_client(), learner.email, TEST_PASSWORD, "10.0.0.8").status_code == 201
        # Someone else on the guesser's address is not affected either.
        other = make_user()
        assert self.attempt(app.test_client(), other.email, TEST_PASSWORD, "10.0.0.1").status_code == 303
        # When the minute is over, that address may try again.
        clock.advance(seconds=60)
        assert self.attempt(client, learner.email, TEST_PASSWORD, "10.0.0.1").status_code == 303

    def test_guesses_from_many_addresses_slow_the_account_down_more_and_more(self, app, learner, clock):
        def guess(host: int, password: str = "wrong password!"):
            return self.attempt(app.test_client(), learner.email, password, f"10.1.0.{host}")

        for host in range(4):
            assert guess(host).status_code == 401  # the failures allowed at full speed
        assert guess(4).status_code == 401  # checked, and from now on each failure doubles the wait
        for wait in (10, 20, 40, 40):  # LOGIN_BACKOFF_SECONDS doubling, up to LOGIN_BACKOFF_MAX_SECONDS
            refused = guess(5)
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == str(wait)
            # From a browser it never logged in from, even the right password waits its turn.
            assert guess(6, TEST_PASSWORD).status_code == 429
            clock.advance(seconds=wait)
            assert guess(7).status_code == 401

    def test_the_owner_is_never_locked_out_of_the_browser_they_logged_in_from(self, app, learner, clock):
        owner = app.test_client()
        assert self.attempt(owner, learner.email, TEST_PASSWORD, "10.0.0.9").status_code == 303
        assert owner.post("/logout", data={"csrf_token": csrf_token(owner, "/me")}).status_code == 303
        def stranger(email: str, password: str, address: str) -> int:
            return self.attempt(app.test_client(), email, password, address).status_code

        # Guessers on the owner's own network use up its address's limits...
        for n in range(3):
            assert stranger(learner.email, "wrong password!", "10.0.0.9") == 401
            if n < 2:
                assert stranger(f"x{n}@example.org", "wrong password!", "10.0.0.9") == 401
        # ...and guessers elsewhere put the account into back-off.
        for host in range(2):
            assert stranger(learner.email, "wrong password!", f"10.2.0.{host}") == 401
        assert stranger(learner.email, TEST_PASSWORD, "10.0.0.9") == 429
        assert stranger(learner.email, TEST_PASSWORD, "10.2.0.9") == 429
        # The owner's browser is recognised: it is counted on its own and never slowed by the others.
        assert self.attempt(owner, learner.email, TEST_PASSWORD, "10.0.0.9").status_code == 303
        assert is_logged_in(owner)

    def test_an_unknown_email_is_limited_like_a_known_one(self, client, learner):
        def fourth_answer(email, address):
            for _ in range(3):
                assert self.attempt(client, email, "wrong password!", address).status_code == 401
            response = self.attempt(client, email, "wrong password!", address)
            html = response.get_data(as_text=True)
            return response.status_code, response.headers.get("Retry-After"), html.replace(email, "EMAIL")

        assert fourth_answer(learner.email, "10.0.0.11") == fourth_answer("nobody@example.org", "10.0.0.12")

    def test_failures_from_one_address_lock_that_address(self, app, client, learner):
        for n in range(5):
            response = self.attempt(client, f"guess{n}@example.org", "wrong password!", "10.0.0.3")
            assert response.status_code == 401
        assert self.attempt(client, learner.email, TEST_PASSWORD, "10.0.0.3").status_code == 429
        browser = app.test_client()
        assert self.attempt(browser, learner.email, TEST_PASSWORD, "10.0.0.4").status_code == 303
        assert is_logged_in(browser)

    def test_successful_logins_do_not_count(self, app, learner):
        for _ in range(6):
            assert self.attempt(app.test_client(), learner.email, TEST_PASSWORD, "10.0.0.5").status_code == 303

    def test_guessing_the_current_password_on_the_change_form_is_limited(self, app, client, db, learner, login):
        login(client, learner)
        for _ in range(3):
            response = change_password(client, current="not my password")
            assert response.status_code == 200
        assert change_password(client, current=TEST_PASSWORD).status_code == 429
        assert user_by_email(db, learner.email).password_hash == learner.password_hash
        db.commit()

    def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(self, client, learner):
        def answer(email):
            response = self.attempt(client, email, "wrong password!", "10.0.0.6")
            html = response.get_data(as_text=True)
            html = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html).replace(email, "EMAIL")
            return response.status_code, html

        known, unknown = answer(learner.email), answer("nobody@example.org")
        assert known[0] == unknown[0] == 401
        assert known[1] == unknown[1]

        def api_answer(email):
            response = client.post("/api/v1/auth/token", json={"email": email, "password": "wrong password!"})
            return response.status_code, response.get_json()

        assert api_answer(learner.email) == api_answer("nobody@example.org")


REDIS_URL = "redis://127.0.0.1:6379/0"
SIMULTANEOUS = 32


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


class TestSharedLoginLimits:
    """The counts are the site's, not a worker's: simultaneous attempts and other workers see them."""

    @pytest.fixture(params=["database://", REDIS_URL])
    def app_config(self, request, database_url, tmp_path):
        if request.param == REDIS_URL and not redis_reachable(REDIS_URL):
            pytest.skip(f"no Redis at {REDIS_URL}")
        # Redis outlives the test: a secret of its own gives this test's accounts keys of their own.
        # All the guesses come from one address at once: the limit on requests running at once per
        # client (tested on its own) must not answer for the login limits measured here.
        return testing.test_config(
            database_url, tmp_path, RATELIMIT_STORAGE_URI=request.param, SECRET_KEY=secrets.token_hex(16),
            CONCURRENT_REQUESTS_PER_CLIENT=SIMULTANEOUS,
        )

    @pytest.fixture
    def address(self) -> str:
        return str(ipaddress.IPv4Address(random.getrandbits(32)))

    def test_simultaneous_wrong_passwords_get_no_more_checks_than_the_limit(self, app, learner, address):
        limit = parse_many(DEFAULTS["LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS"])[0].amount
        start = threading.Barrier(SIMULTANEOUS)

        def guess(n: int) -> int:
            client = app.test_client()
            start.wait()
            return token_attempt(client, learner.email, f"wrong password {n}", address).status_code

        with ThreadPoolExecutor(SIMULTANEOUS) as pool:
            answers = list(pool.map(guess, range(SIMULTANEOUS)))
        assert answers.count(401) == limit
        assert answers.count(429) == SIMULTANEOUS - limit

    def test_two_workers_of_one_site_see_each_others_counts(self, app, app_config, learner, address):
        from elearn import create_app

        other = create_app(app_config)
        other.test_client_class = app.test_client_class
        try:
            limit = parse_many(DEFAULTS["LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS"])[0].amount
            for n in range(limit):
                worker = (app, other)[n % 2]
                response = post_login(worker.test_client(), learner.email, "wrong password!",
                                      environ_base={"REMOTE_ADDR": address})
                assert response.status_code == 401
            for worker in (app, other):
                response = post_login(worker.test_client(), learner.email, TEST_PASSWORD,
                                      environ_base={"REMOTE_ADDR": address})
                assert response.status_code == 429
        finally:
            other.extensions["elearn_db"].dispose()


# -- production settings ---------------------------------------------------------


def test_production_password_hashing_is_argon2id_with_enough_memory(database_url, tmp_path):
    from elearn import create_app
    from elearn.auth.passwords import hash_password, verify_password

    parameters = DEFAULTS["PASSWORD_HASH"]
    assert parameters["memory_cost"] >= 19 * 1024, "OWASP's minimum for argon2id is 19 MiB"
    assert parameters["time_cost"] >= 2

    config = testing.test_config(database_url, tmp_path)
    del config["PASSWORD_HASH"]  # what a site runs with
    app = create_app(config)
    try:
        with app.app_context():
            hashed = hash_password(TEST_PASSWORD)
            assert verify_password(hashed, TEST_PASSWORD)
    finally:
        app.extensions["elearn_db"].dispose()
    assert hashed.startswith("$argon2id$")
    found = dict(re.findall(r"([mtp])=(\d+)", hashed))
    assert int(found["m"]) >= 65536
    assert int(found["m"]) == parameters["memory_cost"]
    assert int(found["t"]) == parameters["time_cost"]


def test_production_cookie_settings():
    assert DEFAULTS["SESSION_COOKIE_SECURE"] is True
    assert DEFAULTS["SESSION_COOKIE_HTTPONLY"] is True
    assert DEFAULTS["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_session_cookie_is_httponly_and_samesite_lax(client, learner):
    response = post_login(client, learner.email, TEST_PASSWORD)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")]
    assert cookies
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[-1].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page", "/api/v1/courses", "/api/v1/nothing"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_contain_no_inline_script(client, learner, login):
    login(client, learner)
    for path in ("/", "/me", "/login", "/account/password"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {path}"


def test_control_characters_never_reach_a_name_or_an_email(db):
    """A NUL cannot be stored by PostgreSQL: it must be refused or dropped, never a 500."""
    from elearn.auth.accounts import AccountError, create_user

    user = create_user(db, "nul@example.org", "Lê\x00 Văn\x07 An", TEST_PASSWORD)
    db.commit()
    assert db.get(type(user), user.id).name == "Lê Văn An"
    with pytest.raises(AccountError):
        create_user(db, "nul\x00@example.org", "An", TEST_PASSWORD)
