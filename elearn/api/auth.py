"""Who is calling the API: a bearer token, or the browser's own session for the page's scripts.

Apps and other clients send ``Authorization: Bearer <token>``. A page's progressive-enhancement
script (an autosave, a video's watched intervals, a workshop's figures) calls the same routes with
the browser's session instead, and must send the page's CSRF token in ``X-CSRFToken``: a cookie
alone never authorises an API call, so another site cannot make a signed-in browser use the API.
"""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from elearn.auth.sessions import user_for_token
from elearn.db import db_session
from elearn.security import fail


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


CSRF_HEADER = "X-CSRFToken"


def api_user():
    """The token's user (or, with the page's CSRF header, the browser's signed-in user), or None
    for an anonymous call; a bad token is a 401, a bad CSRF header a 403."""
    if "api_user" not in g:
        secret = bearer_secret()
        user = None
        if secret is not None:
            user = user_for_token(db_session(), secret)
            if user is None:
                fail(401, _("The access token is invalid or has expired."))
        elif CSRF_HEADER in request.headers:
            user = _session_user(request.headers[CSRF_HEADER])
        g.api_user = user
        if user is not None and user.must_change_password and request.endpoint not in BEFORE_A_PASSWORD:
            fail(403, _("Choose a new password first: you signed in with a one-time code. Send it to "
                        "POST /api/v1/me/password as {\"password\": \"…\"}."))
    return g.api_user


# What a caller who signed in with a one-time code may do before choosing a password.
BEFORE_A_PASSWORD = {"api.new_password", "api.revoke"}


def _session_user(token: str):
    try:
        validate_csrf(token)
    except ValidationError:
        fail(403, _("This page's security token has expired. Please reload the page."))
    return current_user._get_current_object() if current_user.is_authenticated else None


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if api_user() is None:
            fail(401, _("An access token is required: send “Authorization: Bearer <token>” (or, from a signed-in "
                        "page, the page's CSRF token in “X-CSRFToken”)."))
        return view(*args, **kwargs)

    return wrapper
