"""Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format): import and export.

Supported:

- questions separated by blank lines; ``//`` comment lines; ``$CATEGORY: a/b`` lines
  (the category, without a ``$course$/`` prefix, becomes a tag of the questions that follow);
- Moodle's comment tags ``// [tag:x]`` and ``// [id:x]`` before a question, plus the
  elearn extensions ``// [points:2]`` and ``// [option:case_sensitive]`` (also
  ``ignore_diacritics``, ``no_partial_credit``, ``penalty_wrong``), which Moodle ignores;
- ``::title::`` (the question id, unless ``[id:]`` gives one; otherwise ``q<n>``);
- ``[markdown]`` (the default), ``[html]`` (sanitised), ``[plain]`` and ``[moodle]`` (both
  shown as plain text) formats, for the stem, the choices, matching sides and feedback;
- single choice ``{=right ~wrong ~%50%half right}``; a block with only ``~`` answers and
  weights ``~%50%`` / ``~%-100%`` is multiple choice (``{~%50%a ~%50%b ~%-100%c}``);
- per-answer feedback ``#``, general feedback ``####``;
- true/false ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}``, with ``{T#feedback if wrong#feedback if right}``;
- short answer ``{=a =b}`` (and ``{=%50%a}``; a single ``{=a}`` too); short answers are plain text;
- matching ``{=prompt -> answer ...}`` (at least 2 pairs);
- numerical ``{#3:0.5}``, ``{#1..5}``, ``{#3}``, several weighted answers ``{#=3:0 =%50%3:1#close}``;
- missing word: an answer block in mid-sentence leaves a blank ``_____`` in the stem;
- essay ``{}``; description (no answer block): skipped without error;
- escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` (newline).

Not supported (reported as errors): matching distractors (``= -> answer`` with no prompt),
several answer blocks in one question, Moodle's ``*`` short-answer wildcard (it is matched
literally). Ordering questions do not exist in GIFT: ``to_gift`` refuses them.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from elearn.markdown import render_markdown, sanitise_html
from elearn.plugins.lesson_type import ContentError, ContentInvalid
from elearn_quiz.questions import (
    Answer,
    NumericAnswer,
    Question,
    QuestionOptions,
    check_choices,
    make_choices,
    make_pairs,
    parse_number,
    truefalse_choices,
)

# Escaped characters become private-use placeholders while parsing, then are restored.
_ESCAPES = {"~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004", ":": "\ue005", "\\": "\ue006"}
_RESTORE = {v: k for k, v in _ESCAPES.items()}
_RESTORE_RE = re.compile("[" + "".join(_RESTORE) + "]")
FORMATS = ("markdown", "html", "plain", "moodle")
BLANK = "_____"
MAX_FILE = 2_000_000
_OPTION_TAGS = {
    "case_sensitive": ("case_sensitive", True),
    "ignore_diacritics": ("ignore_diacritics", True),
    "no_partial_credit": ("partial_credit", False),
    "penalty_wrong": ("penalty_wrong", True),
}
_COMMENT_TAG_RE = re.compile(r"\[(tag|id|points|option):([^\]]*)\]")


class _QuestionError(Exception):
    pass


def _protect(text: str) -> str:
    """Replace escapes by placeholders (``\\n`` by a newline), scanning left to right."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return _RESTORE_RE.sub(lambda m: _RESTORE[m.group(0)], text)


def parse_gift(text: str, filename: str, resolve_url: Callable[[str], str] | None = None) -> list[Question]:
    """The questions of a GIFT file; raises ``ContentInvalid`` with every malformed question.

    Error ``where`` values are ``filename:line`` (the line the question starts on).
    """
    if len(text) > MAX_FILE:
        raise ContentInvalid([ContentError(filename, f"longer than {MAX_FILE} characters")])
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    errors: list[ContentError] = []
    questions: list[Question] = []
    category = ""
    seen_ids: set[str] = set()
    for start, lines, comments in _blocks(text):
        body_lines = []
        for offset, line in enumerate(lines):
            if line.lstrip().startswith("$CATEGORY:"):
                # Moodle prefixes contexts: "$course$/Luật HTX" is the category "Luật HTX".
                category = re.sub(r"^\$[a-z]+\$/?", "", line.lstrip()[len("$CATEGORY:") :].strip())
                if not body_lines:
                    start = start + offset + 1
                continue
            body_lines.append(line)
        body = "\n".join(body_lines).strip()
        if not body:
            continue
        where = f"{filename}:{start}"
        try:
            question = _parse_block(body, comments, category, len(questions) + 1, resolve_url)
        except _QuestionError as exc:
            errors.append(ContentError(where, str(exc)))
            continue
        if question is None:  # a description
            continue
        if question.id in seen_ids:
            errors.append(ContentError(where, f"question id {question.id!r} is used twice"))
            continue
        seen_ids.add(question.id)
        questions.append(question)
    if errors:
        raise ContentInvalid(errors)
    return questions


def _blocks(text: str):
    """Yield (first line number, lines, comments) per blank-line-separated block."""
    lines: list[str] = []
    comments: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("//"):
            comments.append(line.lstrip()[2:])
            continue
        if not line.strip():
            if lines:
                yield start, lines, comments
                lines, comments = [], []
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        yield start, lines, comments


def _parse_block(
    body: str, comments: list[str], category: str, ordinal: int, resolve_url: Callable[[str], str] | None
) -> Question | None:
    tags: list[str] = [category] if category else []
    qid = ""
    points = 1.0
    option_values: dict[str, bool] = {}
    for comment in comments:
        for kind, value in _COMMENT_TAG_RE.findall(comment):
            value = value.strip()
            if kind == "tag" and value:
                tags.append(value)
            elif kind == "id" and value:
                qid = value
            elif kind == "points":
                try:
                    points = float(parse_number(value))
                except ValueError:
                    raise _QuestionError(f"[points:{value}] is not a number") from None
                if not 0 < points <= 1000:
                    raise _QuestionError("[points:] must be above 0 (at most 1000)")
            elif kind == "option":
                if value not in _OPTION_TAGS:
                    raise _QuestionError(f"unknown [option:{value}] (known: {', '.join(_OPTION_TAGS)})")
                key, flag = _OPTION_TAGS[value]
                option_values[key] = flag

    text = _protect(body)
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _QuestionError("the title has no closing '::'")
        title = _restore(text[2:end]).strip()
        text = text[end + 2 :].lstrip()
    fmt = "markdown"
    match = re.match(r"\[([a-z]+)\]", text)
    if match:
        if match.group(1) not in FORMATS:
            raise _QuestionError(f"unknown format [{match.group(1)}] (known: {', '.join(FORMATS)})")
        fmt = match.group(1)
        text = text[match.end() :]

    opening = text.find("{")
    if opening < 0:
        if "}" in text:
            raise _QuestionError("'}' without '{' (write \\} for a literal brace)")
        return None  # a description: GIFT shows it, a quiz has nothing to grade
    closing = text.find("}", opening)
    if closing < 0:
        raise _QuestionError("the answer block '{' is never closed with '}'")
    inner = text[opening + 1 : closing]
    if "{" in inner:
        raise _QuestionError("'{' inside an answer block (write \\{ for a literal brace)")
    before, after = text[:opening].rstrip(), text[closing + 1 :].strip()
    if "{" in after or "}" in after:
        raise _QuestionError("only one answer block per question is supported")
    if not before and not after:
        raise _QuestionError("the question has no text")

    def render(source: str) -> str:
        source = _restore(source).strip()
        if not source:
            return ""
        if fmt == "markdown":
            try:
                return render_markdown(source, resolve_url=resolve_url)
            except ContentInvalid as exc:
                raise _QuestionError("; ".join(str(e) for e in exc.errors)) from None
        if fmt == "html":
            return sanitise_html(source)
        return "<p>" + html_lib.escape(source).replace("\n", "<br>\n") + "</p>\n"

    if after:
        blank = "\\_\\_\\_\\_\\_" if fmt == "markdown" else BLANK
        stem_source = f"{before} {blank} {after}".strip()
    else:
        stem_source = before
    stem_md = _restore(stem_source)
    stem_html = render(stem_source)

    general = ""
    if "####" in inner:
        inner, general_source = inner.split("####", 1)
        general = render(general_source)
    if not qid:
        qid = title or f"q{ordinal}"
    common = {
        "id": qid,
        "stem_md": stem_md,
        "stem_html": stem_html,
        "points": points,
        "general_feedback_html": general,
        "tags": tuple(dict.fromkeys(tags)),
        "options": QuestionOptions(**option_values),
    }
    stripped = inner.strip()
    if not stripped:
        return Question(type="essay", **common)
    if stripped.startswith("#"):
        return Question(type="numerical", answers=_numerical(stripped[1:], render), **common)
    head, _, rest = stripped.partition("#")
    if head.strip().upper() in ("T", "TRUE", "F", "FALSE"):
        if "~" in stripped or "=" in stripped:
            raise _QuestionError("a true/false answer takes no '=' or '~' answers")
        correct = head.strip().upper() in ("T", "TRUE")
        feedbacks = rest.split("#") if rest else []
        if len(feedbacks) > 2:
            raise _QuestionError("true/false takes at most two feedbacks: {T#if wrong#if right}")
        wrong_fb = render(feedbacks[0]) if feedbacks else ""
        right_fb = render(feedbacks[1]) if len(feedbacks) > 1 else ""
        fb_true, fb_false = (right_fb, wrong_fb) if correct else (wrong_fb, right_fb)
        return Question(type="truefalse", choices=truefalse_choices(correct, fb_true, fb_false), **common)

    answers = _split_answers(stripped)
    if "->" in stripped and all(mark == "=" for mark, _ in answers):
        prompts, sides = [], []
        for _, answer in answers:
            if "->" not in answer:
                raise _QuestionError("every matching answer needs 'prompt -> answer'")
            prompt, side = answer.split("->", 1)
            if "#" in side:
                raise _QuestionError("matching answers take no per-answer feedback")
            if not prompt.strip():
                raise _QuestionError("matching distractors (= -> answer with no prompt) are not supported")
            if not side.strip():
                raise _QuestionError("a matching pair has no answer after '->'")
            prompts.append(render(prompt))
            sides.append(render(side))
        if len(prompts) < 2:
            raise _QuestionError("a matching question needs at least 2 pairs")
        return Question(type="matching", pairs=make_pairs(prompts, sides), **common)
    if any(mark == "~" for mark, _ in answers):
        htmls, fractions, feedbacks = [], [], []
        for mark, answer in answers:
            weight, answer = _weight(answer)
            content, _, feedback = answer.partition("#")
            if not content.strip():
                raise _QuestionError("an empty choice")
            htmls.append(render(content))
            fractions.append(weight if weight is not None else (1.0 if mark == "=" else 0.0))
            feedbacks.append(render(feedback))
        # Moodle's rule: an '=' answer makes it single choice; only '~' answers (with weights) make it multiple.
        qtype = "single" if any(mark == "=" for mark, _ in answers) else "multiple"
        if len(htmls) < 2:
            raise _QuestionError("a choice question needs at least 2 choices")
        if qtype == "single" and any(f < 0 for f in fractions):
            raise _QuestionError("negative weights need a multiple-choice question (only '~' answers)")
        choices = make_choices(htmls, fractions, feedbacks)
        problems: list[str] = []
        check_choices(qtype, choices, problems.append)
        if problems:
            raise _QuestionError(problems[0])
        return Question(type=qtype, choices=choices, **common)
    # Short answer: only '=' answers, plain text.
    accepted = []
    for _, answer in answers:
        weight, answer = _weight(answer)
        if weight is not None and weight < 0:
            raise _QuestionError("a short answer cannot have a negative weight")
        content, _, feedback = answer.partition("#")
        content = _restore(content).strip()
        if not content:
            raise _QuestionError("an empty short answer")
        accepted.append(Answer(content, 1.0 if weight is None else weight, render(feedback)))
    if not any(a.fraction == 1 for a in accepted):
        raise _QuestionError("a short-answer question needs one answer worth 100%")
    return Question(type="short", answers=tuple(accepted), **common)


def _split_answers(inner: str) -> list[tuple[str, str]]:
    """``=a ~b`` -> [("=", "a"), ("~", "b")]; text before the first mark is an error."""
    parts = re.split(r"([=~])", inner)
    if parts[0].strip():
        raise _QuestionError(
            f"unexpected {_restore(parts[0].strip())[:30]!r} in the answer block (answers start with = or ~)"
        )
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


_WEIGHT_RE = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")


def _weight(answer: str) -> tuple[float | None, str]:
    match = _WEIGHT_RE.match(answer)
    if not match:
        if answer.lstrip().startswith("%"):
            raise _QuestionError("a weight must look like %50% or %-100%")
        return None, answer
    value = float(match.group(1))
    if not -100 <= value <= 100:
        raise _QuestionError(f"the weight {match.group(1)}% is outside -100%..100%")
    return value / 100, answer[match.end() :]


def _number(text: str) -> float:
    try:
        return float(parse_number(_restore(text)))
    except ValueError:
        raise _QuestionError(f"{_restore(text).strip()[:30]!r} is not a number") from None


def _numerical(inner: str, render: Callable[[str], str]) -> tuple[NumericAnswer, ...]:
    inner = inner.strip()
    if "=" in inner or "~" in inner:
        answers = _split_answers(inner)
        if any(mark == "~" for mark, _ in answers):
            raise _QuestionError("numerical answers start with '=' ('~' is not allowed)")
    else:
        answers = [("=", inner)]
    parsed = []
    for _, answer in answers:
        weight, answer = _weight(answer)
        if weight is not None and weight < 0:
            raise _QuestionError("a numerical answer cannot have a negative weight")
        spec, _, feedback = answer.partition("#")
        spec = spec.strip()
        if ".." in spec:
            low_text, high_text = spec.split("..", 1)
            low, high = _number(low_text), _number(high_text)
            if low > high:
                raise _QuestionError("in a range min..max, min must not be above max")
            value, tolerance = (low + high) / 2, (high - low) / 2
        else:
            value_text, _, tol_text = spec.partition(":")
            value = _number(value_text)
            tolerance = _number(tol_text) if tol_text.strip() else 0.0
            if tolerance < 0:
                raise _QuestionError("a tolerance must not be negative")
        parsed.append(NumericAnswer(value, tolerance, 1.0 if weight is None else weight, render(feedback)))
    if not parsed:
        raise _QuestionError("a numerical question needs an answer")
    if not any(a.fraction == 1 for a in parsed):
        raise _QuestionError("a numerical question needs one answer worth 100%")
    return tuple(parsed)


# --- export -----------------------------------------------------------------------------

_EXPORT_ESCAPE = {ch: "\\" + ch for ch in "~=#{}:\\"}


def _escape(text: str) -> str:
    out = "".join(_EXPORT_ESCAPE.get(ch, ch) for ch in text)
    return out.replace("\n", "\\n")


def _html(text: str) -> str:
    return _escape(text.strip())


def _weight_text(fraction: float) -> str:
    return f"%{fraction * 100!r}%"


def _weight_prefix(fraction: float, default: float, content: str) -> str:
    """The ``%n%`` weight, left out when it is the default and the content cannot be mistaken for one."""
    if fraction == default and not content.lstrip().startswith("%"):
        return ""
    return _weight_text(fraction)


def _num(value: float) -> str:
    return repr(float(value))


def to_gift(questions: list[Question] | tuple[Question, ...]) -> str:
    """GIFT text for ``questions`` (``[html]`` format, ids as titles, tags/points/options as comment tags).

    Ordering questions cannot be written in GIFT: ``ValueError``.
    """
    blocks = []
    defaults = QuestionOptions()
    for q in questions:
        lines = [f"// [id:{q.id}]"] if "]" not in q.id and "\n" not in q.id else []
        lines += [f"// [tag:{tag}]" for tag in q.tags if "]" not in tag and "\n" not in tag]
        if q.points != 1:
            lines.append(f"// [points:{q.points!r}]")
        for name, (key, flag) in _OPTION_TAGS.items():
            if getattr(q.options, key) == flag and getattr(defaults, key) != flag:
                lines.append(f"// [option:{name}]")
        general = f"####{_html(q.general_feedback_html)}" if q.general_feedback_html else ""
        if q.type in ("single", "multiple"):
            parts = []
            first_right = next((c.id for c in q.choices if c.fraction == 1), None) if q.type == "single" else None
            for c in q.choices:
                # One '=' keeps it single choice; other right choices become '~%100%' so that
                # a block of only '=' answers is not read back as a short answer.
                mark = "=" if c.id == first_right else "~"
                weight = _weight_prefix(c.fraction, 1.0 if mark == "=" else 0.0, c.html)
                feedback = f"#{_html(c.feedback_html)}" if c.feedback_html else ""
                parts.append(f"{mark}{weight}{_html(c.html)}{feedback}")
            block = " ".join(parts)
        elif q.type == "truefalse":
            true = q.choice("true")
            false = q.choice("false")
            correct = bool(true and true.fraction == 1)
            right, wrong = (true, false) if correct else (false, true)
            block = "T" if correct else "F"
            if (wrong and wrong.feedback_html) or (right and right.feedback_html):
                block += f"#{_html(wrong.feedback_html if wrong else '')}"
                block += f"#{_html(right.feedback_html if right else '')}"
        elif q.type == "short":
            parts = []
            for a in q.answers:
                weight = _weight_prefix(a.fraction, 1.0, a.text)
                feedback = f"#{_html(a.feedback_html)}" if a.feedback_html else ""
                parts.append(f"={weight}{_escape(a.text)}{feedback}")
            block = " ".join(parts)
        elif q.type == "numerical":
            parts = []
            for a in q.answers:
                weight = "" if a.fraction == 1 else _weight_text(a.fraction)
                feedback = f"#{_html(a.feedback_html)}" if a.feedback_html else ""
                parts.append(f"={weight}{_num(a.value)}:{_num(a.tolerance)}{feedback}")
            block = "#" + " ".join(parts)
        elif q.type == "matching":
            block = " ".join(f"={_html(p.prompt_html)} -> {_html(p.answer_html)}" for p in q.pairs)
        elif q.type == "essay":
            block = ""
        else:
            raise ValueError(f"{q.type} questions ({q.id}) cannot be written in GIFT")
        title = f"::{_escape(q.id)}::" if "\n" not in q.id else ""
        lines.append(f"{title}[html]{_html(q.stem_html)} {{{block}{general}}}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
