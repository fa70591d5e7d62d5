"""The ``workshop`` lesson type: a plan template from the pack, written by each cooperative's
managers together, saved as they type (or with the page's buttons without JavaScript), submitted
by the deadline, then reviewed.

The page and the API call the same ``learner_view`` and ``submit``. What a writer typed that
could not be taken (a word where a sum goes) stays in their own progress state with its problem,
so the page shows it again at the field instead of losing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import format_datetime
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
    Status,
    SubmissionError,
    render_markdown,
    utcnow,
)
from elearn_workshop import fields, finance, plans, reviews
from elearn_workshop.peer.rubric import rubric_problems
from elearn_workshop.template import Template

EXAMPLE_PATH = "example"


class WorkshopSubmission(RequestModel):
    """Sections of the plan to save, or the plan's submission."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "save", "base": 0, "sections": {"thanh-vien": {"so-thanh-vien": "45"}}},
        {"action": "submit", "base": 3},
    ]})

    action: Literal["save", "submit"] = Field("save", description=(
        "save: keep these sections; submit: save them and hand the plan in (every required field filled)."))
    base: Annotated[int, Field(ge=0, le=MAX_ID, description=(
        "The plan version the writer started from (view.plan.version when the page was loaded, then each save's)."
        " A section someone else changed after it is not overwritten: it comes back in state.conflicts.")), Integral]
    sections: dict[str, dict[str, Any]] = Field(default_factory=dict, description=(
        "Section key -> {field key: value}. Text, numbers and money as text (1.234.567 is read), dates as "
        "YYYY-MM-DD, a choice as its key, a table as a list of {column key: value}, the finance field as the "
        "finance engine's document."))
    editing: Annotated[str, Field(max_length=48)] | None = Field(None, description=(
        "The section the writer is in, so co-authors are told."))


class WorkshopLesson(LessonType):
    name = "workshop"
    labels: ClassVar = {"vi": "Xây dựng phương án", "en": "Business-plan workshop"}
    template = "workshop/lesson.html"
    content_model = Template
    submission_model = WorkshopSubmission

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        """The template checked (docs/content-packs.md, "workshop"), its Markdown rendered once."""
        content = self.check_content(raw)
        errors: list[ContentError] = []

        def html(text: str, where: str) -> str:
            try:
                return render_markdown(text, resolve_url=files.media_url) if text.strip() else ""
            except ContentInvalid as exc:
                errors.extend(ContentError(where, e.message) for e in exc.errors)
                return ""

        finance_fields = 0
        for s_index, section in enumerate(content["sections"]):
            where = f"sections[{s_index}]"
            section["guidance_html"] = html(section.pop("guidance"), f"{where}.guidance")
            section["example_html"] = html(section.pop("example"), f"{where}.example")
            for f_index, field in enumerate(section["fields"]):
                if field["kind"] == "finance":
                    finance_fields += 1
                    errors.extend(ContentError(f"{where}.fields[{f_index}].options", problem)
                                  for problem in _finance_problems(field["options"]))
        errors.extend(ContentError(where, problem) for where, problem in rubric_problems(
            content["rubric"], "rubric", sections={section["key"] for section in content["sections"]}))
        if finance_fields > 1:
            errors.append(ContentError("sections", _("a plan has at most one finance field")))
        content["intro_html"] = html(content.pop("intro"), "intro")
        content["submission_due"] = _utc_iso(content["submission_due"])
        if errors:
            raise ContentInvalid(errors)
        return content

    def example_content(self) -> dict[str, Any]:
        return {
            "intro": {"vi": "Cùng các thành viên ban quản trị, viết phương án của hợp tác xã.",
                      "en": "With your board, write your cooperative's plan."},
            "sections": [{
                "key": "gioi-thieu",
                "title": {"vi": "Hợp tác xã và thành viên", "en": "The cooperative and its members"},
                "guidance": {"vi": "Nêu tên, địa chỉ và số thành viên.", "en": "Give the name, address and members."},
                "example": {"vi": "HTX Nông nghiệp Tân Phú, 45 thành viên.",
                            "en": "Tan Phu Agricultural Cooperative, 45 members."},
                "fields": [
                    {"key": "ten", "label": {"vi": "Tên hợp tác xã", "en": "Name"}, "required": True},
                    {"key": "so-thanh-vien", "label": {"vi": "Số thành viên", "en": "Members"}, "kind": "number",
                     "minimum": 7},
                ],
            }],
        }

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        content = ctx.content
        place = plans.seat(ctx.db, ctx.lesson, ctx.lesson.content, ctx.user.id)
        phase = plans.phase(ctx.db, ctx.lesson.id)
        plan = place.plan
        values = plan.content if plan else {}
        typed = ctx.state.get("typed", {}) if ctx.state.get("base") == (plan.version if plan else 0) else {}
        sections = []
        for section in content["sections"]:
            section_values = values.get(section["key"], {})
            sections.append({**section, "values": section_values, "missing": fields.missing(section, section_values),
                             "figures": finance_figures(section, section_values)})
        due = content.get("submission_due")
        return {
            "intro_html": content["intro_html"],
            "has_finance": any(field["kind"] == "finance" for s in content["sections"] for field in s["fields"]),
            "phase": phase,
            "by_group": bool(content.get("group_set")),
            "no_group": place.no_group,
            "may_edit": ctx.can_submit and not place.no_group and plans.may_edit(phase, plan),
            "plan": {"version": plan.version if plan else 0,
                     "submitted": plan is not None and plan.submitted_version is not None,
                     "submitted_at": plan.submitted_at.isoformat() if plan and plan.submitted_at else None,
                     "changed_since_submitted": bool(plan and plan.submitted_version is not None
                                                     and plan.version > plan.submitted_version),
                     "id": plan.id if plan else None},
            "sections": sections,
            "due": due,
            "due_label": format_datetime(datetime.fromisoformat(due), "short") if due else "",
            "late": bool(due and utcnow() > datetime.fromisoformat(due)),
            "others_editing": plans.others_editing(plan, ctx.user.id),
            "typed": typed,
            "problems": ctx.state.get("problems", {}) if typed or ctx.state.get("base") is None else {},
            "conflicts": ctx.state.get("conflicts", {}),
            **self._assessing(ctx, plan, phase),
        }

    def _assessing(self, ctx: LessonContext, plan, phase: str) -> dict[str, Any]:
        """The learner's reviews to write and the feedback on their plan they may read (nothing is
        asked of the database while the workshop is open: there are no reviews yet)."""
        content = ctx.lesson.content
        found: dict[str, Any] = {"reviews": [], "feedback": [], "self_assessment": False}
        if phase == "open":
            return found
        mine, found["feedback"] = reviews.reviews_and_feedback(ctx.db, ctx.lesson, plan, ctx.user.id, phase)
        found["reviews"] = [{"id": review.id, "kind": review.kind, "done": review.done,
                             "url": url_for("workshop.review_page", review_id=review.id)}
                            for review in mine]
        found["self_assessment"] = bool(content.get("self_assessment") and plan is not None
                                        and plan.submitted_version is not None and phase == "assessment"
                                        and not any(review.kind == "self" for review in mine))
        return found

    def instructor_links(self, lesson) -> list[NavItem]:
        return [NavItem(_("Every plan"), url_for("workshop.plans_page", lesson_id=lesson.id))]

    def parse_form(self, form) -> dict[str, Any]:
        """The page's fields as sent; ``submit`` reads them with the template at hand."""
        base = form.get("base", "")
        return {"action": "submit" if form.get("action") == "submit" else "save",
                "base": int(base) if base.isdigit() else -1, "editing": form.get("editing") or None,
                "form": form}

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        content = ctx.lesson.content
        phase = plans.phase(ctx.db, ctx.lesson.id)
        plan = plans.plan_for_writing(ctx.db, ctx.lesson, content, ctx.user)
        if not plans.may_edit(phase, plan):
            raise SubmissionError(_("The plan cannot be changed now: the workshop is in its %(phase)s phase.",
                                    phase=plans.phase_label(phase)), status=409)
        sections, problems, typed = read_sections(content, data)
        saved = plans.save(ctx.db, plan, ctx.user, data["base"], patched(plan, sections), editing=data.get("editing"))
        message = _("Saved.") if saved.changed or not problems else _("Some fields were not saved: see below.")
        if saved.conflicts:
            message = _("Someone else changed %(sections)s meanwhile: their text is in the plan and yours is kept "
                        "below it. Put them together and save again.",
                        sections=", ".join(title_of(content, key) for key in saved.conflicts))
        state = {"base": saved.version, "typed": typed, "problems": problems,
                 "conflicts": {key: found["yours"] for key, found in saved.conflicts.items()}}
        handed_in = False
        if data["action"] == "submit":
            handed_in, message = self._hand_in(ctx.db, content, plan, problems or saved.conflicts, ctx.user)
            state["base"] = plan.version
        reply = {"version": plan.version, "changed": saved.changed, "conflicts": saved.conflicts,
                 "problems": problems, "handed_in": handed_in}
        # Without a rubric, handing the plan in completes the lesson; with one, the grade does once
        # feedback is published (reviews.publish).
        done = handed_in and not content.get("rubric")
        return Outcome(status=Status.COMPLETED if done else Status.IN_PROGRESS, state=state, message=message,
                       reply=reply, counts_as_attempt=handed_in)

    def _hand_in(self, db, content: Mapping[str, Any], plan, held: Mapping[str, Any], user) -> tuple[bool, str]:
        """Hand the plan in, or say why not. Never a refusal: what the writer typed with it is saved."""
        if held:
            return False, _("The plan was not handed in: some fields need correcting first.")
        empty = {section["title"]: fields.missing(section, plan.content.get(section["key"], {}))
                 for section in content["sections"]}
        empty = {title: labels for title, labels in empty.items() if labels}
        if empty:
            return False, _("Your text is saved, but the plan was not handed in. Fill in these fields first: "
                            "%(fields)s.", fields="; ".join(f"{title}: {', '.join(labels)}"
                                                            for title, labels in empty.items()))
        due = content.get("submission_due")
        late = bool(due and utcnow() > datetime.fromisoformat(due))
        if late and not content.get("late_submissions", True):
            raise SubmissionError(_("The deadline for handing plans in has passed."), status=409)
        plan.submitted_version, plan.submitted_at = plans.record_hand_in(db, plan, user), utcnow()
        return True, _("Your plan was handed in late; your instructor will see the date.") if late \
            else _("Your plan is handed in. You may still improve it until the deadline.")


def read_sections(content: Mapping[str, Any], data: Mapping[str, Any]
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, str]]:
    """The sections a save brings, what could not be read (problem and text, by form field), from
    the page's form or the API's JSON alike."""
    by_key = {section["key"]: section for section in content["sections"]}
    sections: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    typed: dict[str, str] = {}
    form = data.get("form")
    if form is not None:
        for section in content["sections"]:
            values, errors = fields.parse_section_form(section, form)
            sections[section["key"]] = values
            problems.update(errors)
            typed.update({name: form.get(name, "") for name in errors})
        if data["base"] < 0:
            raise SubmissionError(_("Reload the page: this form has no plan version."))
        return sections, problems, typed
    unknown = sorted(set(data.get("sections", {})) - set(by_key))
    if unknown:
        raise SubmissionError(_("This plan has no section %(key)s.", key=unknown[0]))
    for key, raw in data.get("sections", {}).items():
        values, errors = fields.parse_section_json(by_key[key], raw)
        if errors:
            where = next(iter(errors))
            raise SubmissionError(_("%(where)s: %(message)s", where=f"sections.{key}.{where}".rstrip("."),
                                    message=errors[where]))
        cleared = {name for name, value in raw.items() if value in (None, "", [])}
        sections[key] = {"__patch__": values, "__cleared__": cleared}
    return sections, problems, typed


def patched(plan, sections: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The API changes the fields it sends (null clears one) and keeps the section's others."""
    whole = {}
    for key, values in sections.items():
        if "__patch__" not in values:
            whole[key] = values
            continue
        kept = {name: value for name, value in plan.content.get(key, {}).items() if name not in values["__cleared__"]}
        whole[key] = {**kept, **values["__patch__"]}
    return whole


def finance_figures(section: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The computed figures of the section's financial plan, for the API's readers (the page
    shows the whole statements)."""
    return {field["key"]: [{"key": f.key, "label": f.label, "value": None if f.value is None else str(f.value),
                            "kind": f.kind, "explain": f.explain, "warning": f.warning}
                           for f in finance.compute_once(values.get(field["key"]), field["options"]).figures]
            for field in section["fields"] if field["kind"] == "finance"}


def title_of(content: Mapping[str, Any], key: str) -> str:
    return next((s["title"] for s in content["sections"] if s["key"] == key), key)


def _finance_problems(options: Mapping[str, Any]) -> list[str]:
    return finance.check_options(options)


def _utc_iso(moment: datetime | None) -> str | None:
    """A deadline written without a zone is Vietnam time (UTC+7)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    return moment.astimezone(UTC).isoformat()
