"""The email digest, against a real SMTP server listening in this process: by hand
(``elearn discussion-digest``) and as the job queue's daily periodic task. Off unless an SMTP host
is configured and the user asked for it; one message per user in their language; nothing lost or
sent twice when a message is refused, or when several workers run the schedule."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from elearn_discussion.models import EmailPreference, Notification
from flask_babel import force_locale, ngettext
from sqlalchemy import select

from elearn.cli import main
from elearn.models import Job
from elearn.plugin_api import name_with_role
from elearn.testing import fresh

SITE = "https://hoc.example.vn"
SENDER = "thao-luan@example.vn"


class Sink:
    """An aiosmtpd handler keeping every message accepted; refuses the recipients in ``refused``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def parsed(self):
        return [(to, message_from_bytes(raw, policy=default_policy), raw) for to, raw in self.messages]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def digest(database_url, tmp_path, smtp):
    """``digest(*args, smtp=True)``: run ``elearn discussion-digest`` on the test database."""

    def run(*args: str, smtp_host: bool = True):
        env = {
            "ELEARN_INSTANCE_PATH": str(tmp_path / "cli-instance"),
            "ELEARN_DATABASE_URL": database_url,
            "ELEARN_SECRET_KEY": "cli-test-secret",
            "ELEARN_SITE_URL": SITE,
            "ELEARN_DISCUSSION_SMTP_HOST": "127.0.0.1" if smtp_host else None,
            "ELEARN_DISCUSSION_SMTP_PORT": str(smtp.port),
            "ELEARN_DISCUSSION_SMTP_STARTTLS": None,
            "ELEARN_DISCUSSION_SMTP_USER": None,
            "ELEARN_DISCUSSION_MAIL_FROM": SENDER,
        }
        return CliRunner().invoke(main, ["discussion-digest", *args], env=env)

    return run


def opt_in(api):
    response = api.send("PUT", "/me/email-digest", {"enabled": True})
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def conversation(discussion, as_api):
    """Alice opens a thread, Bình and the teacher reply to her, Alice answers Bình: Alice has two
    notifications, Bình one."""
    site = discussion()
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = alice.start(site.lesson, "Vì sao thành viên vắng mặt?", "Mở đầu thảo luận.")
    thread_id = opening["thread_id"]
    from_bob = bob.answer(site.lesson, thread_id, "Vì họ bận mùa vụ.")
    teacher.answer(site.lesson, thread_id, "Hãy nghĩ thêm về thông tin.")
    alice.answer(site.lesson, thread_id, "Đồng ý với Bình.", parent_id=from_bob["id"])
    site.thread_id = thread_id
    site.api = {"alice": alice, "bob": bob, "teacher": teacher}
    return site


def notifications(db, user) -> list[Notification]:
    return list(fresh(db).scalars(select(Notification).where(Notification.user_id == user.id)
                                  .order_by(Notification.id)))


def test_the_command_is_listed_in_the_elearn_help():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    assert "discussion-digest" in result.output


def test_off_by_default_nothing_is_sent_without_the_users_consent(conversation, db, digest, smtp):
    result = digest()
    assert result.exit_code == 0, result.output
    assert "0 digest(s) sent" in result.output
    assert smtp.messages == []
    assert all(n.emailed_at is None for n in notifications(db, conversation.alice))


def test_an_opted_in_user_gets_one_email_in_their_language_with_links(app, conversation, db, digest, smtp):
    site = conversation
    opt_in(site.api["alice"])
    assert len(notifications(db, site.alice)) == 2

    result = digest()
    assert result.exit_code == 0, result.output
    assert "1 digest(s) sent, 0 failed" in result.output
    [(to, message, raw)] = smtp.parsed()
    assert to == [site.alice.email]

    # Headers are 7-bit on the wire (RFC 2047 words for the names), and read back in Vietnamese.
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    head.decode("ascii")
    assert message["To"].addresses[0].display_name == "Alice Nguyễn"
    assert message["To"].addresses[0].addr_spec == site.alice.email
    assert message["From"] == SENDER
    assert message["Content-Language"] == "vi"
    body = message.get_content()
    with force_locale("vi"):
        from elearn_discussion.notify import kind_label

        assert message["Subject"] == ngettext("%(num)d new notification in the discussions",
                                              "%(num)d new notifications in the discussions", 2)
        # The instructor is named with her role: a learner named "Cô Lan" cannot pass for her.
        teacher = name_with_role("Cô Lan", "instructor")
        assert teacher == "Cô Lan (giảng viên)"
        expected = [kind_label("reply", name, "Vì sao thành viên vắng mặt?") for name in ("Bình Trần", teacher)]
    for sentence in expected:
        assert f"- Bài 1: {sentence}" in body
    assert f"{SITE}/x/discussion/lessons/{site.lesson.id}/threads/{site.thread_id}" in body
    assert f"{SITE}/x/discussion/notifications" in body
    assert "Mở đầu" not in body  # names and titles only, never a post's text

    found = notifications(db, site.alice)
    assert all(n.emailed_at is not None for n in found)
    assert all(n.read_at is None for n in found)  # emailed is not read
    assert fresh(db).get(EmailPreference, site.alice.id).last_sent_at is not None
    # Bình did not ask: his notification waits, un-emailed.
    assert all(n.emailed_at is None for n in notifications(db, site.bob))


def test_a_second_run_sends_nothing_new(conversation, db, digest, smtp):
    opt_in(conversation.api["alice"])
    assert digest().exit_code == 0
    assert len(smtp.messages) == 1

    again = digest()
    assert again.exit_code == 0, again.output
    assert "0 digest(s) sent" in again.output
    assert len(smtp.messages) == 1

    # Something new later: only that goes out next time.
    conversation.api["bob"].answer(conversation.lesson, conversation.thread_id, "Thêm một ý nữa.")
    assert digest().exit_code == 0
    assert len(smtp.messages) == 2
    body = smtp.parsed()[1][1].get_content()
    assert "Cô Lan" not in body and "Bình Trần" in body


def test_read_notifications_are_not_emailed(conversation, db, digest, smtp):
    alice = conversation.api["alice"]
    opt_in(alice)
    assert alice.send("POST", "/notifications/read", {}).status_code == 200
    assert digest().exit_code == 0
    assert smtp.messages == []
    assert all(n.emailed_at is None for n in notifications(db, conversation.alice))


def test_the_users_language_english(conversation, db, digest, smtp):
    conversation.bob.locale = "en"
    db.add(conversation.bob)
    db.commit()
    opt_in(conversation.api["bob"])
    assert digest().exit_code == 0
    [(_to, message, _raw)] = smtp.parsed()
    assert message["Content-Language"] == "en"
    assert message["Subject"] == "1 new notification in the discussions"
    body = message.get_content()
    assert "Hello Bình Trần," in body
    assert "- Lesson 1: Alice Nguyễn replied to you in “Vì sao thành viên vắng mặt?”." in body


def test_without_an_smtp_host_digests_are_off_and_nothing_is_touched(conversation, db, digest, smtp):
    opt_in(conversation.api["alice"])
    result = digest(smtp_host=False)
    assert result.exit_code == 0, result.output
    assert "email digests are off" in result.output
    assert smtp.messages == []
    assert all(n.emailed_at is None for n in notifications(db, conversation.alice))
    assert fresh(db).get(EmailPreference, conversation.alice.id).last_sent_at is None


def test_a_dry_run_prints_and_changes_nothing(conversation, db, digest, smtp):
    opt_in(conversation.api["alice"])
    result = digest("--dry-run")
    assert result.exit_code == 0, result.output
    assert f"To: Alice Nguyễn <{conversation.alice.email}>" in result.output
    assert f"{SITE}/x/discussion/lessons/{conversation.lesson.id}/threads/{conversation.thread_id}" in result.output
    assert "dry run: 1 digest(s) would be sent" in result.output
    assert smtp.messages == []
    assert all(n.emailed_at is None for n in notifications(db, conversation.alice))


def test_a_refused_recipient_keeps_their_notifications_and_the_others_get_theirs(conversation, db, digest, smtp):
    site = conversation
    opt_in(site.api["alice"])
    opt_in(site.api["bob"])
    smtp.refused.add(site.alice.email)

    result = digest()
    assert result.exit_code == 1
    assert f"not sent to {site.alice.email}" in result.output
    assert "1 digest(s) sent, 1 failed" in result.output
    assert [to for to, _raw in smtp.messages] == [[site.bob.email]]
    assert all(n.emailed_at is None for n in notifications(db, site.alice))
    assert fresh(db).get(EmailPreference, site.alice.id).last_sent_at is None
    assert all(n.emailed_at is not None for n in notifications(db, site.bob))

    # The server takes Alice's mail again: she gets hers, Bình nothing twice.
    smtp.refused.clear()
    again = digest()
    assert again.exit_code == 0, again.output
    assert [to for to, _raw in smtp.messages] == [[site.bob.email], [site.alice.email]]
    assert all(n.emailed_at is not None for n in notifications(db, site.alice))


def test_an_unreachable_server_sends_and_marks_nothing(conversation, db, digest, smtp, database_url, tmp_path):
    opt_in(conversation.api["alice"])
    env = {
        "ELEARN_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "ELEARN_DATABASE_URL": database_url,
        "ELEARN_SECRET_KEY": "cli-test-secret",
        "ELEARN_DISCUSSION_SMTP_HOST": "127.0.0.1",
        "ELEARN_DISCUSSION_SMTP_PORT": str(_free_port()),  # nobody listens there
        "ELEARN_DISCUSSION_MAIL_FROM": SENDER,
    }
    result = CliRunner().invoke(main, ["discussion-digest"], env=env)
    assert result.exit_code == 1
    assert "0 digest(s) sent, 1 failed" in result.output
    assert all(n.emailed_at is None for n in notifications(db, conversation.alice))


# -- on the job queue: the daily periodic task, no cron -------------------------------------------


@pytest.fixture
def daily(app, smtp, monkeypatch):
    """``daily()``: the periodic task ``discussion.digest`` as a worker's scheduler starts it, at
    the clock's time (``daily.clock``); jobs run at once (the tests' immediate mode)."""
    from elearn.testing import FakeClock, run_periodic

    app.config.update(DISCUSSION_SMTP_HOST="127.0.0.1", DISCUSSION_SMTP_PORT=smtp.port,
                      DISCUSSION_MAIL_FROM=SENDER, SITE_URL=SITE)
    clock = FakeClock(datetime(2026, 12, 4, 0, 0, 2, tzinfo=UTC))
    monkeypatch.setattr("elearn.jobs.queue.utcnow", clock)

    def run():
        return run_periodic(app, "discussion.digest")

    run.clock = clock
    return run


def jobs_of(db, task: str) -> list[Job]:
    return list(fresh(db).scalars(select(Job).where(Job.task == task).order_by(Job.created_at, Job.id)))


def test_the_daily_task_sends_each_digest_once_however_many_workers_run_it(conversation, db, daily, smtp):
    site = conversation
    opt_in(site.api["alice"])
    daily()
    daily.clock.advance(seconds=30)
    daily()  # another worker's scheduler, the same minute: nothing more
    assert [to for to, _raw in smtp.messages] == [[site.alice.email]]
    assert [(job.status.value, job.result) for job in jobs_of(db, "discussion.digest")] == [("done", {"queued": 1})]
    [sent] = jobs_of(db, "discussion.digest_user")
    assert (sent.status.value, sent.result) == ("done", {"sent": True, "notifications": 2})
    assert all(n.emailed_at is not None for n in notifications(db, site.alice))

    daily.clock.advance(days=1)
    daily()  # the next day: nothing new
    assert len(smtp.messages) == 1
    site.api["bob"].answer(site.lesson, site.thread_id, "Thêm một ý nữa.")
    daily.clock.advance(days=1)
    daily()
    assert len(smtp.messages) == 2
    assert "Bình Trần" in smtp.parsed()[1][1].get_content()


def test_the_command_run_after_the_daily_task_sends_nothing_twice(conversation, db, daily, digest, smtp):
    opt_in(conversation.api["alice"])
    daily()
    assert digest().exit_code == 0  # by hand, after the worker: finds everything sent
    assert len(smtp.messages) == 1


def test_a_refused_digest_is_retried_then_left_for_the_next_day(conversation, db, daily, smtp):
    site = conversation
    opt_in(site.api["alice"])
    opt_in(site.api["bob"])
    smtp.refused.add(site.alice.email)
    daily()
    assert [to for to, _raw in smtp.messages] == [[site.bob.email]]
    by_user = {job.arguments["user_id"]: job for job in jobs_of(db, "discussion.digest_user")}
    refused = by_user[site.alice.id]
    assert (refused.status.value, refused.attempts) == ("failed", 4)
    assert f"not sent to {site.alice.email}" in refused.error
    assert all(n.emailed_at is None for n in notifications(db, site.alice))

    smtp.refused.clear()
    daily.clock.advance(days=1)
    daily()  # the same mail for Alice: her failed job is queued again, and goes through
    assert [to for to, _raw in smtp.messages] == [[site.bob.email], [site.alice.email]]
    again = fresh(db).get(Job, refused.id)
    assert (again.status.value, again.attempts) == ("done", 1)


def test_the_daily_task_without_an_smtp_host_sends_nothing(app, conversation, db, daily, smtp):
    app.config["DISCUSSION_SMTP_HOST"] = None
    opt_in(conversation.api["alice"])
    daily()
    assert smtp.messages == []
    [job] = jobs_of(db, "discussion.digest")
    assert job.result == {"queued": 0, "off": "email digests are off: DISCUSSION_SMTP_HOST is not set"}
    assert jobs_of(db, "discussion.digest_user") == []


def test_the_smtp_server_also_carries_sign_in_codes_by_email(database_url, tmp_path, smtp, make_user):
    """With an SMTP server configured, the sign-in page offers a code by e-mail and sends it through it."""
    import re

    from elearn import create_app
    from elearn.testing import csrf_token, test_config

    app = create_app(test_config(database_url, tmp_path, DISCUSSION_SMTP_HOST="127.0.0.1",
                                 DISCUSSION_SMTP_PORT=smtp.port, DISCUSSION_MAIL_FROM=SENDER))
    try:
        client = app.test_client()
        assert "/login/code" in client.get("/login").get_data(as_text=True)
        user = make_user("learner", "lan@example.org", "Lò Thị Lan")
        client.post("/login/code", data={"login": user.email, "csrf_token": csrf_token(client, "/login/code")})
        [(to, message, _raw)] = smtp.parsed()
        assert to == ["lan@example.org"] and message["From"] == SENDER
        code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", message.get_content()).group()
        answer = client.post("/login", data={"login": user.email, "password": code,
                                             "csrf_token": csrf_token(client, "/login")})
        assert answer.status_code == 303
    finally:
        app.extensions["elearn_db"].dispose()
