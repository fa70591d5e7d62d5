"""State by scope: JSON documents the core keeps for plugins, with optimistic concurrency.

A plugin that needs to remember something small about a lesson, a learner, a learner in a course
or a course group declares a ``StateDocument`` once, at import time, instead of a table of its own
(it keeps its own tables for relational data: rows it queries, joins or reports on)::

    from pydantic import BaseModel
    from elearn.plugin_api import Scope, StateDocument

    class Plan(BaseModel):
        courses: list[str] = []

    PLAN = StateDocument("needs_survey", Scope.LEARNER, "plan", model=Plan)

    plan, version = PLAN.get(db, user=learner)          # (None, 0) before the first write
    PLAN.put(db, Plan(courses=["ke-toan"]), expected_version=version, user=learner)   # -> 1

Why versions: two people (or two tabs) editing one document would otherwise overwrite each other
without knowing. Every write names the version it started from; when the document has moved on
since, ``put`` raises ``StaleState`` (a 409: the request's error handler answers it, in the API as
JSON) and the caller reloads. The check is one conditional statement (``UPDATE ... WHERE version
= :read``, or an ``INSERT ... ON CONFLICT DO NOTHING`` for the first write), so two writers at once
can never both win, on SQLite or PostgreSQL.

Why namespaced: a document is found by (plugin, scope, subject, key), and a plugin's handles name
that plugin, so a plugin cannot read or overwrite another's documents by accident.

Who may write: the core does not decide. A document's scope says whose it is, not who may change
it: a learner's plan may be edited by that learner and their instructor, a group's plan by its
members. The plugin checks that before ``put`` (``teaches_course``, group membership, the user
itself), as it does for its own tables.
"""

from __future__ import annotations

import json
import re
from typing import Any, Generic, NamedTuple, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, Conflict

from elearn.clock import utcnow
from elearn.contract import refusal
from elearn.db import insert_if_missing, is_write_session
from elearn.models.state import PluginState, Scope

# A document is a record of what a plugin needs to remember, not a store for files or logs.
MAX_STATE_BYTES = 256 * 1024
PLUGIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,50}")
KEY = re.compile(r"[A-Za-z0-9_.:-]{1,100}")

# What identifies a document of each scope: the keyword arguments of get and put.
SUBJECTS: dict[Scope, tuple[str, ...]] = {
    Scope.LESSON: ("lesson",),
    Scope.LEARNER_LESSON: ("user", "lesson"),
    Scope.LEARNER_COURSE: ("user", "course"),
    Scope.LEARNER: ("user",),
    Scope.GROUP: ("group",),
}
_LETTER = {"user": "u", "course": "c", "lesson": "l", "group": "g"}

M = TypeVar("M", bound=BaseModel)


class Versioned(NamedTuple, Generic[M]):
    """A document as read: its data (None when never written) and its version (0 then)."""

    data: M | dict[str, Any] | None
    version: int


class StaleState(Conflict):
    """The document changed since the caller read it: the write was refused, nothing was kept.

    A 409 Conflict, so a view that lets it through answers 409 with a message a person can act on
    (JSON under /api). ``expected`` is the version the write named, ``current`` the version stored
    now (0: there is none).
    """

    def __init__(self, document: StateDocument, expected: int, current: int) -> None:
        self.expected, self.current = expected, current
        super().__init__(f"state {document.key!r} of plugin {document.plugin!r} ({document.scope.value}) "
                         f"is at version {current}, the write expected {expected}")

    @property
    def elearn_message(self) -> str:
        return _("Someone else changed this in the meantime. Reload the page to see their change, "
                 "then try again.")


class StateInvalid(BadRequest, ValueError):
    """The data given to ``put`` does not fit the document (its model, JSON, its size limit).

    ``str()`` names the document and the field path for the developer; as a 400 the user reads
    the first problem as a sentence (``elearn_message``). ``errors`` are pydantic's, when a model
    refused the data.
    """

    def __init__(self, document: StateDocument, problem: str, message: str,
                 errors: list[dict[str, Any]] | None = None) -> None:
        self.errors = errors or []
        self.elearn_message = message
        super().__init__(f"state {document.key!r} of plugin {document.plugin!r}: {problem}")


class StateDocument(Generic[M]):
    """One kind of document of one plugin: ``plugin`` (its entry point's name), the ``scope``, the
    ``key`` naming the document among the plugin's, and optionally a pydantic ``model`` that every
    write is validated by and every read is returned as."""

    def __init__(self, plugin: str, scope: Scope, key: str, model: type[M] | None = None) -> None:
        if not PLUGIN_NAME.fullmatch(plugin):
            raise ValueError(f"plugin name {plugin!r} must be the plugin's entry point name")
        if not KEY.fullmatch(key):
            raise ValueError(f"state key {key!r} must be 1 to 100 letters, digits or _ . : -")
        if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"state model {model!r} must be a pydantic BaseModel class")
        self.plugin, self.scope, self.key, self.model = plugin, Scope(scope), key, model

    def __repr__(self) -> str:
        return f"StateDocument({self.plugin!r}, {self.scope}, {self.key!r})"

    def get(self, db: Session, **subject: Any) -> Versioned[M]:
        """The document of ``subject`` (``user=``, ``course=``, ``lesson=``, ``group=``: objects or
        ids, as the scope needs), as ``(data, version)``; ``(None, 0)`` when never written."""
        ids = self._ids(subject)
        row = db.execute(
            select(PluginState.data, PluginState.version).where(*self._where(ids))
        ).one_or_none()
        if row is None:
            return Versioned(None, 0)
        return Versioned(self._load(row.data), row.version)

    def put(self, db: Session, data: M | dict[str, Any], *, expected_version: int, **subject: Any) -> int:
        """Replace the document with ``data`` if it is still at ``expected_version`` (0: it must not
        exist yet), and return its new version; raise ``StaleState`` otherwise. Part of ``db``'s
        transaction: the caller commits, as for any other write."""
        if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
            raise TypeError(f"expected_version must be the version read (an int >= 0), not {expected_version!r}")
        if not is_write_session(db):
            raise RuntimeError("plugin state is written in a write request's session (POST, PUT, PATCH, DELETE)")
        ids = self._ids(subject)
        payload = self._dump(data)
        now = utcnow()
        if expected_version == 0:
            written = insert_if_missing(
                db, PluginState, ["plugin", "scope", "subject", "key"], plugin=self.plugin, scope=self.scope,
                subject=_subject_text(ids), key=self.key, data=payload, version=1, updated_at=now,
                **{f"{name}_id": value for name, value in ids.items()},
            )
        else:
            written = db.execute(
                update(PluginState)
                .where(*self._where(ids), PluginState.version == expected_version)
                .values(data=payload, version=expected_version + 1, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
        if written != 1:
            current = db.scalar(select(PluginState.version).where(*self._where(ids))) or 0
            raise StaleState(self, expected_version, current)
        return expected_version + 1

    # -- inside --------------------------------------------------------------------------------

    def _ids(self, subject: dict[str, Any]) -> dict[str, int]:
        wanted = SUBJECTS[self.scope]
        if set(subject) != set(wanted):
            raise TypeError(f"{self!r} is identified by {', '.join(f'{n}=' for n in wanted)} "
                            f"(given: {', '.join(f'{n}=' for n in subject) or 'nothing'})")
        ids = {}
        for name in wanted:
            value = subject[name]
            value = getattr(value, "id", value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name}= must be a {name} or its id, not {subject[name]!r}")
            ids[name] = value
        return ids

    def _where(self, ids: dict[str, int]) -> tuple[Any, ...]:
        return (PluginState.plugin == self.plugin, PluginState.scope == self.scope,
                PluginState.subject == _subject_text(ids), PluginState.key == self.key)

    def _dump(self, data: Any) -> dict[str, Any]:
        if self.model is not None:
            if isinstance(data, BaseModel):
                data = data.model_dump(mode="json")
            try:
                data = self.model.model_validate(data).model_dump(mode="json")
            except ValidationError as exc:
                errors = exc.errors(include_url=False)
                first = errors[0]
                where = ".".join(str(part) for part in first["loc"]) or "(the document)"
                raise StateInvalid(self, f"{where}: {first['msg']}", refusal(first), errors) from exc
        elif not isinstance(data, dict):
            raise StateInvalid(self, f"a document is a JSON object (a dict), not {type(data).__name__}",
                               _("The data must be a JSON object."))
        try:
            text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StateInvalid(self, f"not JSON: {exc}", _("The data must be a JSON object.")) from exc
        if len(text.encode()) > MAX_STATE_BYTES:
            raise StateInvalid(self, f"{len(text.encode())} bytes, more than the {MAX_STATE_BYTES} a document may hold",
                               _("This is too large to be saved."))
        return data

    def _load(self, data: dict[str, Any]) -> M | dict[str, Any]:
        if self.model is None:
            return data
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            # Stored by an earlier version of the plugin: its model must still read it (give new
            # fields defaults), or the plugin migrates the documents.
            raise RuntimeError(f"stored {self!r} no longer fits {self.model.__name__}: {exc}") from exc


def _subject_text(ids: dict[str, int]) -> str:
    """``{"user": 12, "course": 3}`` -> ``u12/c3``: the scope's ids as the unique constraint sees them."""
    return "/".join(f"{_LETTER[name]}{value}" for name, value in ids.items())
