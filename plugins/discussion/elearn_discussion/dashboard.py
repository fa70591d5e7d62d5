"""The instructor's dashboard: what needs attention across every discussion they teach — the
moderation queue, reported posts, questions no instructor has answered, and learners who have
not taken part yet. A fixed number of queries, whatever the number of discussions, posts and
learners; each list is paginated (a dashboard of 166 learners must stay light on a 2G link)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from elearn.plugin_api import (
    Course,
    CourseInstructor,
    Enrolment,
    Lesson,
    Page,
    Role,
    User,
    fail,
    name_with_role,
    paginate,
)
from elearn_discussion import moderation
from elearn_discussion.access import TYPE_NAME, Viewer
from elearn_discussion.models import Post, PostState, Thread

PAGE_SIZE = 20  # rows of each of the dashboard's lists per page: four lists on one light page
SILENT_LISTED = 20  # learners named per discussion; the rest are on its participants page


@dataclass
class ListPage(Page):
    """A page of one of the dashboard's lists: each list has its own page parameter
    (``queue_page``, ``unanswered_page``), so the core's ``pager`` macro keeps the others'."""

    param: str = "page"

    def link_args(self, page: int) -> dict[str, Any]:
        return {**self.args, self.param: page}


def taught_discussions(db: Session, user: User) -> list[Lesson]:
    query = (select(Lesson).join(Course, Course.id == Lesson.course_id)
             .where(Lesson.type_name == TYPE_NAME, Lesson.retired_at.is_(None))
             .order_by(Course.id, Lesson.position, Lesson.id))
    if user.role != Role.ADMIN:
        query = query.join(CourseInstructor, and_(CourseInstructor.course_id == Lesson.course_id,
                                                  CourseInstructor.user_id == user.id))
    return list(db.scalars(query))


def overview(db: Session, user: User, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The dashboard's lists, each one page long (``args``: the request's ``queue_page`` and
    ``unanswered_page``): a fixed number of queries, whatever the number of posts and learners."""
    if user.role not in (Role.ADMIN, Role.INSTRUCTOR):
        fail(403, _("The discussion dashboard is for instructors."))
    args = args or {}
    pages = {"queue_page": args.get("queue_page"), "unanswered_page": args.get("unanswered_page")}
    lessons = taught_discussions(db, user)
    ids = [lesson.id for lesson in lessons]
    by_id = {lesson.id: lesson for lesson in lessons}
    found = moderation.queue(db, ids, pages["queue_page"], per_page=PAGE_SIZE)
    queue = ListPage(found.items, found.page, PAGE_SIZE, found.total, found.has_next, _kept(pages, "queue_page"),
                     "queue_page")
    author = aliased(User)
    unanswered = ListPage([], 1, PAGE_SIZE, 0, param="unanswered_page", args=_kept(pages, "unanswered_page"))
    if ids:
        found = paginate(db, select(Thread, author.name, author.role)
                         .join(author, author.id == Thread.author_id)
                         .where(Thread.lesson_id.in_(ids), Thread.state == PostState.VISIBLE, ~Thread.by_staff,
                                ~Thread.staff_replied, Thread.resolved_post_id.is_(None))
                         .order_by(Thread.created_at, Thread.id), pages["unanswered_page"], per_page=PAGE_SIZE,
                         scalars=False)
        unanswered = ListPage([{"thread": t, "author": name, "author_display": name_with_role(name, role),
                                "lesson": by_id[t.lesson_id]} for t, name, role in found.items],
                              found.page, PAGE_SIZE, found.total, found.has_next, unanswered.args, unanswered.param)
    return {
        "lessons": lessons,
        "waiting": moderation.waiting_per_lesson(db, ids),
        "queue": queue,
        "unanswered": unanswered,
        "silent": _silent(db, ids, by_id),
    }


def _kept(pages: dict[str, Any], own: str) -> dict[str, Any]:
    """The other lists' page numbers, kept by one list's pager links."""
    return {name: value for name, value in pages.items() if name != own and value}


def _silent(db: Session, ids: list[int], by_id: dict[int, Lesson]) -> list[dict[str, Any]]:
    """Per discussion, how many enrolled learners have not taken part and the first of them by
    name: one query, which reads only ``SILENT_LISTED`` names per discussion (the full list is the
    participants page, filtered)."""
    if not ids:
        return []
    took_part = exists().where(Post.lesson_id == Lesson.id, Post.author_id == Enrolment.user_id,
                               Post.state.in_(PostState.TAKING_PART))
    ranked = (
        select(Lesson.id.label("lesson_id"), User.id.label("user_id"), User.name, User.role,
               func.count().over(partition_by=Lesson.id).label("total"),
               func.row_number().over(partition_by=Lesson.id, order_by=(User.name, User.id)).label("n"))
        .join(Enrolment, Enrolment.course_id == Lesson.course_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Lesson.id.in_(ids), ~took_part)
        .subquery()
    )
    rows = db.execute(select(ranked).where(ranked.c.n <= SILENT_LISTED)
                      .order_by(ranked.c.lesson_id, ranked.c.n)).all()
    by_lesson: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = by_lesson.setdefault(row.lesson_id, {"lesson": by_id[row.lesson_id], "total": row.total,
                                                     "learners": []})
        entry["learners"].append({"id": row.user_id, "name": row.name,
                                  "name_display": name_with_role(row.name, row.role)})
    return [by_lesson[lesson_id] for lesson_id in ids if lesson_id in by_lesson]


def sibling_discussions(db: Session, viewer: Viewer) -> list[Lesson]:
    """Other discussions of the course, where staff may move a thread."""
    if not viewer.is_staff:
        return []
    return list(db.scalars(select(Lesson).where(Lesson.course_id == viewer.lesson.course_id,
                                                Lesson.type_name == TYPE_NAME, Lesson.retired_at.is_(None),
                                                Lesson.id != viewer.lesson.id).order_by(Lesson.position)))
