"""What plugins add to pages that are not lessons: the data they return, and how the core shows it.

Every hook here returns data plus the name of a template, never HTML: the core renders each
piece on its own, escaped as any page, so a plugin cannot break a page's markup, and one whose
hook or template fails is replaced by a short error where it would have been shown
(``render_panels``), never taking the page down. The core's own admin tabs, dashboard sections,
course sections and report columns come through the same hooks (elearn/core_plugin.py), so a
plugin's and the core's are shown, ordered and isolated alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from elearn.models import Course, User
    from elearn.plugins.manager import PluginRegistry

log = logging.getLogger("elearn.plugins")


@dataclass(frozen=True)
class Panel:
    """A section of a page (the learner's dashboard, a course page): ``template`` renders ``data``.

    The template is addressed as any plugin template (``"<plugin>/<file>"``) and gets ``data`` and
    ``panel``. ``key`` names the section in the page (``id="panel-<key>"``). Panels are shown by
    ``order``, then in the order plugins were loaded (the core's first); the data is computed by
    the hook, which may query the database once for the page, never once per row.
    """

    key: str
    template: str
    data: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""  # already translated; empty for a section without a heading
    order: int = 100


@dataclass(frozen=True)
class ProfileField:
    """One field of a user's profile (``/account``), kept by the plugin that declares it.

    ``value`` is what the user has now (from the plugin's own table). ``save(db, user, value)``
    stores a new one, in the request's transaction, and raises ``ValueError`` with a translated
    message to refuse it (the page shows the message beside the field); ``save=None`` makes the
    field read-only. ``template`` may name the plugin's own template for the input (it gets
    ``field``, ``name`` and ``errors``); the default is a one-line text input.
    """

    name: str
    label: str
    value: str = ""
    help: str = ""
    save: Callable[[Session, User, str], None] | None = None
    template: str = "account/_profile_field.html"
    max_length: int = 200

    @property
    def read_only(self) -> bool:
        return self.save is None


@dataclass(frozen=True)
class ReportColumn:
    """A column of the course report (``/courses/<slug>/report``), one value per learner.

    ``values(db, course, user_ids)`` returns ``{user_id: value}`` for all the report's learners in
    one go (one query for the whole report, whatever its length); a learner left out shows
    ``missing``. A ``groupable`` column can group the report: a row per distinct value, with the
    number of learners and how many completed the course.

    A lesson type scores its lessons with a column per lesson that names it (``lesson_id``): its
    values are scores from 0.0 to 1.0 (a learner without one is left out), which the gradebook
    (``/courses/<slug>/gradebook``) shows under that lesson and weighs into the course grade. The
    core knows no lesson type: a lesson is graded exactly when such a column names it.
    """

    key: str
    label: str
    values: Callable[[Session, Course, list[int]], Mapping[int, Any]]
    groupable: bool = True
    missing: str = "—"
    order: int = 100
    lesson_id: int | None = None  # since plugin API 1.2: the lesson this column scores


@dataclass(frozen=True)
class Failure:
    """A plugin whose contribution to a page could not be computed or shown."""

    plugin: str
    message: str


@dataclass
class Collected:
    """What a surface hook returned, in display order, and the plugins that failed on the way."""

    items: list[tuple[str, Any]] = field(default_factory=list)  # (plugin, item)
    failures: list[Failure] = field(default_factory=list)

    def __iter__(self):
        return iter(item for _plugin, item in self.items)


def collect(registry: PluginRegistry, hook: str, kind: type, **kwargs: Any) -> Collected:
    """Call ``hook`` and flatten its lists of ``kind``: ordered by ``order`` (when items have one),
    then by plugin load order (the core's first). Anything else returned is logged and dropped; a
    plugin whose implementation raised is listed in ``failures``."""
    call = registry.call_surface(hook, **kwargs)
    position = registry.load_positions()
    found = Collected(failures=[Failure(name, _plugin_failed(name)) for name in call.failed])
    for plugin, returned in call.results:
        for item in returned if isinstance(returned, Iterable) else [returned]:
            if isinstance(item, kind):
                found.items.append((plugin, item))
            else:
                log.error("plugin %s returned %r from %s, not a %s", plugin, item, hook, kind.__name__)
    found.items.sort(key=lambda pair: (getattr(pair[1], "order", 0), position.get(pair[0], len(position))))
    return found


def _plugin_failed(plugin: str) -> str:
    return _("The “%(plugin)s” plugin could not show this part of the page.", plugin=plugin)


@dataclass(frozen=True)
class ShownPanel:
    """A panel as the page shows it: its HTML, or the error that replaced it."""

    key: str
    title: str
    html: Markup | None = None
    error: str = ""


def render_panels(collected: Collected, db: Session | None = None, **context: Any) -> list[ShownPanel]:
    """Each panel rendered on its own: a template that raises is replaced by an error in its place
    (and, on a reading request, a transaction it spoiled is rolled back, elearn/plugins/isolation.py)."""
    from elearn.plugins.isolation import recover

    shown: list[ShownPanel] = []
    for plugin, panel in collected.items:
        try:
            html = Markup(render_template(panel.template, panel=panel, data=panel.data, **context))
        except Exception:
            log.exception("plugin %s: panel %s (%s) failed to render", plugin, panel.key, panel.template)
            if db is not None:
                recover(db, f"the panel {panel.key} of plugin {plugin}")
            shown.append(ShownPanel(panel.key, panel.title, error=_plugin_failed(plugin)))
        else:
            shown.append(ShownPanel(panel.key, panel.title, html=html))
    shown.extend(ShownPanel(f"failed-{failure.plugin}", "", error=failure.message) for failure in collected.failures)
    return shown
