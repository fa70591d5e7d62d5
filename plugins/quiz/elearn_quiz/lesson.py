"""The ``quiz`` lesson type: questions from the pack, attempts in the plugin's own tables."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import format_time, ngettext, to_user_timezone
from flask_babel import gettext as _
from pydantic import ConfigDict, Field

from elearn.plugin_api import (
    CANONICAL_LOCALE,
    MAX_ID,
    ContentError,
    ContentInvalid,
    Integral,
    LessonContext,
    LessonType,
    Outcome,
    PackFiles,
    RequestModel,
    Status,
    SubmissionError,
    format_when,
    render_markdown,
    utcnow,
)
from elearn_quiz import attempts as machine
from elearn_quiz.attempts import MAX_SEQ
from elearn_quiz.models import AttemptState, QuizAttempt
from elearn_quiz.questions import (
    Answer,
    Choice,
    Item,
    NumericAnswer,
    Pair,
    Question,
    QuestionOptions,
    learner_safe,
    parse_question,
)
from elearn_quiz.translation import accepting, translate_questions

MAX_QUESTIONS = 500
GRADING_METHODS = ("highest", "last", "first", "average")
REVIEW_RULES = ("immediately", "after_attempt", "after_last_attempt", "never")
COMPLETION_RULES = ("passed", "attempted")
LAYOUTS = ("all", "one_per_page")
DEFAULT_SETTINGS: dict[str, Any] = {
    "pass_mark": 0.5,
    "attempts_allowed": 0,
    "grading_method": "highest",
    "time_limit_minutes": 0,
    "shuffle_questions": False,
    "shuffle_options": False,
    "draw": None,
    "review": "after_attempt",
    "completion": "passed",
    "layout": "all",
    # A regrade (a corrected question) that leaves a learner below the pass mark may take their
    # completion back; off by default: a completed lesson stays completed (the core's rule).
    "regrade_may_uncomplete": False,
}


# -- storing questions as JSON ---------------------------------------------------------


def question_to_json(question: Question) -> dict[str, Any]:
    data = dataclasses.asdict(question)
    # Only translations keep ids from another language: other questions are stored as before these fields.
    if not data["distractor_ids"]:
        del data["distractor_ids"]
    for pair in data["pairs"]:
        if not pair["answer_key"]:
            del pair["answer_key"]
    return data


def question_from_json(data: Mapping[str, Any]) -> Question:
    answer_type = NumericAnswer if data["type"] == "numerical" else Answer
    return Question(
        id=data["id"],
        type=data["type"],
        stem_md=data["stem_md"],
        stem_html=data["stem_html"],
        points=data["points"],
        general_feedback_html=data["general_feedback_html"],
        tags=tuple(data["tags"]),
        choices=tuple(Choice(**c) for c in data["choices"]),
        answers=tuple(answer_type(**a) for a in data["answers"]),
        pairs=tuple(Pair(**p) for p in data["pairs"]),
        items=tuple(Item(**i) for i in data["items"]),
        options=QuestionOptions(**data["options"]),
        distractors=tuple(data.get("distractors", ())),  # absent from questions stored before distractors
        distractor_ids=tuple(data.get("distractor_ids", ())),
    )


def choice_html(question: Question, choice_id: str, authored: str) -> str:
    """A choice as a person reads it: true/false in the page's language (they are stored as the words
    "True" and "False"), every other choice as authored."""
    if question.type == "truefalse":
        return _("True") if choice_id == "true" else _("False")
    return authored


def pending_text(count: int) -> str:
    """What a provisional grade waits for, as one sentence."""
    return ngettext("%(num)d essay is waiting for the instructor's grade.",
                    "%(num)d essays are waiting for the instructor's grade.", count)


def saved_label(saved_at: datetime, now: datetime) -> str:
    """ "Saved at 14:32" in the site's time zone; with the date when that was another day."""
    same_day = to_user_timezone(saved_at).date() == to_user_timezone(now).date()
    when = format_time(saved_at, "short") if same_day else format_when(saved_at)
    return _("Saved at %(time)s", time=when)
def stored_questions(content: Mapping[str, Any]) -> dict[str, Question]:
    """The questions of stored quiz content (canonical or a translation), by id, in authored order."""
    return {q["id"]: question_from_json(q) for q in (content or {}).get("questions", [])}


def grading_questions(lesson) -> dict[str, Question]:
    """The questions grading uses, in every language alike: the canonical ones, whose short answers also
    accept each translation's (``translation.accepting``)."""
    questions = stored_questions(lesson.content)
    if len(lesson.content_languages or ()) < 2 or not any(q.type == "short" for q in questions.values()):
        return questions  # and the translations are not even loaded
    for translation in (lesson.translations or {}).values():
        for qid, other in stored_questions(translation).items():
            if qid in questions:
                questions[qid] = accepting(questions[qid], other)
    return questions


def right_answer(question: Question) -> Any:
    """What a fully right response is, for review only."""
    q = question
    if q.type in ("single", "truefalse"):
        best = max(q.choices, key=lambda c: c.fraction)
        return best.id
    if q.type == "multiple":
        return [c.id for c in q.choices if c.fraction > 0]
    if q.type == "short":
        return [a.text for a in q.answers if a.fraction == 1]
    if q.type == "numerical":
        return [{"value": a.value, "tolerance": a.tolerance} for a in q.answers if a.fraction == 1 and not a.catch_all]
    if q.type == "matching":
        return {p.id: p.answer_id for p in q.pairs}
    if q.type == "ordering":
        return [i.id for i in q.items]
    return None


# -- checking authored content -----------------------------------------------------------


def _check_settings(raw: Any, questions: list[Question], errors: list[ContentError]) -> dict[str, Any]:
    settings = dict(DEFAULT_SETTINGS)
    if raw is None:
        return settings
    if not isinstance(raw, Mapping):
        errors.append(ContentError("settings", "must be a mapping"))
        return settings
    for key in sorted(set(raw) - set(DEFAULT_SETTINGS), key=str):
        errors.append(ContentError(f"settings.{key}", "unknown setting"))

    def number(key: str, low: float, high: float, integer: bool = False) -> None:
        if key not in raw:
            return
        value = raw[key]
        ok = isinstance(value, int if integer else int | float) and not isinstance(value, bool)
        if not ok or not low <= value <= high:
            kind = "a whole number" if integer else "a number"
            errors.append(ContentError(f"settings.{key}", f"must be {kind} from {low:g} to {high:g}"))
        else:
            settings[key] = value

    def flag(key: str) -> None:
        if key in raw:
            if not isinstance(raw[key], bool):
                errors.append(ContentError(f"settings.{key}", "must be true or false"))
            else:
                settings[key] = raw[key]

    def choice(key: str, allowed: tuple[str, ...]) -> None:
        if key in raw:
            if raw[key] not in allowed:
                errors.append(ContentError(f"settings.{key}", f"must be one of: {', '.join(allowed)}"))
            else:
                settings[key] = raw[key]

    number("pass_mark", 0, 1)
    number("attempts_allowed", 0, 100, integer=True)
    number("time_limit_minutes", 0, 24 * 60, integer=True)
    flag("shuffle_questions")
    flag("shuffle_options")
    flag("regrade_may_uncomplete")
    choice("grading_method", GRADING_METHODS)
    choice("review", REVIEW_RULES)
    choice("completion", COMPLETION_RULES)
    choice("layout", LAYOUTS)
    draw = raw.get("draw")
    if draw is not None:
        if not isinstance(draw, Mapping):
            errors.append(ContentError("settings.draw", "must be a mapping {count, tags}"))
            return settings
        for key in sorted(set(draw) - {"count", "tags"}, key=str):
            errors.append(ContentError(f"settings.draw.{key}", "unknown field"))
        count, tags = draw.get("count"), draw.get("tags", [])
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            errors.append(ContentError("settings.draw.tags", "must be a list of tags"))
            tags = []
        if type(count) is not int or count < 1:
            errors.append(ContentError("settings.draw.count", "must be a whole number from 1"))
        elif questions:
            pool = [q for q in questions if not tags or set(tags) & set(q.tags)]
            if len(pool) < count:
                errors.append(
                    ContentError("settings.draw.count", f"{count} questions wanted but the pool has only {len(pool)}")
                )
            else:
                settings["draw"] = {"count": count, "tags": list(tags)}
    return settings


def _load_questions(raw: Mapping[str, Any], files: PackFiles, errors: list[ContentError]) -> list[Question]:
    sources = [key for key in ("questions", "gift", "aiken") if key in raw]
    if len(sources) != 1:
        errors.append(ContentError("", "give exactly one of 'questions', 'gift' or 'aiken'"))
        return []
    source = sources[0]
    resolve = getattr(files, "media_url", None)
    found: list[Question] = []
    places: list[str] = []  # where each found question was authored
    if source == "questions":
        items = raw["questions"]
        if not isinstance(items, list) or not items:
            errors.append(ContentError("questions", "must be a non-empty list of questions"))
            return []
        for index, item in enumerate(items):
            try:
                found.append(parse_question(item, f"questions[{index}]", resolve_url=resolve))
                places.append(f"questions[{index}].id")
            except ContentInvalid as exc:
                errors.extend(exc.errors)
    else:
        path = raw[source]
        if not isinstance(path, str) or not path:
            errors.append(ContentError(source, "must be a path inside the pack"))
            return []
        try:
            text = files.read_text(path)
        except ContentInvalid as exc:
            errors.extend(ContentError(source, f"{path!r} {e.message}") for e in exc.errors)
            return []
        name = getattr(files, "name_of", str)(path)  # the file read, for lines: x.en.gift for an English x.gift
        try:
            if source == "gift":
                from elearn_quiz.gift import parse_gift

                found = list(parse_gift(text, name, resolve_url=resolve))
            else:
                from elearn_quiz.aiken import parse_aiken

                found = list(parse_aiken(text, name))
        except ContentInvalid as exc:
            errors.extend(ContentError(source, str(e)) for e in exc.errors)
            return []
        if not found:
            errors.append(ContentError(source, f"{path!r} has no question"))
    if len(found) > MAX_QUESTIONS:
        errors.append(ContentError(source, f"more than {MAX_QUESTIONS} questions"))
    seen: set[str] = set()
    for index, question in enumerate(found):
        if question.id in seen:
            where = places[index] if places else source
            errors.append(ContentError(where, f"the id {question.id!r} is used twice"))
        seen.add(question.id)
    return found


# -- matching prompt ids ------------------------------------------------------------------
# A learner sees matching prompts under per-attempt aliases, never under the stored pair ids: an id
# derived from the pair's content (prompt and answer) would let a client recompute the right matching.


def prompt_aliases(question: Question, seed: int) -> dict[str, str]:
    """Stored pair id -> the id the learner sees in this attempt (keyed with the attempt's secret seed)."""
    return {p.id: "p" + hashlib.sha256(f"{seed}:{p.id}".encode()).hexdigest()[:12] for p in question.pairs}


def alias_response(question: Question, response: Any, aliases: Mapping[str, str]) -> Any:
    if question.type == "matching" and isinstance(response, dict):
        return {aliases.get(k, k): v for k, v in response.items()}
    return response


def alias_view(question: Question, item: dict[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    if question.type == "matching":
        for prompt in item.get("prompts", []):
            prompt["id"] = aliases.get(prompt["id"], prompt["id"])
        for key in ("answer", "right_answer"):
            if key in item:
                item[key] = alias_response(question, item[key], aliases)
    return item


# -- submissions -------------------------------------------------------------------------

Seq = Annotated[int, Field(ge=1, le=MAX_SEQ, description=(
    "Save sequence number: one more than view.attempt.seq. A lower one is refused as stale (409); the same one "
    "again is accepted only with the same answers (a retry).")), Integral]
AttemptNumber = Annotated[int, Field(ge=1, le=MAX_ID, description="The attempt number (view.attempt.number)."),
                          Integral]
Answers = Annotated[dict[str, Any], Field(description=(
    "Question id -> response. single/truefalse: choice id; multiple: list of choice ids; short/essay/numerical: "
    "text; matching: {prompt id: answer id}; ordering: list of item ids in order."))]
Page = Annotated[int, Field(ge=1, le=MAX_ID, description=(
    "With save: the question page to show next in the HTML form (layout one_per_page); numbers past the last "
    "page show the last. API clients paginate themselves.")), Integral]
Quiet = Annotated[bool, Field(description="An autosave: answer without a message.")]


class QuizStart(RequestModel):
    """Open an attempt, or get the open one (other fields are ignored)."""

    action: Literal["start"]
    seq: Seq | None = None
    attempt: AttemptNumber | None = None
    answers: Answers | None = None
    quiet: Quiet | None = None
    page: Page | None = None


class QuizSave(RequestModel):
    """Store answers in the open attempt."""

    action: Literal["save"]
    seq: Seq
    answers: Answers
    attempt: AttemptNumber | None = None
    quiet: Quiet | None = None
    page: Page | None = None


class QuizSubmit(RequestModel):
    """Store the answers sent (with their ``seq``) and finish the attempt, which is then graded.
    Submitting a finished attempt again returns its result."""

    # With answers, "seq" is required too (``submit`` refuses them without: a 400 as for any malformed body).
    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"answers": ["seq"]}})

    action: Literal["submit"]
    seq: Seq | None = None
    answers: Answers | None = None
    attempt: AttemptNumber | None = None
    quiet: Quiet | None = None
    page: Page | None = None


QuizSubmission = Annotated[QuizStart | QuizSave | QuizSubmit, Field(discriminator="action")]


# -- the lesson type ---------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class QuizLesson(LessonType):
    name = "quiz"
    labels: ClassVar = {"vi": "Bài kiểm tra", "en": "Quiz"}
    template = "quiz/lesson.html"
    submission_model = QuizSubmission

    # -- content

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        errors: list[ContentError] = []
        if not isinstance(raw, Mapping):
            raise ContentInvalid([ContentError("", "must be a mapping")])
        for key in sorted(set(raw) - {"intro", "questions", "gift", "aiken", "settings"}, key=str):
            errors.append(ContentError(str(key), "unknown field"))
        intro_html = ""
        intro = raw.get("intro")
        if intro is not None:
            if not isinstance(intro, str):
                errors.append(ContentError("intro", "must be Markdown text"))
            else:
                try:
                    intro_html = render_markdown(intro, resolve_url=getattr(files, "media_url", None))
                except ContentInvalid as exc:
                    errors.extend(ContentError("intro", str(e)) for e in exc.errors)
        questions = _load_questions(raw, files, errors)
        settings = _check_settings(raw.get("settings"), questions, errors)
        if errors:
            raise ContentInvalid(errors)
        return {
            "intro_html": intro_html,
            "settings": settings,
            "questions": [question_to_json(q) for q in questions],
        }

    def import_translation(self, canonical: Mapping[str, Any], raw: Mapping[str, Any], files: PackFiles,
                           locale: str) -> dict[str, Any]:
        """The quiz in ``locale``: its intro and the canonical questions with its texts (see ``translation``);
        the settings are the canonical ones."""
        translated = self.import_content(raw, files)
        if translated["settings"] != canonical["settings"]:
            raise ContentInvalid([ContentError("settings", "must be the same in every language")])
        source = next(key for key in ("questions", "gift", "aiken") if key in raw)
        questions = translate_questions(
            [question_from_json(q) for q in canonical["questions"]],
            [question_from_json(q) for q in translated["questions"]],
            source,
        )
        return {**translated, "settings": canonical["settings"], "questions": [question_to_json(q) for q in questions]}

    def example_content(self) -> dict[str, Any]:
        return {
            "intro": {"vi": "Kiểm tra nhanh về hợp tác xã.", "en": "A quick check on cooperatives."},
            "questions": [
                {
                    "id": "q1",
                    "type": "single",
                    "stem": {"vi": "Mỗi thành viên hợp tác xã có bao nhiêu phiếu biểu quyết?",
                             "en": "How many votes does each member of a cooperative have?"},
                    "choices": [{"text": {"vi": "Một phiếu", "en": "One vote"}, "correct": True},
                                {"text": {"vi": "Theo số vốn góp", "en": "As many as their share of the capital"}}],
                },
                {"id": "q2", "type": "truefalse", "correct": True,
                 "stem": {"vi": "Đại hội thành viên là cơ quan cao nhất.",
                          "en": "The members' general meeting is the highest body."}},
            ],
            "settings": {"pass_mark": 0.5, "attempts_allowed": 3},
        }

    def instructor_links(self, lesson) -> list:
        from flask import url_for

        from elearn.plugin_api import NavItem

        return [
            NavItem(_("Quiz attempts"), url_for("quiz.attempts", lesson_id=lesson.id)),
            NavItem(_("Answers to grade"), url_for("quiz.grading", lesson_id=lesson.id)),
            NavItem(_("Quiz statistics"), url_for("quiz.statistics", lesson_id=lesson.id)),
        ]

    # -- helpers

    @staticmethod
    def questions(ctx: LessonContext) -> dict[str, Question]:
        """The questions in the language served. A translation's short answers also accept the Vietnamese
        ones, as grading does, so its review shows the feedback of the answer that matched."""
        cache = ctx.extra.get("quiz_questions")
        if cache is None:
            cache = stored_questions(ctx.content)
            if ctx.content_locale != CANONICAL_LOCALE:
                canonical = stored_questions(ctx.lesson.content)
                cache = {qid: accepting(q, canonical[qid]) if qid in canonical else q for qid, q in cache.items()}
            ctx.extra["quiz_questions"] = cache
        return cache

    @staticmethod
    def settings(ctx: LessonContext) -> dict[str, Any]:
        return {**DEFAULT_SETTINGS, **ctx.content.get("settings", {})}

    @staticmethod
    def review_allowed(settings: Mapping[str, Any], finished: int, open_attempt: bool) -> bool:
        if open_attempt or not finished:
            return False
        rule = settings["review"]
        if rule in ("immediately", "after_attempt"):
            return True
        if rule == "after_last_attempt":
            return bool(settings["attempts_allowed"]) and finished >= settings["attempts_allowed"]
        return False

    @staticmethod
    def _shuffle_seed(settings: Mapping[str, Any], attempt: QuizAttempt) -> Any:
        return attempt.seed if settings["shuffle_options"] else None

    # -- the learner's view

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        settings = self.settings(ctx)
        questions = self.questions(ctx)
        all_attempts = machine.attempts_of(ctx.db, ctx.user.id, ctx.lesson.id) if ctx.user is not None else []
        finished = [a for a in all_attempts if a.state == AttemptState.FINISHED]
        open_attempt = next((a for a in all_attempts if a.state == AttemptState.IN_PROGRESS), None)
        allowed = settings["attempts_allowed"]
        left = None if not allowed else max(allowed - len(finished), 0)
        grade = machine.standing(finished, settings["grading_method"], settings["pass_mark"])
        view: dict[str, Any] = {
            "intro_html": ctx.content.get("intro_html", ""),
            "settings": {
                "pass_mark": settings["pass_mark"],
                "attempts_allowed": allowed,
                "grading_method": settings["grading_method"],
                "time_limit_minutes": settings["time_limit_minutes"],
                "review": settings["review"],
                "completion": settings["completion"],
                "layout": settings["layout"],
                "question_count": settings["draw"]["count"] if settings["draw"] else len(questions),
            },
            "attempts": [
                {
                    "number": a.number,
                    "started_at": _iso(a.started_at),
                    "finished_at": _iso(a.finished_at),
                    "finished_label": format_when(a.finished_at),
                    "score": a.fraction,
                    "pending_grading": a.pending_grading,
                    "timed_out": bool((a.result or {}).get("timed_out")),
                }
                for a in finished
            ],
            "attempts_left": left,
            # While an essay the grading method counts waits for a person, the score is provisional
            # (the essay counts 0 until then) and "passed" stays False unless a final attempt settled it.
            "score": grade.score,
            "provisional": grade.provisional,
            "pending_grading": grade.pending,
            "pending_label": pending_text(grade.pending) if grade.pending else None,
            "passed": grade.passed,
            "can_start": open_attempt is None and (left is None or left > 0),
            "attempt": None,
            "review": None,
        }
        if open_attempt is not None:
            now = utcnow()
            time_up = machine.is_overdue(open_attempt, now)
            current = machine.current_answers(ctx.db, open_attempt)
            saved_at = machine.last_saved_at(ctx.db, open_attempt)
            seed = self._shuffle_seed(settings, open_attempt)
            attempt_view: dict[str, Any] = {
                "number": open_attempt.number,
                "seq": open_attempt.seq,
                "next_seq": open_attempt.seq + 1,
                "started_at": _iso(open_attempt.started_at),
                "deadline": _iso(open_attempt.deadline),
                "seconds_left": (
                    max(int((open_attempt.deadline - now).total_seconds()), 0)
                    if open_attempt.deadline is not None
                    else None
                ),
                "time_up": time_up,
                "saved_at": _iso(saved_at),
                "saved_label": saved_label(saved_at, now) if saved_at is not None else None,
                "questions": [],
            }
            if not time_up:
                for number, qid in enumerate(open_attempt.question_order, start=1):
                    question = questions.get(qid)
                    if question is None:
                        continue
                    item = learner_safe(question, shuffle_seed=seed)
                    for choice in item.get("choices", []):
                        choice["html"] = choice_html(question, choice["id"], choice["html"])
                    item["number"] = number
                    item["answer"] = current.get(qid)
                    alias_view(question, item, prompt_aliases(question, open_attempt.seed))
                    attempt_view["questions"].append(item)
            # One question per page (the HTML form): the page last moved to in this attempt, kept in the
            # learner's state. The API still gets every question; its clients paginate themselves.
            attempt_view["page_count"] = len(attempt_view["questions"])
            attempt_view["page"] = self._current_page(ctx, open_attempt.number, attempt_view["page_count"])
            view["attempt"] = attempt_view
        if self.review_allowed(settings, len(finished), open_attempt is not None):
            view["review"] = self._review(ctx, settings, questions, finished[-1])
        return view

    @staticmethod
    def _current_page(ctx: LessonContext, attempt_number: int, page_count: int) -> int:
        kept = ctx.state.get("quiz_page")
        if not isinstance(kept, Mapping) or kept.get("attempt") != attempt_number or type(kept.get("page")) is not int:
            return 1
        return min(max(kept["page"], 1), max(page_count, 1))

    def _review(self, ctx, settings, questions: dict[str, Question], attempt: QuizAttempt) -> dict[str, Any]:
        answers = machine.current_answers(ctx.db, attempt)
        graded = (attempt.result or {}).get("questions", {})
        seed = self._shuffle_seed(settings, attempt)
        items = []
        for number, qid in enumerate(attempt.question_order, start=1):
            question = questions.get(qid)
            if question is None:
                continue
            item = learner_safe(question, shuffle_seed=seed)
            result = graded.get(qid, {})
            item.update(
                number=number,
                answer=answers.get(qid),
                fraction=result.get("fraction"),
                state=result.get("state"),
                feedback_html=self._feedback(ctx, question, answers.get(qid), result),
                right_answer=right_answer(question),
            )
            if question.type in ("single", "multiple", "truefalse"):
                for choice in item["choices"]:
                    choice["html"] = choice_html(question, choice["id"], choice["html"])
                    found = question.choice(choice["id"])
                    choice["fraction"] = found.fraction if found else 0.0
                    choice["feedback_html"] = found.feedback_html if found else ""
            if question.type == "matching":
                item["pairs"] = [{"prompt_id": p.id, "answer_id": p.answer_id} for p in question.pairs]
            if question.type == "matching":
                aliases = prompt_aliases(question, attempt.seed)
                alias_view(question, item, aliases)
                for pair in item["pairs"]:
                    pair["prompt_id"] = aliases[pair["prompt_id"]]
            items.append(item)
        return {"number": attempt.number, "score": attempt.fraction, "marks": attempt.marks,
                "max_marks": attempt.max_marks, "pending_grading": attempt.pending_grading,
                "pending_label": pending_text(attempt.pending_grading) if attempt.pending_grading else None,
                "questions": items}

    @staticmethod
    def _feedback(ctx: LessonContext, question: Question, answer: Any, result: Mapping[str, Any]) -> str:
        """The feedback stored at grading (in Vietnamese, as grading is), or in the language served: the
        feedback ``grade`` gives the same answer there, after the instructor's comment if there is one."""
        stored = result.get("feedback_html", "")
        if ctx.content_locale == CANONICAL_LOCALE or result.get("state") == "invalid":
            return stored
        from elearn_quiz.grading import comment_html, grade, parse_response

        try:
            found = "".join(grade(question, parse_response(question, answer)).feedback_html)
        except (ValueError, TypeError, KeyError):
            return stored
        return comment_html(result.get("comment", "")) + found if result.get("manual") else found

    # -- submissions

    def parse_form(self, form) -> dict[str, Any]:
        """Form fields to the JSON shape: ``q.<id>`` one value, ``qm.<id>`` several, ``qp.<id>.<prompt>`` a
        matching answer, ``qo.<id>.<item>`` an ordering position."""
        data: dict[str, Any] = {}
        action = form.get("action")
        if action is None and form.get("page"):
            action = "save"  # Previous, Next and the question navigator: save, then move to that page
        if action is not None:
            data["action"] = action
        for key in ("seq", "attempt", "page"):
            value = form.get(key, "")
            if value:
                data[key] = int(value) if value.isascii() and value.isdigit() else value
        answers: dict[str, Any] = {}
        positions: dict[str, list[tuple[int, str]]] = {}
        for key in form:
            if key.startswith("q."):
                value = form.get(key, "")
                if value.strip():
                    answers[key[2:]] = value
            elif key.startswith("qm."):
                answers[key[3:]] = [v for v in form.getlist(key) if v]
            elif key.startswith("qp.") and "." in key[3:]:
                qid, prompt = key[3:].rsplit(".", 1)
                value = form.get(key, "")
                if value:
                    answers.setdefault(qid, {})[prompt] = value
            elif key.startswith("qo.") and "." in key[3:]:
                qid, item = key[3:].rsplit(".", 1)
                value = form.get(key, "")
                rank = int(value) if value.isascii() and value.isdigit() else 10_000
                positions.setdefault(qid, []).append((rank, item))
        for qid, ranked in positions.items():
            answers[qid] = [item for _rank, item in sorted(ranked)]
        if answers or action in ("save", "submit"):
            data["answers"] = answers
        if form.get("autosave") == "1":  # quiz.js saving in the background: no flash message
            data["quiet"] = True
        return data

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        action = data.get("action")
        fields = {"action", "seq", "attempt", "answers", "quiet", "page"}
        if action not in ("start", "save", "submit") or set(data) - fields:
            raise SubmissionError(_('Send {"action": "start"}, or "save" / "submit" with "seq" and "answers".'))
        settings = self.settings(ctx)
        # Attempts hold the canonical ids, the same in every language; grading accepts every language's answers.
        questions = stored_questions(ctx.lesson.content)
        db, user_id, lesson_id = ctx.db, ctx.user.id, ctx.lesson.id
        found = machine.open_attempt(db, user_id, lesson_id, with_summary=action == "submit")

        if found is not None and machine.is_overdue(found.attempt):
            # Touched after the deadline and its grace: close it with the answers saved in time.
            machine.finish(db, found, self._grader(grading_questions(ctx.lesson)), timed_out=True)
            return self._finished_outcome(
                ctx, settings, found.attempt,
                _("The time was up. Your attempt was submitted with the answers saved before the deadline."),
                before=found.finished_before,
            )

        if action == "start":
            attempt, created = machine.start(
                db, user_id, lesson_id, list(questions), {q.id: list(q.tags) for q in questions.values()}, settings,
                found,
            )
            message = (
                _("Attempt %(number)d has started. Good luck!", number=attempt.number)
                if created
                else _("You already have an attempt in progress: here it is.")
            )
            return Outcome(status=Status.IN_PROGRESS, message=message, counts_as_attempt=False)

        wanted = data.get("attempt")
        if wanted is not None and type(wanted) is not int:
            raise SubmissionError(_("“attempt” must be the number of the attempt."))
        if found is None or (wanted is not None and wanted != found.attempt.number):
            done = machine.finished_attempt(db, user_id, lesson_id, wanted)
            if done is not None and action == "submit":
                # A repeated submit (double click, retry): the result of the first one, never a second grading.
                return self._finished_outcome(ctx, settings, done, _("This attempt was already submitted."),
                                              counts=False)
            if done is not None:
                raise SubmissionError(_("This attempt is already submitted: your answers can no longer change."),
                                      status=409)
            raise SubmissionError(_("There is no attempt in progress. Start the quiz first."), status=409)

        attempt = found.attempt
        page = data.get("page")
        if page is not None and type(page) is not int:
            raise SubmissionError(_("“page” must be the number of a question page."))
        # Before the answers are stored: loading the translations then flushes nothing, so the
        # attempt's new seq and its grade go to the database in one UPDATE.
        grader = self._grader(grading_questions(ctx.lesson)) if action == "submit" else None
        if "answers" in data or action == "save":
            machine.save(db, found, data.get("seq"), data.get("answers"), self._validator(questions, attempt))
        if action == "save":
            quiet = data.get("quiet") is True
            message = "" if quiet or page is not None else _("Your answers are saved.")
            state = None  # keeps the learner's state
            if page is not None:
                page = min(max(page, 1), max(len(attempt.question_order), 1))
                state = {**ctx.state, "quiz_page": {"attempt": attempt.number, "page": page}}
            return Outcome(status=Status.IN_PROGRESS, message=message, state=state, counts_as_attempt=False)
        machine.finish(db, found, grader)
        return self._finished_outcome(ctx, settings, attempt, None, before=found.finished_before)

    def _finished_outcome(self, ctx, settings, attempt: QuizAttempt, message: str | None,
                          counts: bool = True, before: machine.Finished | None = None) -> Outcome:
        # ``before``: the learner's other finished attempts, summed up with the open attempt's
        # lookup; else summed up by the database now (the attempt just finished included: the
        # session flushes it first).
        finished = before.adding(attempt) if before is not None \
            else machine.finished_summary(ctx.db, ctx.user.id, ctx.lesson.id)
        grade = machine.standing(finished, settings["grading_method"], settings["pass_mark"])
        done = grade.passed or settings["completion"] == "attempted"
        percent = round((attempt.fraction or 0.0) * 100)
        if message is None and attempt.pending_grading:
            message = " ".join([
                _("Attempt %(number)d submitted: %(percent)d%% for now, a provisional score.",
                  number=attempt.number, percent=percent),
                pending_text(attempt.pending_grading),
                *([_("You have passed this quiz with an earlier attempt.")] if grade.passed else []),
            ])
        elif message is None:
            message = (
                _("Attempt %(number)d submitted: %(percent)d%%. You passed.", number=attempt.number, percent=percent)
                if grade.passed
                else _("Attempt %(number)d submitted: %(percent)d%%.", number=attempt.number, percent=percent)
            )
        return Outcome(
            status=Status.COMPLETED if done else Status.IN_PROGRESS,
            score=grade.score or 0.0,
            state={"finished_attempts": finished.count, "passed": grade.passed, "pending_grading": grade.pending},
            message=message,
            counts_as_attempt=counts,
        )

    @staticmethod
    def _validator(questions: dict[str, Question], attempt: QuizAttempt):
        from elearn_quiz.grading import parse_response

        def validate(qid: str, raw: Any) -> Any:
            question = questions[qid]
            if question.type == "matching" and isinstance(raw, dict):
                real = {alias: pair_id for pair_id, alias in prompt_aliases(question, attempt.seed).items()}
                raw = {real.get(k, "?"): v for k, v in raw.items()}
            try:
                return parse_response(question, raw)
            except (ValueError, TypeError, KeyError):
                raise SubmissionError(
                    _("Your answer to one question cannot be read. Check it and try again.")
                ) from None

        return validate

    @staticmethod
    def _grader(questions: dict[str, Question]):
        from elearn_quiz.grading import grade, parse_response

        def grade_all(attempt: QuizAttempt, answers: dict[str, Any]):
            marks = max_marks = 0.0
            per_question: dict[str, Any] = {}
            for qid in attempt.question_order:
                question = questions.get(qid)
                if question is None:
                    continue
                max_marks += question.points
                raw = answers.get(qid)
                try:
                    result = grade(question, parse_response(question, raw))
                except (ValueError, TypeError, KeyError):
                    per_question[qid] = {"fraction": 0.0, "feedback_html": "", "state": "invalid"}
                    continue
                fraction = result.fraction
                per_question[qid] = {"fraction": fraction, "feedback_html": "".join(result.feedback_html),
                                     "state": str(result.state)}
                marks += (fraction or 0.0) * question.points
            return marks, max_marks, per_question

        return grade_all
