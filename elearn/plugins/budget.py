"""A time budget for plugin calls: a plugin that has become slow stops being called for a while.

A request thread cannot be stopped from outside in Python, so a budget cannot cut a call that
is running. What it can do is keep more threads from walking into the same trap:

- a call that takes longer than ``PLUGIN_TIME_BUDGET`` seconds is logged and counted as slow,
  once, as soon as any other call of the same kind sees it still running (not only when it ends,
  which for a hung call is never);
- after ``PLUGIN_BREAKER_CALLS`` slow calls within ``PLUGIN_BREAKER_WINDOW`` seconds the circuit
  opens: for ``PLUGIN_BREAKER_COOLDOWN`` seconds the plugin is not called at all and its callers
  show "temporarily unavailable" (a lesson says so in the lesson, not as a site error). After the
  cool-down calls go through again, on probation: the first slow one opens the circuit again;
- at most ``PLUGIN_CONCURRENT_CALLS`` calls of one kind run at once in a process; one more
  waits half a second at most for one of them to end (fast calls collide now and then under
  load, and must not be refused for it), then is refused the same way. With gunicorn's threaded
  workers (``elearn serve --threads``, larger than this), one slow lesson type can never hold
  every thread of a process, even in the first seconds before its calls are known to be slow.

A "kind" is a lesson type (its ``learner_view``, ``submit`` and template share one circuit) or one
hook of one plugin (``discussion:elearn_user_menu``). The counts are per process: each worker
learns on its own that a plugin is slow, which costs at most ``PLUGIN_BREAKER_CALLS`` slow calls
per worker. Everything is in memory behind one lock: a call costs about 3 microseconds more.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger("elearn.plugins")

T = TypeVar("T")


class PluginUnavailable(Exception):
    """The call was not made: its plugin is resting after slow calls, or already busy enough."""


@dataclass
class _Circuit:
    running: dict[int, float] = field(default_factory=dict)  # call number -> when it started
    counted: set[int] = field(default_factory=set)  # running calls already counted as slow
    slow: deque[float] = field(default_factory=deque)  # when each recent slow call was seen
    open_until: float = 0.0
    on_probation: bool = False


class CallBudget:
    """The circuits of one app's plugin calls (see the module's docstring)."""

    def __init__(self, budget: float = 5.0, calls: int = 3, window: float = 60.0, cooldown: float = 60.0,
                 concurrent: int = 4, clock: Callable[[], float] = time.monotonic, wait_for_slot: float = 0.5) -> None:
        self.budget = budget
        self.calls = calls
        self.window = window
        self.cooldown = cooldown
        self.concurrent = concurrent
        self.clock = clock
        self.wait_for_slot = wait_for_slot  # seconds of real time, whatever ``clock`` says
        self._circuits: dict[str, _Circuit] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._call_ended = threading.Condition(self._lock)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CallBudget:
        return cls(config["PLUGIN_TIME_BUDGET"], config["PLUGIN_BREAKER_CALLS"], config["PLUGIN_BREAKER_WINDOW"],
                   config["PLUGIN_BREAKER_COOLDOWN"], config["PLUGIN_CONCURRENT_CALLS"])

    def call(self, kind: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)``, or PluginUnavailable without calling it."""
        number, started = self._enter(kind)
        try:
            return function(*args, **kwargs)
        finally:
            self._leave(kind, number, started)

    def _enter(self, kind: str) -> tuple[int, float]:
        with self._lock:
            circuit = self._circuits.setdefault(kind, _Circuit())
            self._refuse_if_resting(kind, circuit)
            if len(circuit.running) >= self.concurrent:
                if not self._call_ended.wait_for(lambda: len(circuit.running) < self.concurrent, self.wait_for_slot):
                    log.warning("plugin call %s refused: %d calls already running", kind, len(circuit.running))
                    raise PluginUnavailable(kind)
                self._refuse_if_resting(kind, circuit)
            number, now = next(self._numbers), self.clock()
            circuit.running[number] = now
            return number, now

    def _refuse_if_resting(self, kind: str, circuit: _Circuit) -> None:
        """PluginUnavailable if the circuit is open, or opens now because of calls still running."""
        now = self.clock()
        for number, started in circuit.running.items():
            if number not in circuit.counted and now - started > self.budget:
                circuit.counted.add(number)
                log.warning("plugin call %s has been running for more than %s s", kind, self.budget)
                self._count_slow(kind, circuit, now)
        if now < circuit.open_until:
            raise PluginUnavailable(kind)

    def _leave(self, kind: str, number: int, started: float) -> None:
        now = self.clock()
        with self._lock:
            circuit = self._circuits[kind]
            del circuit.running[number]
            self._call_ended.notify_all()
            if number in circuit.counted:
                circuit.counted.discard(number)
                log.warning("plugin call %s took %.1f s", kind, now - started)
            elif now - started > self.budget:
                log.warning("plugin call %s took %.1f s, more than its budget of %s s", kind, now - started,
                            self.budget)
                self._count_slow(kind, circuit, now)
            else:
                circuit.on_probation = False

    def _count_slow(self, kind: str, circuit: _Circuit, now: float) -> None:
        if now < circuit.open_until:
            return  # already resting
        circuit.slow.append(now)
        while circuit.slow[0] <= now - self.window:
            circuit.slow.popleft()
        if len(circuit.slow) < self.calls and not circuit.on_probation:
            return
        circuit.open_until = now + self.cooldown
        circuit.slow.clear()
        circuit.on_probation = True
        log.error("plugin call %s is too slow: not called for the next %s s", kind, self.cooldown)
