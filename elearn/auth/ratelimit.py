"""Limits on password checks (login form, API token, change-password form).

The policy follows OWASP's Authentication Cheat Sheet ("Login Throttling", "Account Lockout"): a counter
on the account itself, so that guesses from many addresses are caught, with an exponential lockout that
starts at a second, and care that the lockout cannot be used to lock the owner out. Three counters, in the
site's shared rate-limit storage (``elearn.rate_limits``), every worker seeing the same counts:

- one account from one client (``LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS``): the client is the address, or the
  browser itself when it holds a device cookie for the account (``elearn.auth.devices``). Past the limit
  that client is refused (429) until the window closes; other clients are not affected.
- one address, whatever the account (``LOGIN_LIMITS_PER_ADDRESS``): one address spraying many accounts.
- one account from clients it never logged in from (``LOGIN_LIMITS_PER_ACCOUNT``): the failures that may
  come at full speed. Past them the account allows one check at a time from such clients, and each
  failure doubles the wait before the next (``LOGIN_BACKOFF_SECONDS``, up to ``LOGIN_BACKOFF_MAX_SECONDS``),
  answered 429 with ``Retry-After``. A guesser spread over many addresses is slowed down; the owner's own
  browser is not.

Hit, then check: a check is counted before the password is compared, and the hit's own count decides, so
any number of simultaneous attempts lets at most the limit through. A right password refunds its hits (it
is no failure), and so does a refused attempt (no password was checked): each count is the number of wrong
passwords checked in its window. Unknown and known accounts are counted alike; an account is counted
once whether it is named by its phone number, username or e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_babel import ngettext
from limits import parse_many
from limits.limits import RateLimitItem

from elearn.auth import devices
from elearn.clock import utcnow
from elearn.rate_limits import commit_counts, rate_limiter
from elearn.security import fail


@dataclass(frozen=True)
class Hit:
    key: str
    expiry: int


def account_key(login: str) -> str:
    """A short keyed digest of the account's key (``elearn.auth.views.limit_key``): bounded keys, no phone
    number or e-mail in the counters or the cookie."""
    secret = current_app.secret_key.encode()
    return hmac.new(secret, login.encode(), hashlib.sha256).hexdigest()[:32]


class LoginLimiter:
    def __init__(self, app: Flask) -> None:
        config = app.config
        self.per_account_and_client = parse_many(config["LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS"])
        self.per_address = parse_many(config["LOGIN_LIMITS_PER_ADDRESS"])
        self.per_account = parse_many(config["LOGIN_LIMITS_PER_ACCOUNT"])
        self.backoff_first = int(config["LOGIN_BACKOFF_SECONDS"])
        self.backoff_max = int(config["LOGIN_BACKOFF_MAX_SECONDS"])

    def count_attempt(self, login: str) -> list[Hit]:
        """Count the password check about to be made for ``login``, or refuse it (429 with Retry-After)."""
        account = account_key(login)
        address = request.remote_addr or "unknown"
        device = devices.recognised(account)
        client = f"device:{device}" if device else f"address:{address}"
        hits: list[Hit] = []
        limits = [(self.per_account_and_client, ("login-account-client", account, client))]
        if device is None:
            limits.append((self.per_address, ("login-address", address)))
        for items, identifiers in limits:
            for item in items:
                count = self._hit(hits, item, identifiers)
                if count > item.amount:
                    self._refuse(hits, rate_limiter().storage.get_expiry(hits[-1].key), identifiers[0])
        if device is None:
            excess = 0
            for item in self.per_account:
                excess = max(excess, self._hit(hits, item, ("login-account", account)) - item.amount)
            if excess > 0:
                retry_at = self._take_backoff_turn(account, excess)
                if retry_at is not None:
                    self._refuse(hits, retry_at, "login-account")
        commit_counts()
        return hits

    def succeeded(self, login: str, hits: list[Hit]) -> None:
        """A right password: not a failure, and this browser is the account's from now on."""
        self._refund(hits)
        devices.remember(account_key(login))

    @staticmethod
    def _hit(hits: list[Hit], item: RateLimitItem, identifiers: tuple[str, ...]) -> int:
        hit = Hit(item.key_for(*identifiers), item.get_expiry())
        hits.append(hit)
        return rate_limiter().storage.incr(hit.key, hit.expiry)

    def _take_backoff_turn(self, account: str, excess: int) -> float | None:
        """The account's one turn while it backs off: the attempt that takes it is checked, and holds it for
        a wait that doubles with each failure past the free ones; None when taken, else when it is free."""
        wait = min(self.backoff_first * 2 ** min(excess - 1, 30), self.backoff_max)
        key = f"LIMITER/login-account-backoff/{account}"
        storage = rate_limiter().storage
        if storage.incr(key, wait) == 1:
            return None
        return storage.get_expiry(key)

    @staticmethod
    def _refund(hits: list[Hit]) -> None:
        storage = rate_limiter().storage
        for hit in hits:
            storage.incr(hit.key, hit.expiry, amount=-1)

    def _refuse(self, hits: list[Hit], retry_at: float, limit: str):
        self._refund(hits)
        commit_counts()
        seconds = max(1, math.ceil(retry_at - utcnow().timestamp()))
        current_app.logger.warning("password check refused by the %s limit from %s for %ds",
                                   limit, request.remote_addr, seconds)
        fail(429, wait_message(seconds), retry_after=seconds)


def wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext("Too many failed attempts. Please try again in %(num)d second.",
                        "Too many failed attempts. Please try again in %(num)d seconds.", seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("Too many failed attempts. Please try again in %(num)d minute.",
                    "Too many failed attempts. Please try again in %(num)d minutes.", minutes)


def login_limiter() -> LoginLimiter:
    return current_app.extensions["elearn_login_limiter"]
