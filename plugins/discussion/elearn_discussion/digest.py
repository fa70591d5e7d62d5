"""The e-mail digest: each user who asked for it gets their unread notifications by e-mail, daily.

The digest is off by default twice over: nothing is sent unless the site configures an SMTP
server (``DISCUSSION_SMTP_HOST``), and then only to users who turned the digest on on their
notifications page. Mail is never sent while a page is being served: the site's job queue sends
it (``elearn worker``, which ``elearn demo`` runs for itself). Settings (in
``instance/config.py``, or as ``ELEARN_<NAME>`` variables):

- ``DISCUSSION_SMTP_HOST``: the SMTP server; unset, digests are off;
- ``DISCUSSION_SMTP_PORT``: 25 unless given;
- ``DISCUSSION_SMTP_STARTTLS``: ``true`` to switch to TLS before anything else is said;
- ``DISCUSSION_SMTP_USER`` / ``DISCUSSION_SMTP_PASSWORD``: log in with these when a user is
  given (after STARTTLS: leave STARTTLS off only for a server on the same machine);
- ``DISCUSSION_MAIL_FROM``: the sender's address, required once a host is set;
- ``SITE_URL``: where the site is reached, for the links (``http://localhost:8000`` unless given).

Each user gets one plain-text message in their language listing the notifications that are
unread and not yet emailed, with a link to each thread. Those notifications are marked as
emailed in the transaction that sent that user's message, once the server accepted it: a
message refused or a server gone away leaves that user's notifications unsent and does not stop
the others. Sending takes the user's preference row first, so two senders at once (the daily job
and the command below) take turns, and the second finds nothing left to send.

On the queue (no cron, no ``flock``): the periodic task ``discussion.digest`` runs every day at
00:00 UTC (07:00 in Vietnam), once however many workers run, and starts one job
``discussion.digest_user`` per recipient. That job's key is the user and their newest pending
notification, so starting it twice for the same mail is one job; a refused message is tried
again three times (after 1, 2 and 4 minutes), then waits for the next day's digest.

By hand: ``elearn discussion-digest`` sends the digest now, in the command's process, and exits
with 1 when some message could not be sent; ``--dry-run`` prints the messages it would send and
changes nothing; ``elearn jobs run discussion.digest`` queues the daily job now.
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
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from elearn.plugin_api import JobContext, Message, Task, User, app_context, crontab, get_database, utcnow
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


def recipients(db: Session) -> list[tuple[int, int]]:
    """Users who turned the digest on and have something new for it, each with the id of their
    newest notification to send (with the user, it names the message: the digest job's key)."""
    return [(row[0], row[1]) for row in db.execute(
        select(Notification.user_id, func.max(Notification.id))
        .join(EmailPreference, EmailPreference.user_id == Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(EmailPreference.digest.is_(True), User.is_active.is_(True), User.email.is_not(None), *_pending())
        .group_by(Notification.user_id)
        .order_by(Notification.user_id)
    )]


def build(app: Flask, db: Session, user_id: int, settings: Settings) -> Digest | None:
    """One user's message, in their language; None when nothing is left to send them."""
    user = db.get(User, user_id)
    rows = db.execute(notify.described(Notification.user_id == user_id, *_pending()).order_by(Notification.id)).all()
    if user is None or not user.email or not rows:
        return None  # no e-mail address (a learner who signs in by phone): nothing to send to
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


class SmtpSender:
    """The site's e-mail sender (``elearn_message_senders``) while an SMTP server is configured: the core
    sends sign-in codes through it to learners who have an e-mail address. One connection a message."""

    kind = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(utcnow())
        mail["Message-ID"] = make_msgid()
        mail.set_content(message.text)
        mailer = Mailer(self.settings)
        try:
            mailer.send(mail)
        finally:
            mailer.close()


def smtp_sender(config: Any) -> SmtpSender | None:
    settings = Settings.of(config)
    return SmtpSender(settings) if settings.host and settings.sender else None


class NotSent(Exception):
    """The SMTP server refused a user's digest, or could not be reached."""

    def __init__(self, recipient: Address, cause: BaseException) -> None:
        super().__init__(f"not sent to {recipient.addr_spec}: {cause}")
        self.recipient = recipient


def send_one(app: Flask, db: Session, settings: Settings, user_id: int, mailer: Mailer) -> Digest | None:
    """Send one user their digest and mark it sent, in ``db``'s transaction (commit it after);
    None when nothing is left to send them. Raises ``NotSent`` when the server did not take it."""
    # Taken first: a second sender for this user waits here, then finds everything marked.
    db.execute(select(EmailPreference.user_id).where(EmailPreference.user_id == user_id).with_for_update())
    digest = build(app, db, user_id, settings)
    if digest is None:
        return None
    try:
        mailer.send(digest.message)
    except (smtplib.SMTPException, OSError) as exc:
        raise NotSent(digest.recipient, exc) from exc
    mark_sent(db, digest)
    return digest


def _off(settings: Settings) -> str | None:
    if not settings.host:
        return "email digests are off: DISCUSSION_SMTP_HOST is not set"
    if not settings.sender:
        return "DISCUSSION_MAIL_FROM is not set"
    return None


# -- on the job queue ---------------------------------------------------------------------------


def daily_digest(job: JobContext) -> dict[str, Any]:
    """The periodic task: one ``discussion.digest_user`` job per user with something to send."""
    off = _off(Settings.of(job.app.config))
    if off:
        return {"queued": 0, "off": off}
    found = recipients(job.db)
    for user_id, newest in found:
        job.enqueue("discussion.digest_user", {"user_id": user_id}, key=f"{user_id}:{newest}")
    return {"queued": len(found)}


def user_digest(job: JobContext, user_id: int) -> dict[str, Any]:
    """One user's digest; a refusal raises, and the queue tries again later."""
    settings = Settings.of(job.app.config)
    off = _off(settings)
    if off:
        return {"sent": False, "off": off}
    mailer = Mailer(settings)
    try:
        digest = send_one(job.app, job.db, settings, user_id, mailer)
    finally:
        mailer.close()
    return {"sent": digest is not None, "notifications": len(digest.notification_ids) if digest else 0}


TASKS = [
    Task("digest", daily_digest, schedule=crontab(minute="0", hour="0"),
         description=_l("The daily email digest of notifications, at 07:00 in Vietnam (00:00 UTC)")),
    Task("digest_user", user_digest, retries=3, retry_delay=60, backoff=2,
         description=_l("One user's email digest")),
]


# -- by hand ------------------------------------------------------------------------------------


@click.command("discussion-digest")
@click.option("--dry-run", is_flag=True, help="Print the messages that would be sent; send and change nothing.")
def discussion_digest(dry_run: bool) -> None:
    """Email users who asked for it their unread discussion notifications, now (the site's job
    queue does it daily by itself)."""
    app = app_context()
    settings = Settings.of(app.config)
    off = _off(settings)
    if off and not dry_run:
        if settings.host:
            raise click.ClickException(off)
        click.echo(off)
        return
    database = get_database(app)
    with database.session() as db:
        user_ids = [user_id for user_id, _newest in recipients(db)]
    if dry_run:
        shown = 0
        for user_id in user_ids:
            with database.session() as db:
                digest = build(app, db, user_id, settings)
            if digest is not None:
                message = digest.message
                click.echo(f"To: {message['To']}\nSubject: {message['Subject']}\n\n{message.get_content()}")
                shown += 1
        click.echo(f"dry run: {shown} digest(s) would be sent")
        return
    sent, failed = 0, 0
    mailer = Mailer(settings)
    try:
        for user_id in user_ids:
            try:
                # Each user on their own: locked, built, sent and marked in a transaction of their own.
                with database.transaction() as db:
                    digest = send_one(app, db, settings, user_id, mailer)
            except NotSent as exc:
                failed += 1
                click.echo(str(exc), err=True)
                continue
            sent += digest is not None
    finally:
        mailer.close()
    click.echo(f"{sent} digest(s) sent, {failed} failed")
    if failed:
        raise SystemExit(1)
