"""Where rendered fragments are kept: one small interface, in the worker's memory or in Redis.

A key names everything a fragment was rendered from (elearn.render_cache.fragment_key), so an
entry is never wrong, only unused once its lesson, post or code changes: nothing is ever deleted
on purpose, the least recently used entries give way (memory) or expire (Redis).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol

log = logging.getLogger("elearn.render_cache")

Key = tuple


class FragmentStore(Protocol):
    def get(self, key: Key) -> str | None:
        """The fragment kept under ``key``, or None."""
        ...

    def put(self, key: Key, fragment: str) -> None:
        """Keep ``fragment`` under ``key`` (a store may drop it, or anything else, at any time)."""
        ...


class MemoryStore:
    """A least-recently-used store bounded by the characters it keeps, shared by a worker's threads."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._entries: OrderedDict[Key, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> str | None:
        with self._lock:
            fragment = self._entries.get(key)
            if fragment is not None:
                self._entries.move_to_end(key)
            return fragment

    def put(self, key: Key, fragment: str) -> None:
        if len(fragment) > self.max_chars // 8:
            return  # one huge page would push out hundreds of posts
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._chars -= len(old)
            self._entries[key] = fragment
            self._chars += len(fragment)
            while self._chars > self.max_chars:
                _key, evicted = self._entries.popitem(last=False)
                self._chars -= len(evicted)

    def __len__(self) -> int:
        return len(self._entries)


class RedisStore:
    """Fragments in Redis, shared by every worker and server of the site, each kept ``ttl`` seconds.

    Redis being away never fails a page: the fragment is rendered as if it were not cached, and
    Redis is not asked again for ``RETRY_SECONDS`` (a page must not wait on a dead server each time).
    """

    RETRY_SECONDS = 30

    def __init__(self, url: str, prefix: str, ttl: int) -> None:
        import redis

        self._errors = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._prefix = prefix
        self._ttl = ttl
        self._down_until = 0.0

    def _name(self, key: Key) -> str:
        # repr, not hash(): Python's string hashes differ from one process to the next.
        return self._prefix + hashlib.blake2b(repr(key).encode(), digest_size=20).hexdigest()

    def get(self, key: Key) -> str | None:
        if time.monotonic() < self._down_until:
            return None
        try:
            found = self._client.get(self._name(key))
        except self._errors as exc:
            self._went_away(exc)
            return None
        return found.decode() if found is not None else None

    def put(self, key: Key, fragment: str) -> None:
        if time.monotonic() < self._down_until:
            return
        try:
            self._client.set(self._name(key), fragment.encode(), ex=self._ttl)
        except self._errors as exc:
            self._went_away(exc)

    def _went_away(self, exc: Exception) -> None:
        log.warning("render cache: Redis failed (%s); rendering without it for %d s", exc, self.RETRY_SECONDS)
        self._down_until = time.monotonic() + self.RETRY_SECONDS


class LayeredStore:
    """The worker's memory in front of a shared store: a fragment any worker rendered is read from
    the shared store once, then from memory. Safe because a key never changes meaning."""

    def __init__(self, near: MemoryStore, far: FragmentStore) -> None:
        self.near, self.far = near, far

    def get(self, key: Key) -> str | None:
        fragment = self.near.get(key)
        if fragment is None:
            fragment = self.far.get(key)
            if fragment is not None:
                self.near.put(key, fragment)
        return fragment

    def put(self, key: Key, fragment: str) -> None:
        self.near.put(key, fragment)
        self.far.put(key, fragment)
