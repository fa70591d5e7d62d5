"""What arrives with a request, made safe once for every view, core and plugins alike.

- NUL characters: PostgreSQL text cannot hold them (the statement fails) and file
  paths cannot contain them (``os.stat`` raises). In query strings, form fields,
  uploaded file names and JSON bodies each NUL becomes U+FFFD, as HTML and
  CommonMark parsers do, so a pasted or crafted NUL is kept visibly instead of
  costing the learner a save; a URL path with a NUL names no page (404).
- Integer ids in URLs: ``<int:...>`` accepts 1 to 2,147,483,647, the range of the
  ids' INTEGER columns on PostgreSQL; a larger number names nothing (404) instead
  of a database error.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from elearn.security import fail

NUL = "\x00"
REPLACEMENT = "\ufffd"
MAX_ID = 2**31 - 1


def without_nul(value: Any) -> Any:
    """``value`` with every NUL in its strings (nested in lists and dicts too) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT) if NUL in value else value
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, FileStorage) and value.filename and NUL in value.filename:
        value.filename = value.filename.replace(NUL, REPLACEMENT)
    return value


class _Parameters(ImmutableMultiDict):
    """Query and form parameters without NUL (werkzeug builds them from lists of pairs)."""

    def __init__(self, mapping=None) -> None:
        if isinstance(mapping, list):
            mapping = [(without_nul(key), without_nul(value)) for key, value in mapping]
        super().__init__(mapping)


class ElearnRequest(Request):
    parameter_storage_class = _Parameters


class ElearnJSONProvider(DefaultJSONProvider):
    """Request bodies parse without NUL; the scan costs nothing when the text has no ``\\u0000``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = super().loads(s, **kwargs)
        escaped = b"\\u0000" if isinstance(s, bytes) else "\\u0000"
        return without_nul(value) if escaped in s else value


class IdConverter(IntegerConverter):
    """``<int:...>`` bounded to the ids a database column can hold (override with ``max=``).

    A number out of range is a 404 at once: werkzeug would otherwise go on to answer 405 when
    the same path has a rule for another method (``GET`` and ``POST .../threads``), as if the
    path named something that only takes other methods."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def _refuse_nul_path() -> None:
    if NUL in request.path:
        fail(404, _("This page does not exist."))


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: the converter is looked up when each rule is added."""
    app.request_class = ElearnRequest
    app.json = ElearnJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_path)
