"""What a plugin declares about itself: typed settings, and extra keys of a pack's manifest.

Settings: like Django's app settings, a plugin names each with a type and a default
(``Setting("digest_hour", int, default=18)``); the core reads ``<PLUGIN>_<NAME>`` from the
configuration (``instance/config.py``, or the ``ELEARN_<PLUGIN>_<NAME>`` variable), converts and
checks it once at startup, and a plugin reads the checked value with ``plugin_setting``. A value
that does not fit stops the app with a message naming the variable, instead of a plugin failing
later, in a request or a night's e-mail run, on ``int("18h")``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from elearn.plugins.manager import PluginRegistry

SETTING_TYPES = (str, int, float, bool, list, dict)
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class SettingError(RuntimeError):
    """A configured value that does not fit its setting; stops the app at startup."""


@dataclass(frozen=True)
class Setting:
    """One setting of a plugin: ``name`` (lower case, as ``digest_hour``), its type (``str``,
    ``int``, ``float``, ``bool``, ``list`` or ``dict``), its default, and what it is for.
    ``choices`` limits the values allowed; ``check(value)`` may refuse others by raising
    ``ValueError`` with the reason. ``secret`` (a password, a key) keeps the value off
    /admin/plugins, which lists every setting with its variable."""

    name: str
    type: type
    default: Any
    help: str = ""
    choices: tuple[Any, ...] = ()
    check: Callable[[Any], None] | None = None
    secret: bool = False


@dataclass(frozen=True)
class ResolvedSetting:
    """A setting as /admin/plugins lists it: whose, which variable, and the value in force."""

    plugin: str
    setting: Setting
    variable: str
    value: Any

    @property
    def shown_value(self) -> str:
        return "••••••" if self.setting.secret and self.value else repr(self.value)


CORE_PLUGIN = "elearn"


def config_key(plugin: str, name: str) -> str:
    """``DISCUSSION_DIGEST_HOUR`` for the ``discussion`` plugin's ``digest_hour``.

    The core's own settings (plugin ``elearn``) take no prefix, like the rest of its configuration:
    ``SELF_SIGNUP`` in ``instance/config.py``, ``ELEARN_SELF_SIGNUP`` as a variable — not
    ``ELEARN_ELEARN_SELF_SIGNUP``."""
    key = name if plugin == CORE_PLUGIN else f"{plugin}_{name}"
    return key.upper().replace("-", "_").replace(".", "_")


def convert(setting: Setting, value: Any) -> Any:
    """``value`` (from a config file, or a variable's text) as the setting's type; ``ValueError`` if it is not."""
    kind = setting.type
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        raise ValueError("must be true or false")
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise ValueError("must be a whole number")
    if kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise ValueError("must be a number")
    if kind in (list, dict):
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if not isinstance(value, kind):
            raise ValueError(f"must be a JSON {'list' if kind is list else 'object'}")
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # ELEARN_X=5 was read as JSON; as text it is "5"
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def resolve_settings(registry: PluginRegistry, config: Any) -> dict[str, dict[str, Any]]:
    """Every declared setting's value, checked (``elearn_settings``): ``{plugin: {name: value}}``.

    Raises ``SettingError`` naming every variable that does not fit, so the site's operator
    fixes them all at once."""
    values: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for plugin, declared in registry.call_each("elearn_settings", at_startup=True):
        mine = values.setdefault(plugin, {})
        for setting in declared or []:
            if not isinstance(setting, Setting) or setting.type not in SETTING_TYPES:
                registry.failed.setdefault(plugin, f"declared a setting that is not a Setting: {setting!r}")
                continue
            key = config_key(plugin, setting.name)
            raw = config.get(key, setting.default)
            try:
                value = convert(setting, raw)
                if setting.choices and value not in setting.choices:
                    raise ValueError("must be one of " + ", ".join(map(repr, setting.choices)))
                if setting.check is not None:
                    setting.check(value)
            except ValueError as exc:
                problems.append(f"ELEARN_{key} (setting {setting.name!r} of plugin {plugin!r}) {exc}; "
                                f"it is {raw!r}")
                continue
            mine[setting.name] = value
            registry.settings.append(ResolvedSetting(plugin, setting, f"ELEARN_{key}", value))
    if problems:
        raise SettingError("invalid configuration: " + "; ".join(problems))
    return values


def plugin_setting(plugin: str, name: str) -> Any:
    """The checked value of a plugin's setting, in the current app (a request, a command)."""
    settings = current_app.extensions["elearn_settings"]
    try:
        return settings[plugin][name]
    except KeyError:
        raise KeyError(f"plugin {plugin!r} declares no setting {name!r} (elearn_settings)") from None


@dataclass(frozen=True)
class ManifestKey:
    """An extra key a plugin allows in a pack's manifest, on the ``course`` or on each module
    (``where`` is ``"course"`` or ``"module"``). ``check(value)`` returns what to keep (the
    pack's ``extensions``) or raises ``ValueError`` with a translated message."""

    where: str
    key: str
    check: Callable[[Any], Any]
    help: str = ""


@dataclass(frozen=True)
class FileLimit:
    """A size limit for pack files with these endings other than the core's 5 MB per file, such
    as ``FileLimit((".mp4", ".webm"), 500 * 1024 * 1024)`` for videos (``elearn_pack_file_limits``).

    Such files are checked by size and copied, never read into memory; a zipped pack may then be
    larger too (room for two files of the largest limit besides the usual 200 MB)."""

    suffixes: tuple[str, ...]
    max_bytes: int
