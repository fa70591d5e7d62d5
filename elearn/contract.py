"""The JSON API's contract: typed request and response models (pydantic), checked at the door.

Each API view declares what it takes and answers with ``@operation(...)``; the same declaration
builds ``/api/v1/openapi.json`` (``elearn.api.openapi``), validates request bodies and query
parameters before the view runs (a 400 naming the field, translated), and, when
``API_CHECK_RESPONSES`` is on (the tests turn it on), checks every answer against the declared
model of its status. The document therefore cannot say something the code does not do.

Plugins use the same pieces for their API blueprints (docs/plugins.md, "Describing your API").
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, wraps
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from elearn.security import fail

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 1 to 2,147,483,647 (PostgreSQL's int4)


def _integral(value: Any) -> Any:
    """JSON has one number type: ``3.0`` is the integer 3 (JSON Schema agrees), ``3.5`` is not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Integral = BeforeValidator(_integral)
"""Put last in ``Annotated[int, Field(...), Integral]``: a whole number as JSON writes it (``3`` or
``3.0``; never ``"3"`` nor ``true``). After the ``Field``, so its bounds stay in the JSON Schema."""


def _json_bool(value: Any) -> Any:
    if not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Input should be a valid boolean")
    return value


JsonTrue = Annotated[Literal[True], BeforeValidator(_json_bool)]
"""``true`` and nothing else: pydantic's ``Literal[True]`` alone takes ``1`` and ``1.0`` (they equal True)."""

Id = Annotated[int, Field(ge=1, le=MAX_ID), Integral]
"""A row id in a body or a path: a whole number from 1 to 2,147,483,647."""

Text = Annotated[str, Field(pattern=r"[^\s\x1c-\x1f]")]
"""Text that must hold more than white space (a title, a post, a reason)."""

T = TypeVar("T")


def omitted(description: str, default: Any = None) -> Any:
    """A field of an answer that is sometimes left out (never sent as null), or of a request that may
    be: not required in the document, and without the ``default`` pydantic would write there (null,
    or a request's "" that its own ``minLength`` would refuse)."""
    return Field(default=default, description=description, json_schema_extra=_without_default)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class RequestModel(BaseModel):
    """A request body or query: unknown fields are refused, types are JSON's own (no "1" for 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    """An answer's shape. Views keep building plain dicts (no cost on the hot paths); the tests
    check each answer against its model, so a field that is not declared here fails them."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(ResponseModel):
    message: str = Field(description="What went wrong, in the caller's language, for a person to read.")


class Error(ResponseModel):
    """Every refusal of the API: the status says what kind, the message what to do."""

    error: ErrorDetail


@dataclass(frozen=True)
class Operation:
    """What one API view takes and answers, for validation and for the OpenAPI document.

    ``responses`` maps each success status to its model (``None``: no content, e.g. 204);
    ``errors`` lists the refusals it can answer (401, 403 and 429 are added for every operation, since
    a bad token, or a page script's bad CSRF header, is refused everywhere, and a client with too
    many requests running is told to wait
    everywhere (elearn.client_limit); 400 for one with a body or query; 503 for a submission, while
    the lesson's type rests after slow calls (elearn.plugins.budget)); ``public`` operations
    need no token. ``form`` names the multipart fields of an upload (name -> description).
    ``lesson_submission``: the body is a submission to a lesson, checked by the service against
    the model of the lesson's type (the document lists every type's).
    """

    responses: Mapping[int, Any]
    body: Any = None
    query: type[RequestModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False
    form: Mapping[str, str] | None = None
    lesson_submission: bool = False

    @property
    def statuses(self) -> dict[int, Any]:
        """Every status the operation answers, with its model (errors: ``Error``)."""
        found: dict[int, Any] = dict(self.responses)
        refusals = {401, 403, 429, *self.errors}
        if self.body is not None or self.query is not None or self.form is not None or self.lesson_submission:
            refusals.add(400)
        if self.lesson_submission:
            refusals.add(503)
        for status in refusals:
            found[status] = Error
        return dict(sorted(found.items()))


def operation(**declared: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Declare a view's contract (see ``Operation``). With ``body=``, the view gets the validated
    body as its ``body`` argument; with ``query=``, its ``query`` argument. Put it under
    ``@token_required``, so a call without a token is a 401 before its body is looked at."""
    spec = Operation(**declared)

    def decorate(view: Callable[..., T]) -> Callable[..., T]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            if spec.query is not None:
                kwargs["query"] = validated(spec.query, request.args.to_dict(), strict=False)
            if spec.body is not None:
                kwargs["body"] = parse_body(spec.body)
            return view(*args, **kwargs)

        wrapper.api_operation = spec  # type: ignore[attr-defined]
        return wrapper

    return decorate


def operation_of(view: Callable[..., Any]) -> Operation | None:
    return getattr(view, "api_operation", None)


@cache
def adapter(model: Any) -> TypeAdapter:
    """One ``TypeAdapter`` per model or union, built once (building one costs milliseconds)."""
    return TypeAdapter(model)


def parse_body(model: Any) -> Any:
    """The request's JSON body validated by ``model``; a 400 naming the field otherwise.
    A body that is not a JSON object (``[]``, ``"x"``, broken JSON, a form) is a 400 too."""
    return validated(model, _integral_numbers_as_integers(request.get_json(silent=True)))


def _integral_numbers_as_integers(data: Any) -> Any:
    """``2.0`` as ``2`` throughout a JSON body: JSON has one kind of number and JSON Schema (the
    OpenAPI document's language) counts 2.0 as an integer, so a client sending it for a whole
    number is right; pydantic's strict mode would refuse it. A number field still takes the 2."""
    if isinstance(data, float) and data.is_integer():
        return int(data)
    if isinstance(data, dict):
        return {key: _integral_numbers_as_integers(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_integral_numbers_as_integers(value) for value in data]
    return data


def validated(model: Any, data: Any, strict: bool = True) -> Any:
    """``data`` as ``model``, or a 400 with a message a person can act on.

    ``strict``: JSON bodies must use JSON's types (``"5"`` is not a number); query strings are
    text, so a query model converts ``"2"`` to 2.
    """
    if not isinstance(data, dict):
        fail(400, _("The request body must be a JSON object."))
    try:
        return adapter(model).validate_python(data, strict=strict)
    except ValidationError as exc:
        message = refusal(exc.errors(include_url=False)[0], tagged=_is_tagged(model))
        example = _example(model)
        if example is not None:
            message += " " + _("For example: %(example)s", example=json.dumps(example, ensure_ascii=False))
        fail(400, message)


@cache
def _example(model: Any) -> Any:
    """The model's first declared example (``json_schema_extra={"examples": [...]}``), if any."""
    return next(iter(adapter(model).json_schema().get("examples") or [None]))


def refusal(error: Mapping[str, Any], tagged: bool = False) -> str:
    """One pydantic error as a translated sentence that names the field."""
    kind, ctx = error["type"], error.get("ctx") or {}
    loc = error["loc"][1:] if tagged else error["loc"]  # a tagged union puts the tag first
    name = _field_name(loc)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        name = str(ctx.get("discriminator", "")).strip("'") or name
        if kind == "union_tag_not_found":
            return _("“%(field)s” is required.", field=name)
        return _("“%(field)s” must be one of: %(values)s.", field=name, values=_as_json(ctx.get("expected_tags", "")))
    if not name:
        return _("The request body must be a JSON object.")
    problems: dict[str, Callable[[], str]] = {
        "missing": lambda: _("“%(field)s” is required.", field=name),
        "extra_forbidden": lambda: _("“%(field)s” is not a field of this request.", field=name),
        "string_type": lambda: _("“%(field)s” must be text.", field=name),
        "string_too_short": lambda: _("“%(field)s” must not be empty.", field=name),
        "string_pattern_mismatch": lambda: _("“%(field)s” must not be empty.", field=name),
        "string_too_long": lambda: _("“%(field)s” can be at most %(n)d characters long.", field=name,
                                     n=ctx.get("max_length", 0)),
        "bool_type": lambda: _("“%(field)s” must be true or false.", field=name),
        "bool_parsing": lambda: _("“%(field)s” must be true or false.", field=name),
        "literal_error": lambda: _("“%(field)s” must be one of: %(values)s.", field=name,
                                   values=_as_json(ctx.get("expected", ""))),
        "list_type": lambda: _("“%(field)s” must be a list.", field=name),
        "too_long": lambda: _("“%(field)s” can hold at most %(n)d items.", field=name, n=ctx.get("max_length", 0)),
        "dict_type": lambda: _("“%(field)s” must be an object.", field=name),
        "model_type": lambda: _("“%(field)s” must be an object.", field=name),
        "greater_than_equal": lambda: _("“%(field)s” must be at least %(n)s.", field=name, n=ctx.get("ge")),
        "less_than_equal": lambda: _("“%(field)s” must be at most %(n)s.", field=name, n=ctx.get("le")),
    }
    if kind in problems:
        return problems[kind]()
    if kind.startswith("int_"):
        return _("“%(field)s” must be a whole number.", field=name)
    if kind.startswith("float_"):
        return _("“%(field)s” must be a number.", field=name)
    return _("“%(field)s” is not valid.", field=name)


def _as_json(expected: str) -> str:
    """pydantic's ``'start', 'save' or 'submit'`` (Python spellings) as JSON: ``"start", "save", "submit"``."""
    values = re.split(r", | or ", expected)
    try:
        return ", ".join(json.dumps(ast.literal_eval(value), ensure_ascii=False) for value in values)
    except (ValueError, SyntaxError):
        return expected


def _field_name(loc: tuple[Any, ...]) -> str:
    """``("answers", "q1")`` -> ``answers.q1``, ``("ids", 3)`` -> ``ids[3]``."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name


def _is_tagged(model: Any) -> bool:
    """``Annotated[A | B, Field(discriminator=...)]``: a body chosen by the value of one field."""
    return get_origin(model) is Annotated and any(getattr(m, "discriminator", None) for m in get_args(model)[1:])


def no_content() -> Response:
    """A 204: no body, and so no content type (Flask would add ``text/html``)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


# -- checking answers (tests) -------------------------------------------------------------


class ContractBroken(AssertionError):
    """An API answer that its operation does not declare: a bug in the view or in its models."""


def init_app(app: Flask) -> None:
    if app.config.get("API_CHECK_RESPONSES"):
        app.after_request(_check_response)


def _check_response(response: Response) -> Response:
    endpoint = request.endpoint
    view = current_app.view_functions.get(endpoint) if endpoint else None
    spec = operation_of(view) if view is not None else None
    if spec is None or request.method in ("HEAD", "OPTIONS"):  # Flask answers these two for every route
        return response
    if response.status_code >= 500:  # a failure, never part of a contract (and the tests see it anyway)
        return response
    statuses = spec.statuses
    where = f"{request.method} {request.path}"
    if response.status_code not in statuses:
        raise ContractBroken(f"{where} answered {response.status_code}, not declared: {sorted(statuses)}")
    model = statuses[response.status_code]
    if model is None:
        if response.get_data():
            raise ContractBroken(f"{where} answered {response.status_code} with a body; none is declared")
        if response.headers.get("Content-Type"):
            raise ContractBroken(f"{where} answered {response.status_code} with a content type and no content")
        return response
    if response.mimetype != "application/json":
        raise ContractBroken(f"{where} answered {response.mimetype}, not application/json")
    try:
        adapter(model).validate_json(response.get_data(), strict=True)
    except ValidationError as exc:
        raise ContractBroken(f"{where} answered {response.status_code} outside its model: {exc}") from None
    return response
