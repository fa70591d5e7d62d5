"""Programmes (ordered courses with prerequisites and target dates) and the cohorts that follow them.

A programme's prerequisites bind the learners of its cohorts: a course whose required courses they
have not completed is locked for them (its page, its lessons and enrolling answer 409 naming what to
complete first). Adding a learner to a cohort enrols them in every course of the programme in one
step, locked ones included, so the dashboard shows the whole path; a course added to the programme
later is added to its cohorts' learners too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from elearn import audit
from elearn.clock import utcnow
from elearn.learning.outline import CourseProgress, LessonRow, lesson_rows
from elearn.models import (
    Cohort,
    CohortMember,
    Course,
    Enrolment,
    Programme,
    ProgrammeCourse,
    ProgrammePrerequisite,
    Role,
    User,
)
from elearn.security import fail

TITLE_MAX = 300


# -- the lock --------------------------------------------------------------------------------


def missing_prerequisites(db: Session, user: User, course_id: int) -> list[Course]:
    """The courses ``user`` must complete before ``course_id``, by the programmes of their cohorts: one query."""
    rows = db.execute(
        select(Course)
        .join(ProgrammePrerequisite, ProgrammePrerequisite.required_course_id == Course.id)
        .join(Cohort, Cohort.programme_id == ProgrammePrerequisite.programme_id)
        .join(CohortMember, and_(CohortMember.cohort_id == Cohort.id, CohortMember.user_id == user.id))
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .where(ProgrammePrerequisite.course_id == course_id, Enrolment.completed_at.is_(None))
        .order_by(Course.title_vi)
        .distinct()
    ).scalars()
    return list(rows)


def titles(courses: list[Course], locale: str) -> str:
    return ", ".join(f"“{course.title_for(locale)}”" for course in courses)


def require_unlocked(db: Session, user: User, course: Course) -> None:
    """409 naming what to complete first, when a programme ``user`` follows locks ``course`` for them.

    Free for a course no programme puts a prerequisite on, when the caller loaded the course with
    ``has_prerequisites`` (``undefer``)."""
    if not course.has_prerequisites:
        return
    missing = missing_prerequisites(db, user, course.id)
    if missing:
        from elearn.i18n import current_locale

        fail(409, _("This course opens once you have completed %(courses)s.",
                    courses=titles(missing, current_locale())))


# -- programmes ------------------------------------------------------------------------------


@dataclass
class PlannedCourse:
    """A course as a programme's editor gives it: the course, its target date, what it requires."""

    course_slug: str
    target_date: date | None = None
    requires: list[str] = field(default_factory=list)


def _titles_checked(title_vi: str, title_en: str) -> tuple[str, str]:
    title_vi, title_en = (title_vi or "").strip(), (title_en or "").strip()
    if not title_vi or len(title_vi) > TITLE_MAX or len(title_en) > TITLE_MAX:
        fail(400, _("The Vietnamese title is required; titles have at most %(num)d characters.", num=TITLE_MAX))
    return title_vi, title_en


def create_programme(db: Session, title_vi: str, title_en: str = "",
                     courses: list[PlannedCourse] | None = None) -> Programme:
    title_vi, title_en = _titles_checked(title_vi, title_en)
    programme = Programme(title_vi=title_vi, title_en=title_en, created_at=utcnow())
    db.add(programme)
    db.flush()
    set_courses(db, programme, courses or [])
    return programme


def update_programme(db: Session, programme: Programme, title_vi: str, title_en: str,
                     courses: list[PlannedCourse]) -> Programme:
    programme.title_vi, programme.title_en = _titles_checked(title_vi, title_en)
    set_courses(db, programme, courses)
    return programme


def set_courses(db: Session, programme: Programme, planned: list[PlannedCourse]) -> None:
    """Replace the programme's courses (in this order) and prerequisites, which must be earlier in it;
    the cohorts' learners are enrolled in any course new to the programme."""
    slugs = [item.course_slug for item in planned]
    if len(set(slugs)) != len(slugs):
        # Well-formed bodies the programme's rules refuse are conflicts (409), as the API's contract has it.
        fail(409, _("A course can be in a programme only once."))
    found = {course.slug: course for course in db.scalars(select(Course).where(Course.slug.in_(slugs)))}
    for slug in slugs:
        if slug not in found:
            fail(404, _("There is no course “%(slug)s”.", slug=slug))
    earlier: set[str] = set()
    for item in planned:
        for required in item.requires:
            if required not in earlier:
                fail(409, _("“%(course)s” can only require courses placed before it in the programme.",
                            course=item.course_slug))
        earlier.add(item.course_slug)
    db.execute(delete(ProgrammePrerequisite).where(ProgrammePrerequisite.programme_id == programme.id))
    db.execute(delete(ProgrammeCourse).where(ProgrammeCourse.programme_id == programme.id))
    for position, item in enumerate(planned):
        course = found[item.course_slug]
        db.add(ProgrammeCourse(programme_id=programme.id, course_id=course.id, position=position,
                               target_date=item.target_date))
        for required in dict.fromkeys(item.requires):
            db.add(ProgrammePrerequisite(programme_id=programme.id, course_id=course.id,
                                         required_course_id=found[required].id))
    db.flush()
    members = db.scalars(
        select(CohortMember.user_id).join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.programme_id == programme.id).distinct()
    ).all()
    _enrol_all(db, list(members), [found[slug].id for slug in slugs])


def get_programme(db: Session, programme_id: int) -> Programme:
    programme = db.get(Programme, programme_id)
    if programme is None:
        fail(404, _("There is no such programme."))
    return programme


def all_programmes(db: Session) -> list[Programme]:
    return list(db.scalars(select(Programme).order_by(Programme.title_vi, Programme.id)))


@dataclass
class ProgrammeItem:
    link: ProgrammeCourse
    course: Course
    requires: list[Course] = field(default_factory=list)

    def requires_text(self, locale: str) -> str:
        return titles(self.requires, locale)


def programme_courses(db: Session, programme: Programme) -> list[ProgrammeItem]:
    """The programme's courses in order, each with the courses it requires: two queries."""
    items = [
        ProgrammeItem(link, course)
        for link, course in db.execute(
            select(ProgrammeCourse, Course).join(Course, Course.id == ProgrammeCourse.course_id)
            .where(ProgrammeCourse.programme_id == programme.id).order_by(ProgrammeCourse.position)
        )
    ]
    by_id = {item.course.id: item for item in items}
    for course_id, required_id in db.execute(
        select(ProgrammePrerequisite.course_id, ProgrammePrerequisite.required_course_id)
        .where(ProgrammePrerequisite.programme_id == programme.id)
    ):
        by_id[course_id].requires.append(by_id[required_id].course)
    return items


def cohorts_of(db: Session, programme: Programme) -> list[Cohort]:
    return list(db.scalars(select(Cohort).where(Cohort.programme_id == programme.id).order_by(Cohort.name)))


# -- cohorts ---------------------------------------------------------------------------------


def create_cohort(db: Session, programme: Programme, name: str) -> Cohort:
    name = (name or "").strip()
    if not name or len(name) > TITLE_MAX:
        fail(400, _("A cohort needs a name of at most %(num)d characters.", num=TITLE_MAX))
    cohort = Cohort(programme_id=programme.id, name=name, created_at=utcnow())
    db.add(cohort)
    db.flush()
    return cohort


def get_cohort(db: Session, cohort_id: int) -> Cohort:
    cohort = db.get(Cohort, cohort_id)
    if cohort is None:
        fail(404, _("There is no such cohort."))
    return cohort


def add_members(db: Session, cohort: Cohort, user_ids: list[int], actor: User | None = None) -> int:
    """Put learners in the cohort and enrol them in every course of its programme, in one step;
    returns how many were new to the cohort. Learners already in it, or enrolled already, are kept as they are.
    Recorded in the audit log as done by ``actor``."""
    user_ids = list(dict.fromkeys(user_ids))
    found = dict(db.execute(select(User.id, User.role).where(User.id.in_(user_ids))).all())
    for user_id in user_ids:
        if user_id not in found:
            fail(404, _("There is no such user."))
        if found[user_id] != Role.LEARNER:
            fail(409, _("Only learners can be members of a cohort."))
    added = _insert_missing(db, CohortMember, ["cohort_id", "user_id"],
                            [{"cohort_id": cohort.id, "user_id": user_id, "added_at": utcnow()}
                             for user_id in user_ids])
    course_ids = db.scalars(select(ProgrammeCourse.course_id)
                            .where(ProgrammeCourse.programme_id == cohort.programme_id)).all()
    _enrol_all(db, user_ids, list(course_ids))
    if added:
        audit.record(db, actor, "enrolment.by_staff", subject_type="cohort", subject_id=cohort.id,
                     summary=f"{cohort.name}: +{added}", details={"user_ids": user_ids, "course_ids": list(course_ids)})
    return added


def remove_member(db: Session, cohort: Cohort, user_id: int) -> bool:
    """Out of the cohort (its prerequisites no longer bind them); their enrolments and progress stay."""
    return db.execute(
        delete(CohortMember).where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id)
    ).rowcount > 0


def cohort_members(db: Session, cohort: Cohort) -> list[User]:
    return list(db.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id).order_by(User.name, User.id)
    ))


def _enrol_all(db: Session, user_ids: list[int], course_ids: list[int]) -> None:
    now = utcnow()
    _insert_missing(db, Enrolment, ["user_id", "course_id"],
                    [{"user_id": u, "course_id": c, "enrolled_at": now} for u in user_ids for c in course_ids])


def _insert_missing(db: Session, model, conflict: list[str], rows: list[dict]) -> int:
    """One INSERT ... ON CONFLICT DO NOTHING for all ``rows``: two staff adding the same learners at
    once, or a learner enrolled already, leave one row each. Returns the rows inserted."""
    if not rows:
        return 0
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(rows).on_conflict_do_nothing(index_elements=conflict)
    return len(db.execute(statement.returning(*model.__table__.primary_key.columns)).all())


# -- the learner's view ----------------------------------------------------------------------

LOCKED = "locked"


@dataclass
class ProgrammeStep:
    """A course of a programme as one learner stands in it."""

    link: ProgrammeCourse
    progress: CourseProgress
    missing: list[Course] = field(default_factory=list)

    @property
    def course(self) -> Course:
        return self.progress.course

    def missing_text(self, locale: str) -> str:
        """What to complete first, as the lock's message names it: “A”, “B”."""
        return titles(self.missing, locale)

    @property
    def state(self) -> str:
        """locked, completed, in_progress, not_started (or not_enrolled, when taken out of the course)."""
        if self.missing:
            return LOCKED
        enrolment = self.progress.enrolment
        if enrolment is None:
            return "not_enrolled"
        if enrolment.completed_at is not None:
            return "completed"
        return "in_progress" if self.progress.completed else "not_started"

    @property
    def next_lesson(self) -> LessonRow | None:
        return None if self.missing or self.progress.enrolment is None else self.progress.next_lesson


@dataclass
class ProgrammeView:
    programme: Programme
    cohorts: list[str]
    steps: list[ProgrammeStep] = field(default_factory=list)

    @property
    def next_step(self) -> ProgrammeStep | None:
        """What to do next: the first course, in order, neither completed nor locked."""
        return next((step for step in self.steps if step.state in ("in_progress", "not_started")), None)

    @property
    def completed(self) -> int:
        return sum(1 for step in self.steps if step.state == "completed")


def my_programmes(db: Session, user: User) -> list[ProgrammeView]:
    """The programmes of ``user``'s cohorts, each course with its state, target date and next lesson.

    Three queries whatever the number of programmes and courses (one when in no cohort): the
    dashboard's programmes panel and ``GET /api/v1/me/programmes``.
    """
    rows = db.execute(
        select(Programme, Cohort.name, ProgrammeCourse, Course, Enrolment)
        .join(Cohort, Cohort.programme_id == Programme.id)
        .join(CohortMember, and_(CohortMember.cohort_id == Cohort.id, CohortMember.user_id == user.id))
        .join(ProgrammeCourse, ProgrammeCourse.programme_id == Programme.id)
        .join(Course, Course.id == ProgrammeCourse.course_id)
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .order_by(Programme.title_vi, Programme.id, ProgrammeCourse.position, Cohort.name)
    ).all()
    if not rows:
        return []
    views: dict[int, ProgrammeView] = {}
    seen: set[tuple[int, int]] = set()
    pending = []
    for programme, cohort_name, link, course, enrolment in rows:
        view = views.setdefault(programme.id, ProgrammeView(programme, []))
        if cohort_name not in view.cohorts:
            view.cohorts.append(cohort_name)
        if (programme.id, link.id) in seen:  # the same programme through two cohorts
            continue
        seen.add((programme.id, link.id))
        pending.append((view, link, course, enrolment))
    course_ids = list({course.id for _v, _l, course, _e in pending})
    lessons = lesson_rows(db, course_ids, user)
    steps: dict[tuple[int, int], ProgrammeStep] = {}
    done: set[int] = set()
    courses: dict[int, Course] = {}
    for view, link, course, enrolment in pending:
        step = ProgrammeStep(link, CourseProgress(course, enrolment, lessons[course.id]))
        view.steps.append(step)
        steps[(view.programme.id, course.id)] = step
        courses[course.id] = course
        if enrolment is not None and enrolment.completed_at is not None:
            done.add(course.id)
    for programme_id, course_id, required_id in db.execute(
        select(ProgrammePrerequisite.programme_id, ProgrammePrerequisite.course_id,
               ProgrammePrerequisite.required_course_id)
        .where(ProgrammePrerequisite.programme_id.in_(list(views)))
        .order_by(ProgrammePrerequisite.required_course_id)
    ):
        step = steps.get((programme_id, course_id))
        if step is not None and required_id not in done:
            step.missing.append(courses[required_id])
    return list(views.values())
