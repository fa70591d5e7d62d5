"""Telling a user something, through every channel the site has (``elearn_notification_channels``).

A feature says *what* happened (a ``Notification``); channels (the discussion's in-app list,
e-mail, later SMS or Zalo) decide *how* it reaches the user. So a new channel is one plugin,
not an edit to every feature that notifies. Each channel's ``send`` runs on its own, in a
savepoint of the caller's transaction: one that fails is logged and the others still deliver.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app

from elearn.plugins.isolation import savepoint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from elearn.models import User

log = logging.getLogger("elearn.plugins")


@dataclass(frozen=True)
class Notification:
    """What happened, as data: ``kind`` (``"discussion.reply"``), where it links, and the facts a
    channel words in the user's language (``data``, JSON-able: a channel may store or queue it)."""

    kind: str
    url: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


class NotificationChannel(Protocol):
    """One way to reach a user. ``name`` is unique (``"in_app"``, ``"email"``, ``"sms"``)."""

    name: str

    def send(self, user: User, notification: Notification) -> None:
        """Deliver (or queue) ``notification`` to ``user``; raise to report a failure. A channel that
        stores it writes through ``db_session()``: the transaction the notification happens in."""
        ...


def channels(app=None) -> list[tuple[str, NotificationChannel]]:
    """Every channel plugins offer, as (plugin, channel), collected once per app."""
    app = app or current_app
    found = app.extensions.get("elearn_channels")
    if found is None:
        registry = app.extensions["elearn_plugins"]
        found = [
            (plugin, channel)
            for plugin, offered in registry.call_each("elearn_notification_channels", at_startup=True)
            for channel in offered or []
            if callable(getattr(channel, "send", None)) and getattr(channel, "name", "")
        ]
        app.extensions["elearn_channels"] = found
    return found


def notify(users: list[User], notification: Notification, db: Session | None = None) -> list[str]:
    """Hand ``notification`` to every channel for each of ``users``, inside the request's transaction
    (or ``db``'s); the names of the channels that failed (each failure logged and undone on its own)."""
    from elearn.db import db_session

    db = db if db is not None else db_session()
    failed: list[str] = []
    for plugin, channel in channels():
        for user in users:
            try:
                with savepoint(db, f"channel {channel.name} of plugin {plugin}"):
                    channel.send(user, notification)
            except Exception:
                log.exception("plugin %s: channel %s failed to send %s", plugin, channel.name, notification.kind)
                failed.append(channel.name)
                break
    return failed
