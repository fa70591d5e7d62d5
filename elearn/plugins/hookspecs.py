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
    from flask import Blueprint

    from elearn.models import Lesson, LessonProgress, User
    from elearn.plugins.lesson_type import LessonType

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
def elearn_progress_changed(user: User, lesson: Lesson, old_status: str, progress: LessonProgress):
    """Called after a learner's progress on a lesson changed, inside the same transaction.

    ``old_status`` is the status before the change; ``progress`` holds the new
    status, score and attempts. Return value is ignored. An implementation that
    raises is logged and does not undo the learner's submission.
    """
