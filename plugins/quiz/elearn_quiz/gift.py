"""Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format): import and export.

A GIFT file is read the way Moodle's own importer (``question/format/gift/format.php``) reads it:

- questions separated by blank lines; ``//`` comment lines; a UTF-8 BOM and CRLF line ends are fine;
- ``$CATEGORY: $course$/top/Quản trị/Hội đồng`` gives the questions that follow one tag per level of
  the path, ``Quản trị`` and ``Quản trị/Hội đồng`` (the context ``$course$`` and Moodle's invisible
  ``top`` are left out; ``//`` is a ``/`` inside a name). A quiz's ``draw: {tags: [Quản trị]}`` then
  takes the whole subtree, as Moodle's "include questions from subcategories" does;
- Moodle's comment tags ``// [tag:x]`` and ``// [id:x]`` before a question, plus the
  elearn extensions ``// [points:2]`` and ``// [option:case_sensitive]`` (also
  ``ignore_diacritics``, ``no_partial_credit``, ``penalty_wrong``), which Moodle ignores;
- ``::title::`` (the question id, unless ``[id:]`` gives one; otherwise ``q<n>``);
- text formats, rendered to sanitised HTML at import. The question text has ``[moodle]`` unless
  it starts with another; every other part (a choice, a feedback, a matching side, the general
  feedback) has the question text's format unless it starts with its own ``[...]``:

  - ``[moodle]`` Moodle's auto-format: the text as typed, line breaks kept, HTML tags allowed
    (sanitised, as Moodle cleans them), no Markdown, so ``\\#`` or ``1. x`` stay what they are;
  - ``[html]`` HTML, sanitised by nh3 (``elearn.markdown.sanitise_html``);
  - ``[plain]`` plain text: escaped, line breaks kept;
  - ``[markdown]`` Markdown, rendered and sanitised as the YAML questions are;

- single choice ``{=right ~wrong ~%50%half right}``; a block with only ``~`` answers and
  weights ``~%50%`` / ``~%-100%`` is multiple choice (``{~%50%a ~%50%b ~%-100%c}``);
- per-answer feedback ``#``, general feedback ``####``;
- true/false ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}``, with ``{T#feedback if wrong#feedback if right}``;
- short answer ``{=a =b}`` (and ``{=%50%a}``; a single ``{=a}`` too); short answers are plain text, and
  ``*`` in one is Moodle's wildcard (any run of characters; ``\\*`` is a literal star), so the catch-all
  ``=%0%*#feedback`` matches every answer, for 0 credit, and shows its feedback;
- matching ``{=prompt -> answer ...}`` (at least 2 pairs); ``= -> answer`` (no prompt) is a distractor,
  an extra answer offered for every prompt;
- numerical ``{#3:0.5}``, ``{#1..5}``, ``{#3}``, several weighted answers ``{#=3:0 =%50%3:1#close}``;
  ``~#feedback`` after the answers (``{#3:2~#Completely wrong}``) is the feedback for any other
  number, as is an answer ``=%0%*#feedback``;
- missing word: an answer block in mid-sentence leaves a blank ``_____`` in the stem;
- essay ``{}``; description (no answer block): skipped without error;
- escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` (newline).

Refused, with the file and line (what elearn cannot represent is never imported differently): several
answer blocks in one question, feedback on a matching pair, a negative weight in a single-choice question
(Moodle lets a wrong choice cost marks; elearn's single choice scores 0..1), unknown ``[format]`` prefixes
(write ``[moodle][x]`` for a text that starts with ``[x]``). Ordering questions do not exist in GIFT:
``to_gift`` refuses them.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from elearn.plugin_api import ContentError, ContentInvalid, render_markdown, sanitise_html
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
FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"
BLANK = "_____"
MAX_FILE = 2_000_000
_OPTION_TAGS = {
    "case_sensitive": ("case_sensitive", True),
    "ignore_diacritics": ("ignore_diacritics", True),
    "no_partial_credit": ("partial_credit", False),
    "penalty_wrong": ("penalty_wrong", True),
}
_COMMENT_TAG_RE = re.compile(r"\[(tag|id|points|option):([^\]]*)\]")
_FORMAT_RE = re.compile(r"\[([a-z]+)\]")
_CATEGORY = "$CATEGORY:"
_CONTEXT_RE = re.compile(r"\$[a-z]+\$")
_CATEGORY_SEPARATOR_RE = re.compile(r"(?<!/)/(?!/)")  # Moodle's split_category_path: '//' is a '/' in a name
_WILDCARD_RE = re.compile(r"(?<!\\)\*")
# A line break next to a tag is layout, not a <br> (Moodle's text_to_html joins those lines too).
_LINE_BREAK_RE = re.compile(r"(?<!>)\n(?!<)")
_BLOCK_TAG_RE = re.compile(r"<(?:p|h[1-6]|hr|pre|blockquote|ul|ol|table)[\s/>]")


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


def _category_tags(path: str) -> list[str]:
    """``$course$/top/A/B`` -> ``["A", "A/B"]``: one tag per level of a Moodle category path."""
    names = [name.strip().replace("//", "/") for name in _CATEGORY_SEPARATOR_RE.split(path.strip())]
    if names and _CONTEXT_RE.fullmatch(names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    names = [name for name in names if name]
    return ["/".join(names[: level + 1]) for level in range(len(names))]


def parse_gift(text: str, filename: str, resolve_url: Callable[[str], str] | None = None) -> list[Question]:
    """The questions of a GIFT file; raises ``ContentInvalid`` with every malformed question.

    Error ``where`` values are ``filename:line`` (the line the question starts on).
    """
    if len(text) > MAX_FILE:
        raise ContentInvalid([ContentError(filename, f"longer than {MAX_FILE} characters")])
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    errors: list[ContentError] = []
    questions: list[Question] = []
    categories: list[str] = []
    seen_ids: set[str] = set()
    for start, lines, comments in _blocks(text):
        body_lines = []
        for offset, line in enumerate(lines):
            if line.lstrip().startswith(_CATEGORY):
                categories = _category_tags(line.lstrip()[len(_CATEGORY) :])
                if not body_lines:
                    start = start + offset + 1
                continue
            body_lines.append(line)
        body = "\n".join(body_lines).strip()
        if not body:
            continue
        where = f"{filename}:{start}"
        try:
            question = _parse_block(body, comments, categories, len(questions) + 1, resolve_url)
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


def _split_format(source: str, default: str) -> tuple[str, str]:
    """``[html]text`` -> ("html", "text"); a text without a known prefix keeps ``default``."""
    source = source.strip()
    match = _FORMAT_RE.match(source)
    if not match:
        return default, source
    name = match.group(1)
    if name not in FORMATS:
        raise _QuestionError(
            f"unknown format [{name}] (known: {', '.join(FORMATS)}; write [moodle][{name}] for a text "
            f"that starts with [{name}])"
        )
    return name, source[match.end() :].strip()


def _moodle_auto_format(text: str) -> str:
    """Moodle's auto-format: the text as typed with its line breaks, HTML allowed but sanitised."""
    html = sanitise_html(_LINE_BREAK_RE.sub("<br>\n", text))
    return html + "\n" if _BLOCK_TAG_RE.search(html) else f"<p>{html}</p>\n"


def _render(fmt: str, source: str, resolve_url: Callable[[str], str] | None) -> str:
    text = _restore(source).strip()
    if not text:
        return ""
    if fmt == "markdown":
        try:
            return render_markdown(text, resolve_url=resolve_url)
        except ContentInvalid as exc:
            raise _QuestionError("; ".join(str(e) for e in exc.errors)) from None
    if fmt == "html":
        return sanitise_html(text)
    if fmt == "plain":
        return "<p>" + html_lib.escape(text, quote=False).replace("\n", "<br>\n") + "</p>\n"
    return _moodle_auto_format(text)


def _comment_tags(comments: list[str]) -> tuple[str, list[str], float, dict[str, bool]]:
    """(id, tags, points, option values) from the ``// [...]`` comment tags before a question."""
    qid = ""
    tags: list[str] = []
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
    return qid, tags, points, option_values


def _parse_block(
    body: str, comments: list[str], categories: list[str], ordinal: int, resolve_url: Callable[[str], str] | None
) -> Question | None:
    qid, comment_tags, points, option_values = _comment_tags(comments)

    text = _protect(body)
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _QuestionError("the title has no closing '::'")
        title = _restore(text[2:end]).strip()
        text = text[end + 2 :].lstrip()
    stem_format, text = _split_format(text, DEFAULT_FORMAT)

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
        """A part of the question: its own ``[format]`` prefix, or the question text's format."""
        return _render(*_split_format(source, stem_format), resolve_url)

    if after:
        blank = "\\_\\_\\_\\_\\_" if stem_format == "markdown" else BLANK
        stem_source = f"{before} {blank} {after}".strip()
    else:
        stem_source = before

    general = ""
    # Moodle takes the last '####' as the start of the general feedback.
    head, separator, general_source = inner.rpartition("####")
    if separator:
        inner, general = head, render(general_source)
    common = {
        "id": qid or title or f"q{ordinal}",
        "stem_md": _restore(stem_source),
        "stem_html": _render(stem_format, stem_source, resolve_url),
        "points": points,
        "general_feedback_html": general,
        "tags": tuple(dict.fromkeys([*categories, *comment_tags])),
        "options": QuestionOptions(**option_values),
    }
    stripped = inner.strip()
    if not stripped:
        return Question(type="essay", **common)
    if stripped.startswith("#"):
        return Question(type="numerical", answers=_numerical(stripped[1:], render), **common)
    head, _, rest = stripped.partition("#")
    if head.strip().upper() in ("T", "TRUE", "F", "FALSE"):
        return Question(type="truefalse", choices=_truefalse(stripped, head, rest, render), **common)
    answers = _split_answers(stripped)
    if "->" in stripped and all(mark == "=" for mark, _ in answers):
        pairs, distractors = _matching(answers, render)
        return Question(type="matching", pairs=pairs, distractors=distractors, **common)
    if any(mark == "~" for mark, _ in answers):
        return _choice_question(answers, render, common)
    return Question(type="short", answers=_short(answers, render), **common)


def _truefalse(stripped: str, head: str, rest: str, render: Callable[[str], str]):
    if "~" in stripped or "=" in stripped:
        raise _QuestionError("a true/false answer takes no '=' or '~' answers")
    correct = head.strip().upper() in ("T", "TRUE")
    feedbacks = rest.split("#") if rest else []
    if len(feedbacks) > 2:
        raise _QuestionError("true/false takes at most two feedbacks: {T#if wrong#if right}")
    wrong_fb = render(feedbacks[0]) if feedbacks else ""
    right_fb = render(feedbacks[1]) if len(feedbacks) > 1 else ""
    fb_true, fb_false = (right_fb, wrong_fb) if correct else (wrong_fb, right_fb)
    return truefalse_choices(correct, fb_true, fb_false)


def _matching(answers: list[tuple[str, str]], render: Callable[[str], str]):
    """(pairs, distractors): ``=prompt -> answer`` pairs; ``= -> answer`` adds an answer no prompt has."""
    prompts, sides, distractors = [], [], []
    for _, answer in answers:
        if "->" not in answer:
            raise _QuestionError("every matching answer needs 'prompt -> answer'")
        prompt, side = answer.split("->", 1)
        if "#" in side:
            raise _QuestionError("matching answers take no per-answer feedback")
        side_html = render(side)
        if not side_html:
            raise _QuestionError("a matching pair has no answer after '->'")
        prompt_html = render(prompt)
        if prompt_html:
            prompts.append(prompt_html)
            sides.append(side_html)
        else:
            distractors.append(side_html)
    if len(prompts) < 2:
        raise _QuestionError("a matching question needs at least 2 pairs (prompt -> answer)")
    return make_pairs(prompts, sides), tuple(dict.fromkeys(distractors))


def _choice_question(answers: list[tuple[str, str]], render: Callable[[str], str], common: dict) -> Question:
    htmls, fractions, feedbacks = [], [], []
    for mark, answer in answers:
        weight, answer = _weight(answer)
        content, _, feedback = answer.partition("#")
        html = render(content)
        if not html:
            raise _QuestionError("an empty choice")
        htmls.append(html)
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


def _short(answers: list[tuple[str, str]], render: Callable[[str], str]) -> tuple[Answer, ...]:
    """Short answers: plain text (a ``[format]`` prefix is dropped, as Moodle does); ``*`` is a wildcard."""
    accepted = []
    for _, answer in answers:
        weight, answer = _weight(answer)
        if weight is not None and weight < 0:
            raise _QuestionError("a short answer cannot have a negative weight")
        content, _, feedback = answer.partition("#")
        text = _restore(_split_format(content, DEFAULT_FORMAT)[1]).strip()
        if not text:
            raise _QuestionError("an empty short answer")
        wildcard = bool(_WILDCARD_RE.search(text))
        if not wildcard:
            text = text.replace("\\*", "*")
        accepted.append(Answer(text, 1.0 if weight is None else weight, render(feedback), wildcard=wildcard))
    if not any(a.fraction == 1 for a in accepted):
        raise _QuestionError("a short-answer question needs one answer worth 100%")
    return tuple(accepted)


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
    # As Moodle: everything from the first '~' is the feedback for any other number ("~#feedback").
    inner, tilde, other = inner.strip().partition("~")
    other = other.strip()
    if other and not other.startswith("#"):
        raise _QuestionError("in a numerical block '~' only starts the feedback for any other number: ~#feedback")
    if "~" in other:
        raise _QuestionError("a numerical block takes one '~#feedback' for any other number")
    inner = inner.strip()
    if not inner:
        raise _QuestionError("a numerical question needs an answer")
    answers = _split_answers(inner) if "=" in inner else [("=", inner)]
    parsed = []
    for _, answer in answers:
        weight, answer = _weight(answer)
        if weight is not None and weight < 0:
            raise _QuestionError("a numerical answer cannot have a negative weight")
        fraction = 1.0 if weight is None else weight
        spec, _, feedback = answer.partition("#")
        spec = spec.strip()
        if spec == "*":  # Moodle's "any other answer"
            parsed.append(NumericAnswer(0.0, 0.0, fraction, render(feedback), catch_all=True))
            continue
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
        parsed.append(NumericAnswer(value, tolerance, fraction, render(feedback)))
    if tilde:
        parsed.append(NumericAnswer(0.0, 0.0, 0.0, render(other[1:]), catch_all=True))
    if not any(a.fraction == 1 and not a.catch_all for a in parsed):
        raise _QuestionError("a numerical question needs one answer worth 100% (a number, not '*')")
    return tuple(parsed)


# --- export -----------------------------------------------------------------------------

_EXPORT_ESCAPE = {ch: "\\" + ch for ch in "~=#{}:\\"}


def _escape(text: str) -> str:
    out = "".join(_EXPORT_ESCAPE.get(ch, ch) for ch in text)
    return out.replace("\n", "\\n")


def _html(text: str) -> str:
    """A part of an exported question, all in ``[html]``: one starting with ``[`` says so again,
    or its start would be read as a format prefix."""
    out = _escape(text.strip())
    return "[html]" + out if out.startswith("[") else out


def _short_text(answer: Answer) -> str:
    """A short answer's text; a star that is not a wildcard is written ``\\*``."""
    out = _escape(answer.text) if answer.wildcard else _escape(answer.text).replace("*", "\\*")
    return "[plain]" + out if out.startswith("[") else out


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
    """GIFT text for ``questions`` (``[html]`` format, ids as titles, tags/points/options as comment tags),
    which ``parse_gift`` and Moodle read back: distractors as ``= -> answer``, a numerical catch-all as ``~#``.

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
                parts.append(f"={weight}{_short_text(a)}{feedback}")
            block = " ".join(parts)
        elif q.type == "numerical":
            parts = []
            other = ""  # Moodle writes its "any other answer" as a closing "~#feedback"
            for a in q.answers:
                feedback = f"#{_html(a.feedback_html)}" if a.feedback_html else ""
                if a.catch_all and a.fraction == 0 and not other:
                    other = f" ~#{_html(a.feedback_html)}"
                    continue
                weight = "" if a.fraction == 1 else _weight_text(a.fraction)
                spec = "*" if a.catch_all else f"{_num(a.value)}:{_num(a.tolerance)}"
                parts.append(f"={weight}{spec}{feedback}")
            block = "#" + " ".join(parts) + other
        elif q.type == "matching":
            block = " ".join(
                [f"={_html(p.prompt_html)} -> {_html(p.answer_html)}" for p in q.pairs]
                + [f"= -> {_html(d)}" for d in q.distractors]
            )
        elif q.type == "essay":
            block = ""
        else:
            raise ValueError(f"{q.type} questions ({q.id}) cannot be written in GIFT")
        title = f"::{_escape(q.id)}::" if "\n" not in q.id else ""
        lines.append(f"{title}[html]{_html(q.stem_html)} {{{block}{general}}}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
