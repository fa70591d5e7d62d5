"""The OpenAPI 3.1 description of /api/v1, with each lesson type's submission schema."""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask

from elearn import __version__

ERROR = {"$ref": "#/components/responses/Error"}


def _op(
    summary: str,
    ok: str,
    *,
    auth: bool = True,
    body: dict | None = None,
    errors: tuple[int, ...] = (),
    ok_status: str = "200",
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {ok_status: {"description": ok, "content": {"application/json": {"schema": {"type": "object"}}}}},
    }
    for status in sorted({*errors, *((401,) if auth else ())}):
        operation["responses"][str(status)] = ERROR
    if not auth:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def _slug(name: str = "slug") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _lesson_id() -> dict[str, Any]:
    return {"name": "lesson_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _int_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def openapi_document(app: Flask) -> dict[str, Any]:
    cached = app.extensions.get("elearn_openapi")
    if cached is None:
        cached = app.extensions["elearn_openapi"] = _build(app)
    return cached


def _build(app: Flask) -> dict[str, Any]:
    types = app.extensions["elearn_plugins"].lesson_types
    submission_schemas = {
        f"Submission_{name}": lesson_type.submission_schema or {"type": "object"}
        for name, lesson_type in sorted(types.items())
    }
    submission = (
        {"oneOf": [{"$ref": f"#/components/schemas/{key}"} for key in submission_schemas]}
        if submission_schemas
        else {"type": "object"}
    )
    new_group = {
        "type": "object",
        "required": ["group_set", "key", "title_vi"],
        "properties": {
            "group_set": {"type": "string", "pattern": "^[a-z0-9-]{1,50}$"},
            "key": {"type": "string", "pattern": "^[a-z0-9-]{1,100}$"},
            "title_vi": {"type": "string", "maxLength": 300},
            "title_en": {"type": "string", "maxLength": 300},
        },
    }
    chosen_group = {"type": "object", "required": ["group_id"], "properties": {"group_id": {"type": "integer"}}}
    credentials = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "elearn API",
            "version": __version__,
            "description": "Every learner action of the web pages, for mobile, offline and other clients. "
            'Errors are {"error": {"message": ...}}.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/auth/token": {
                "post": _op(
                    "Exchange email and password for a bearer token",
                    "Token",
                    auth=False,
                    body=credentials,
                    errors=(400, 401, 429),
                    ok_status="201",
                ),
                "delete": _op("Revoke the token used for this call", "Revoked", ok_status="204"),
            },
            "/courses": {
                "get": _op("The catalogue, with the caller's progress when a token is sent", "Courses", auth=False)
            },
            "/courses/{slug}": {
                "parameters": [_slug()],
                "get": _op("One course with its modules and lessons", "Course", auth=False, errors=(404,)),
            },
            "/courses/{slug}/enrol": {
                "parameters": [_slug()],
                "post": _op("Enrol in a course (repeating it is harmless)", "Already enrolled", errors=(403, 404)),
            },
            "/lessons/{lesson_id}": {
                "parameters": [_lesson_id()],
                "get": _op("A lesson as the learner sees it", "Lesson", errors=(403, 404)),
            },
            "/lessons/{lesson_id}/submissions": {
                "parameters": [_lesson_id()],
                "post": _op(
                    "Submit work to a lesson; the body's shape depends on the lesson type",
                    "Progress after the submission",
                    body=submission,
                    errors=(400, 403, 404, 409),
                    ok_status="201",
                ),
            },
            "/me/progress": {"get": _op("The caller's courses with progress and the next lesson", "Progress")},
            "/courses/{slug}/groups": {
                "parameters": [_slug()],
                "get": _op(
                    "The course's groups: all with members for its instructors, the caller's own for a learner",
                    "Groups",
                    errors=(403, 404),
                ),
                "post": _op(
                    "Create a group (instructors of the course)",
                    "Group",
                    body=new_group,
                    errors=(400, 403, 404, 409),
                    ok_status="201",
                ),
            },
            "/courses/{slug}/groups/{group_id}/members/{user_id}": {
                "parameters": [_slug(), _int_param("group_id"), _int_param("user_id")],
                "put": _op(
                    "Put an enrolled learner in the group, moving them out of the set's other group (idempotent)",
                    "Membership",
                    errors=(403, 404, 409),
                ),
                "delete": _op(
                    "Take the learner out of the group (idempotent)", "Removed", errors=(403, 404), ok_status="204"
                ),
            },
            "/courses/{slug}/my-groups/{group_set}": {
                "parameters": [_slug(), _slug("group_set")],
                "put": _op(
                    "Choose the caller's own group in a set that lets learners choose (enrolled learners; idempotent)",
                    "Membership",
                    body=chosen_group,
                    errors=(400, 403, 404, 409),
                ),
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {"message": {"type": "string"}},
                        }
                    },
                },
                **submission_schemas,
            },
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }
    document["paths"].update(_plugin_paths(app))
    return document


def _plugin_paths(app: Flask) -> dict[str, Any]:
    """Plugins' endpoints (``/api/v1/x/<plugin>/...``), described from their rules and view
    docstrings: the first line is the summary, the rest the description. A plugin documents
    its API by writing docstrings, and the document can never miss one of its routes."""
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/x/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        item = paths.setdefault(path, {})
        item["parameters"] = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "integer" if converter == "int" else "string"}}
            for converter, name in re.findall(r"<(?:([^:<>]+):)?([^<>]+)>", rule.rule)
        ]
        doc = inspect.getdoc(app.view_functions[rule.endpoint]) or rule.endpoint
        summary, _sep, description = doc.partition("\n")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            writes = method in ("POST", "PUT", "PATCH")
            operation = _op(summary.strip(), "OK", body={"type": "object"} if writes and method != "DELETE" else None,
                            errors=(400, 403, 404, 409))
            if writes:
                operation["requestBody"]["required"] = False
            if description.strip():
                operation["description"] = description.strip()
            item[method.lower()] = operation
    return paths
