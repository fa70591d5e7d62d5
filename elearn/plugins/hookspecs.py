"""Every hook a plugin can implement. This module is the extension surface.

A plugin is any importable module or package registered in the
``elearn.plugins`` entry-point group. It implements some of these hooks with
``@elearn.hookimpl``, naming only the arguments it needs. Besides hooks, a
plugin package may carry folders the core picks up by convention:

- ``templates/`` — Jinja templates, addressed as ``"<plugin name>/<file>"``;
- ``static/`` — files served at ``/static/x/<plugin name>/<file>``;
- ``translations/`` — Babel catalogues merged with the core's;
- ``migrations/`` — Alembic revisions for the plugin's own tables.

Each implementation is called on its own: one that raises is logged and
skipped, and never stops the other plugins or the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from elearn.jobs.tasks import Task
    from elearn.models import Course, Lesson, LessonProgress, User
    from elearn.permissions import CourseAccess
    from elearn.plugins.lesson_type import LessonType, NavItem
    from elearn.plugins.notifications import NotificationChannel
    from elearn.plugins.questions import QuestionKind
    from elearn.plugins.senders import MessageSender
    from elearn.plugins.settings import FileLimit, ManifestKey, Setting
    from elearn.plugins.surfaces import Panel, ProfileField, ReportColumn

hookspec = HookspecMarker("elearn")
hookimpl = HookimplMarker("elearn")


@hookspec
def elearn_lesson_types() -> list[LessonType]:
    """Return the lesson types this plugin provides.

    Called once when the app starts. Each type's ``name`` must be unique across
    all plugins; a second type with a name already taken is refused and the
    refusal is shown on /admin/plugins.
    """


@hookspec
def elearn_blueprints() -> list[Blueprint]:
    """Return Flask blueprints with the plugin's own pages (instructor views, reports).

    Called once when the app starts. Each blueprint is mounted under
    ``/x/<plugin name>``; its views use ``elearn.permissions`` for access checks
    and ``elearn.db.db_session()`` for data, like the core's own views.
    """


@hookspec
def elearn_api_blueprints() -> list[Blueprint]:
    """Return blueprints of JSON endpoints, mounted under ``/api/v1/x/<plugin name>``.

    Called once when the app starts. They get what the core's API has: bearer-token
    authentication (``elearn.api.auth.api_user()`` and ``@token_required``), no CSRF
    (a cookie never authorises an API call), JSON error bodies, the client's language.
    Every learner action a plugin's HTML pages offer belongs here too, with the same rules.
    """


@hookspec
def elearn_user_menu(user: User) -> list[NavItem]:
    """Return links for the signed-in user's menu on every page (notifications, dashboards).

    Called while each page renders, so it must not query the database: decide from
    ``user`` (its role) alone, and count things on the page the link opens.
    """


@hookspec
def elearn_commands() -> list[click.Command]:
    """Return ``click`` commands added to the ``elearn`` command line (``elearn <name> …``).

    For work done by hand (a dry run, an import from a file). Work that must happen by itself,
    later or on a schedule, is a task (``elearn_tasks``), not a command run by cron.
    Use ``elearn.cli.app_context()`` inside a command to get the configured app.
    """


@hookspec
def elearn_tasks() -> list[Task]:
    """Return the background tasks this plugin offers (``elearn.plugin_api.Task``).

    Called once when the app starts. A task named ``export`` in the plugin ``quiz`` is the job
    task ``"quiz.export"``, started with ``enqueue("quiz.export", {...})`` and run by
    ``elearn worker``; a task with a ``schedule`` (``crontab(...)``) runs by itself. A task that
    is not a ``Task``, has a bad name or a name already taken is refused and /admin/plugins says
    why. See docs/plugins.md, "Background jobs".
    """


@hookspec
def elearn_progress_changed(user: User, lesson: Lesson, old_status: str, progress: LessonProgress):
    """Called after a learner's progress on a lesson changed, inside the same transaction.

    ``old_status`` is the status before the change; ``progress`` holds the new
    status, score and attempts. Return value is ignored. Each implementation runs
    in a savepoint: one that raises, or breaks the transaction with a failing
    statement, is logged and loses only its own writes, never the learner's.
    """


# -- pages that are not lessons (elearn/plugins/surfaces.py) --------------------------------
# Each returns data and a template name, never HTML. The core's own tabs, sections and columns
# come through these same hooks (elearn/core_plugin.py); a plugin's are shown after the core's
# unless they ask for a lower ``order``. One that fails is replaced by an error in its place.


@hookspec
def elearn_admin_nav(user: User) -> list[NavItem]:
    """Return tabs for the administration's navigation (``NavItem(label, url)``), shown on every
    admin page to administrators. Must not query the database (it runs on every admin page);
    the page the tab opens checks ``user.is_admin`` itself (``require_admin``)."""


@hookspec
def elearn_dashboard_panels(user: User, db: Session) -> list[Panel]:
    """Return sections of the learner's dashboard (``/me``) for ``user``, as ``Panel`` objects.

    Compute the data here, in a fixed number of queries (never one per course), and name a
    template that renders ``data``. Return nothing for a user the panel is not for."""


@hookspec
def elearn_course_panels(user: User | None, course: Course, access: CourseAccess, db: Session) -> list[Panel]:
    """Return sections of a course's page (``/courses/<slug>``), as ``Panel`` objects.

    ``user`` is None for a visitor who is not logged in; ``access`` says whether they are
    enrolled (``access.is_enrolled``) or teach the course (``access.can_teach``). Fixed number of
    queries, as for the dashboard."""


@hookspec
def elearn_profile_fields(user: User, db: Session) -> list[ProfileField]:
    """Return fields of ``user``'s profile (``/account`` and ``/api/v1/me/profile``), each with its
    current value and how to save a new one (the plugin keeps it in its own table)."""


@hookspec
def elearn_report_columns(course: Course, db: Session) -> list[ReportColumn]:
    """Return columns of the course report (``/courses/<slug>/report``): one value per learner,
    computed for all learners at once; a ``groupable`` column can group the report."""


@hookspec
def elearn_settings() -> list[Setting]:
    """Return the plugin's settings (``Setting("digest_hour", int, default=18)``).

    Called once when the app starts. Each is read from the configuration as
    ``<PLUGIN>_<NAME>`` (``instance/config.py``) or the ``ELEARN_<PLUGIN>_<NAME>`` variable, and
    checked against its type: a value that does not fit stops the app with an error naming the
    variable. Read them with ``plugin_setting("<plugin>", "<name>")``."""


@hookspec
def elearn_manifest_keys() -> list[ManifestKey]:
    """Return extra keys a content pack's manifest may have on its ``course`` or a module
    (``ManifestKey("course", "audience", check)``). Called when a pack is read; ``check(value)``
    returns the value to keep or raises ``ValueError`` with a translated message, which the pack's
    errors show under the key's path. Keys no plugin declares are still refused."""


@hookspec
def elearn_notification_channels() -> list[NotificationChannel]:
    """Return ways of telling a user something (in-app, e-mail, later SMS or Zalo): each a
    ``NotificationChannel`` whose ``send(user, notification)`` delivers one ``Notification``.
    ``notify(users, notification)`` hands a notification to every channel; one that fails is
    logged and the others still deliver."""


@hookspec
def elearn_question_kinds() -> list[QuestionKind]:
    """Return kinds of question other plugins' lessons may embed (``QuestionKind``), such as the
    questions a video asks at a moment of it (elearn/plugins/questions.py).

    Called once when the app starts. Each kind names the authored ``type`` values it reads, checks
    them when a pack is read, gives the learner's view (never the answer), a template for its inputs,
    and grades answers on the server. A lesson type finds them with ``question_kinds()`` and never
    imports the plugin offering them."""


@hookspec
def elearn_pack_file_limits() -> list[FileLimit]:
    """Return larger size limits for pack files with some endings (``FileLimit``): a video plugin
    allows hundreds of MB for ``.mp4`` and ``.webm`` where every other file keeps the core's 5 MB.
    Asked each time a pack is read (the limit may come from one of the plugin's settings)."""


@hookspec
def elearn_message_senders() -> list[MessageSender]:
    """Return gateways that carry a text to a phone (``kind = "sms"``) or an e-mail address
    (``kind = "email"``): each a ``MessageSender`` whose ``send(message)`` delivers one
    ``Message`` or raises. Called once, when first needed (``current_app`` is the site, so a sender
    offered only when configured can read the configuration); the first sender of each kind (the
    plugins' load order) is the site's. With an SMS sender the sign-in page offers "send me a
    sign-in code" and password reset by SMS; without one the option is not shown."""
