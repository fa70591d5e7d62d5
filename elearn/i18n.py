"""Languages and formats: Vietnamese first, English second.

The locale comes from the user's saved choice, then the language switch
(kept in the session), then Vietnamese. Numbers, dates and money are formatted
by Babel for that locale, so a learner reads 1.234.567 ₫ and 25/11/2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import DateTimePattern, format_date, get_date_format, get_datetime_format, get_time_format
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    Babel,
    format_currency,
    format_decimal,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_babel import format_percent as babel_format_percent
from flask_login import current_user
from jinja2 import pass_context

from elearn.plugins.manager import PluginRegistry

LOCALE_SESSION_KEY = "lang"


def select_locale() -> str:
    if not has_request_context():
        # The command line, scripts and tests: English, as the command line speaks (and never a
        # crash for a message translated outside a request). E-mails choose their reader's locale.
        return "en"
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
    """A date (and time) the local way. Takes ISO 8601 text too: lesson views are JSON data.

    Babel's ``format_datetime`` looks the locale's patterns up on every call; a page listing 20
    posts formats 20 dates, so the parsed patterns are kept per locale (same output).
    """
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    locale = get_locale()
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(get_timezone())
    date_pattern, time_pattern, joined = _patterns(locale, date_only)
    date = date_pattern.apply(local, locale)
    if date_only:
        return date
    return joined.replace("{0}", time_pattern.apply(local, locale)).replace("{1}", date)


def local_date(value: datetime) -> date:
    """The day ``value`` (UTC) falls on in the site's time zone (``BABEL_DEFAULT_TIMEZONE``)."""
    return value.astimezone(get_timezone()).date()


def format_day(value: date | None) -> str:
    """A calendar day (a target date) the local way: 30/06/2027 in Vietnamese, as people write it on
    paper and in official letters (Babel's short Vietnamese pattern gives 30/6/27), Jun 30, 2027 in English."""
    if not value:
        return ""
    locale = get_locale()
    return format_date(value, "dd/MM/yyyy" if locale.language == "vi" else "medium", locale=locale)


@lru_cache(maxsize=16)
def _patterns(locale: Locale, date_only: bool) -> tuple[DateTimePattern, DateTimePattern, str]:
    """Dates only: the "medium" date (25 thg 11, 2026); with the time: the "short" date and time."""
    kind = "medium" if date_only else "short"
    return (get_date_format(kind, locale), get_time_format(kind, locale),
            get_datetime_format(kind, locale).replace("'", ""))


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
        day=format_day,
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
