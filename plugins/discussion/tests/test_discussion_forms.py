"""The quote and report forms show the post they are about, with its author (issue 11): a
learner quoting sees what she quotes and starts from it as a Markdown quote; one reporting
sees whose post she reports. And counts read as counts in English too ("1 post", never "1 posts")."""

from __future__ import annotations

import re
from html import unescape

import pytest

from elearn.testing import FakeClock


def reply_form(page: str) -> str:
    return page[page.index('id="reply"'):]


def test_the_quote_form_shows_the_quoted_post_and_starts_the_reply_with_it(discussion, as_api, signed_in):
    site = discussion()
    teacher, alice = as_api(site.teacher), as_api(site.alice)
    opening = teacher.start(site.lesson, "Câu hỏi", "Vì sao vắng mặt?")
    tid = opening["thread_id"]
    quoted = teacher.answer(site.lesson, tid, "Mùa vụ là **một** lý do.\n\nCòn lý do khác?")
    bob = signed_in(site.bob)
    base = f"/x/discussion/lessons/{site.lesson.id}/threads/{tid}"

    form = reply_form(bob.get(f"{base}?reply={quoted['id']}&quote={quoted['id']}").get_data(as_text=True))
    assert "Cô Lan (giảng viên) viết:" in form  # who wrote what is quoted, with her role
    assert "<strong>một</strong>" in form  # the quoted post's text, as shown in the thread
    textarea = unescape(re.search(r'<textarea id="reply-body"[^>]*>(.*?)</textarea>', form, re.S).group(1))
    assert textarea == "> Mùa vụ là **một** lý do.\n>\n> Còn lý do khác?\n\n"
    assert f'name="quote_id" value="{quoted["id"]}"' in form
    assert f'name="parent_id" value="{quoted["id"]}"' in form

    # Sent as it is, with a line of her own: the reply quotes the post and notifies its author.
    sent = bob.submit(f"{base}/posts", body=textarea + "Em đồng ý.", quote_id=str(quoted["id"]),
                      parent_id=str(quoted["id"]))
    assert sent.status_code == 303
    newest = as_api(site.bob).get(f"/lessons/{site.lesson.id}/threads/{tid}").get_json()["posts"]["items"][-1]
    assert newest["quote"]["id"] == quoted["id"] and "Em đồng ý." in newest["html"]
    # The copied quote is not kept in the reply's own text: the thread shows the original, once, above it.
    assert "<blockquote>" not in newest["html"] and "Mùa vụ" not in newest["html"]
    thread = bob.get(base).get_data(as_text=True)
    assert thread.count("<strong>một</strong>") == 2  # the post itself, and the reply quoting it

    # A learner who kept only a part of the quote: that part is not kept either.
    trimmed = as_api(site.bob).answer(site.lesson, tid, "> Mùa vụ là **một**\n\nĐúng vậy.", quote_id=quoted["id"])
    assert "Mùa vụ" not in trimmed["html"] and "Đúng vậy." in trimmed["html"]
    # A quote of something else stays: it is the learner's own words.
    own = as_api(site.bob).answer(site.lesson, tid, "> Tục ngữ: một cây làm chẳng nên non\n\nNên hợp tác.",
                                  quote_id=quoted["id"])
    assert "Tục ngữ" in own["html"]

    # A hidden post, one of another thread, or no post at all: nothing quoted, the reply starts empty.
    other = alice.start(site.lesson, "Chủ đề khác", "Ở chỗ khác")
    teacher.moderate(site.lesson, quoted["id"], "hide", "Lạc đề")
    # Hidden by a moderator, the quoted post's text is gone from every reply that quoted it.
    assert "<strong>một</strong>" not in signed_in(site.alice).get(base).get_data(as_text=True)
    for post_id in (quoted["id"], other["id"], 999999, "abc"):
        form = reply_form(bob.get(f"{base}?reply={opening['id']}&quote={post_id}").get_data(as_text=True))
        assert 'name="quote_id"' not in form and "Mùa vụ" not in form and "Ở chỗ khác" not in form
        assert re.search(r'<textarea id="reply-body"[^>]*></textarea>', form)


def test_the_report_form_shows_whose_post_is_reported(discussion, as_api, signed_in):
    site = discussion()
    teacher, alice = as_api(site.teacher), as_api(site.alice)
    opening = teacher.start(site.lesson, "Câu hỏi", "Vì sao vắng mặt?")
    reply = alice.answer(site.lesson, opening["thread_id"], "REPORTEDTEXT của Alice")
    bob = signed_in(site.bob)
    page = bob.get(f"/x/discussion/lessons/{site.lesson.id}/posts/{reply['id']}/report").get_data(as_text=True)
    assert "<strong>Alice Nguyễn</strong>" in page and "REPORTEDTEXT" in page
    page = bob.get(f"/x/discussion/lessons/{site.lesson.id}/posts/{opening['id']}/report").get_data(as_text=True)
    assert "<strong>Cô Lan (giảng viên)</strong>" in page


@pytest.fixture
def english(db):
    """``english(user)``: the user reads the site in English (their saved choice)."""

    def set_(user):
        user.locale = "en"
        db.commit()
        return user

    return set_


def test_counts_read_as_counts_in_english(discussion, as_api, signed_in, english, monkeypatch, client, api_token):
    site = discussion(completion={"posts": 1, "replies": 1}, moderation="pre", edit_minutes=1)
    teacher = signed_in(english(site.teacher))
    alice = signed_in(english(site.alice))
    lesson = alice.get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert "at least 1 post, of which at least 1 reply in a thread started by someone else" in lesson
    as_api(site.alice).start(site.lesson, "Một", "Chờ duyệt")

    lid = site.lesson.id
    queue = teacher.get(f"/x/discussion/lessons/{lid}/queue").get_data(as_text=True)
    assert "1 post." in queue and "1 posts" not in queue
    people = teacher.get(f"/x/discussion/lessons/{lid}/participants?q=alice").get_data(as_text=True)
    assert "1 learner." in people and "1 learners" not in people
    log = teacher.get(f"/x/discussion/lessons/{lid}/log").get_data(as_text=True)
    assert "No moderation action yet." in log

    # The edit window of one minute, after it has passed.
    clock = FakeClock()
    for module in ("elearn_discussion.posting", "elearn_discussion.serialize"):
        monkeypatch.setattr(f"{module}.utcnow", clock)
    post = as_api(site.alice).start(site.lesson, "Hai", "Chờ duyệt")
    clock.advance(minutes=2)
    late = client.patch(f"/api/v1/x/discussion/lessons/{lid}/posts/{post['id']}", json={"body": "Sửa"},
                        headers={"Authorization": f"Bearer {api_token(site.alice)}", "Accept-Language": "en"})
    assert late.status_code == 409
    assert late.get_json()["error"]["message"] == (
        "Posts can be edited for 1 minute after posting; that time has passed.")
