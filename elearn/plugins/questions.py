"""Questions one plugin offers for another plugin's lessons to embed, and notes to the pack's author.

A lesson type that asks questions inside other content (a video pausing at a moment, a reading
with a check at the end) should not import the plugin that knows how to ask and grade them: the
quiz may be absent, or replaced. A plugin that knows some kinds of question offers them through
``elearn_question_kinds`` as ``QuestionKind`` objects; the embedding lesson type looks a kind up
with ``question_kinds()`` and stores, renders and grades through it alone. Grading is always on the
server: ``learner_view`` gives what the learner may see before answering, ``grade`` what the answer
is worth, with the feedback shown after.

``content_note(where, message)``: while a pack is read, a lesson type may leave a note for its
author that is not an error (the pack stays valid), such as "these questions are skipped: no
installed plugin asks them"; ``elearn pack validate`` prints them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app

from elearn.plugins.lesson_type import ContentError

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

    from elearn.plugins.lesson_type import PackFiles

log = logging.getLogger("elearn.plugins")


@dataclass(frozen=True)
class QuestionGrade:
    """What one answer is worth: ``fraction`` from 0 to 1, ``correct`` when it is fully right, and
    the feedback to show after answering (sanitised HTML)."""

    fraction: float
    correct: bool
    feedback_html: str = ""


class QuestionKind(Protocol):
    """Some kinds of question (``kinds``: the authored ``type`` values it reads, as ``single``).

    ``stored`` is what ``parse`` returned, kept in the embedding lesson's content (JSON-able).
    ``template`` (``"<plugin>/<file>"``) renders the question's inputs from ``view`` (what
    ``learner_view`` returned) and ``prefix`` (a form name prefix unique in the page); the embedding
    plugin wraps it in its own form. Every method but ``parse`` runs in a request.
    """

    kinds: tuple[str, ...]
    template: str

    def parse(self, raw: Mapping[str, Any], where: str, files: PackFiles) -> dict[str, Any]:
        """Check an authored question (``raw["type"]`` is one of ``kinds``); ``ContentInvalid``
        with every problem, ``where`` prefixed to each path."""
        ...

    def learner_view(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """What the learner sees before answering: never the right answer, fractions or feedback."""
        ...

    def parse_form(self, stored: Mapping[str, Any], form: MultiDict[str, str], prefix: str) -> Any:
        """The answer posted by the template's inputs, in the JSON shape ``grade`` takes."""
        ...

    def grade(self, stored: Mapping[str, Any], answer: Any) -> QuestionGrade:
        """What ``answer`` is worth; ``ValueError`` with a message for the learner when it is malformed."""
        ...


def question_kinds(app=None) -> dict[str, QuestionKind]:
    """Every question kind the loaded plugins offer, by authored ``type`` (collected once per app;
    the first plugin loaded that offers a type keeps it)."""
    app = app or current_app
    found = app.extensions.get("elearn_question_kinds")
    if found is None:
        found = {}
        registry = app.extensions["elearn_plugins"]
        for plugin, offered in registry.call_each("elearn_question_kinds", at_startup=True):
            for kind in offered or []:
                if not callable(getattr(kind, "grade", None)) or not getattr(kind, "template", ""):
                    log.error("plugin %s: %r is not a QuestionKind", plugin, kind)
                    continue
                for name in kind.kinds:
                    found.setdefault(name, kind)
        app.extensions["elearn_question_kinds"] = found
    return found


_NOTES: ContextVar[list[ContentError] | None] = ContextVar("elearn_content_notes", default=None)


def content_note(where: str, message: str) -> None:
    """Tell the pack's author something that is not an error (``where`` as in a ``ContentError``).
    Outside reading a pack (a test calling ``import_content``) the note is dropped."""
    notes = _NOTES.get()
    if notes is not None and all((n.where, n.message) != (where, message) for n in notes):
        notes.append(ContentError(where, message))


@contextmanager
def collecting_notes() -> Iterator[list[ContentError]]:
    """The notes lesson types leave while the block runs (one lesson's import)."""
    notes: list[ContentError] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)
