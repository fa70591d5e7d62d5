"""The ``discussion`` lesson type: a case to discuss, its threads, and the learner's participation.

The lesson page is the case (with its questions, attachments and the instructor's synthesis)
and a page of threads; threads, posts and moderation have their own pages and API in
``views`` and ``api``. Learners take part through those, not through ``submit``: a forum is
many small actions, each with its own address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask import url_for
from flask_babel import gettext as _

from elearn.plugin_api import LessonContext, LessonType, NavItem, PackFiles, SubmissionError
from elearn_discussion import attachments, content, listing, pages, participation, serialize
from elearn_discussion.access import TYPE_NAME, viewer_for


class DiscussionLesson(LessonType):
    name = TYPE_NAME
    labels: ClassVar = {"vi": "Thảo luận tình huống", "en": "Case discussion"}
    template = "discussion/lesson.html"
    submission_schema: ClassVar = None

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        return content.import_content(raw, files)

    def import_translation(self, canonical: Mapping[str, Any], raw: Mapping[str, Any], files: PackFiles,
                           locale: str) -> dict[str, Any]:
        return content.import_translation(canonical, raw, files)

    def example_content(self) -> dict[str, Any]:
        return {
            "case": {"vi": "Hợp tác xã A có 120 thành viên nhưng chỉ 40 người đến dự đại hội thường niên.",
                     "en": "Cooperative A has 120 members, but only 40 came to the annual general meeting."},
            "questions": [
                {"vi": "Vì sao thành viên không đến dự?", "en": "Why did the members not come?"},
                {"vi": "Ban quản trị nên làm gì trước đại hội năm sau?",
                 "en": "What should the board do before next year's meeting?"},
            ],
            "settings": {"completion": {"posts": 1, "replies": 1}},
        }

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        viewer = viewer_for(ctx.db, ctx.lesson, ctx.user, ctx.can_teach, ctx.can_submit, with_synthesis=True)
        found = listing.threads(ctx.db, viewer, listing.page_number(ctx.params.get("page")))
        settings = viewer.settings
        state = ctx.state
        synthesis = viewer.synthesis
        return {
            "case_html": ctx.content["case_html"],
            "questions": [q["html"] for q in ctx.content["questions"]],
            "attachments": [{"title": a["title"], "url": a["url"]} for a in ctx.content["attachments"]] + [
                attachments.described(a) for a in attachments.of_lesson(ctx.db, ctx.lesson.id)
            ],
            "mode": settings.mode,
            "moderation": settings.moderation,
            "grouped": settings.group_set is not None,
            "needs_group": viewer.needs_group,
            "sees_others": viewer.sees_others,
            "can_post": viewer.can_post,
            "can_start_thread": viewer.can_post and (viewer.is_staff or settings.learners_start_threads)
            and not viewer.needs_group,
            "is_staff": viewer.is_staff,
            "groups": pages.groups_for_staff(ctx.db, viewer),
            "subscribed": viewer.subscribed,
            "synthesis": {**synthesis, "created_at": serialize.when(synthesis["created_at"])} if synthesis else None,
            "threads": serialize.page(found, [serialize.thread(viewer, item) for item in found.items]),
            "participation": {
                "rule": participation.rule_text(settings),
                "posts": state.get("posts", 0),
                "replies": state.get("replies", 0),
                "assessment": state.get("assessment"),
                "rubric": content.Settings.of(ctx.content).rubric,  # the criteria's titles in the language served
            },
        }

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]):
        raise SubmissionError(_("Take part in a discussion by posting in it: "
                                "POST /api/v1/x/discussion/lessons/%(id)d/threads.", id=ctx.lesson.id))

    def instructor_links(self, lesson) -> list[NavItem]:
        return [
            NavItem(_("Moderation queue"), url_for("discussion.queue", lesson_id=lesson.id)),
            NavItem(_("Participation and grades"), url_for("discussion.participants", lesson_id=lesson.id)),
            NavItem(_("Moderation log"), url_for("discussion.moderation_log", lesson_id=lesson.id)),
        ]
