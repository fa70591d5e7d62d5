"""A page of reading. The Markdown is rendered and sanitised once, when the lesson is imported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import gettext as _
from pydantic import ConfigDict, Field

from elearn.plugin_api import (
    ContentError,
    ContentInvalid,
    JsonTrue,
    LessonContext,
    LessonType,
    Outcome,
    PackFiles,
    RequestModel,
    Status,
    SubmissionError,
    render_markdown,
)

MAX_TEXT = 200_000


class PageSubmission(RequestModel):
    """Mark the page as read."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"read": True}]})

    read: JsonTrue = Field(description="Mark the page as read.")


class PageLesson(LessonType):
    name = "page"
    labels: ClassVar = {"vi": "Bài đọc", "en": "Reading"}
    template = "page/lesson.html"
    submission_model = PageSubmission

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        """Content is ``text`` (Markdown) or ``file`` (a Markdown file in the pack), not both.

        Relative image and link addresses name files of the pack, from the pack folder
        (``media/so-do.png``), and become their media URLs. The English (``import_translation``'s
        default) is the same fields, from ``text: {vi: ..., en: ...}`` or a file ``x.en.md`` beside ``x.md``.
        """
        text, file = raw.get("text"), raw.get("file")
        unknown = sorted(set(raw) - {"text", "file"})
        errors = [ContentError(key, "unknown field") for key in unknown]
        if (text is None) == (file is None):
            errors.append(ContentError("", "give either 'text' or 'file'"))
        elif file is not None:
            if not isinstance(file, str):
                errors.append(ContentError("file", "must be a path inside the pack"))
            else:
                file = files.name_of(file)  # the file read: x.en.md for an English x.md
                try:
                    text = files.read_text(file)
                except ContentInvalid as exc:
                    # Reported at the field that names the file, e.g. "content.file: 'x.md' file not found".
                    errors.extend(ContentError("file", f"{file!r} {error.message}") for error in exc.errors)
        elif not isinstance(text, str):
            errors.append(ContentError("text", "must be Markdown text"))
        if not errors and len(text) > MAX_TEXT:
            errors.append(ContentError(file or "text", f"longer than {MAX_TEXT} characters"))
        if errors:
            raise ContentInvalid(errors)
        try:
            # Relative images and links (``![Sơ đồ](media/so-do.png)``) point at the pack's files.
            html = render_markdown(text, resolve_url=files.media_url)
        except ContentInvalid as exc:
            field, place = ("file", f"{file}, ") if file is not None else ("text", "")
            raise ContentInvalid(
                [ContentError(field, f"{place}{error.where}: {error.message}") for error in exc.errors]
            ) from None
        return {"markdown": text, "html": html}

    def example_content(self) -> dict[str, Any]:
        return {"text": {
            "vi": "# Hợp tác xã là gì?\n\nHợp tác xã là tổ chức kinh tế tập thể, đồng sở hữu.",
            "en": "# What is a cooperative?\n\nA cooperative is a collective economic organisation, "
                  "jointly owned by its members.",
        }}

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        return {"html": ctx.content["html"], "read": ctx.progress.status == Status.COMPLETED}

    def parse_form(self, form) -> dict[str, Any]:
        return {"read": form.get("read") == "1"}

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        if data.get("read") is not True or set(data) != {"read"}:
            raise SubmissionError(_('Send {"read": true} to mark this page as read.'))
        first_time = ctx.progress.status != Status.COMPLETED
        return Outcome(status=Status.COMPLETED, message=_("Marked as read."), counts_as_attempt=first_time)
