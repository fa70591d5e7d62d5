"""The render cache: parts of pages that are the same for many readers, rendered once.

A lesson type (or any plugin page) marks a part of its template as shared with a call block::

    {% call lesson_fragment(lesson) %}<div class="page-text">{{ view.html|safe }}</div>{% endcall %}

    {% call shared_fragment("discussion.post", p.id, reader, version) %}...{% endcall %}

and the core keeps what the block rendered under a key made of the site's code and settings
(``namespace``), the page's locale, and the parts given: for ``lesson_fragment`` the lesson's id
and content version (raised by every pack upgrade or edit of the lesson), for ``shared_fragment``
whatever the plugin names, which must be everything the block reads that can differ: a post's
version, the kind of reader. A key therefore never changes meaning: a change makes a new key,
and the old entry is simply no longer asked for. That is what makes it safe for several workers
and servers to share one store without telling each other anything.

Where it is kept (``RENDER_CACHE_URL``): ``memory`` (the default: each worker's own bounded LRU,
``RENDER_CACHE_MAX_CHARS``), ``redis://host:port/db`` (shared by every worker and server, each entry
kept ``RENDER_CACHE_TTL`` seconds, with each worker's memory in front), or ``off``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from markupsafe import Markup

import elearn
from elearn.i18n import current_locale
from elearn.render_cache.stores import FragmentStore, LayeredStore, MemoryStore, RedisStore

if TYPE_CHECKING:
    from elearn.models import Lesson
    from elearn.plugins.manager import PluginRegistry

EXTENSION = "elearn_render_cache"


class RenderCache:
    """One app's fragments: its store, the namespace of its keys, and how often they were found."""

    def __init__(self, store: FragmentStore | None, namespace: str) -> None:
        self.store = store
        self.namespace = namespace
        self.hits = 0
        self.misses = 0

    def fragment(self, key: tuple, render: Callable[[], str]) -> Markup:
        """The fragment kept under ``key``, or ``render()`` kept there now."""
        if self.store is None:
            return Markup(render())
        full = (self.namespace, *key)
        found = self.store.get(full)
        if found is not None:
            self.hits += 1
            return Markup(found)
        self.misses += 1
        fragment = str(render())
        self.store.put(full, fragment)
        return Markup(fragment)


def shared_fragment(kind: str, *key: Any, caller: Callable[[], str]) -> Markup:
    """What ``caller`` renders, kept for every reader whose page has the same ``kind``, locale and
    ``key``. ``key`` holds plain values (str, int, bool, None, tuples of them) naming everything
    the fragment shows that can differ: a version, the kind of reader. A Jinja call block passes
    ``caller``; from Python, pass a function that returns the HTML."""
    return current_app.extensions[EXTENSION].fragment((kind, current_locale(), *key), caller)


def lesson_fragment(lesson: Lesson, *key: Any, caller: Callable[[], str]) -> Markup:
    """``shared_fragment`` for a part of a lesson that is the same for every reader: kept by lesson
    type, lesson, content version and locale (and ``key``, for a lesson that has several such parts,
    e.g. one per question). Never put in it anything of the learner, their progress, or a form's
    CSRF token."""
    return shared_fragment(f"lesson:{lesson.type_name}", lesson.id, lesson.content_version, *key, caller=caller)


def init_app(app: Flask, registry: PluginRegistry) -> None:
    namespace = _namespace(app, registry)
    app.extensions[EXTENSION] = RenderCache(_store(app.config, namespace), namespace)
    app.jinja_env.globals["shared_fragment"] = shared_fragment
    app.jinja_env.globals["lesson_fragment"] = lesson_fragment


def _store(config: dict[str, Any], namespace: str) -> FragmentStore | None:
    where = config["RENDER_CACHE_URL"] or "memory"
    if where == "off":
        return None
    near = MemoryStore(int(config["RENDER_CACHE_MAX_CHARS"]))
    if where == "memory":
        return near
    if where.startswith(("redis://", "rediss://", "unix://")):
        return LayeredStore(near, RedisStore(where, f"elearn:fragment:{namespace}:", int(config["RENDER_CACHE_TTL"])))
    raise ValueError(f"RENDER_CACHE_URL must be 'memory', 'off' or a redis:// URL, not {where!r}")


def _namespace(app: Flask, registry: PluginRegistry) -> str:
    """What every key of this site starts with: the site (its database and secret key: two sites may
    share a Redis, and a site set up anew on the same database gets a new secret), the time zone
    dates are shown in, and the code: versions and every template's text, so a deployment that
    changes a template never reads what the old one rendered, while servers running the same code
    share their fragments."""
    digest = hashlib.blake2b(digest_size=12)
    for part in (elearn.__version__, app.config["DATABASE_URL"], app.config["SECRET_KEY"],
                 app.config["BABEL_DEFAULT_TIMEZONE"], app.config["RENDER_CACHE_PREFIX"]):
        digest.update(f"{part}\0".encode())
    folders = [Path(app.root_path) / "templates", *(path for _name, path in registry.resource_dirs("templates"))]
    for info in registry.plugins.values():
        digest.update(f"{info.name}={info.version}\0".encode())
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
