"""The OpenAPI 3.1 description of /api/v1, with each lesson type's submission schema."""

from __future__ import annotations

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
    credentials = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    return {
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
