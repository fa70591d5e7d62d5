"""A page view does no work it need not do (issue 13): no session cookie sent back when nothing in it
changed, the layout's CSRF token signed once per session, no write from a reading request on
PostgreSQL, where reads run without a transaction. The rules stay: tokens are checked, a logged-out
cookie is refused."""

from __future__ import annotations

import pytest

from elearn.testing import csrf_token

COOKIE = "elearn_session"


def session_cookies_set(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")]


def test_a_page_view_sends_no_session_cookie_when_nothing_in_it_changed(client, login, learner):
    login(client, learner)
    client.get("/me")  # the first page after logging in may add the CSRF secret
    for path in ("/me", "/", "/me"):
        response = client.get(path)
        assert response.status_code == 200
        assert session_cookies_set(response) == [], path


def test_logging_out_still_replaces_the_cookie_and_the_old_one_is_refused(app, client, login, learner):
    login(client, learner)
    client.get("/me")
    copied = client.get_cookie(COOKIE).value
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert session_cookies_set(response), "logging out must send the emptied session"
    other = app.test_client()
    other.set_cookie(COOKIE, copied)
    assert other.get("/me").status_code in (302, 303)


def test_the_layouts_csrf_token_is_signed_once_per_session_and_still_checked(app, client, login, learner):
    login(client, learner)
    first, second = csrf_token(client, "/me"), csrf_token(client, "/")
    assert first == second
    assert client.post("/language", data={"lang": "en", "next": "/me"}).status_code == 400
    assert client.post("/language", data={"lang": "en", "next": "/me", "csrf_token": first}).status_code == 303
    other = app.test_client()
    login(other, learner)
    theirs = csrf_token(other, "/me")
    assert theirs != first  # another session, another secret
    assert client.post("/language", data={"lang": "vi", "next": "/me", "csrf_token": theirs}).status_code == 400


def test_a_reading_request_may_not_write_on_postgresql(app, learner):
    """Reads run without a transaction there: a write would be kept at once instead of rolled back."""
    from elearn.db import db_session

    if app.extensions["elearn_db"].is_sqlite:
        pytest.skip("SQLite reads keep their transaction")
    with app.test_request_context("/me", method="GET"):
        db = db_session()
        db.get(type(learner), learner.id).name = "Changed by a GET"
        with pytest.raises(RuntimeError, match="reading request"):
            db.flush()
    with app.test_request_context("/me", method="POST"):
        assert db_session().get(type(learner), learner.id).name != "Changed by a GET"

