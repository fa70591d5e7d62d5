"""Who manages codes and programmes: a course's instructors its codes; administrators the programmes."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearn.learning.service import get_course
from elearn.models import Course, Role, User
from elearn.permissions import course_access, require_course_view
from elearn.security import fail


def code_course(db: Session, user: User | None, slug: str) -> Course:
    """The course, for its instructors and admins (401 anonymous, 404 hidden, 403 anyone else)."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    course = get_course(db, slug)
    access = course_access(db, user, course)
    require_course_view(access)
    if not access.can_teach:
        fail(403, _("Only the course's instructors can manage its enrolment codes."))
    return course


def require_programme_staff(user: User | None) -> None:
    """Programmes and cohorts span courses and enrol people by the hundred: administrators only."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    if user.role != Role.ADMIN:
        fail(403, _("Only administrators can manage programmes and cohorts."))
