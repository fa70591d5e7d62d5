"""The ``survey`` lesson type: settings from pack.yaml, questions from their own YAML file.

The page and the API call the same ``learner_view`` and ``submit``: a page of questions (those the
server decided to show from the answers so far), the draft's answers, and what was not accepted.
Answers are kept by ``responses`` in the plugin's own tables, never in the learner's progress state,
so an anonymous survey's answers are nowhere linked to the learner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from pydantic import ConfigDict, Field

from elearn.plugin_api import (
    MAX_ID,
    ContentError,
    ContentInvalid,
    Integral,
    LessonContext,
    LessonType,
    NavItem,
    Outcome,
    PackFiles,
    RequestModel,
    render_markdown,
)
from elearn_survey import definition, gain, logic, responses, results

FIELDS = {"intro", "questions", "pages", "anonymous", "responses", "closes", "show_results", "poll", "knowledge_gain"}
RESPONSE_RULES = ("once", "editable")
MAX_INTRO = 4000


PageNumber = Annotated[int, Field(ge=0, le=MAX_ID, description=(
    "The page the answers are on (view.page.index, from 0); with save, the page to show next.")), Integral]


class SurveySubmission(RequestModel):
    """Answers for a page of the survey, and what to do with them."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "next", "page": 0, "answers": {"linh-vuc": "nong-nghiep", "so-thanh-vien": 25}},
        {"action": "submit", "answers": {"mong-muon": "Học về thương hiệu"}, "others": {}},
    ]})

    action: Literal["save", "next", "back", "submit"] = Field(
        "save", description="save: keep the answers (save and continue later); next/back: keep them and move a "
        "page (next refuses while the page's required questions are unanswered); submit: send the whole survey.")
    answers: dict[str, Any] = Field(default_factory=dict, description=(
        "Question id -> answer; null or empty clears it. single: option id ('other' for 'Other: ___'); multiple: "
        "list of option ids; likert: {statement id: scale point from 1}; rating: 1-5; numeric: a number within the "
        "bounds; text/longtext: text; ranking: every option id, best first."))
    others: dict[str, str] = Field(default_factory=dict, description="Question id -> the text of 'Other: ___'.")
    page: PageNumber | None = None


def day_label(iso: str | None) -> str:
    """A day the Vietnamese way (``30 thg 6, 2027``), in the page's language."""
    return format_date(date.fromisoformat(iso), "medium") if iso else ""


def _closes(value: Any, errors: list[ContentError]) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    errors.append(ContentError("closes", "must be a date such as 2027-06-30"))
    return None


class SurveyLesson(LessonType):
    name = "survey"
    labels: ClassVar = {"vi": "Khảo sát", "en": "Survey"}
    template = "survey/lesson.html"
    submission_model = SurveySubmission

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        """Check the settings and the questions file (docs/content-packs.md, "survey"), every problem at once."""
        errors = [ContentError(key, "unknown field") for key in sorted(set(raw) - FIELDS, key=str)]
        anonymous = raw.get("anonymous")
        if not isinstance(anonymous, bool):
            errors.append(ContentError("anonymous", "say true (nobody can see who answered what) or false: it cannot "
                                                    "change once answers exist"))
        rule = raw.get("responses", "once")
        if rule not in RESPONSE_RULES:
            errors.append(ContentError("responses", f"must be one of: {', '.join(RESPONSE_RULES)}"))
        elif rule == "editable" and anonymous is True:
            errors.append(ContentError("responses", "an anonymous survey takes one response: nobody can find "
                                                    "an anonymous response again to change it"))
        closes = _closes(raw.get("closes"), errors)
        if rule == "editable" and closes is None:
            errors.append(ContentError("closes", "an editable survey needs the date its answers close"))
        show_results = raw.get("show_results", False)
        if not isinstance(show_results, bool):
            errors.append(ContentError("show_results", "must be true or false"))
        intro = raw.get("intro", "")
        if not isinstance(intro, str) or len(intro) > MAX_INTRO:
            errors.append(ContentError("intro", f"must be Markdown text of at most {MAX_INTRO} characters"))
            intro = ""
        survey = None
        path = raw.get("questions")
        if ("pages" in raw) == ("questions" in raw):
            errors.append(ContentError("", "give 'questions' (the survey's YAML file in the pack) or 'pages' "
                                           "(written here), one of them"))
        elif "pages" in raw:
            try:
                survey = definition.parse_pages(raw["pages"], resolve_url=files.media_url)
            except ContentInvalid as exc:
                errors.extend(exc.errors)
        elif not isinstance(path, str) or not path:
            errors.append(ContentError("questions", "must be the path of the survey's YAML file in the pack"))
        else:
            try:
                text = files.read_text(path)
                survey = definition.parse(text, files.name_of(path), resolve_url=files.media_url)
            except ContentInvalid as exc:
                errors.extend(ContentError("questions", str(e)) for e in exc.errors)
        poll = raw.get("poll", False)
        if not isinstance(poll, bool):
            errors.append(ContentError("poll", "must be true or false"))
        elif poll and survey is not None and (anonymous is not True or len(survey["questions"]) != 1
                                              or survey["questions"][0]["kind"] != "single"):
            errors.append(ContentError("poll", "a poll is anonymous and has one question, of type single"))
        knowledge_gain = gain.read_setting(raw.get("knowledge_gain"), errors)
        if errors:
            raise ContentInvalid(errors)
        return {"intro_html": render_markdown(intro) if intro.strip() else "", "anonymous": anonymous,
                "editable": rule == "editable", "closes": closes, "show_results": show_results or poll,
                "poll": poll, "knowledge_gain": knowledge_gain, **survey}

    def import_translation(self, canonical: Mapping[str, Any], raw: Mapping[str, Any], files: PackFiles,
                           locale: str) -> dict[str, Any]:
        """The texts in ``locale``; the questions, options and conditions must be the Vietnamese ones."""
        translated = self.import_content(raw, files)
        if definition.skeleton(translated) != definition.skeleton(canonical):
            raise ContentInvalid([ContentError("questions", "must have the same pages, questions, options and "
                                                            "conditions as the Vietnamese file, only translated")])
        settings = ("anonymous", "editable", "closes", "show_results", "poll", "knowledge_gain")
        return {**translated, **{key: canonical[key] for key in settings}}

    def update_refusals(self, db, lesson, content: Mapping[str, Any]) -> list[str]:
        """Anonymity is fixed once a response exists: a named survey never turns anonymous (its answers
        would keep their names) nor the other way round (people answered on a promise)."""
        if bool(content.get("anonymous")) == bool(lesson.content.get("anonymous")):
            return []
        if not responses.any_response(db, lesson.id):
            return []
        was = _("anonymous") if lesson.content.get("anonymous") else _("named")
        return [_("this survey was answered as %(was)s: it cannot change between anonymous and named once "
                  "answers exist; give the lesson a new id for a new survey", was=was)]

    def example_content(self) -> dict[str, Any]:
        """Inline pages: an example cannot ship a file (docs/content-packs.md shows the file form)."""
        return {"intro": {"vi": "Cho chúng tôi biết hợp tác xã cần học gì.",
                          "en": "Tell us what your cooperative needs to learn."},
                "anonymous": True,
                "pages": [{"id": "nhu-cau", "questions": [
                    {"id": "chu-de", "type": "single", "required": True, "other": True,
                     "text": {"vi": "Hợp tác xã cần học chủ đề nào nhất?", "en": "Which topic does your cooperative "
                                                                               "need most?"},
                     "options": [{"id": "thuong-hieu", "text": {"vi": "Xây dựng thương hiệu", "en": "Branding"}},
                                 {"id": "lien-ket", "text": {"vi": "Liên kết chuỗi giá trị",
                                                             "en": "Value-chain linkage"}}]},
                    {"id": "gop-y", "type": "longtext", "text": {"vi": "Góp ý thêm", "en": "Anything else"}}]}]}

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        content, lesson = ctx.content, ctx.lesson
        found = responses.of(ctx.db, lesson, ctx.user.id)
        requested = ctx.params.get("page")
        page = int(requested) if isinstance(requested, str) and requested.isdigit() else None
        view = {
            "intro_html": content["intro_html"],
            "anonymous": content["anonymous"],
            "editable": content["editable"],
            "closes": content["closes"],
            "closes_label": day_label(content["closes"]),
            "closed": responses.closed(content),
            "sent": found.sent,
            "sent_on": found.sent_on.isoformat() if found.sent_on else None,
            "sent_on_label": day_label(found.sent_on.isoformat() if found.sent_on else None),
            "editing": found.draft is not None and found.sent,
            "can_change": found.sent and content["editable"] and not responses.closed(content),
            "pages": [{"index": n, "title": p["title"]} for n, p in enumerate(content["pages"])],
            "page": None,
            "results": None,
        }
        if not found.sent or found.draft is not None:
            view["page"] = page_view(content, found, page)
        if found.sent and content["show_results"]:
            view["results"] = results.summary(ctx.db, lesson, content, {}, for_respondents=True)
        return view

    def instructor_links(self, lesson) -> list[NavItem]:
        return [NavItem(_("Survey results"), url_for("survey.results_page", lesson_id=lesson.id))]

    def parse_form(self, form) -> dict[str, Any]:
        """The page's fields as sent; ``submit`` reads them with the survey's questions at hand."""
        page = form.get("page", "")
        return {"action": form.get("action", "save"), "page": int(page) if page.isdigit() else None,
                "form": {"asked": form.getlist("asked"),
                         "fields": {key: form.getlist(key) for key in form if key.startswith(("q.", "o."))}}}

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        return responses.take(ctx, data)


def page_view(content: Mapping[str, Any], found: responses.Found, requested: int | None) -> dict[str, Any]:
    """One page of questions: those shown from the answers so far, each with its saved answer and
    any problem; a question whose condition is on this same page comes with that condition, for the
    page's script to hide it live (without the script it shows, and its answer counts only if the
    condition holds)."""
    answers, others = found.answers, found.others
    pages = content["pages"]
    index = min(requested if requested is not None else found.page, len(pages) - 1)
    questions = logic.by_id(content)
    shown = logic.shown_on_page(content, answers, index)
    items = []
    for qid in pages[index]["questions"]:
        if qid not in shown:
            continue
        q = questions[qid]
        live = [c for c in q["show_if"] if questions[c["question"]]["page"] == index]
        items.append({**{k: v for k, v in q.items() if k not in ("show_if", "page")},
                      "value": answers.get(qid), "other_text": others.get(qid, ""),
                      "problem": found.problems.get(qid), "show_if": live,
                      "condition_text": [condition_text(questions[c["question"]], c) for c in live]})
    return {"index": index, "title": pages[index]["title"], "intro_html": pages[index]["intro_html"],
            "questions": items, "first": logic.step(content, answers, index, -1) is None,
            "last": logic.step(content, answers, index, +1) is None, "count": len(pages)}


def condition_text(target: Mapping[str, Any], condition: Mapping[str, Any]) -> str:
    """ "Answer only if you chose …" for a question the page's script would hide, as plain text."""
    from markupsafe import Markup

    if "answer" not in condition:
        return _("Answer only if your answer above is from %(low)s to %(high)s.",
                 low=condition.get("at_least", "…"), high=condition.get("at_most", "…"))
    labels = {o["id"]: Markup(o["html"]).striptags() for o in target.get("options", [])}
    labels[definition.OTHER] = _("Other")
    words = ", ".join(str(labels.get(v, v)) for v in condition["answer"])
    return _("Answer only if you answered “%(answer)s” above.", answer=words)
