"""At most ``CONCURRENT_REQUESTS_PER_CLIENT`` requests of one client running at once, per worker.

A client is a browser session (its login cookie), an API token, or, signed out, an address.
One more request is answered at once with 429 and a message, so a single user (or script)
cannot occupy every thread of a worker, however slow the pages it asks for.

Counted per process, in memory, with no database query and no network call: a request costs a
dictionary update behind a lock. That is enough because what must be protected is per process
too: with gunicorn's threaded workers (``elearn serve``, ``--threads`` larger than the limit), a
client holds at most the limit in each worker, whichever worker its connections reach, and every
worker keeps ``threads - limit`` threads for everyone else. A shared store (Redis) would cap the
client across workers as well, at a network round trip per request and with counts left behind
by a worker that dies; it would not protect anyone more.

The session cookie is read as Flask-Login reads it (signed, so it cannot be made up); a bearer
token is not checked here (that needs the database): a made-up one is refused with 401 by the
views that take tokens, before any slow work. Static files and the packs' media files are not
counted: a page's stylesheets and images load in parallel, each in a millisecond, and a broken
image for a 429 would help no one. Behind a reverse proxy, set ``PROXY_FIX`` so that
signed-out visitors are told apart by their own address, not the proxy's.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g, make_response, request, session
from flask_babel import gettext as _

from elearn.api.auth import bearer_secret
from elearn.security import error_response

EXEMPT_ENDPOINTS = frozenset({"static", "plugin_static", "media.pack_file"})


class ClientLimit:
    """How many requests each client has running in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, client: str) -> bool:
        with self._lock:
            running = self._running.get(client, 0)
            if running >= self.limit:
                return False
            self._running[client] = running + 1
            return True

    def leave(self, client: str) -> None:
        with self._lock:
            running = self._running.pop(client) - 1
            if running:
                self._running[client] = running


def init_app(app: Flask) -> None:
    app.extensions["elearn_client_limit"] = ClientLimit(app.config["CONCURRENT_REQUESTS_PER_CLIENT"])
    app.before_request(_enter)
    app.teardown_request(_leave)


def _client() -> str:
    token = bearer_secret()
    if token is not None:
        return f"token:{token}"
    login = session.get("_user_id")  # Flask-Login's key: the secret of the server-side session
    if login:
        return f"session:{login}"
    return f"address:{request.remote_addr}"


def _enter():
    if request.endpoint in EXEMPT_ENDPOINTS:
        return None
    client = _client()
    if not current_app.extensions["elearn_client_limit"].enter(client):
        response = make_response(error_response(429, _("You have too many requests running at once. "
                                                       "Please wait for them to finish, then try again.")))
        response.headers["Retry-After"] = "1"
        return response
    g.elearn_client = client
    return None


def _leave(_exc: BaseException | None) -> None:
    client = g.pop("elearn_client", None)
    if client is not None:
        current_app.extensions["elearn_client_limit"].leave(client)
