"""Who may do what, decided in one place and keyed on the object.

Every view, HTML or API, asks ``CourseAccess`` (this user, this course) before
it shows or changes anything. The access object is built once per request
from rows the view loads anyway, so checking costs no extra query for learners.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.models import Course, CourseInstructor, Enrolment, Lesson, Role, User
from elearn.security import fail


@dataclass(frozen=True)
class CourseAccess:
    user: User | None
    course: Course
    enrolment: Enrolment | None
    teaches: bool

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role == Role.ADMIN

    @property
    def can_teach(self) -> bool:
        """Instructors of this course and admins: preview, moderate, grade."""
        return self.user is not None and teaches_course(self.user.role, self.teaches)

    @property
    def can_view_course(self) -> bool:
        return self.course.is_published or self.can_teach

    @property
    def can_enrol(self) -> bool:
        """Logged-in, not enrolled yet, and not teaching it: the course's staff see it without enrolling."""
        return self.user is not None and self.course.is_published and self.enrolment is None and not self.can_teach

    @property
    def is_enrolled(self) -> bool:
        return self.enrolment is not None

    def can_view_lesson(self, lesson: Lesson) -> bool:
        if lesson.course_id != self.course.id or not self.can_view_course:
            return False
        if self.can_teach:
            return True
        return self.is_enrolled and lesson.retired_at is None

    def can_submit(self, lesson: Lesson) -> bool:
        """Only enrolled learners make progress; staff previewing do not."""
        return self.is_enrolled and lesson.retired_at is None and self.can_view_course


def teaches_course(role: str, named_instructor: bool) -> bool:
    """Who teaches a course: admins, and instructors named on it. A course_instructors row left
    behind by someone no longer an instructor gives nothing. For code that reads the row in its own
    query (e.g. choosing whom to notify) instead of through ``course_access``."""
    return role == Role.ADMIN or (role == Role.INSTRUCTOR and named_instructor)


_NOT_LOADED = object()


def course_access(db: Session, user: User | None, course: Course, enrolment=_NOT_LOADED) -> CourseAccess:
    """Load what the checks need: the user's enrolment and, for instructors, whether they teach.

    A caller that already fetched the enrolment (joined into its own query) passes it.
    """
    if user is None or not user.is_authenticated:
        return CourseAccess(user=None, course=course, enrolment=None, teaches=False)
    if enrolment is _NOT_LOADED:
        enrolment = db.scalar(
            select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        )
    teaches = False
    if user.role == Role.INSTRUCTOR:
        teaches = db.get(CourseInstructor, (course.id, user.id)) is not None
    return CourseAccess(user=user, course=course, enrolment=enrolment, teaches=teaches)


def require_course_view(access: CourseAccess) -> None:
    if not access.can_view_course:
        fail(404, _("This course does not exist."))


def require_lesson_view(access: CourseAccess, lesson: Lesson) -> None:
    require_course_view(access)
    if access.user is None:
        fail(401, _("Please log in to continue."))
    if not access.can_view_lesson(lesson):
        if lesson.retired_at is not None:
            fail(404, _("This lesson has been retired."))
        fail(403, _("Enrol in this course to open its lessons."))


def require_submit(access: CourseAccess, lesson: Lesson) -> None:
    require_lesson_view(access, lesson)
    if not access.can_submit(lesson):
        fail(403, _("Only enrolled learners can submit work in this lesson."))


def require_admin(user: User | None) -> None:
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    if user.role != Role.ADMIN:
        fail(403, _("Only administrators can do this."))
