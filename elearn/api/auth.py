"""Bearer-token authentication for the API."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from elearn.auth.sessions import user_for_token
from elearn.db import db_session
from elearn.security import fail


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def api_user():
    """The token's user, or None for an anonymous call; a bad token is a 401."""
    if "api_user" not in g:
        secret = bearer_secret()
        user = None
        if secret is not None:
            user = user_for_token(db_session(), secret)
            if user is None:
                fail(401, _("The access token is invalid or has expired."))
        g.api_user = user
    return g.api_user


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if api_user() is None:
            fail(401, _("An access token is required: send “Authorization: Bearer <token>”."))
        return view(*args, **kwargs)

    return wrapper
