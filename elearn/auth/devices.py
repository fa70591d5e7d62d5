"""Device cookies: a browser that logged in to an account is recognised for it afterwards.

After OWASP's "Slow Down Online Guessing Attacks with Device Cookies": the login limits treat a recognised
browser as a client of its own (counted apart from the address it shares with others, never slowed by
guesses made elsewhere), so a guesser cannot lock the owner out of the browser they always use.

The cookie is signed with the site's secret key and holds a random id for the browser and the account keys
(``ratelimit.account_key``, not the emails) of the last few accounts that logged in from it: one phone is
often shared by the people of a cooperative.
"""

from __future__ import annotations

import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "elearn_device"
MAX_ACCOUNTS = 10
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="elearn-device")


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        found = _serializer().loads(raw)
    except BadSignature:
        return None
    if isinstance(found, dict) and isinstance(found.get("id"), str) and isinstance(found.get("accounts"), list):
        return found
    return None


def recognised(account: str) -> str | None:
    """This browser's id if ``account`` logged in from it before, else None."""
    found = _read()
    return found["id"] if found and account in found["accounts"] else None


def remember(account: str) -> None:
    """After a right password: recognise this browser for ``account`` from now on (set on the response)."""
    found = _read() or {"id": secrets.token_urlsafe(16), "accounts": []}
    accounts = [account, *(known for known in found["accounts"] if known != account)][:MAX_ACCOUNTS]
    value = _serializer().dumps({"id": found["id"], "accounts": accounts})

    @after_this_request
    def set_cookie(response):
        secure = current_app.config["SESSION_COOKIE_SECURE"]
        response.set_cookie(COOKIE, value, max_age=MAX_AGE, secure=secure, httponly=True, samesite="Lax")
        return response
