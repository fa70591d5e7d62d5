"""The core's own admin tabs, dashboard sections, course sections and report columns, as a plugin.

Registered first (``DEFAULT_PLUGINS`` in elearn/plugins/manager.py), in safe mode too, through
the same hooks a third-party plugin uses — as Datasette registers its own features. So what a
plugin can add, the core demonstrably can: the same ordering, the same isolation, and nothing
about groups or the dashboard wired into a template by hand.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from elearn.auth import signup
from elearn.enrolment.programmes import my_programmes
from elearn.groups import service as groups
from elearn.i18n import current_locale
from elearn.learning import outline
from elearn.models import CourseGroup, Enrolment, GroupMember, Lesson, LessonProgress, Module, Status
from elearn.models.groups import CourseGroupSet
from elearn.plugins.hookspecs import hookimpl
from elearn.plugins.lesson_type import NavItem
from elearn.plugins.surfaces import Panel, ReportColumn
from elearn.reports.stalled import my_reminders


@hookimpl
def elearn_settings():
    return signup.SETTINGS


@hookimpl
def elearn_admin_nav(user):
    if not user.is_admin:
        return []
    return [
        NavItem(_("Users"), url_for("admin.users")),
        NavItem(_("Import learners"), url_for("learners.upload")),
        NavItem(_("Instructors"), url_for("admin.courses")),
        NavItem(_("Packs"), url_for("admin.packs")),
        NavItem(_("Plugins"), url_for("admin.plugins")),
        NavItem(_("Programmes"), url_for("enrolment.programmes_page")),
        NavItem(_("Audit log"), url_for("audit.log")),
    ]


@hookimpl
def elearn_dashboard_panels(user, db):
    teaching = outline.courses_taught(db, user) if user.is_staff else []
    courses = outline.my_learning(db, user)
    panels = []
    programmes = my_programmes(db, user)
    if programmes:
        panels.append(Panel("programmes", "panels/programmes.html", {"programmes": programmes}, order=5))
    if teaching:
        panels.append(Panel("teaching", "panels/teaching.html", {"courses": teaching},
                            title=_("Courses you teach"), order=10))
    if courses or not teaching:
        panels.append(Panel("learning", "panels/learning.html", {"courses": courses},
                            title=_("Courses you follow") if teaching and courses else "", order=20))
    held = sorted((c.certificate for c in courses if c.certificate), key=lambda c: (c.issued_at, c.id), reverse=True)
    if held:
        panels.append(Panel("certificates", "panels/certificates.html", {"certificates": held},
                            title=_("Your certificates"), order=25))
    reminders = my_reminders(db, user)
    if reminders:
        panels.append(Panel("reminders", "panels/reminders.html", {"reminders": reminders}, title=_("Reminders"),
                            order=3))
    panels.append(Panel("enrol_code", "panels/enrol_code.html", {}, title=_("Enrol with a code"), order=30))
    return panels


@hookimpl
def elearn_course_panels(user, course, access, db):
    panels = []
    if access.can_teach:
        panels.append(Panel("staff", "panels/course_staff.html", {"is_admin": access.is_admin},
                            title=_("You teach this course"), order=10))
    # The flags came with the course's own row, so a course without groups costs no query here.
    if access.is_enrolled and course.has_groups:
        choices, chosen_sets = [], set()
        if course.has_learner_chosen_groups:
            choices = groups.learner_choices(db, course, user.id)
            chosen_sets = {choice.group_set for choice in choices}
        placed = [row for row in groups.learner_groups(db, course, user.id)
                  if row.group.group_set not in chosen_sets]
        panels.append(Panel("groups", "panels/course_groups.html", {"choices": choices, "placed": placed},
                            order=20))
    return panels


@hookimpl
def elearn_report_columns(course, db):
    columns = [
        ReportColumn("completed_lessons", _("Lessons completed"), _completed_lessons, groupable=False, order=10),
        ReportColumn("course_completed", _("Completed the course"), _course_completed, order=20),
    ]
    # One column per group set of the course ("Group — track"): one query for the sets here.
    sets = db.execute(
        select(CourseGroup.group_set, CourseGroupSet.title_vi, CourseGroupSet.title_en)
        .outerjoin(CourseGroupSet, (CourseGroupSet.course_id == CourseGroup.course_id)
                   & (CourseGroupSet.name == CourseGroup.group_set))
        .where(CourseGroup.course_id == course.id)
        .distinct()
        .order_by(CourseGroup.group_set)
    ).all()
    for name, title_vi, title_en in sets:
        set_title = CourseGroupSet(name=name, title_vi=title_vi or "", title_en=title_en or "")
        columns.append(ReportColumn(f"group:{name}", _("Group — %(set)s", set=_titled(set_title)),
                                    _group_values(name), order=30))
    return columns


def _titled(group_set: CourseGroupSet) -> str:
    return group_set.title_for(current_locale())


def _completed_lessons(db, course, user_ids):
    rows = db.execute(
        select(LessonProgress.user_id, func.count())
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id, Lesson.retired_at.is_(None), Module.retired_at.is_(None),
               LessonProgress.status == Status.COMPLETED, LessonProgress.user_id.in_(user_ids))
        .group_by(LessonProgress.user_id)
    ).all()
    found = {user_id: 0 for user_id in user_ids}
    found.update(dict(rows))
    return found


def _course_completed(db, course, user_ids):
    rows = db.execute(
        select(Enrolment.user_id, Enrolment.completed_at)
        .where(Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids))
    ).all()
    return {user_id: _("yes") if completed_at else _("no") for user_id, completed_at in rows}


def _group_values(group_set: str):
    def values(db, course, user_ids):
        rows = db.execute(
            select(GroupMember.user_id, CourseGroup)
            .join(CourseGroup, CourseGroup.id == GroupMember.group_id)
            .where(GroupMember.course_id == course.id, GroupMember.group_set == group_set,
                   GroupMember.user_id.in_(user_ids))
        ).all()
        locale = current_locale()
        return {user_id: group.title_for(locale) for user_id, group in rows}

    return values

