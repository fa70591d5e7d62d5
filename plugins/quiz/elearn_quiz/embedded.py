"""The quiz's questions, offered to other plugins' lessons (``elearn_question_kinds``).

A video pausing at a moment asks one of these; the embedding plugin stores what ``parse``
returns, shows ``learner_view`` (no answer, fraction or feedback) through ``quiz/_embedded.html``,
and grades through ``grade`` on the server, with the same rules as in a quiz. Matching questions
are not offered: their pair ids are derived from their content, which a quiz hides behind
per-attempt aliases that an embedded question has no attempt to key; essays need a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from elearn.plugin_api import ContentError, ContentInvalid, PackFiles, QuestionGrade
from elearn_quiz.grading import grade, parse_response
from elearn_quiz.lesson import choice_html, question_from_json, question_to_json
from elearn_quiz.questions import learner_safe, parse_question

EMBEDDED_TYPES = ("single", "multiple", "truefalse", "short", "numerical", "ordering")


class QuizQuestions:
    """``QuestionKind`` for the quiz's automatically graded question types."""

    kinds = EMBEDDED_TYPES
    template = "quiz/_embedded.html"

    def parse(self, raw: Mapping[str, Any], where: str, files: PackFiles) -> dict[str, Any]:
        if not isinstance(raw, Mapping) or raw.get("type") not in EMBEDDED_TYPES:
            raise ContentInvalid([ContentError(f"{where}.type", f"must be one of: {', '.join(EMBEDDED_TYPES)}")])
        question = parse_question(raw, where, resolve_url=getattr(files, "media_url", None), default_id="q")
        return question_to_json(question)

    def learner_view(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        question = question_from_json(stored)
        view = learner_safe(question)
        for choice in view.get("choices", []):
            choice["html"] = choice_html(question, choice["id"], choice["html"])
        return view

    def parse_form(self, stored: Mapping[str, Any], form, prefix: str) -> Any:
        """``prefix`` one value (a choice, a text) or several (``multiple``); ordering:
        ``prefix.<item id>`` the position the learner gave each item."""
        kind = stored["type"]
        if kind == "multiple":
            return [value for value in form.getlist(prefix) if value]
        if kind == "ordering":
            ranked = []
            for item in stored["items"]:
                value = form.get(f"{prefix}.{item['id']}", "")
                ranked.append((int(value) if value.isascii() and value.isdigit() else 10_000, item["id"]))
            return [item for _rank, item in sorted(ranked)]
        return form.get(prefix) or None

    def grade(self, stored: Mapping[str, Any], answer: Any) -> QuestionGrade:
        question = question_from_json(stored)
        try:
            response = parse_response(question, answer)
        except (ValueError, TypeError, KeyError):
            raise ValueError(_("This answer cannot be read. Check it and try again.")) from None
        found = grade(question, response)
        if found.state == "blank":
            raise ValueError(_("Give an answer first."))
        fraction = found.fraction or 0.0
        return QuestionGrade(fraction=round(fraction, 4), correct=found.state == "correct",
                             feedback_html="".join(found.feedback_html))
