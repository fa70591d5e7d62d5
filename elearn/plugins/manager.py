"""Finding, loading and calling plugins, one manager per app.

Plugins come from the ``elearn.plugins`` entry-point group only: the built-in
lesson types are declared there too, so the core uses the same door as any
third-party package. A plugin that fails to import, names a hook that does not
exist, or raises from a hook is recorded in ``failed`` and logged; everything
else keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from elearn.plugins import hookspecs
from elearn.plugins.budget import CallBudget, PluginUnavailable
from elearn.plugins.isolation import savepoint
from elearn.plugins.lesson_type import LessonType, NavItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("elearn.plugins")

ENTRY_POINT_GROUP = "elearn.plugins"
HOOK_PREFIX = "elearn_"


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

    def __init__(self, budget: CallBudget | None = None) -> None:
        self.budget = budget or CallBudget()
        self.pm = pluggy.PluginManager("elearn")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.lesson_types: dict[str, LessonType] = {}
        self.failed: dict[str, str] = {}

    # -- loading ---------------------------------------------------------------

    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        """Load every installed plugin (or only the named ones; ``[]`` is safe mode)."""
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
        self._collect_lesson_types()

    def register(self, name: str, module: ModuleType, version: str = "") -> None:
        if name in self.plugins or name in self.failed:
            self._fail(name, "another plugin is already registered under this name")
            return
        unknown = [
            attr
            for attr in dir(module)
            if attr.startswith(HOOK_PREFIX)
            and hasattr(getattr(module, attr), "elearn_impl")
            and not hasattr(hookspecs, attr)
        ]
        if unknown:
            self._fail(name, f"implements unknown hooks: {', '.join(sorted(unknown))}")
            return
        try:
            self.pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:
            self._fail(name, f"is not a valid plugin: {exc}")
            return
        hooks = sorted(c.name for c in self.pm.get_hookcallers(module) or [])
        self.plugins[name] = PluginInfo(name=name, module=module, version=version, hooks=hooks)

    def _collect_lesson_types(self) -> None:
        for plugin_name, types in self.call_each("elearn_lesson_types", at_startup=True):
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
        """Call every implementation of a hook on its own; a failure is logged and skipped.

        pluggy stops at the first implementation that raises, so the core calls
        them one by one (pytest-dev/pluggy#419). ``at_startup``: a failure is also
        recorded in ``failed``, so /admin/plugins says why the plugin provides nothing.
        ``within``: the transaction the hook is called in; each implementation runs in
        a savepoint of it, so one that fails (or breaks the transaction) loses only its
        own work, never the caller's. Otherwise each call is on the plugin's time budget: one
        resting after slow calls is skipped.
        """
        results = []
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            try:
                if within is None:
                    result = self._call_impl(impl, hook_name, at_startup, kwargs)
                else:
                    with savepoint(within, f"plugin {impl.plugin_name} in {hook_name}"):
                        result = self._call_impl(impl, hook_name, at_startup, kwargs)
            except PluginUnavailable:
                continue
            except Exception as exc:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
                if at_startup:
                    self.failed.setdefault(impl.plugin_name, f"failed in {hook_name}: {exc!r}")
                continue
            results.append((impl.plugin_name, result))
        return results

    def _call_impl(self, impl: pluggy.HookImpl, hook_name: str, at_startup: bool, kwargs: dict[str, Any]) -> Any:
        args = [kwargs[arg] for arg in impl.argnames]
        if at_startup:
            return impl.function(*args)
        return self.budget.call(f"{impl.plugin_name}:{hook_name}", impl.function, *args)

    def user_menu(self, user: Any) -> list[NavItem]:
        """The links plugins add to a signed-in user's menu (``elearn_user_menu``)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return []
        items: list[NavItem] = []
        for _plugin, links in self.call_each("elearn_user_menu", user=user):
            items.extend(link for link in links or [] if isinstance(link, NavItem))
        return items

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
