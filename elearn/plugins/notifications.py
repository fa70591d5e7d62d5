"""Telling users something, through every channel the site has (``elearn_notification_channels``).

A feature says *what* happened (a ``Notification``); channels (the discussion's in-app list,
e-mail, later SMS or Zalo) decide *how* it reaches each user. So a new channel is one plugin,
not an edit to every feature that notifies. Each channel runs on its own, in a savepoint of the
caller's transaction: one that fails is logged and undone, and the others still deliver.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
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
    """What happened, as data: ``kind`` (``"discussion.reply"``: the feature's name first), where
    it links, and the facts a channel words in the user's language (``data``, JSON-able: a
    channel may store or queue it). ``db`` is set by ``notify``: the transaction it happens in,
    for a channel that stores it (the in-app list, an outbox)."""

    kind: str
    url: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    db: Session | None = field(default=None, compare=False, repr=False)


class NotificationChannel(Protocol):
    """One way to reach a user. ``name`` is unique (``"in_app"``, ``"email"``, ``"sms"``).

    A channel may also define ``send_many(users, notification)``, called instead of ``send`` once
    for all the users of one notification (one bulk insert for a hundred followers)."""

    name: str

    def send(self, user: User, notification: Notification) -> None:
        """Deliver (or queue) ``notification`` to ``user``; raise to report a failure."""
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


def notify(users: Sequence[User], notification: Notification, db: Session | None = None) -> list[str]:
    """Hand ``notification`` to every channel for ``users``, inside ``db``'s transaction (the
    request's by default); the names of the channels that failed (each logged and undone)."""
    from elearn.db import db_session

    if not users:
        return []
    notification = dataclasses.replace(notification, db=db if db is not None else db_session())
    failed: list[str] = []
    for plugin, channel in channels():
        try:
            with savepoint(notification.db, f"channel {channel.name} of plugin {plugin}"):
                if callable(getattr(channel, "send_many", None)):
                    channel.send_many(list(users), notification)
                else:
                    for user in users:
                        channel.send(user, notification)
        except Exception:
            log.exception("plugin %s: channel %s failed to send %s", plugin, channel.name, notification.kind)
            failed.append(channel.name)
    return failed
