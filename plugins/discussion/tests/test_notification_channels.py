"""The discussion tells people through every notification channel (``elearn_notification_channels``):
its in-app list is one; a channel from another plugin (an SMS gateway, say) gets the same
notifications, and one that fails loses nothing of the others'."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from elearn.plugin_api import hookimpl
from elearn.testing import test_config

sent: list[tuple[int, str, dict]] = []


class Sms:
    name = "sms"

    def send(self, user, notification):
        sent.append((user.id, notification.kind, dict(notification.data)))


class Down:
    name = "zalo"

    def send(self, user, notification):
        raise ConnectionError("the gateway is down")


@hookimpl
def elearn_notification_channels():
    return [Down(), Sms()]


@pytest.fixture
def app_config(database_url, tmp_path):
    channels = SimpleNamespace(elearn_notification_channels=elearn_notification_channels)
    return test_config(database_url, tmp_path, PLUGIN_OBJECTS={"gateways": channels})


@pytest.fixture(autouse=True)
def _nothing_sent():
    sent.clear()
    yield
    sent.clear()


def test_a_reply_reaches_every_channel_and_a_failing_one_harms_no_other(discussion, as_api, caplog):
    site = discussion()
    alice, bob = as_api(site.alice), as_api(site.bob)
    opening = alice.start(site.lesson, "Giờ họp", "Nội dung của Alice")
    reply = bob.answer(site.lesson, opening["thread_id"], "Bình trả lời")
    assert sent == [(site.alice.id, "discussion.reply", {
        "lesson_id": site.lesson.id, "thread_id": opening["thread_id"], "post_id": reply["id"],
        "actor_id": site.bob.id, "reason": ""})]
    # The in-app list still has it, though the Zalo channel failed.
    items = alice.get("/notifications").get_json()["items"]
    assert [(n["kind"], n["post_id"]) for n in items] == [("reply", reply["id"])]
    assert "channel zalo failed to send discussion.reply" in caplog.text
