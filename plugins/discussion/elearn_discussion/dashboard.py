"""The instructor's dashboard: what needs attention across every discussion they teach — the
moderation queue, reported posts, questions no instructor has answered, and learners who have
not taken part yet. A fixed number of queries, whatever the number of discussions."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from elearn.plugin_api import Course, CourseInstructor, Enrolment, Lesson, Role, User, fail
from elearn_discussion import moderation
from elearn_discussion.access import TYPE_NAME, Viewer
from elearn_discussion.models import Post, PostState, Thread

LIST_LIMIT = 50


def taught_discussions(db: Session, user: User) -> list[Lesson]:
    query = (select(Lesson).join(Course, Course.id == Lesson.course_id)
             .where(Lesson.type_name == TYPE_NAME, Lesson.retired_at.is_(None))
             .order_by(Course.id, Lesson.position, Lesson.id))
    if user.role != Role.ADMIN:
        query = query.join(CourseInstructor, and_(CourseInstructor.course_id == Lesson.course_id,
                                                  CourseInstructor.user_id == user.id))
    return list(db.scalars(query))


def overview(db: Session, user: User) -> dict[str, Any]:
    if user.role not in (Role.ADMIN, Role.INSTRUCTOR):
        fail(403, _("The discussion dashboard is for instructors."))
    lessons = taught_discussions(db, user)
    ids = [lesson.id for lesson in lessons]
    by_id = {lesson.id: lesson for lesson in lessons}
    queue = moderation.queue(db, ids)
    author = aliased(User)
    unanswered = db.execute(
        select(Thread, author.name)
        .join(author, author.id == Thread.author_id)
        .where(Thread.lesson_id.in_(ids), Thread.state == PostState.VISIBLE, ~Thread.by_staff,
               ~Thread.staff_replied, Thread.resolved_post_id.is_(None))
        .order_by(Thread.created_at).limit(LIST_LIMIT)
    ).all() if ids else []
    took_part = exists().where(Post.lesson_id == Lesson.id, Post.author_id == Enrolment.user_id,
                               Post.state.in_(PostState.TAKING_PART))
    silent = db.execute(
        select(Lesson.id, User.id, User.name, func.count().over(partition_by=Lesson.id))
        .join(Enrolment, Enrolment.course_id == Lesson.course_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Lesson.id.in_(ids), ~took_part)
        .order_by(Lesson.id, User.name)
    ).all() if ids else []
    silent_by_lesson: dict[int, dict[str, Any]] = {}
    for lesson_id, user_id, name, total in silent:
        entry = silent_by_lesson.setdefault(lesson_id, {"total": total, "learners": []})
        if len(entry["learners"]) < LIST_LIMIT:
            entry["learners"].append({"id": user_id, "name": name})
    return {
        "lessons": lessons,
        "queue": [{**item, "pending": item["post"].state == PostState.PENDING} for item in queue],
        "unanswered": [{"thread": t, "author": name, "lesson": by_id[t.lesson_id]} for t, name in unanswered],
        "silent": [{"lesson": by_id[lid], **entry} for lid, entry in silent_by_lesson.items()],
    }


def sibling_discussions(db: Session, viewer: Viewer) -> list[Lesson]:
    """Other discussions of the course, where staff may move a thread."""
    if not viewer.is_staff:
        return []
    return list(db.scalars(select(Lesson).where(Lesson.course_id == viewer.lesson.course_id,
                                                Lesson.type_name == TYPE_NAME, Lesson.retired_at.is_(None),
                                                Lesson.id != viewer.lesson.id).order_by(Lesson.position)))
