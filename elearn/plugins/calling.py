"""Calling hook implementations the way pluggy does, each one kept from harming the others.

pluggy itself calls every hook, so the order (last registered first, ``tryfirst`` and
``trylast``), wrappers (``wrapper=True``) and ``firstresult`` hooks behave exactly as pluggy
documents. What pluggy leaves out (pytest-dev/pluggy#419) is isolation: when one
implementation raises, pluggy stops the call. So each implementation is registered inside
a guard (``guarded``):

- a plain implementation that raises is logged (and, while the app starts, recorded for
  /admin/plugins) and counts as having returned None, so the other plugins still run;
- it runs on the plugin's time budget (elearn/plugins/budget.py); one resting after slow
  calls is skipped the same way;
- when the call is made ``within`` a transaction, it runs in a SAVEPOINT of it, so a failure
  (or a failed statement it swallowed) undoes only its own writes;
- a wrapper whose own code raises, before or after its ``yield``, is stepped over: the call
  goes on, and its result passes through untouched.

Which plugin gave which result is noted on the side (``CallRecord``), so the core can mount a
plugin's blueprints under its name while plugins' wrappers still see plain results.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Generator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from elearn.plugins.budget import PluginUnavailable
from elearn.plugins.isolation import savepoint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from elearn.plugins.manager import PluginRegistry

log = logging.getLogger("elearn.plugins")
trace_log = logging.getLogger("elearn.plugins.trace")


@dataclass
class CallRecord:
    """One hook call in progress: how to run its implementations, and what each returned."""

    hook: str
    at_startup: bool = False
    within: Session | None = None
    owners: dict[int, str] = field(default_factory=dict)  # id(result) -> plugin name
    kept: list[Any] = field(default_factory=list)  # the results themselves, so their ids stay theirs
    failed: list[str] = field(default_factory=list)  # plugins whose implementation raised or was resting


CURRENT: ContextVar[CallRecord | None] = ContextVar("elearn_hook_call", default=None)


def guarded(registry: PluginRegistry, plugin: str, hook: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as registered with pluggy: same name, arguments and ``elearn_impl`` options."""
    if inspect.isgeneratorfunction(function):
        return _guarded_wrapper(plugin, hook, function)

    @functools.wraps(function)
    def implementation(*args: Any) -> Any:
        call = CURRENT.get() or CallRecord(hook)
        try:
            if call.within is None:
                result = _run(registry, plugin, hook, call, function, args)
            else:
                with savepoint(call.within, f"plugin {plugin} in {hook}"):
                    result = _run(registry, plugin, hook, call, function, args)
        except PluginUnavailable:
            call.failed.append(plugin)
            return None
        except Exception as exc:
            log.exception("plugin %s failed in %s", plugin, hook)
            call.failed.append(plugin)
            if call.at_startup:
                registry.failed.setdefault(plugin, f"failed in {hook}: {exc!r}")
            return None
        if result is not None:
            call.owners[id(result)] = plugin
            call.kept.append(result)
        return result

    return implementation


def _run(registry: PluginRegistry, plugin: str, hook: str, call: CallRecord, function, args) -> Any:
    if call.at_startup:
        return function(*args)
    return registry.budget.call(f"{plugin}:{hook}", function, *args)


def _guarded_wrapper(plugin: str, hook: str, function: Callable[..., Generator]) -> Callable[..., Generator]:
    """A new-style pluggy wrapper (``result = yield``) whose own failures are stepped over."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Generator[None, Any, Any]:
        steps = function(*args)
        try:
            next(steps)
        except Exception:
            log.exception("plugin %s failed in %s (wrapper, before the call)", plugin, hook)
            return (yield)
        try:
            result = yield
        except BaseException as exc:  # the call itself raised: the wrapper may handle it
            try:
                steps.throw(exc)
            except StopIteration as done:
                return done.value
            raise RuntimeError(f"plugin {plugin}'s wrapper of {hook} yielded twice") from exc
        try:
            steps.send(result)
        except StopIteration as done:
            return done.value
        except Exception:
            log.exception("plugin %s failed in %s (wrapper, after the call)", plugin, hook)
            return result
        raise RuntimeError(f"plugin {plugin}'s wrapper of {hook} yielded twice")

    return wrapper


class Tracer:
    """For ``PluginManager.add_hookcall_monitoring`` (the ``TRACE_HOOKS`` setting): every hook
    call logged on ``elearn.plugins.trace``, with the plugins it reaches and how long it took."""

    def __init__(self) -> None:
        self._started: ContextVar[tuple[float, ...]] = ContextVar("elearn_hook_trace", default=())

    def before(self, hook_name: str, hook_impls, kwargs) -> None:
        self._started.set((*self._started.get(), time.perf_counter()))
        trace_log.info("hook %s(%s) -> %s", hook_name, ", ".join(sorted(kwargs)),
                       ", ".join(impl.plugin_name for impl in reversed(hook_impls)) or "no plugin")

    def after(self, _outcome, hook_name: str, _hook_impls, _kwargs) -> None:
        *rest, started = self._started.get() or (time.perf_counter(),)
        self._started.set(tuple(rest))
        trace_log.info("hook %s took %.3f ms", hook_name, (time.perf_counter() - started) * 1000)
