"""Taking part: threads, replies (one level of nesting), quotes, edits within the window with
their history, withdrawal, locked threads, refused input, the posting rate limit, reports and
helpful marks — through the forms and the JSON API."""

from __future__ import annotations

import re

import pytest
from elearn_discussion.models import HelpfulMark, Post, Report, Thread
from sqlalchemy import func, select

from elearn.testing import FakeClock, fresh


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    for module in ("elearn_discussion.posting", "elearn_discussion.serialize"):
        monkeypatch.setattr(f"{module}.utcnow", fake)
    return fake


def posts_of(api, lesson, thread_id: int) -> list[dict]:
    response = api.get(f"/lessons/{lesson.id}/threads/{thread_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["posts"]["items"]


def count(db, model) -> int:
    fresh(db)
    return db.scalar(select(func.count()).select_from(model))


# -- threads and replies -----------------------------------------------------------------


def test_a_thread_started_and_answered_through_the_forms(discussion, signed_in, as_api):
    site = discussion()
    lid = site.lesson.id
    alice = signed_in(site.alice)
    started = alice.submit(f"/x/discussion/lessons/{lid}/threads", title="Giờ họp không hợp lý",
                          body="Họp vào **mùa gặt** thì ai đến được?")
    assert started.status_code == 303
    thread_url = started.headers["Location"]
    assert "Giờ họp không hợp lý" in alice.get(f"/lessons/{lid}").get_data(as_text=True)
    page = alice.get(thread_url).get_data(as_text=True)
    assert "<strong>mùa gặt</strong>" in page

    tid = int(re.search(r"/threads/(\d+)", thread_url).group(1))
    opening = posts_of(as_api(site.bob), site.lesson, tid)[0]
    bob = signed_in(site.bob)
    replied = bob.submit(f"/x/discussion/lessons/{lid}/threads/{tid}/posts", body="Đồng ý, nên đổi giờ.",
                          parent_id=str(opening["id"]))
    assert replied.status_code == 303
    assert "Đồng ý, nên đổi giờ." in bob.get(replied.headers["Location"]).get_data(as_text=True)
    items = posts_of(as_api(site.alice), site.lesson, tid)
    assert [p["author"] for p in items] == ["Alice Nguyễn", "Bình Trần"]
    assert items[1]["parent_id"] == opening["id"]


def test_a_reply_to_a_reply_stays_one_level_deep_under_the_same_top_level_post(discussion, as_api, db):
    site = discussion()
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = alice.start(site.lesson, "Ý kiến", "Mở đầu")
    tid = opening["thread_id"]
    first = bob.answer(site.lesson, tid, "Trả lời một")
    nested = alice.answer(site.lesson, tid, "Trả lời cho Bình", parent_id=first["id"])
    deeper = teacher.answer(site.lesson, tid, "Trả lời cho câu trả lời", parent_id=nested["id"])
    later = bob.answer(site.lesson, tid, "Trả lời hai")

    assert (first["nested"], nested["nested"], deeper["nested"], later["nested"]) == (False, True, True, False)
    assert deeper["parent_id"] == nested["id"]
    fresh(db)
    assert db.get(Post, deeper["id"]).root_id == db.get(Post, nested["id"]).root_id == first["id"]
    # Reading order: each top-level post followed by its branch, whatever the posting order.
    assert [p["id"] for p in posts_of(bob, site.lesson, tid)] == [
        opening["id"], first["id"], nested["id"], deeper["id"], later["id"]]
    assert db.get(Thread, tid).reply_count == 4


def test_a_quote_of_a_post_that_is_later_hidden_no_longer_shows_its_text(discussion, as_api, signed_in):
    site = discussion()
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = teacher.start(site.lesson, "Câu hỏi", "Vì sao vắng mặt?")
    tid = opening["thread_id"]
    quoted = alice.answer(site.lesson, tid, "QUOTEDTEXT số điện thoại của chủ nhiệm là 0901")
    quoting = bob.answer(site.lesson, tid, "Tôi không đồng ý với ý trên.", quote_id=quoted["id"])
    assert quoting["quote"]["author"] == "Alice Nguyễn"
    assert "QUOTEDTEXT" in quoting["quote"]["html"]

    teacher.moderate(site.lesson, quoted["id"], "hide", "Thông tin cá nhân")

    for reader in (bob, teacher, alice):
        item = next(p for p in posts_of(reader, site.lesson, tid) if p["id"] == quoting["id"])
        assert item["quote"] is None or item["quote"]["html"] is None
    bob_items = {p["id"]: p for p in posts_of(bob, site.lesson, tid)}
    assert "QUOTEDTEXT" not in str(bob_items)
    page = signed_in(site.bob).get(f"/x/discussion/lessons/{site.lesson.id}/threads/{tid}").get_data(as_text=True)
    assert "Tôi không đồng ý với ý trên." in page and "QUOTEDTEXT" not in page


def test_a_reply_cannot_nest_under_or_quote_a_post_of_another_thread(discussion, as_api, db):
    site = discussion()
    alice = as_api(site.alice)
    one = alice.start(site.lesson, "Một", "Thứ nhất")
    two = alice.start(site.lesson, "Hai", "Thứ hai")
    for field in ("parent_id", "quote_id"):
        refused = as_api(site.bob).send("POST", f"/lessons/{site.lesson.id}/threads/{two['thread_id']}/posts",
                                        {"body": "Trả lời", field: one["id"]})
        # A well-formed body (the document allows it) that the thread's state refuses: a conflict.
        assert refused.status_code == 409
    assert count(db, Post) == 2


# -- editing -----------------------------------------------------------------------------


def test_an_edit_within_the_window_keeps_the_earlier_text_for_the_author_and_staff(
        discussion, as_api, signed_in, clock):
    site = discussion(edit_minutes=30)
    lid = site.lesson.id
    alice = as_api(site.alice)
    post = alice.start(site.lesson, "Ý kiến", "FIRSTTEXT Ban đầu")
    clock.advance(minutes=10)
    edited = alice.send("PATCH", f"/lessons/{lid}/posts/{post['id']}", {"body": "SECONDTEXT Đã sửa"})
    assert edited.status_code == 200
    assert "SECONDTEXT" in edited.get_json()["post"]["html"]
    clock.advance(minutes=10)
    alice_browser = signed_in(site.alice)
    saved = alice_browser.submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/edit", body="THIRDTEXT Lần ba")
    assert saved.status_code == 303

    bob_sees = posts_of(as_api(site.bob), site.lesson, post["thread_id"])[0]
    assert "THIRDTEXT" in bob_sees["html"] and bob_sees["edited_at"] is not None
    for reader in (alice, as_api(site.teacher)):
        history = reader.get(f"/lessons/{lid}/posts/{post['id']}/history")
        assert history.status_code == 200
        body = history.get_json()
        assert body["current"]["markdown"] == "THIRDTEXT Lần ba"
        assert [r["markdown"] for r in body["earlier"]] == ["SECONDTEXT Đã sửa", "FIRSTTEXT Ban đầu"]
    page = alice_browser.get(f"/x/discussion/lessons/{lid}/posts/{post['id']}/history")
    assert page.status_code == 200 and "FIRSTTEXT" in page.get_data(as_text=True)

    assert as_api(site.bob).get(f"/lessons/{lid}/posts/{post['id']}/history").status_code == 403
    assert signed_in(site.bob).get(f"/x/discussion/lessons/{lid}/posts/{post['id']}/history").status_code == 403


def test_an_edit_after_the_window_is_refused_and_changes_nothing(discussion, as_api, signed_in, clock, db):
    site = discussion(edit_minutes=30)
    lid = site.lesson.id
    alice = as_api(site.alice)
    post = alice.start(site.lesson, "Ý kiến", "Ban đầu")
    clock.advance(minutes=30, seconds=1)

    late = alice.send("PATCH", f"/lessons/{lid}/posts/{post['id']}", {"body": "Quá muộn"})
    assert late.status_code == 409
    assert "30" in late.get_json()["error"]["message"]
    signed_in(site.alice).submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/edit", body="Quá muộn")
    fresh(db)
    row = db.get(Post, post["id"])
    assert (row.body_md, row.edited_at) == ("Ban đầu", None)
    assert alice.get(f"/lessons/{lid}/posts/{post['id']}/history").get_json()["earlier"] == []
    assert posts_of(alice, site.lesson, post["thread_id"])[0]["can_edit"] is False


def test_with_no_edit_window_a_learner_cannot_edit_at_all(discussion, as_api, clock):
    site = discussion(edit_minutes=0)
    alice = as_api(site.alice)
    post = alice.start(site.lesson, "Ý kiến", "Ban đầu")
    clock.advance(seconds=1)
    assert alice.send("PATCH", f"/lessons/{site.lesson.id}/posts/{post['id']}", {"body": "Sửa"}).status_code == 409


def test_in_a_pre_moderated_discussion_an_edited_approved_post_waits_for_approval_again(discussion, as_api):
    site = discussion(moderation="pre")
    lid = site.lesson.id
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = teacher.start(site.lesson, "Câu hỏi", "Vì sao?")
    reply = alice.answer(site.lesson, opening["thread_id"], "APPROVEDTEXT Vì mùa vụ")
    teacher.moderate(site.lesson, reply["id"], "approve")
    assert reply["id"] in [p["id"] for p in posts_of(bob, site.lesson, opening["thread_id"])]

    edited = alice.send("PATCH", f"/lessons/{lid}/posts/{reply['id']}", {"body": "EDITEDTEXT Vì giấy mời"})
    assert edited.status_code == 200 and edited.get_json()["post"]["state"] == "pending"

    assert reply["id"] not in [p["id"] for p in posts_of(bob, site.lesson, opening["thread_id"])]
    assert [item["post_id"] for item in teacher.get(f"/lessons/{lid}/queue").get_json()["queue"]] == [reply["id"]]
    thread = teacher.get(f"/lessons/{lid}/threads/{opening['thread_id']}").get_json()["thread"]
    assert thread["replies"] == 0
    teacher.moderate(site.lesson, reply["id"], "approve")
    assert "EDITEDTEXT" in posts_of(bob, site.lesson, opening["thread_id"])[1]["html"]


# -- withdrawing -------------------------------------------------------------------------


def test_a_withdrawn_post_leaves_a_placeholder_without_its_text(discussion, as_api, signed_in, db):
    site = discussion()
    lid = site.lesson.id
    alice, bob = as_api(site.alice), as_api(site.bob)
    opening = bob.start(site.lesson, "Câu hỏi", "Vì sao?")
    tid = opening["thread_id"]
    reply = alice.answer(site.lesson, tid, "WITHDRAWNTEXT Tôi nói hơi quá")
    withdrawn = alice.send("POST", f"/lessons/{lid}/posts/{reply['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["post"]["state"] == "withdrawn"

    seen = next(p for p in posts_of(bob, site.lesson, tid) if p["id"] == reply["id"])
    assert seen["state"] == "withdrawn" and seen["html"] is None
    assert "WITHDRAWNTEXT" not in str(posts_of(bob, site.lesson, tid))
    page = signed_in(site.bob).get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    assert f'id="post-{reply["id"]}"' in page and "WITHDRAWNTEXT" not in page
    fresh(db)
    assert db.get(Thread, tid).reply_count == 0

    # Through the form too, for a thread's opening post: its title goes with it.
    alice_thread = alice.start(site.lesson, "WITHDRAWNTITLE", "Mở đầu")
    assert signed_in(site.alice).submit(f"/x/discussion/lessons/{lid}/posts/{alice_thread['id']}/withdraw"
                       ).status_code == 303
    listed = bob.get(f"/lessons/{lid}/threads").get_json()["threads"]["items"]
    assert "WITHDRAWNTITLE" not in str(listed)
    assert "WITHDRAWNTITLE" not in signed_in(site.bob).get(f"/lessons/{lid}").get_data(as_text=True)


# -- locked threads ----------------------------------------------------------------------


def test_a_locked_thread_refuses_learners_replies_but_not_the_instructors(discussion, as_api, signed_in, db):
    site = discussion()
    lid = site.lesson.id
    teacher = as_api(site.teacher)
    opening = as_api(site.alice).start(site.lesson, "Câu hỏi", "Vì sao?")
    tid = opening["thread_id"]
    locked = teacher.send("POST", f"/lessons/{lid}/threads/{tid}/moderation", {"action": "lock"})
    assert locked.status_code == 200 and locked.get_json()["thread"]["locked"] is True

    refused = as_api(site.bob).send("POST", f"/lessons/{lid}/threads/{tid}/posts", {"body": "Muộn rồi"})
    assert refused.status_code == 409
    bob_browser = signed_in(site.bob)
    bob_browser.submit(f"/x/discussion/lessons/{lid}/threads/{tid}/posts", body="Muộn rồi")
    assert count(db, Post) == 1
    page = bob_browser.get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    assert f'action="/x/discussion/lessons/{lid}/threads/{tid}/posts"' not in page

    teacher.answer(site.lesson, tid, "Cô chốt lại: cảm ơn các bạn.")
    assert count(db, Post) == 2


# -- refused input -----------------------------------------------------------------------


def test_empty_too_long_or_malformed_posts_are_refused_with_400_and_nothing_is_written(discussion, as_api, db):
    site = discussion()
    lid = site.lesson.id
    alice = as_api(site.alice)
    opening = alice.start(site.lesson, "Câu hỏi", "Vì sao?")
    tid = opening["thread_id"]
    bad = [
        ("POST", f"/lessons/{lid}/threads", {"title": "Tiêu đề", "body": ""}),
        ("POST", f"/lessons/{lid}/threads", {"title": "Tiêu đề", "body": "   \n  "}),
        ("POST", f"/lessons/{lid}/threads", {"title": "", "body": "Nội dung"}),
        ("POST", f"/lessons/{lid}/threads", {"title": "T" * 201, "body": "Nội dung"}),
        ("POST", f"/lessons/{lid}/threads", {"title": "Tiêu đề", "body": "x" * 20_001}),
        ("POST", f"/lessons/{lid}/threads", {"title": "Tiêu đề", "body": 42}),
        ("POST", f"/lessons/{lid}/threads", ["Tiêu đề", "Nội dung"]),
        ("POST", f"/lessons/{lid}/threads/{tid}/posts", {"body": ""}),
        ("POST", f"/lessons/{lid}/threads/{tid}/posts", {"body": "x" * 20_001}),
        ("POST", f"/lessons/{lid}/threads/{tid}/posts", "chỉ là một chuỗi"),
        ("POST", f"/lessons/{lid}/threads/{tid}/posts", {"body": "Trả lời", "parent_id": "một"}),
        ("PATCH", f"/lessons/{lid}/posts/{opening['id']}", {"body": ""}),
        ("PATCH", f"/lessons/{lid}/posts/{opening['id']}", [1, 2]),
    ]
    for method, path, body in bad:
        response = alice.send(method, path, body)
        assert response.status_code == 400, (path, body if not isinstance(body, dict) else list(body))
        assert response.get_json()["error"]["message"]
    assert count(db, Post) == 1
    assert db.get(Post, opening["id"]).body_md == "Vì sao?"
    # The longest allowed post goes through.
    alice.answer(site.lesson, tid, "x" * 20_000)


def test_the_posting_rate_limit_refuses_the_third_post_in_a_minute(app, discussion, as_api, signed_in, db):
    app.config["DISCUSSION_POST_LIMITS"] = "2/minute"
    site = discussion()
    lid = site.lesson.id
    alice = as_api(site.alice)
    opening = alice.start(site.lesson, "Một", "Thứ nhất")
    alice.answer(site.lesson, opening["thread_id"], "Thứ hai")

    third = alice.send("POST", f"/lessons/{lid}/threads/{opening['thread_id']}/posts", {"body": "Thứ ba"})
    assert third.status_code == 429
    assert alice.send("POST", f"/lessons/{lid}/threads", {"title": "Hai", "body": "Thứ ba"}).status_code == 429
    signed_in(site.alice).submit(f"/x/discussion/lessons/{lid}/threads", title="Ba", body="Qua biểu mẫu")
    assert count(db, Post) == 2 and count(db, Thread) == 1
    # The limit is per person: Bob can still post.
    as_api(site.bob).answer(site.lesson, opening["thread_id"], "Bình trả lời")


def test_the_posting_rate_limit_is_counted_across_all_workers(app, app_config, discussion, api_token):
    from elearn import create_app

    app.config["DISCUSSION_POST_LIMITS"] = "2/minute"
    other_worker = create_app({**app_config, "DISCUSSION_POST_LIMITS": "2/minute"})
    try:
        site = discussion()
        headers = {"Authorization": f"Bearer {api_token(site.alice)}"}
        path = f"/api/v1/x/discussion/lessons/{site.lesson.id}/threads"

        def post(worker, title):
            return worker.test_client().post(path, json={"title": title, "body": "Nội dung"}, headers=headers)

        assert post(app, "Một").status_code == 201
        assert post(other_worker, "Hai").status_code == 201
        assert post(app, "Ba").status_code == 429
        assert post(other_worker, "Bốn").status_code == 429
    finally:
        other_worker.extensions["elearn_db"].dispose()


# -- reports and helpful marks -----------------------------------------------------------


def test_a_reported_post_appears_in_the_moderation_queue_with_the_reason(discussion, as_api, signed_in, db):
    site = discussion()
    lid = site.lesson.id
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    post = alice.start(site.lesson, "Ý kiến", "Một câu nói nặng lời")
    assert teacher.get(f"/lessons/{lid}/queue").get_json()["queue"] == []

    assert bob.send("POST", f"/lessons/{lid}/posts/{post['id']}/reports", {"reason": ""}).status_code == 400
    assert alice.send("POST", f"/lessons/{lid}/posts/{post['id']}/reports", {"reason": "Tự báo"}).status_code == 409
    reported = bob.send("POST", f"/lessons/{lid}/posts/{post['id']}/reports", {"reason": "REPORTREASON xúc phạm"})
    assert reported.status_code == 201
    again = bob.send("POST", f"/lessons/{lid}/posts/{post['id']}/reports", {"reason": "Lần nữa"})
    assert again.status_code == 409

    queue = teacher.get(f"/lessons/{lid}/queue").get_json()["queue"]
    assert [item["post_id"] for item in queue] == [post["id"]]
    assert [(r["by"], r["reason"]) for r in queue[0]["reports"]] == [("Bình Trần", "REPORTREASON xúc phạm")]
    assert "REPORTREASON xúc phạm" in signed_in(site.teacher).get(f"/x/discussion/lessons/{lid}/queue").get_data(
        as_text=True)
    assert count(db, Report) == 1
    # The author does not learn who reported, nor how many reports there are.
    assert posts_of(alice, site.lesson, post["thread_id"])[0]["open_reports"] is None

    # Through the form too.
    carol_form = signed_in(site.teacher).submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/report",
                             reason="FORMREASON cũng thấy không ổn")
    assert carol_form.status_code == 303
    reasons = [r["reason"] for r in teacher.get(f"/lessons/{lid}/queue").get_json()["queue"][0]["reports"]]
    assert reasons == ["REPORTREASON xúc phạm", "FORMREASON cũng thấy không ổn"]


def test_helpful_marks_toggle_and_count_but_not_on_ones_own_post(discussion, as_api, signed_in, db):
    site = discussion()
    lid = site.lesson.id
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    post = alice.start(site.lesson, "Ý kiến", "Một ý hay")
    path = f"/lessons/{lid}/posts/{post['id']}/helpful"

    assert bob.send("PUT", path).get_json() == {"post_id": post["id"], "helpful": 1, "helpful_by_me": True}
    assert bob.send("PUT", path).get_json()["helpful"] == 1  # twice counts once
    assert teacher.send("PUT", path).get_json()["helpful"] == 2
    seen = posts_of(bob, site.lesson, post["thread_id"])[0]
    assert (seen["helpful"], seen["helpful_by_me"]) == (2, True)
    assert posts_of(alice, site.lesson, post["thread_id"])[0]["helpful_by_me"] is False

    assert bob.send("DELETE", path).get_json()["helpful"] == 1
    assert bob.send("DELETE", path).get_json()["helpful"] == 1
    own = alice.send("PUT", path)
    assert own.status_code == 409
    assert posts_of(alice, site.lesson, post["thread_id"])[0]["helpful"] == 1

    bob_browser = signed_in(site.bob)
    assert bob_browser.submit(f"/x/discussion{path}", helpful="1").status_code == 303
    assert posts_of(alice, site.lesson, post["thread_id"])[0]["helpful"] == 2
    signed_in(site.alice).submit(f"/x/discussion{path}", helpful="1")
    assert count(db, HelpfulMark) == 2
    bob_browser.submit(f"/x/discussion{path}", helpful="0")
    assert posts_of(alice, site.lesson, post["thread_id"])[0]["helpful"] == 1


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/x", "javascript:x"])
def test_a_form_never_sends_the_browser_to_another_site(discussion, as_api, signed_in, target):
    site = discussion()
    post = as_api(site.alice).start(site.lesson, "Giờ họp", "Nên họp buổi tối.")
    sent = signed_in(site.bob).submit(f"/x/discussion/lessons/{site.lesson.id}/posts/{post['id']}/helpful",
                                      helpful="1", next=target)
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"/lessons/{site.lesson.id}"


def test_a_refused_form_shows_its_reason_on_the_page(discussion, signed_in, db):
    """Not the web server's generic text: the reason the learner can act on, in Vietnamese."""
    site = discussion()
    page = signed_in(site.alice)
    sent = page.submit(f"/x/discussion/lessons/{site.lesson.id}/threads", title="", body="Nội dung")
    assert sent.status_code == 303
    shown = page.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Vui lòng đặt tiêu đề cho chủ đề." in shown and "could not understand" not in shown
    assert db.scalar(select(func.count()).select_from(Thread)) == 0
