"""``elearn discussion-digest``: email each user who asked for it their unread notifications.

The digest is off by default twice over: nothing is sent unless the site configures an SMTP
server (``DISCUSSION_SMTP_HOST``), and then only to users who turned the digest on on their
notifications page. Mail is only ever sent by this command, run by cron, never while a page is
being served. Settings (in ``instance/config.py``, or as ``ELEARN_<NAME>`` variables):

- ``DISCUSSION_SMTP_HOST``: the SMTP server; unset, the command says digests are off and stops;
- ``DISCUSSION_SMTP_PORT``: 25 unless given;
- ``DISCUSSION_SMTP_STARTTLS``: ``true`` to switch to TLS before anything else is said;
- ``DISCUSSION_SMTP_USER`` / ``DISCUSSION_SMTP_PASSWORD``: log in with these when a user is
  given (after STARTTLS: leave STARTTLS off only for a server on the same machine);
- ``DISCUSSION_MAIL_FROM``: the sender's address, required once a host is set;
- ``SITE_URL``: where the site is reached, for the links (``http://localhost:8000`` unless given).

Each user gets one plain-text message in their language listing the notifications that are
unread and not yet emailed, with a link to each thread. Those notifications are marked as
emailed only once the server has accepted that user's message, one user at a time: a message
refused or a server gone away leaves that user's notifications to the next run and does not
stop the others. A second run sends nothing new. The command exits with 1 when some message
could not be sent, so cron reports it.

Run it daily (the notifications page promises a daily email), under ``flock`` so that two runs
never overlap and send the same notifications twice, e.g. in the site user's crontab::

    0 7 * * *  cd /srv/elearn && flock -n /tmp/elearn-digest.lock .venv/bin/elearn discussion-digest

``elearn discussion-digest --dry-run`` prints the messages it would send and changes nothing.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import click
from flask import Flask
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from elearn.plugin_api import User, app_context, get_database, utcnow
from elearn_discussion import notify
from elearn_discussion.models import EmailPreference, Notification

DEFAULT_SITE_URL = "http://localhost:8000"
LISTED = 50  # notifications listed in one message; the rest are counted, and all are on the site
SMTP_TIMEOUT = 30  # seconds


def _pending():
    """Notifications the digest may send: unread and not emailed yet."""
    return (Notification.read_at.is_(None), Notification.emailed_at.is_(None))


@dataclass
class Digest:
    user_id: int
    recipient: Address
    notification_ids: list[int]
    message: EmailMessage = field(repr=False)


@dataclass
class Settings:
    host: str
    port: int
    starttls: bool
    user: str
    password: str
    sender: str
    site_url: str

    @classmethod
    def of(cls, config: Any) -> Settings:
        return cls(
            host=str(config.get("DISCUSSION_SMTP_HOST") or ""),
            port=int(config.get("DISCUSSION_SMTP_PORT") or 25),
            starttls=config.get("DISCUSSION_SMTP_STARTTLS") in (True, "true", "True", "1", 1),
            user=str(config.get("DISCUSSION_SMTP_USER") or ""),
            password=str(config.get("DISCUSSION_SMTP_PASSWORD") or ""),
            sender=str(config.get("DISCUSSION_MAIL_FROM") or ""),
            site_url=str(config.get("SITE_URL") or DEFAULT_SITE_URL).rstrip("/"),
        )


def recipients(db: Session) -> list[int]:
    """Users who turned the digest on and have something new for it."""
    return list(db.scalars(
        select(User.id)
        .join(EmailPreference, EmailPreference.user_id == User.id)
        .where(EmailPreference.digest.is_(True), User.is_active.is_(True),
               exists().where(Notification.user_id == User.id, *_pending()))
        .order_by(User.id)
    ))


def build(app: Flask, db: Session, user_id: int, settings: Settings) -> Digest | None:
    """One user's message, in their language; None when nothing is left to send them."""
    user = db.get(User, user_id)
    rows = db.execute(notify.described(Notification.user_id == user_id, *_pending()).order_by(Notification.id)).all()
    if user is None or not rows:
        return None
    languages = app.config.get("LANGUAGES") or []
    locale = user.locale if user.locale in languages else app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    links = app.url_map.bind("localhost")

    def link(endpoint: str, **values: Any) -> str:
        return settings.site_url + links.build(endpoint, values)

    with force_locale(locale):
        count = len(rows)
        subject = ngettext("%(num)d new notification in the discussions",
                           "%(num)d new notifications in the discussions", count)
        lines = [_("Hello %(name)s,", name=user.name), "",
                 ngettext("You have %(num)d unread notification in the case discussions:",
                          "You have %(num)d unread notifications in the case discussions:", count), ""]
        for row in rows[:LISTED]:
            note = row.Notification
            lines.append(f"- {notify.lesson_title(row, locale)}: {notify.sentence(row)}")
            if note.thread_id is not None:
                lines.append("  " + link("discussion.thread", lesson_id=note.lesson_id, thread_id=note.thread_id))
            else:
                lines.append("  " + link("learning.lesson", lesson_id=note.lesson_id))
        if count > LISTED:
            lines.append(ngettext("… and %(num)d more.", "… and %(num)d more.", count - LISTED))
        lines += ["", _("All your notifications: %(url)s", url=link("discussion.notifications")),
                  _("You get this email because you turned on the email digest on that page; "
                    "turn it off there to stop these emails.")]

    message = EmailMessage()
    recipient = Address(display_name=user.name, addr_spec=user.email)
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = recipient
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines) + "\n", charset="utf-8")
    message["Content-Language"] = locale  # after set_content, which clears the Content-* headers
    return Digest(user_id, recipient, [row.Notification.id for row in rows], message)


def mark_sent(db: Session, digest: Digest) -> None:
    now = utcnow()
    db.execute(update(Notification)
               .where(Notification.id.in_(digest.notification_ids), Notification.emailed_at.is_(None))
               .values(emailed_at=now))
    db.execute(update(EmailPreference).where(EmailPreference.user_id == digest.user_id).values(last_sent_at=now))


class Mailer:
    """One SMTP connection for the run, opened when first needed and opened again after a failure."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
        except BaseException:
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


@click.command("discussion-digest")
@click.option("--dry-run", is_flag=True, help="Print the messages that would be sent; send and change nothing.")
def discussion_digest(dry_run: bool) -> None:
    """Email users who asked for it their unread discussion notifications (run daily by cron)."""
    app = app_context()
    settings = Settings.of(app.config)
    if not settings.host and not dry_run:
        click.echo("email digests are off: DISCUSSION_SMTP_HOST is not set")
        return
    if not settings.sender and not dry_run:
        raise click.ClickException("DISCUSSION_MAIL_FROM is not set")
    database = get_database(app)
    with database.session() as db:
        user_ids = recipients(db)
    sent, failed = 0, 0
    mailer = Mailer(settings)
    try:
        for user_id in user_ids:
            # Each user on their own: read, send, then mark in a short transaction of their own.
            with database.session() as db:
                digest = build(app, db, user_id, settings)
            if digest is None:
                continue
            if dry_run:
                message = digest.message
                click.echo(f"To: {message['To']}\nSubject: {message['Subject']}\n\n{message.get_content()}")
                sent += 1
                continue
            try:
                mailer.send(digest.message)
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                click.echo(f"not sent to {digest.recipient.addr_spec}: {exc}", err=True)
                continue
            with database.transaction() as db:
                mark_sent(db, digest)
            sent += 1
    finally:
        mailer.close()
    if dry_run:
        click.echo(f"dry run: {sent} digest(s) would be sent")
        return
    click.echo(f"{sent} digest(s) sent, {failed} failed")
    if failed:
        raise SystemExit(1)
