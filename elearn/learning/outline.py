"""Reading courses and progress in a fixed, small number of queries.

Each function here issues one or two SQL statements whatever the number of
courses or lessons, so pages built from them stay fast as content grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from elearn.models import (
    Certificate,
    Course,
    CourseInstructor,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Role,
    Status,
    User,
)


@dataclass
class LessonRow:
    id: int
    course_id: int
    module_id: int
    key: str
    type_name: str
    title_vi: str
    title_en: str
    status: Status = Status.NOT_STARTED
    score: float | None = None
    content_languages: list[str] = field(default_factory=lambda: ["vi"])

    def title_for(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_vi


@dataclass
class CourseProgress:
    """A course seen by one learner: counts, fraction done and what to do next."""

    course: Course
    enrolment: Enrolment | None
    lessons: list[LessonRow] = field(default_factory=list)
    certificate: Certificate | None = None  # the valid one, read with the enrolment (``my_learning``)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def completed(self) -> int:
        return sum(1 for row in self.lessons if row.status == Status.COMPLETED)

    @property
    def fraction(self) -> float:
        return self.completed / self.total if self.total else 0.0

    @property
    def next_lesson(self) -> LessonRow | None:
        return next((row for row in self.lessons if row.status != Status.COMPLETED), None)

    @property
    def has_new_material(self) -> bool:
        """Completed once, but lessons were added since."""
        return bool(self.enrolment and self.enrolment.completed_at and self.next_lesson)


def active_lessons() -> Select:
    """Lessons learners follow, in course order: module position, then lesson position."""
    return (
        select(
            Lesson.id,
            Lesson.course_id,
            Lesson.module_id,
            Lesson.key,
            Lesson.type_name,
            Lesson.title_vi,
            Lesson.title_en,
            Lesson.content_languages,
        )
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.retired_at.is_(None), Module.retired_at.is_(None))
        .order_by(Lesson.course_id, Module.position, Lesson.position, Lesson.id)
    )


# Built once: pages run these on every request with new parameters only.
_COURSE_LESSONS = active_lessons().where(Lesson.course_id.in_(bindparam("course_ids", expanding=True)))
_COURSE_LESSONS_WITH_PROGRESS = _COURSE_LESSONS.add_columns(LessonProgress.status, LessonProgress.score).outerjoin(
    LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == bindparam("user_id"))
)


def lesson_rows(db: Session, course_ids: list[int], user: User | None) -> dict[int, list[LessonRow]]:
    """Every active lesson of these courses, with this user's status: one query."""
    if not course_ids:
        return {}
    if user is None:
        result = db.execute(_COURSE_LESSONS, {"course_ids": course_ids})
    else:
        result = db.execute(_COURSE_LESSONS_WITH_PROGRESS, {"course_ids": course_ids, "user_id": user.id})
    found: dict[int, list[LessonRow]] = {course_id: [] for course_id in course_ids}
    for row in result:
        values = row._mapping
        found[values["course_id"]].append(
            LessonRow(
                id=values["id"],
                course_id=values["course_id"],
                module_id=values["module_id"],
                key=values["key"],
                type_name=values["type_name"],
                title_vi=values["title_vi"],
                title_en=values["title_en"],
                status=values.get("status") or Status.NOT_STARTED,
                score=values.get("score"),
                content_languages=values["content_languages"],
            )
        )
    return found


def catalogue(db: Session, user: User | None, include_unpublished: bool = False) -> list[CourseProgress]:
    """Courses on offer, with lesson counts and, for a logged-in user, their progress."""
    query = select(Course).order_by(Course.title_vi)
    if not include_unpublished:
        query = query.where(Course.is_published)
    courses = list(db.scalars(query))
    enrolments = _enrolments(db, user)
    rows = lesson_rows(db, [c.id for c in courses], user)
    return [CourseProgress(c, enrolments.get(c.id), rows[c.id]) for c in courses]


def my_learning(db: Session, user: User) -> list[CourseProgress]:
    """The courses ``user`` is enrolled in, most recent first, with the next lesson of each and the
    course's valid certificate: the certificate is read in the same statement as the enrolment, so the
    dashboard's certificates cost no query of their own."""
    triples = db.execute(
        select(Course, Enrolment, Certificate)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .outerjoin(Certificate, and_(Certificate.user_id == Enrolment.user_id, Certificate.course_id == Course.id,
                                     Certificate.revoked_at.is_(None), Certificate.replaced_by_id.is_(None)))
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at.desc(), Course.id)
    ).all()
    rows = lesson_rows(db, [course.id for course, _, _ in triples], user)
    return [CourseProgress(course, enrolment, rows[course.id], certificate)
            for course, enrolment, certificate in triples]


def courses_taught(db: Session, user: User) -> list[Course]:
    """The courses ``user`` teaches, by title: every course for an administrator, the named ones
    for an instructor (published or not). One query."""
    query = select(Course).order_by(Course.title_vi, Course.id)
    if user.role != Role.ADMIN:
        query = query.join(CourseInstructor, CourseInstructor.course_id == Course.id).where(
            CourseInstructor.user_id == user.id
        )
    return list(db.scalars(query))


def course_modules(db: Session, course: Course) -> list[Module]:
    return list(
        db.scalars(
            select(Module)
            .where(Module.course_id == course.id, Module.retired_at.is_(None))
            .order_by(Module.position, Module.id)
        )
    )


def _enrolments(db: Session, user: User | None) -> dict[int, Enrolment]:
    if user is None:
        return {}
    return {e.course_id: e for e in db.scalars(select(Enrolment).where(Enrolment.user_id == user.id))}


def remaining_lessons(db: Session, user: User, course_id: int) -> int:
    """How many active lessons of the course ``user`` has not completed."""
    done = (
        select(LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, LessonProgress.status == Status.COMPLETED)
        .scalar_subquery()
    )
    return (
        db.scalar(
            select(func.count(Lesson.id))
            .join(Module, Module.id == Lesson.module_id)
            .where(
                Lesson.course_id == course_id,
                Lesson.retired_at.is_(None),
                Module.retired_at.is_(None),
                Lesson.id.not_in(done),
            )
        )
        or 0
    )
