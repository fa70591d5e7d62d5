"""Who may read which reports: one rule for the pages, the API and the CSV/XLSX files.

Administrators read everything; an instructor the courses they teach (all their learners); an
area's staff (an instructor given an area) the learners of their area, in any course; a learner
none of these (only their own grades, ``/me/grades``). The rule is a SQL condition on the
enrolments a report reads (``ReportScope.condition``), so a report never loads a row it must hide:
an area's staff never see another area's learners, whatever the filter they send.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from elearn.models import AdminUnit, Cooperative, Course, CourseInstructor, Enrolment, LearnerProfile, Role, User
from elearn.organisations.access import OrgAccess, staff_areas
from elearn.security import fail


@dataclass(frozen=True)
class ReportScope:
    """``everything`` for administrators; else the courses taught and the areas held."""

    user: User
    everything: bool = False
    taught: frozenset[int] = frozenset()
    areas: frozenset[int] = frozenset()
    learner: int | None = None  # a learner reading their own grades: their enrolments only

    def condition(self, course_id: int | None = None):
        """The enrolments this user may read, on ``Enrolment`` and the learner's unit (``AdminUnit``,
        outer-joined through the profile's cooperative); None: no condition. With ``course_id``,
        the condition for that one course (teaching it opens all its learners)."""
        if self.learner is not None:
            return Enrolment.user_id == self.learner
        if self.everything or (course_id is not None and course_id in self.taught):
            return None
        parts = []
        if self.taught and course_id is None:
            parts.append(Enrolment.course_id.in_(sorted(self.taught)))
        if self.areas:
            parts.append(OrgAccess(self.user, self.areas).unit_filter())
        return or_(*parts) if parts else false()

    def may_read_course(self, course: Course) -> bool:
        return self.everything or course.id in self.taught or bool(self.areas)


def report_scope(db: Session, user: User | None) -> ReportScope:
    """The caller's reach, or a 401 (not logged in) / 403 (a learner, an instructor of nothing)."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    if user.role == Role.ADMIN:
        return ReportScope(user, everything=True)
    if user.role == Role.INSTRUCTOR:
        taught = frozenset(db.scalars(select(CourseInstructor.course_id).where(CourseInstructor.user_id == user.id)))
        areas = staff_areas(db, user.id)
        if taught or areas:
            return ReportScope(user, taught=taught, areas=areas)
    fail(403, _("Only administrators, instructors and the Alliance staff of an area can read reports."))


def course_scope(db: Session, user: User | None, course: Course) -> ReportScope:
    """``report_scope``, refused (403) for a course the caller neither teaches nor reaches by area."""
    scope = report_scope(db, user)
    if not scope.may_read_course(course):
        fail(403, _("Only the course's instructors and the Alliance staff of an area can see its gradebook."))
    return scope


def with_learner_unit(query: Select) -> Select:
    """``query`` (on ``Enrolment``) joined to the learner's profile, cooperative and unit, outer:
    a learner without a profile or cooperative is still counted (in no unit), and is outside every
    area, so an area's staff do not see them."""
    return (query.outerjoin(LearnerProfile, LearnerProfile.user_id == Enrolment.user_id)
            .outerjoin(Cooperative, Cooperative.id == LearnerProfile.cooperative_id)
            .outerjoin(AdminUnit, AdminUnit.id == Cooperative.unit_id))
