"""Moodle's Aiken format (https://docs.moodle.org/en/Aiken_format): single-choice questions.

::

    Hợp tác xã được thành lập bởi ít nhất bao nhiêu thành viên?
    A. 3
    B) 5
    C. 7
    ANSWER: B

The question text is one or more lines, then options lettered ``A.``/``A)`` in order
(at least 2), then ``ANSWER: <letter>``. Blank lines between questions are optional.
Texts are plain (HTML-escaped, never Markdown). Ids are ``q1``, ``q2``... in file order.
"""

from __future__ import annotations

import html
import re

from elearn.plugin_api import ContentError, ContentInvalid
from elearn_quiz.questions import Question, make_choices

_OPTION_RE = re.compile(r"([A-Z])[.)]\s+(\S.*)")
_ANSWER_RE = re.compile(r"ANSWER:\s*(\S*)\s*", re.IGNORECASE)
MAX_FILE = 2_000_000


def _plain(text: str) -> str:
    return f"<p>{html.escape(text.strip())}</p>\n"


def parse_aiken(text: str, filename: str) -> list[Question]:
    """The questions of an Aiken file; raises ``ContentInvalid`` with every error (``filename:line``)."""
    if len(text) > MAX_FILE:
        raise ContentInvalid([ContentError(filename, f"longer than {MAX_FILE} characters")])
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    errors: list[ContentError] = []
    questions: list[Question] = []
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    broken = False  # the current question already has an error: skip to its ANSWER line

    def reset() -> None:
        nonlocal stem, options, broken
        stem, options, broken = [], [], False

    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if not line:
            continue
        where = f"{filename}:{number}"
        answer = _ANSWER_RE.fullmatch(line)
        option = _OPTION_RE.fullmatch(line)
        if answer:
            if not stem:
                errors.append(ContentError(where, "ANSWER: without a question before it"))
            elif len(options) < 2:
                if not broken:
                    errors.append(ContentError(where, "a question needs at least 2 options (A. ..., B. ...) first"))
            elif not broken:
                letter = answer.group(1).upper()
                letters = [x for x, _ in options]
                if letter not in letters:
                    errors.append(
                        ContentError(
                            where, f"ANSWER: {answer.group(1)!r} is not one of the options {', '.join(letters)}"
                        )
                    )
                else:
                    htmls = [_plain(t) for _, t in options]
                    fractions = [1.0 if x == letter else 0.0 for x in letters]
                    choices = make_choices(htmls, fractions, [""] * len(htmls))
                    stem_text = " ".join(stem)
                    questions.append(
                        Question(
                            id=f"q{len(questions) + 1}",
                            type="single",
                            stem_md=stem_text,
                            stem_html=_plain(stem_text),
                            choices=choices,
                        )
                    )
            reset()
            continue
        if option and stem:
            expected = chr(ord("A") + len(options))
            if option.group(1) != expected and not broken:
                errors.append(ContentError(where, f"expected option {expected}, found {option.group(1)}"))
                broken = True
            options.append((option.group(1), option.group(2)))
            continue
        if options:
            # Text after the options: the previous question lacks its ANSWER line.
            errors.append(ContentError(f"{filename}:{start}", "the question has no ANSWER: line"))
            reset()
        if option and not stem:
            errors.append(ContentError(where, "an option without a question before it"))
            broken = True
            stem = ["?"]
            start = number
            continue
        if not stem:
            start = number
        stem.append(line)
    if stem:
        errors.append(ContentError(f"{filename}:{start}", "the question has no ANSWER: line"))
    if errors:
        raise ContentInvalid(errors)
    return questions
