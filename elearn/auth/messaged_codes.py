"""Sign-in codes sent by SMS or e-mail, asked for on the sign-in page: "send me a code" and "I forgot
my password" (the same, except that the learner then chooses a new password at once).

The answer is the same whether or not the phone or address has an account, so the page tells no one
who has one; what is sent and to whom is limited per address and per phone or address
(``SIGN_IN_CODE_SEND_LIMITS``) so the site cannot be used to flood a phone or run up an SMS bill.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy.orm import Session

from elearn.auth.accounts import find_account, login_kind
from elearn.auth.codes import issue_code
from elearn.auth.signup import sms_code_lifetime
from elearn.models import CodePurpose
from elearn.plugins.senders import Message, send_message, sender
from elearn.rate_limits import commit_counts, rate_limiter
from elearn.security import fail


def code_senders() -> list[str]:
    """The kinds of message the site can send codes by (``sms``, ``email``): none, and the pages do not offer it."""
    return [kind for kind in ("sms", "email") if sender(kind) is not None]


def send_sign_in_code(db: Session, login: str, purpose: CodePurpose) -> None:
    """Send a code to the account ``login`` (a phone number or e-mail address) names, if there is one
    and a sender of that kind; answers nothing either way. 429 past the limits."""
    kind, value = login_kind(login)
    channel = "sms" if kind == "phone" else "email" if kind == "email" else None
    _count(value)
    user = find_account(db, login) if channel in code_senders() else None
    if user is None or not user.is_active:
        return
    to = value if channel == "sms" else user.email
    code = issue_code(db, user, purpose, sms_code_lifetime())
    minutes = int(sms_code_lifetime().total_seconds() // 60)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = _("Your sign-in code: %(code)s. It works once, for %(minutes)d minutes. Do not give it to anyone.",
                 code=code, minutes=minutes)
        subject = _("Your sign-in code")
    db.commit()
    send_message(channel, Message(to=to, text=text, subject=subject))


def _count(destination: str) -> None:
    limiter = rate_limiter()
    for item in parse_many(current_app.config["SIGN_IN_CODE_SEND_LIMITS"]):
        for identifiers in (("code-send-address", request.remote_addr or "unknown"),
                            ("code-send-to", destination)):
            if not limiter.hit(item, *identifiers):
                commit_counts()
                fail(429, _("Too many codes asked for. Wait a while, then try again."))
    commit_counts()
