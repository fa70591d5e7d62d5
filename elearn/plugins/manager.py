"""Finding, loading and calling plugins, one manager per app.

Plugins come from the ``elearn.plugins`` entry-point group only: the built-in
lesson types are declared there too, so the core uses the same door as any
third-party package. A plugin that fails to import, names a hook that does not
exist, or raises from a hook is recorded in ``failed`` and logged; everything
else keeps working. Hooks are called by pluggy, in pluggy's order and with its
wrappers and ``firstresult``; each implementation is guarded (elearn/plugins/calling.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

import pluggy

from elearn.plugins import hookspecs
from elearn.plugins.api_version import api_mismatch
from elearn.plugins.budget import CallBudget
from elearn.plugins.calling import CURRENT, CallRecord, Tracer, guarded
from elearn.plugins.lesson_type import LessonType, NavItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("elearn.plugins")

ENTRY_POINT_GROUP = "elearn.plugins"
# The core's own admin tabs, dashboard and course sections and report columns, registered like a plugin.
DEFAULT_PLUGINS = {"elearn": "elearn.core_plugin"}
HOOK_PREFIX = "elearn_"


@dataclass
class SurfaceCall:
    """A hook's answers with the plugins that gave them, and the plugins that failed."""

    results: list[tuple[str, Any]]
    failed: list[str]


@dataclass
class PluginInfo:
    """A loaded plugin: where it lives and what it provides."""

    name: str
    module: ModuleType
    version: str
    hooks: list[str]
    lesson_types: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path | None:
        """The package's own folder. A single-module plugin has none: the folder it sits in
        (site-packages) is shared, and its ``static/`` or ``migrations/`` are not the plugin's."""
        if getattr(self.module, "__path__", None) is None or not getattr(self.module, "__file__", None):
            return None
        return Path(self.module.__file__).parent

    def resource_dir(self, name: str) -> Path | None:
        if self.folder is None:
            return None
        path = self.folder / name
        return path if path.is_dir() else None


class PluginRegistry:
    """The plugins of one app, their lesson types, and the failures met on the way."""

    def __init__(self, budget: CallBudget | None = None, trace: bool = False) -> None:
        self.budget = budget or CallBudget()
        self.pm = pluggy.PluginManager("elearn")
        self.pm.add_hookspecs(hookspecs)
        if trace:
            tracer = Tracer()
            self.pm.add_hookcall_monitoring(tracer.before, tracer.after)
        self.plugins: dict[str, PluginInfo] = {}
        self.defaults: dict[str, PluginInfo] = {}  # the core's own features (``load_defaults``)
        self.settings: list[Any] = []  # every plugin's settings in force (``ResolvedSetting``)
        self.lesson_types: dict[str, LessonType] = {}
        self.failed: dict[str, str] = {}

    # -- loading ---------------------------------------------------------------

    def load_entry_points(self, only: Iterable[str] | None = None, extra: dict[str, Any] | None = None) -> None:
        """Load every installed plugin (or only the named ones; ``[]`` is safe mode), then the
        plugin objects in ``extra`` (``PLUGIN_OBJECTS``: a test registering its own plugin)."""
        allowed = None if only is None else set(only)
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=_load_order):
            if allowed is not None and ep.name not in allowed:
                continue
            try:
                module = ep.load()
            except Exception as exc:
                self._fail(ep.name, f"could not be imported: {exc!r}")
                continue
            self.register(ep.name, module, _version_of(ep))
        for name, module in (extra or {}).items():
            self.register(name, module)
        self._collect_lesson_types()

    def load_defaults(self) -> None:
        """Register the core's own features, which use the same hooks as any plugin (as Datasette's
        ``DEFAULT_PLUGINS``): loaded first and in safe mode too, and not listed among the plugins."""
        import importlib

        for name, module_name in DEFAULT_PLUGINS.items():
            self.register(name, importlib.import_module(module_name), default=True)

    def register(self, name: str, module: ModuleType, version: str = "", default: bool = False) -> None:
        if name in self.plugins or name in self.failed or name in self.defaults:
            self._fail(name, "another plugin is already registered under this name")
            return
        mismatch = api_mismatch(module)
        if mismatch:
            self._fail(name, mismatch)
            return
        unknown = [
            attr
            for attr in dir(module)
            if attr.startswith(HOOK_PREFIX)
            and hasattr(getattr(module, attr), "elearn_impl")
            and getattr(getattr(self.pm.hook, attr, None), "spec", None) is None
        ]
        if unknown:
            self._fail(name, f"implements unknown hooks: {', '.join(sorted(unknown))}")
            return
        # pluggy gets each implementation inside its guard (same name, arguments and options).
        guards = SimpleNamespace(**{
            attr: guarded(self, name, attr, getattr(module, attr))
            for attr in dir(module)
            if attr.startswith(HOOK_PREFIX) and hasattr(getattr(module, attr), "elearn_impl")
        })
        try:
            self.pm.register(guards, name=name)
        except pluggy.PluginValidationError as exc:
            self._fail(name, f"is not a valid plugin: {exc}")
            return
        hooks = sorted(c.name for c in self.pm.get_hookcallers(guards) or [])
        info = PluginInfo(name=name, module=module, version=version, hooks=hooks)
        (self.defaults if default else self.plugins)[name] = info

    def add(self, name: str, plugin: Any, version: str = "") -> None:
        """Register one more plugin object (a module, or any object whose attributes are its hooks)
        after the installed ones, and take its lesson types: for tests (``register_plugin`` in
        elearn.testing), which try a plugin without installing a package. Refusals go to ``failed``."""
        self.register(name, plugin, version)
        if name in self.plugins:
            self._collect_lesson_types(only=name)

    def _collect_lesson_types(self, only: str | None = None) -> None:
        # In the order plugins were loaded, not pluggy's (last first): a type name belongs to the
        # plugin loaded first, and elearn's own load before any other (``_load_order``).
        order = self.load_positions()
        found = sorted(self.call_each("elearn_lesson_types", at_startup=True), key=lambda pair: order[pair[0]])
        for plugin_name, types in found:
            if only is not None and plugin_name != only:
                continue
            for lesson_type in types or []:
                type_name = getattr(lesson_type, "name", None)
                if not isinstance(lesson_type, LessonType) or not type_name:
                    self._fail(plugin_name, f"returned something that is not a LessonType: {lesson_type!r}")
                elif type_name in self.lesson_types:
                    self._fail(plugin_name, f"lesson type {type_name!r} is already provided")
                else:
                    self.lesson_types[type_name] = lesson_type
                    self.plugins[plugin_name].lesson_types.append(type_name)

    def _fail(self, name: str, message: str) -> None:
        self.failed[name] = message
        log.error("plugin %s %s", name, message)

    # -- calling ---------------------------------------------------------------

    def call_each(
        self, hook_name: str, at_startup: bool = False, within: Session | None = None, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call a hook as pluggy does; each implementation's answer with the plugin that gave it.

        Implementations run last registered first (``tryfirst``/``trylast`` and wrappers as
        pluggy documents); None answers are left out. A failing implementation is logged and
        skipped (pluggy would stop the call, pytest-dev/pluggy#419). ``at_startup``: a failure
        is also recorded in ``failed``, so /admin/plugins says why the plugin provides nothing;
        otherwise each call is on the plugin's time budget. ``within``: the transaction the hook
        is called in; each implementation runs in a savepoint of it, so one that fails (or
        breaks the transaction) loses only its own work, never the caller's.
        """
        call = CallRecord(hook_name, at_startup, within)
        results = self._call(call, kwargs)
        return [(call.owners.get(id(result), ""), result) for result in results]

    def call_surface(self, hook_name: str, within: Session | None = None, **kwargs: Any) -> SurfaceCall:
        """Like ``call_each``, also naming the plugins whose implementation failed, so a page can
        show an error where their part would have been (elearn/plugins/surfaces.py)."""
        call = CallRecord(hook_name, within=within)
        results = self._call(call, kwargs)
        return SurfaceCall([(call.owners.get(id(result), ""), result) for result in results], list(call.failed))

    def load_positions(self) -> dict[str, int]:
        """Each plugin's place in the load order: the core's own (``DEFAULT_PLUGINS``) first."""
        names = [*self.defaults, *self.plugins]
        return {name: position for position, name in enumerate(names)}

    def call_first(self, hook_name: str, within: Session | None = None, **kwargs: Any) -> Any:
        """Call a ``firstresult`` hook: the first answer that is not None, or None."""
        return self._call(CallRecord(hook_name, within=within), kwargs)

    def _call(self, call: CallRecord, kwargs: dict[str, Any]) -> Any:
        token = CURRENT.set(call)
        try:
            return getattr(self.pm.hook, call.hook)(**kwargs)
        finally:
            CURRENT.reset(token)

    def user_menu(self, user: Any) -> list[NavItem]:
        """The links plugins add to a signed-in user's menu (``elearn_user_menu``)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return []
        items: list[NavItem] = []
        for _plugin, links in self.call_each("elearn_user_menu", user=user):
            items.extend(link for link in links or [] if isinstance(link, NavItem))
        return items

    def admin_nav(self, user: Any) -> list[NavItem]:
        """The administration's tabs (``elearn_admin_nav``): the core's, then the plugins'."""
        if user is None or not getattr(user, "is_admin", False):
            return []
        from elearn.plugins.surfaces import collect

        return list(collect(self, "elearn_admin_nav", NavItem, user=user))

    def manifest_keys(self) -> list[Any]:
        """The extra pack-manifest keys plugins allow (``elearn_manifest_keys``)."""
        from elearn.plugins.settings import ManifestKey
        from elearn.plugins.surfaces import collect

        return list(collect(self, "elearn_manifest_keys", ManifestKey))

    def file_limits(self) -> dict[str, int]:
        """The per-file size limits of pack files by ending that plugins declare (``elearn_pack_file_limits``);
        the largest wins when two plugins name the same ending. Asked each time a pack is read, so a
        limit may come from a setting."""
        from elearn.plugins.settings import FileLimit
        from elearn.plugins.surfaces import collect

        limits: dict[str, int] = {}
        for limit in collect(self, "elearn_pack_file_limits", FileLimit):
            for suffix in limit.suffixes:
                limits[suffix.lower()] = max(limits.get(suffix.lower(), 0), int(limit.max_bytes))
        return limits

    def resource_dirs(self, name: str) -> list[tuple[str, Path]]:
        """The ``name`` folders (templates, static, ...) of every loaded plugin."""
        found = []
        for info in self.plugins.values():
            path = info.resource_dir(name)
            if path is not None:
                found.append((info.name, path))
        return found


def _load_order(ep: EntryPoint) -> tuple[bool, str]:
    """elearn's own plugins first, then by name: a third-party type cannot take a built-in name."""
    own = ep.dist is not None and ep.dist.name == "elearn"
    return (not own, ep.name)


def _version_of(ep: EntryPoint) -> str:
    return ep.dist.version if ep.dist is not None else ""
