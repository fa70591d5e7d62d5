"""The rules of course groups, shared by the instructors' page and the API.

Each function takes the request's session and leaves committing to the caller,
so a view can combine several changes in one transaction. Lesson types read the
tables directly (``user_group_ids`` is the one call they usually need).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.auth.names import matching
from elearn.db import insert_if_missing
from elearn.learning.service import get_course
from elearn.models import Course, CourseGroup, CourseGroupSet, Enrolment, GroupMember, User
from elearn.models.groups import GROUP_KEY, GROUP_SET, TITLE_MAX
from elearn.pagination import Page, paginate
from elearn.permissions import CourseAccess, course_access, require_course_view
from elearn.security import fail


@dataclass
class GroupRow:
    """A group with its members (all of them, or the first few by name), for the page and the API."""

    group: CourseGroup
    members: list[User] = field(default_factory=list)
    learners_choose: bool = False  # the setting of the group's set
    settings: CourseGroupSet | None = None  # the set's row (its title), when it has one
    count: int | None = None  # how many members in all, when ``members`` holds only the first few

    @property
    def member_count(self) -> int:
        return len(self.members) if self.count is None else self.count

    def set_title(self, locale: str) -> str:
        """What the set is called ("Địa bàn"), never only its key ("track") when a title exists."""
        return self.settings.title_for(locale) if self.settings is not None else self.group.group_set


@dataclass
class Choice:
    """A set whose learners choose their own group: its groups, and the one the learner is in (if any)."""

    group_set: str
    settings: CourseGroupSet
    groups: list[CourseGroup] = field(default_factory=list)
    chosen_id: int | None = None

    def title_for(self, locale: str) -> str:
        return self.settings.title_for(locale)


def course_for(db: Session, user: User | None, slug: str) -> tuple[Course, CourseAccess]:
    """The course and the caller's access; a course the caller may not see is a 404."""
    course = get_course(db, slug)
    access = course_access(db, user, course)
    require_course_view(access)
    return course, access


def staff_course(db: Session, user: User | None, slug: str) -> Course:
    """The course, for its instructors and admins only (401 anonymous, 404 hidden, 403 others)."""
    if user is None or not user.is_authenticated:
        fail(401, _("Please log in to continue."))
    course, access = course_for(db, user, slug)
    if not access.can_teach:
        fail(403, _("Only the course's instructors can manage its groups."))
    return course


def create_group(
    db: Session, course: Course, group_set: str, key: str, title_vi: str, title_en: str = ""
) -> CourseGroup:
    group_set, key, title_vi, title_en = group_set.strip(), key.strip(), title_vi.strip(), title_en.strip()
    if not GROUP_SET.fullmatch(group_set):
        fail(400, _("The group set must be 1 to 50 lowercase letters, digits or hyphens (for example “track”)."))
    if not GROUP_KEY.fullmatch(key):
        fail(400, _("The group key must be 1 to 100 lowercase letters, digits or hyphens (for example “rural”)."))
    if not title_vi or len(title_vi) > TITLE_MAX or len(title_en) > TITLE_MAX:
        fail(400, ngettext("The Vietnamese title is required; titles have at most %(num)d character.",
                           "The Vietnamese title is required; titles have at most %(num)d characters.", TITLE_MAX))
    group = CourseGroup(course_id=course.id, group_set=group_set, key=key, title_vi=title_vi, title_en=title_en)
    ensure_group_set(db, course, group_set)
    try:
        # The unique constraint, not a prior SELECT, decides: two instructors may create it at once.
        with db.begin_nested():
            db.add(group)
    except IntegrityError:
        fail(409, _("The set “%(set)s” already has a group “%(key)s”.", set=group_set, key=key))
    return group


def ensure_group_set(db: Session, course: Course, name: str) -> CourseGroupSet:
    """The set's settings row, made (learners not choosing) if missing; two requests may make it at once."""
    insert_if_missing(db, CourseGroupSet, ["course_id", "name"], course_id=course.id, name=name, learners_choose=False)
    return db.scalar(select(CourseGroupSet).where(CourseGroupSet.course_id == course.id, CourseGroupSet.name == name))


def set_title(db: Session, course: Course, name: str, locale: str) -> str:
    """What learners read for the set ``name`` ("Địa bàn"), or its name when it has no title."""
    settings = db.scalar(select(CourseGroupSet).where(CourseGroupSet.course_id == course.id,
                                                      CourseGroupSet.name == name))
    return settings.title_for(locale) if settings is not None else name


def set_learners_choose(db: Session, course: Course, name: str, learners_choose: bool) -> CourseGroupSet:
    """Let the learners of a set choose their group, or leave it to the instructors; only for an existing set."""
    exists = db.scalar(
        select(CourseGroup.id).where(CourseGroup.course_id == course.id, CourseGroup.group_set == name).limit(1)
    )
    if exists is None:
        fail(404, _("This course has no such group set."))
    group_set = ensure_group_set(db, course, name)
    group_set.learners_choose = learners_choose
    db.flush()
    return group_set


def get_group(db: Session, course: Course, group_id: int) -> CourseGroup:
    """A group of this course; another course's group is as unknown as a missing one."""
    group = db.get(CourseGroup, group_id)
    if group is None or group.course_id != course.id:
        fail(404, _("This course has no such group."))
    return group


def assign(db: Session, course: Course, user: User, group: CourseGroup) -> GroupMember:
    """Put ``user`` in ``group``, moving them out of any other group of the same set; repeating it is harmless."""
    if group.course_id != course.id:
        fail(404, _("This course has no such group."))
    enrolled = db.scalar(
        select(Enrolment.user_id).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if enrolled is None:
        fail(409, _("%(name)s is not enrolled in this course, so cannot join its groups.", name=user.name))
    for _attempt in range(2):
        member = _membership(db, course.id, group.group_set, user.id)
        if member is not None:
            member.group_id = group.id  # a move keeps the row, so the one-per-set constraint always holds
            db.flush()
            return member
        member = GroupMember(group_id=group.id, user_id=user.id, course_id=course.id, group_set=group.group_set)
        try:
            # Two assignments at once: the loser finds the winner's row on the second pass and moves it.
            with db.begin_nested():
                db.add(member)
        except IntegrityError:
            continue
        return member
    fail(409, _("The groups changed at the same time. Please try again."))


def choose_group(db: Session, course: Course, user: User, group: CourseGroup) -> GroupMember:
    """A learner puts themself in ``group`` (moving within its set), if the set lets learners choose;
    ``assign`` then applies the same rules as for instructors (enrolled learners only)."""
    if group.course_id != course.id:
        fail(404, _("This course has no such group."))
    learners_choose = db.scalar(
        select(CourseGroupSet.learners_choose).where(
            CourseGroupSet.course_id == course.id, CourseGroupSet.name == group.group_set
        )
    )
    if not learners_choose:
        fail(403, _("The instructors place learners in the groups of this set."))
    return assign(db, course, user, group)


def learner_choices(db: Session, course: Course, user_id: int) -> list[Choice]:
    """The sets a learner may choose in, with their groups and the learner's current one, in one query."""
    rows = db.execute(
        select(CourseGroup, GroupMember.group_id, CourseGroupSet)
        .join(CourseGroupSet, _set_of(CourseGroup))
        .outerjoin(GroupMember, (GroupMember.group_id == CourseGroup.id) & (GroupMember.user_id == user_id))
        .where(CourseGroup.course_id == course.id, CourseGroupSet.learners_choose.is_(True))
        .order_by(CourseGroup.group_set, CourseGroup.title_vi, CourseGroup.key)
    ).all()
    choices: dict[str, Choice] = {}
    for group, member_group_id, settings in rows:
        choice = choices.setdefault(group.group_set, Choice(group.group_set, settings))
        choice.groups.append(group)
        if member_group_id is not None:
            choice.chosen_id = member_group_id
    return list(choices.values())


def unassign(db: Session, course: Course, user: User, group: CourseGroup) -> bool:
    """Take ``user`` out of ``group``; False when they were not in it. Only out of that group: a
    learner someone has since moved to another group of the set stays where they were moved."""
    result = db.execute(
        delete(GroupMember).where(
            GroupMember.course_id == course.id, GroupMember.group_id == group.id, GroupMember.user_id == user.id
        )
    )
    return result.rowcount > 0


def get_user(db: Session, user_id: int | None) -> User:
    user = db.get(User, user_id or 0)
    if user is None:
        fail(404, _("There is no such user."))
    return user


def groups_of_course(db: Session, course: Course, members_shown: int | None = None) -> list[GroupRow]:
    """Every group of the course with its set's settings and its members by name, in two queries.

    With ``members_shown``, only that many members of each group are loaded (and ``count`` says
    how many it has): a class of a thousand makes a page of the same size as a class of ten.
    """
    groups = db.execute(
        select(CourseGroup, CourseGroupSet)
        .outerjoin(CourseGroupSet, _set_of(CourseGroup))
        .where(CourseGroup.course_id == course.id)
        .order_by(CourseGroup.group_set, CourseGroup.title_vi, CourseGroup.key)
    ).all()
    rows = {
        group.id: GroupRow(group, learners_choose=bool(settings and settings.learners_choose), settings=settings)
        for group, settings in groups
    }
    if members_shown is None:
        members = db.execute(
            select(GroupMember.group_id, User)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.course_id == course.id)
            .order_by(User.name, User.id)
        ).all()
        for group_id, user in members:
            rows[group_id].members.append(user)
        return list(rows.values())
    ranked = (
        select(
            GroupMember.group_id,
            GroupMember.user_id,
            func.row_number().over(partition_by=GroupMember.group_id, order_by=(User.name, User.id)).label("rank"),
            func.count().over(partition_by=GroupMember.group_id).label("total"),
        )
        .join(User, User.id == GroupMember.user_id)
        .where(GroupMember.course_id == course.id)
        .subquery()
    )
    members = db.execute(
        select(ranked.c.group_id, ranked.c.total, User)
        .join(User, User.id == ranked.c.user_id)
        .where(ranked.c.rank <= members_shown)
        .order_by(ranked.c.group_id, ranked.c.rank)
    ).all()
    for row in rows.values():
        row.count = 0
    for group_id, total, user in members:
        rows[group_id].members.append(user)
        rows[group_id].count = total
    return list(rows.values())


def group_members(db: Session, course: Course, group: CourseGroup, query: str, page) -> Page:
    """One page of a group's members by name, those whose name or email contains ``query``."""
    members = (
        select(User)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.course_id == course.id, GroupMember.group_id == group.id)
        .order_by(User.name, User.id)
    )
    return paginate(db, matching(members, query), page, args={"q": query})


def learners_to_place(db: Session, course: Course, query: str, page, per_page: int = 20) -> Page:
    """One page of the enrolled learners by name (those matching ``query``), for placing in groups;
    not counted, so the groups page keeps its few queries."""
    learners = (
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id == course.id)
        .order_by(User.name, User.id)
    )
    return paginate(db, matching(learners, query), page, per_page=per_page, args={"q": query}, count=False)


def groups_of_user(db: Session, user_id: int, course_id: int) -> list[CourseGroup]:
    """The groups a learner is in, one per set at most: what a learner may know of the groups."""
    return list(
        db.scalars(
            select(CourseGroup)
            .join(GroupMember, GroupMember.group_id == CourseGroup.id)
            .where(GroupMember.user_id == user_id, GroupMember.course_id == course_id)
            .order_by(CourseGroup.group_set)
        )
    )


def learner_groups(db: Session, course: Course, user_id: int) -> list[GroupRow]:
    """The groups a learner is in, with their sets' titles (one query): for the learner's course page."""
    rows = db.execute(
        select(CourseGroup, CourseGroupSet)
        .join(GroupMember, GroupMember.group_id == CourseGroup.id)
        .outerjoin(CourseGroupSet, _set_of(CourseGroup))
        .where(GroupMember.user_id == user_id, GroupMember.course_id == course.id)
        .order_by(CourseGroup.group_set)
    ).all()
    return [GroupRow(group, learners_choose=bool(settings and settings.learners_choose), settings=settings)
            for group, settings in rows]


def user_group_ids(db: Session, user_id: int, course_id: int) -> dict[str, int]:
    """``{group set: group id}`` of a learner in a course: how a lesson type filters by group."""
    rows = db.execute(
        select(GroupMember.group_set, GroupMember.group_id).where(
            GroupMember.user_id == user_id, GroupMember.course_id == course_id
        )
    )
    return {group_set: group_id for group_set, group_id in rows}


def _set_of(group):
    """The join condition from groups to their set's settings row."""
    return (CourseGroupSet.course_id == group.course_id) & (CourseGroupSet.name == group.group_set)


def _membership(db: Session, course_id: int, group_set: str, user_id: int) -> GroupMember | None:
    return db.scalar(
        select(GroupMember).where(
            GroupMember.course_id == course_id, GroupMember.group_set == group_set, GroupMember.user_id == user_id
        )
    )
