"""JSON shapes of the API. Only what the caller may see goes in."""

from __future__ import annotations

from typing import Any

from flask import url_for

from elearn.i18n import current_locale
from elearn.learning.outline import CourseProgress, LessonRow
from elearn.learning.service import CoursePage, LessonPage
from elearn.models import LessonProgress


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def lesson_link(row: LessonRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    locale = current_locale()
    return {
        "id": row.id,
        "key": row.key,
        "type": row.type_name,
        "title": row.title_for(locale),
        "status": str(row.status),
        "content_languages": row.content_languages,
    }


def course_summary(item: CourseProgress) -> dict[str, Any]:
    course, locale = item.course, current_locale()
    body = {
        "slug": course.slug,
        "title": course.title_for(locale),
        "summary": course.summary_for(locale),
        "lessons": item.total,
        "url": url_for("api.course", slug=course.slug),
        "enrolled": item.enrolment is not None,
    }
    if item.enrolment is not None:
        body["progress"] = {
            "completed_lessons": item.completed,
            "fraction": round(item.fraction, 4),
            "enrolled_at": _iso(item.enrolment.enrolled_at),
            "completed_at": _iso(item.enrolment.completed_at),
            "has_new_material": item.has_new_material,
            "next_lesson": lesson_link(item.next_lesson),
        }
    return body


def course_detail(page: CoursePage) -> dict[str, Any]:
    locale = current_locale()
    body = course_summary(page.progress)
    body["can_enrol"] = page.access.can_enrol
    body["modules"] = [
        {"key": module.key, "title": module.title_for(locale), "lessons": [lesson_link(r) for r in rows]}
        for module, rows in page.modules
    ]
    return body


def progress(row: LessonProgress) -> dict[str, Any]:
    return {
        "status": str(row.status),
        "score": row.score,
        "attempts": row.attempts or 0,
        "started_at": _iso(row.started_at),
        "completed_at": _iso(row.completed_at),
    }


def lesson_detail(page: LessonPage) -> dict[str, Any]:
    lesson, locale = page.lesson, current_locale()
    body: dict[str, Any] = {
        "id": lesson.id,
        "key": lesson.key,
        "type": lesson.type_name,
        "title": lesson.title_for(locale),
        "content_language": page.content_locale,
        "course": {"slug": lesson.course.slug, "title": lesson.course.title_for(locale)},
        "progress": progress(page.progress),
        "can_submit": page.access.can_submit(lesson),
        "previous": lesson_link(page.previous),
        "next": lesson_link(page.next),
    }
    if page.error:
        body["error"] = {"message": page.error}
    else:
        body["view"] = page.view
    return body


def profile_field(entry) -> dict[str, Any]:
    """A profile field (``elearn.auth.profile.Field``) as the API shows it."""
    return {"id": entry.id, "label": entry.field.label, "value": entry.field.value, "help": entry.field.help,
            "read_only": entry.field.read_only}
