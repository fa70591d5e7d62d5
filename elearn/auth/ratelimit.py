"""Limits on failed logins, per account and per address, with the ``limits`` library.

Only failures count, so a learner who types the right password is never
slowed down. Storage is per app: ``memory://`` by default, and a shared store
(``redis://...``) when several workers serve one site.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginLimiter:
    def __init__(self, app: Flask) -> None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        self.limiter = MovingWindowRateLimiter(storage)
        self.per_account = parse_many(app.config["LOGIN_LIMITS_PER_ACCOUNT"])
        self.per_address = parse_many(app.config["LOGIN_LIMITS_PER_ADDRESS"])

    def _keys(self, email: str):
        address = request.remote_addr or "unknown"
        for item in self.per_account:
            yield item, ("login-account", email.strip().lower())
        for item in self.per_address:
            yield item, ("login-address", address)

    def allowed(self, email: str) -> bool:
        return all(self.limiter.test(item, *key) for item, key in self._keys(email))

    def record_failure(self, email: str) -> None:
        for item, key in self._keys(email):
            self.limiter.hit(item, *key)


def login_limiter() -> LoginLimiter:
    return current_app.extensions["elearn_login_limiter"]
