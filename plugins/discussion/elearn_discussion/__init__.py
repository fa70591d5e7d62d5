"""The ``discussion`` lesson type: practitioner-moderated case discussions.

Registered through the ``elearn.plugins`` entry point like any other plugin.
"""

from elearn.plugin_api import hookimpl

ELEARN_PLUGIN_API = ">=1,<2"


@hookimpl
def elearn_lesson_types():
    from elearn_discussion.lesson import DiscussionLesson

    return [DiscussionLesson()]


@hookimpl
def elearn_blueprints():
    from elearn_discussion.views import bp

    return [bp]


@hookimpl
def elearn_api_blueprints():
    from elearn_discussion.api import api

    return [api]


@hookimpl
def elearn_user_menu(user):
    """Notifications for everyone; the dashboard for instructors. No query: counts are on the pages."""
    from flask import url_for
    from flask_babel import gettext as _

    from elearn.plugin_api import NavItem, Role

    items = [NavItem(_("Notifications"), url_for("discussion.notifications"))]
    if user.role in (Role.INSTRUCTOR, Role.ADMIN):
        items.append(NavItem(_("Discussions to moderate"), url_for("discussion.dashboard")))
    return items


@hookimpl
def elearn_tasks():
    """The daily email digest (a periodic task) and the one-user job it starts for each recipient."""
    from elearn_discussion.digest import TASKS

    return TASKS


@hookimpl
def elearn_commands():
    """``elearn discussion-digest``: the email digest now, by hand (the job queue sends it daily)."""
    from elearn_discussion.digest import discussion_digest

    return [discussion_digest]


@hookimpl
def elearn_message_senders():
    """The digest's SMTP server, when one is configured, carries the core's e-mails too (sign-in codes)."""
    from flask import current_app

    from elearn_discussion.digest import smtp_sender

    sender = smtp_sender(current_app.config)
    return [sender] if sender else []


@hookimpl
def elearn_notification_channels():
    """The in-app list of notifications: replies, moderation, syntheses reach users through it."""
    from elearn_discussion.notify import InAppChannel

    return [InAppChannel()]


@hookimpl
def elearn_report_columns(course, db):
    """A participation column per discussion graded by a rubric: its scores reach the gradebook."""
    from elearn_discussion.scores import score_columns

    return score_columns(db, course)
