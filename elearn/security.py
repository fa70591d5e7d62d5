"""Web security in one place: login manager, CSRF, headers, safe redirects, errors."""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, jsonify, make_response, render_template, request, session
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.middleware.proxy_fix import ProxyFix

from elearn import rate_limits
from elearn.auth.sessions import user_for_session
from elearn.db import TransactionAborted, db_session

# Scripts and styles only from our own origin: no inline script anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

csrf = CSRFProtect()


class Anonymous(AnonymousUserMixin):
    locale = None
    is_admin = False
    is_staff = False
    id = None


def init_app(app: Flask) -> None:
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX"]), x_proto=1)
    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.anonymous_user = Anonymous
    login_manager.user_loader(lambda secret: user_for_session(db_session(), secret))
    csrf.init_app(app)
    app.jinja_env.globals["csrf_token"] = _signed_csrf_tokens(app)
    rate_limits.init_app(app)
    app.after_request(_security_headers)
    app.teardown_request(_forget_user)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(TransactionAborted, _transaction_aborted)
    app.register_error_handler(SQLAlchemyError, _database_error)


SIGNED_TOKENS_KEPT = 10_000


def _signed_csrf_tokens(app: Flask):
    """``csrf_token()`` for templates: Flask-WTF's signed token, signed once per session instead of on
    every page that has a form (the layout has two: language and log out).

    The signed token is the session's secret CSRF value with a timestamp and an HMAC; with no time
    limit (``WTF_CSRF_TIME_LIMIT`` None, the default here) any token once signed for that value stays
    valid, so giving the same one again accepts exactly the same requests. With a time limit the
    token is signed anew each request, as Flask-WTF does.
    """
    signed: dict[tuple[str, str], str] = {}

    def csrf_token() -> str:
        field = app.config["WTF_CSRF_FIELD_NAME"]
        if app.config["WTF_CSRF_TIME_LIMIT"] is not None:
            return generate_csrf()
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        token = signed.get((secret, session.get(field)))
        if token is None:
            token = generate_csrf()  # makes the session's secret value when it has none yet
            if len(signed) >= SIGNED_TOKENS_KEPT:
                signed.clear()
            signed[(secret, session[field])] = token
        elif field not in g:
            setattr(g, field, token)  # what generate_csrf() gives for the rest of this request
        return token

    def give_the_sessions_token() -> None:
        """Before the view runs, so that the forms it builds (Flask-WTF's ``generate_csrf``) carry
        the session's one signed token too, not a token signed anew in this request."""
        field = app.config["WTF_CSRF_FIELD_NAME"]
        if app.config["WTF_CSRF_TIME_LIMIT"] is None and field not in g and session.get(field):
            secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
            token = signed.get((secret, session[field]))
            if token is not None:
                setattr(g, field, token)

    app.before_request(give_the_sessions_token)
    return csrf_token


def _forget_user(_exc: BaseException | None) -> None:
    """Who is logged in is per request: drop it even when ``g`` outlives the request."""
    g.pop("_login_user", None)  # Flask-Login's cache of current_user
    g.pop("api_user", None)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def safe_next(target: str | None, fallback: str) -> str:
    """Follow ``next=`` only to a path on this site, never to another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ch in target for ch in "\\\r\n\t"):
        return fallback
    return target


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype in ("text/html", "application/json"):
        # Pages and API answers are per user: never kept by a shared cache.
        headers.setdefault("Cache-Control", "private, no-cache")
    return response


def fail(status: int, message: str, retry_after: int | None = None) -> NoReturn:
    """Stop the request with ``status`` and a message the user can act on (and, for a 429, the seconds
    to wait before trying again, sent as ``Retry-After``)."""
    exc = default_exceptions[status]()
    exc.elearn_message = message
    exc.retry_after = retry_after
    raise exc


def error_response(status: int, message: str):
    if is_api_request():
        response = jsonify(error={"message": message})
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="elearn"'
        return response
    return render_template("error.html", status=status, message=message), status


def refusal_message(exc: HTTPException) -> str:
    """What to tell the user about an error: the message ``fail`` gave, else the status's own."""
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    return getattr(exc, "elearn_message", None) or messages.get(exc.code or 500) or _("Something went wrong.")


def flash_refusal(exc: HTTPException, codes: tuple[int, ...] = (400, 409)) -> None:
    """A form refused with one of ``codes`` (input to correct, a conflict) shows its reason on the
    page the form came from, where the user can act on it; any other error goes on to the error page."""
    if exc.code not in codes:
        raise exc
    flash(refusal_message(exc), "error")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    response = make_response(error_response(status, refusal_message(exc)))
    if status == 405 and getattr(exc, "valid_methods", None):
        # A 405 must say which methods the URL takes (RFC 9110, 15.5.6).
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _transaction_aborted(exc: TransactionAborted):
    """The database refused part of the change: say so, never acknowledge what was not kept."""
    current_app.logger.error("refused to acknowledge a write: %s", exc)
    return error_response(500, _("Your change could not be saved because of an error on the server. "
                                 "Nothing was changed: please try again."))


def _database_error(exc: SQLAlchemyError):
    """A failing statement: when the database lacks revisions (never upgraded, or a plugin installed
    since), a 503 that tells the administrator the one thing to do, instead of a traceback. Checked
    only once a statement failed, so a working site pays nothing for it. Any other failure is left
    to the usual 500."""
    from elearn.db.migrate import UPGRADE_COMMAND, UPGRADE_HINT, needs_upgrade

    if not needs_upgrade(current_app):
        raise exc
    from flask_babel import force_locale

    current_app.logger.error("the database needs an upgrade (%s): %s", UPGRADE_HINT, exc)
    # The language the browser asks for: the account's own choice is in the database.
    config = current_app.config
    with force_locale(request.accept_languages.best_match(config["LANGUAGES"]) or config["BABEL_DEFAULT_LOCALE"]):
        message = _("This site's database is not up to date: run %(command)s, then restart the server.",
                    command=UPGRADE_COMMAND)
        if is_api_request():
            return error_response(503, message)
        # A page of its own, which reads nothing from the database (the user, the menu) to render.
        return render_template("db_upgrade.html", message=message), 503


def _csrf_error(_exc: CSRFError):
    return error_response(400, _("The form expired. Please go back, reload the page and try again."))
