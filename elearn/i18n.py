"""Languages and formats: Vietnamese first, English second.

The locale comes from the user's saved choice, then the language switch
(kept in the session), then Vietnamese. Numbers, dates and money are formatted
by Babel for that locale, so a learner reads 1.234.567 ₫ and 25/11/2026.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, request, session
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
)
from flask_babel import format_percent as babel_format_percent
from flask_login import current_user
from jinja2 import pass_context

from elearn.plugins.manager import PluginRegistry

LOCALE_SESSION_KEY = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):
        # API clients say what they want per call (Accept-Language), else the token
        # user's saved choice; browsers' cookies play no part.
        asked = request.accept_languages.best_match(languages)
        token_user = g.get("api_user")
        if asked is None and token_user is not None and token_user.locale in languages:
            asked = token_user.locale
        return asked or current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def format_money(amount: float | int) -> str:
    """Vietnamese đồng in the locale's pattern: 1.234.567 ₫ in Vietnamese."""
    return format_currency(amount, "VND")


def format_percent(fraction: float | None) -> str:
    """A whole percentage in the locale's pattern (25% in Vietnamese)."""
    return babel_format_percent(round(fraction or 0, 2))


def format_when(value: datetime | str | None, date_only: bool = False) -> str:
    """A date (and time) the local way. Takes ISO 8601 text too: lesson views are JSON data."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_date(value, "medium") if date_only else format_datetime(value, "short")


def init_app(app: Flask, registry: PluginRegistry) -> None:
    own = str(app.root_path) + "/translations"
    plugin_dirs = [str(path) for _name, path in registry.resource_dirs("translations")]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([own, *plugin_dirs])
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        money=format_money,
        number=format_decimal,
        percent=format_percent,
        when=format_when,
        date=lambda value: format_when(value, date_only=True),
    )
    app.jinja_env.globals["current_locale"] = current_locale
    # Looked up once per rendered template, not at every use in it.
    app.context_processor(lambda: {"locale": current_locale(), "_translations": get_translations()})
    app.jinja_env.install_gettext_callables(
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True
    )


# Templates translate through the catalogue their context already holds: a page
# has a dozen strings, and Flask-Babel would look the catalogue up for each one.
# Macros imported without context fall back to the lookup.
@pass_context
def _template_gettext(context, string: str) -> str:
    return (context.get("_translations") or get_translations()).ugettext(string)


@pass_context
def _template_ngettext(context, singular: str, plural: str, n: int) -> str:
    return (context.get("_translations") or get_translations()).ungettext(singular, plural, n)
