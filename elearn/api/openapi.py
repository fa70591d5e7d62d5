"""The OpenAPI 3.1 description of /api/v1, generated from the app's URL rules and each view's
``@operation`` (``elearn.contract``): the models the views validate with are the schemas here.

Core and plugin endpoints alike: a view's docstring gives the summary (first line) and the
description (the rest), its rule the path parameters (``<int:...>`` ids are 1 to 2,147,483,647),
its declaration the body, the query, every status it answers and whether it needs a token.
A route under /api/v1 without a declaration is left out, and the tests fail on it.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask
from pydantic import TypeAdapter
from werkzeug.routing import IntegerConverter, Rule

from elearn import __version__
from elearn.contract import MAX_ID, Operation, adapter, operation_of

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "Done; no content",
    400: "The request is malformed: the message names the field",
    401: "No token, or the token is invalid or has expired",
    403: "The caller may not do this",
    404: "No such resource, or not one the caller may see",
    409: "The request conflicts with the current state",
    413: "The upload is too large",
    429: "Too many requests: wait and try again",
}


def openapi_document(app: Flask) -> dict[str, Any]:
    cached = app.extensions.get("elearn_openapi")
    if cached is None:
        cached = app.extensions["elearn_openapi"] = _build(app)
    return cached


def _build(app: Flask) -> dict[str, Any]:
    schemas = _Schemas()
    submission = _submission_body(app, schemas)
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        spec = operation_of(app.view_functions[rule.endpoint])
        if not rule.rule.startswith(PREFIX + "/") or spec is None:
            continue
        item = paths.setdefault(_openapi_path(rule), {"parameters": _path_parameters(app, rule)})
        doc = inspect.getdoc(app.view_functions[rule.endpoint]) or rule.endpoint
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(spec, doc, schemas, submission if spec.lesson_submission else None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "elearn API",
            "version": __version__,
            "description": "Every learner action of the web pages, for mobile, offline and other clients. "
            'Errors are {"error": {"message": ...}}, the message in the caller\'s language '
            "(Accept-Language: vi or en). Ids are whole numbers from 1 to 2,147,483,647.",
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                # The page's own scripts: the browser's session cookie, with the page's CSRF token.
                "session": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                            "description": "From a signed-in page's script: the page's CSRF token (its forms' "
                                           "csrf_token field), sent with the browser's session cookie."},
            },
            "schemas": schemas.resolve(),
        },
    }


class _Schemas:
    """Models used by operations, named once under components/schemas (pydantic writes them)."""

    def __init__(self) -> None:
        self.wanted: list[tuple[tuple[str, Any], str, TypeAdapter]] = []
        self.refs: dict[tuple[str, Any], dict[str, Any]] = {}
        self.named: dict[str, Any] = {}

    def ref(self, model: Any, mode: str) -> dict[str, Any]:
        """A placeholder filled in by ``resolve`` (pydantic names every model in one pass)."""
        key = (mode, model)
        if key not in self.refs:
            self.refs[key] = {}
            self.wanted.append((key, mode, adapter(model)))
        return self.refs[key]

    def name(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        self.named[name] = schema
        return {"$ref": REF.format(model=name)}

    def resolve(self) -> dict[str, Any]:
        found, definitions = TypeAdapter.json_schemas(self.wanted, ref_template=REF)
        for key, placeholder in self.refs.items():
            placeholder.update(found[(key, key[0])])
        return dict(sorted({**definitions.get("$defs", {}), **self.named}.items()))


def _openapi_path(rule: Rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))


def _path_parameters(app: Flask, rule: Rule) -> list[dict[str, Any]]:
    """Typed from the rule's converters: ``<int:...>`` a bounded id, anything else one path segment."""
    parameters = []
    for converter, name in re.findall(r"<(?:([^:<>]+):)?([^<>]+)>", rule.rule):
        if issubclass(app.url_map.converters[converter or "default"], IntegerConverter):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string", "pattern": "^[^/]+$"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _operation(spec: Operation, doc: str, schemas: _Schemas, submission: dict[str, Any] | None) -> dict[str, Any]:
    summary, _sep, description = doc.partition("\n")
    operation: dict[str, Any] = {"summary": summary.strip(), "responses": {}}
    if description.strip():
        operation["description"] = description.strip()
    if spec.public:
        operation["security"] = []
    if spec.query is not None:
        query = spec.query.model_json_schema()
        operation["parameters"] = [
            {"name": name, "in": "query", "required": name in query.get("required", ()),
             "schema": {key: value for key, value in schema.items() if key != "title"}}
            for name, schema in query["properties"].items()
        ]
    if submission is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": submission}}}
    elif spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(spec.body, "validation")}},
        }
    elif spec.form is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": list(spec.form),
            "properties": {
                name: {"type": "string", "format": "binary", "description": text} if name == "file"
                else {"type": "string", "minLength": 1, "description": text}
                for name, text in spec.form.items()
            },
        }}}}
    for status, model in spec.statuses.items():
        answer: dict[str, Any] = {"description": STATUS_TEXT.get(status, str(status))}
        if model is not None:
            answer["content"] = {"application/json": {"schema": schemas.ref(model, "serialization")}}
        if status == 401:
            answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}}
        operation["responses"][str(status)] = answer
    return operation


def _submission_body(app: Flask, schemas: _Schemas) -> dict[str, Any]:
    """Each lesson type's submission, as ``Submission_<type>``; the body is any one of them
    (which one depends on the lesson, which the path names but the document cannot see)."""
    types = app.extensions["elearn_plugins"].lesson_types
    refs = []
    for name, lesson_type in sorted(types.items()):
        if lesson_type.submission_model is not None:
            refs.append(schemas.name(f"Submission_{name}", schemas.ref(lesson_type.submission_model, "validation")))
        elif lesson_type.submission_schema is not None:
            refs.append(schemas.name(f"Submission_{name}", lesson_type.submission_schema))
    if not refs:
        return {"type": "object"}
    return refs[0] if len(refs) == 1 else {"anyOf": refs}

