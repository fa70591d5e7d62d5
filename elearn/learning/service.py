"""What learners do, written once for the HTML pages and the JSON API.

Views call these functions and only translate their results into a page or a
JSON body; permission checks, plugin calls and the progress rules live here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, joinedload, undefer

from elearn.clock import utcnow
from elearn.contract import adapter, validated
from elearn.db import insert_if_missing, transaction_aborted
from elearn.enrolment.programmes import require_unlocked
from elearn.i18n import current_locale
from elearn.learning import progress as progress_rules
from elearn.learning.outline import (
    CourseProgress,
    LessonRow,
    course_modules,
    lesson_rows,
)
from elearn.learning.progress import ProgressView, SubmitResult
from elearn.models import Course, Enrolment, Lesson, LessonProgress, Status, User
from elearn.models.courses import CANONICAL_LOCALE
from elearn.permissions import (
    CourseAccess,
    course_access,
    require_course_view,
    require_lesson_view,
    require_submit,
)
from elearn.plugins.budget import PluginUnavailable
from elearn.plugins.isolation import recover
from elearn.plugins.lesson_type import LessonContext, LessonType, NavItem, Outcome, SubmissionError
from elearn.plugins.manager import PluginRegistry
from elearn.security import fail

log = logging.getLogger("elearn.learning")


def registry() -> PluginRegistry:
    return current_app.extensions["elearn_plugins"]


def get_course(db: Session, slug: str, *options) -> Course:
    """The course at ``slug``, or a 404; ``options`` (e.g. ``undefer``) shape the one query that loads it."""
    course = db.scalar(select(Course).options(*options).where(Course.slug == slug))
    if course is None:
        fail(404, _("This course does not exist."))
    return course


def get_lesson(db: Session, lesson_id: int) -> Lesson:
    """A lesson with its course, or a 404: for plugins' own pages (instructor views, reports)."""
    lesson = db.scalar(select(Lesson).options(joinedload(Lesson.course)).where(Lesson.id == lesson_id))
    if lesson is None:
        fail(404, _("This lesson does not exist."))
    return lesson


def lesson_to_teach(db: Session, user: User | None, lesson_id: int, type_name: str, forbidden: str) -> Lesson:
    """A lesson of ``type_name`` for a plugin's instructor page: 401 anonymous, 404 unknown
    (or another type, or a course the user cannot see), 403 with ``forbidden`` for non-teachers."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    lesson = get_lesson(db, lesson_id)
    access = course_access(db, user, lesson.course)
    if lesson.type_name != type_name or not access.can_view_course:
        fail(404, _("This lesson does not exist."))
    if not access.can_teach:
        fail(403, forbidden)
    return lesson


@dataclass
class LearnerLesson:
    lesson: Lesson
    access: CourseAccess
    progress: LessonProgress | None


def learner_lesson(db: Session, user: User | None, lesson_id: int, type_name: str,
                   for_submit: bool = False) -> LearnerLesson:
    """A lesson of ``type_name`` for a plugin's own learner pages and API (a forum thread, a post),
    with the user's access and progress, in one query: 401 anonymous, 404 unknown or another type,
    403 not enrolled; with ``for_submit`` also 403 for staff previewing and retired lessons."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    # The User itself, not Flask-Login's proxy: pages read user.id many times, each read through
    # the proxy a lookup.
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    lesson, enrolment, progress = _lesson_for_learner(db, lesson_id, user)
    access = course_access(db, user, lesson.course, enrolment)
    if lesson.type_name != type_name:
        fail(404, _("This lesson does not exist."))
    (require_submit if for_submit else require_lesson_view)(access, lesson)
    return LearnerLesson(lesson, access, progress)


# -- courses -------------------------------------------------------------------


@dataclass
class CoursePage:
    access: CourseAccess
    progress: CourseProgress
    modules: list[tuple[Any, list[LessonRow]]]


# The course page's course with the learner's enrolment: one statement, built once.
_COURSE_FOR_LEARNER = (
    select(Course, Enrolment)
    .options(undefer(Course.has_learner_chosen_groups), undefer(Course.has_groups), undefer(Course.has_prerequisites))
    .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")))
    .where(Course.slug == bindparam("slug"))
)


def course_page(db: Session, user: User | None, slug: str) -> CoursePage:
    if user is None or not user.is_authenticated:
        course = get_course(db, slug, undefer(Course.has_learner_chosen_groups), undefer(Course.has_groups),
                            undefer(Course.has_prerequisites))
        access = course_access(db, None, course)
    else:
        row = db.execute(_COURSE_FOR_LEARNER, {"slug": slug, "user_id": user.id}).first()
        if row is None:
            fail(404, _("This course does not exist."))
        course, enrolment = row
        access = course_access(db, user, course, enrolment)
    require_course_view(access)
    _require_unlocked(db, access)
    rows = lesson_rows(db, [course.id], access.user if access.is_enrolled else None)[course.id]
    by_module: dict[int, list[LessonRow]] = {}
    for row in rows:
        by_module.setdefault(row.module_id, []).append(row)
    modules = [(module, by_module.get(module.id, [])) for module in course_modules(db, course)]
    return CoursePage(access, CourseProgress(course, access.enrolment, rows), modules)


def enrol(db: Session, user: User, slug: str) -> tuple[Enrolment, bool]:
    """Enrol ``user``; enrolling twice (or twice at once) is harmless and keeps the first enrolment."""
    course = get_course(db, slug, undefer(Course.has_prerequisites))
    access = course_access(db, user, course)
    require_course_view(access)
    _require_unlocked(db, access)
    if access.enrolment is not None:
        return access.enrolment, False
    if access.can_teach:
        fail(403, _("You teach this course, so you need not enrol: you can open all its lessons as they are."))
    if not access.can_enrol:
        fail(403, _("This course is not open for enrolment."))
    insert_if_missing(db, Enrolment, ["user_id", "course_id"], user_id=user.id, course_id=course.id,
                      enrolled_at=utcnow())
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))
    return enrolment, True


def _require_unlocked(db: Session, access: CourseAccess) -> None:
    """A course a programme locks for this learner (elearn.enrolment.programmes): 409 naming what to
    complete first. Its staff are never locked out; a course without prerequisites costs no query."""
    if access.user is not None and not access.can_teach:
        require_unlocked(db, access.user, access.course)


# -- lessons -------------------------------------------------------------------


@dataclass
class LessonPage:
    lesson: Lesson
    access: CourseAccess
    progress: LessonProgress
    lesson_type: LessonType | None
    view: dict[str, Any] | None
    error: str | None
    previous: LessonRow | None
    next: LessonRow | None
    outline: list[LessonRow]
    staff_links: list[NavItem]
    # The language of the lesson's content as served: the page's, or Vietnamese when the lesson lacks it.
    content_locale: str = CANONICAL_LOCALE


def lesson_page(db: Session, user: User, lesson_id: int, params: dict[str, str] | None = None) -> LessonPage:
    lesson, enrolment, progress = _lesson_for_learner(db, lesson_id, user)
    access = course_access(db, user, lesson.course, enrolment)
    require_lesson_view(access, lesson)
    _require_unlocked(db, access)
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, status=Status.NOT_STARTED, attempts=0,
                                  state={})
    outline = lesson_rows(db, [lesson.course_id], access.user if access.is_enrolled else None)[lesson.course_id]
    position = next((i for i, row in enumerate(outline) if row.id == lesson.id), None)
    previous = outline[position - 1] if position else None
    following = outline[position + 1] if position is not None and position + 1 < len(outline) else None
    lesson_type, view, error = _learner_view(db, access, lesson, progress, params or {})
    staff_links = _staff_links(lesson_type, lesson) if access.can_teach else []
    return LessonPage(lesson, access, progress, lesson_type, view, error, previous, following, outline, staff_links,
                      lesson.content_locale(current_locale()))


_LESSON_FOR_LEARNER = (
    select(Lesson, Enrolment, LessonProgress)
    .options(joinedload(Lesson.course).undefer(Course.has_prerequisites))
    .outerjoin(Enrolment, and_(Enrolment.course_id == Lesson.course_id, Enrolment.user_id == bindparam("user_id")))
    .outerjoin(
        LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == bindparam("user_id"))
    )
    .where(Lesson.id == bindparam("lesson_id"))
)
# Another language than Vietnamese may be served from the lesson's translations: loaded in the same query.
_TRANSLATED_LESSON_FOR_LEARNER = _LESSON_FOR_LEARNER.options(undefer(Lesson.translations))


def _lesson_for_learner(db: Session, lesson_id: int, user: User):
    """The lesson with its course, the user's enrolment and progress: one query, built once."""
    query = _LESSON_FOR_LEARNER if current_locale() == CANONICAL_LOCALE else _TRANSLATED_LESSON_FOR_LEARNER
    row = db.execute(query, {"lesson_id": lesson_id, "user_id": user.id}).first()
    if row is None:
        fail(404, _("This lesson does not exist."))
    return row


def lesson_type_of(lesson: Lesson) -> tuple[LessonType | None, str | None]:
    lesson_type = registry().lesson_types.get(lesson.type_name)
    if lesson_type is None:
        return None, _(
            "This lesson needs the lesson type “%(type)s”, which is not installed on this site.",
            type=lesson.type_name,
        )
    return lesson_type, None


def _learner_view(db, access, lesson, progress, params):
    lesson_type, error = lesson_type_of(lesson)
    if lesson_type is None:
        return None, None, error
    ctx = LessonContext(lesson=lesson, user=access.user, progress=ProgressView.of(progress), locale=current_locale(),
                        db=db, params=params, can_teach=access.can_teach, can_submit=access.can_submit(lesson))
    what = f"lesson type {lesson.type_name} showing lesson {lesson.id}"
    try:
        view = call_lesson_type(lesson, lesson_type.learner_view, ctx)
    except PluginUnavailable:
        return lesson_type, None, plugin_unavailable_message()
    except Exception:
        log.exception("lesson type %s failed to show lesson %s", lesson.type_name, lesson.id)
        recover(db, what)
        return lesson_type, None, plugin_failure_message()
    if recover(db, what):
        log.error("lesson type %s broke the transaction while showing lesson %s", lesson.type_name, lesson.id)
        return lesson_type, None, plugin_failure_message()
    return lesson_type, view, None


def call_lesson_type(lesson: Lesson, method, /, *args, **kwargs):
    """Call ``method`` (the lesson type's own, or the rendering of its template) on the type's
    time budget (elearn/plugins/budget.py): PluginUnavailable, without calling it, while the
    type rests after slow calls."""
    return registry().budget.call(f"lesson type {lesson.type_name}", method, *args, **kwargs)


def _staff_links(lesson_type: LessonType | None, lesson: Lesson) -> list[NavItem]:
    if lesson_type is None:
        return []
    try:
        return list(lesson_type.instructor_links(lesson))
    except Exception:
        log.exception("lesson type %s failed to list instructor links for lesson %s", lesson.type_name, lesson.id)
        return []


def plugin_unavailable_message() -> str:
    return _(
        "This lesson is temporarily unavailable because its lesson type is answering too slowly. "
        "Please try again in a few minutes."
    )


def plugin_failure_message() -> str:
    return _(
        "This lesson cannot be shown right now because its lesson type failed. "
        "The error has been logged for the site's administrators."
    )


# -- submissions ---------------------------------------------------------------


def submit(db: Session, user: User, lesson_id: int, data: Any = None, form: Any = None) -> SubmitResult:
    """Grade a submission (a JSON body, or an HTML form the type parses) and store its progress.

    Runs in the caller's transaction; the caller commits.
    """
    lesson, enrolment, progress = _lesson_for_learner(db, lesson_id, user)
    access = course_access(db, user, lesson.course, enrolment)
    require_submit(access, lesson)
    _require_unlocked(db, access)
    lesson_type, error = lesson_type_of(lesson)
    if lesson_type is None:
        fail(409, error)
    if form is None and not isinstance(data, dict):
        fail(400, _("The submission must be a JSON object."))
    if form is None and lesson_type.submission_model is not None:
        # The type's declared shape first; ``submit`` gets the fields sent, as the model reads them.
        model = lesson_type.submission_model
        data = adapter(model).dump_python(validated(model, data), exclude_unset=True)
    progress = progress_rules.locked_progress(db, user, lesson, progress)
    ctx = LessonContext(lesson=lesson, user=user, progress=ProgressView.of(progress), locale=current_locale(),
                        db=db, can_teach=access.can_teach, can_submit=True)
    try:
        outcome = call_lesson_type(lesson, _graded, lesson_type, ctx, form, data)
    except SubmissionError as exc:
        fail(exc.status, exc.message)
    except PluginUnavailable:
        fail(503, plugin_unavailable_message())
    except Exception:
        log.exception("lesson type %s failed to accept a submission to lesson %s", lesson.type_name, lesson.id)
        fail(500, submit_failure_message())
    if transaction_aborted(db):
        # It swallowed a failed statement: whatever it says, nothing of this transaction can be kept.
        log.error("lesson type %s broke the transaction accepting a submission to lesson %s",
                  lesson.type_name, lesson.id)
        fail(500, submit_failure_message())
    return progress_rules.store(db, user, lesson, access.enrolment, progress, outcome)


def submit_failure_message() -> str:
    return _("Your work could not be saved because this lesson's type failed. Nothing was changed.")


def _graded(lesson_type: LessonType, ctx: LessonContext, form: Any, data: Any) -> Outcome:
    return lesson_type.submit(ctx, lesson_type.parse_form(form) if form is not None else data)
