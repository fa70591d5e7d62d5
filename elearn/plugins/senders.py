"""Gateways for a text to a phone or an e-mail address (``elearn_message_senders``).

The core needs to reach a person outside the site in a few places (a sign-in code, a password
reset) and must not know which SMS provider a site has signed up with, nor carry one: a plugin
offers a ``MessageSender`` of kind ``"sms"`` or ``"email"``, and the core asks ``sender(kind)``.
``elearn.testing.FakeSender`` records what it is given, for tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from flask import current_app

log = logging.getLogger("elearn.plugins")
KINDS = ("sms", "email")


@dataclass(frozen=True)
class Message:
    """One text to one person: ``to`` is a phone number in E.164 (``+84912345678``) for SMS, an
    e-mail address for e-mail; ``subject`` is for e-mail (an SMS sender ignores it)."""

    to: str
    text: str
    subject: str = ""


class MessageSender(Protocol):
    kind: str  # "sms" or "email"

    def send(self, message: Message) -> None:
        """Deliver ``message`` now (or hand it to the provider); raise when it cannot be sent."""
        ...


def senders(app=None) -> dict[str, tuple[str, MessageSender]]:
    """The site's sender of each kind, as {kind: (plugin, sender)}: the first offered, collected once per app."""
    app = app or current_app
    found = app.extensions.get("elearn_senders")
    if found is None:
        found = {}
        registry = app.extensions["elearn_plugins"]
        for plugin, offered in registry.call_each("elearn_message_senders", at_startup=True):
            for candidate in offered or []:
                kind = getattr(candidate, "kind", None)
                if kind in KINDS and callable(getattr(candidate, "send", None)):
                    found.setdefault(kind, (plugin, candidate))
        app.extensions["elearn_senders"] = found
    return found


def sender(kind: str) -> MessageSender | None:
    chosen = senders().get(kind)
    return chosen[1] if chosen else None


def send_message(kind: str, message: Message) -> bool:
    """Send through the site's sender of ``kind``: False (and logged) when there is none or it failed."""
    chosen = senders().get(kind)
    if chosen is None:
        return False
    plugin, gateway = chosen
    try:
        gateway.send(message)
    except Exception:
        log.exception("plugin %s: the %s sender failed", plugin, kind)
        return False
    return True
