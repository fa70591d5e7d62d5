"""Who may do and see what in a discussion: learners never moderate, never see others' hidden or
waiting posts, another group's threads or (in Q&A) the answers before their own; the same rules
hold on the HTML pages and in the JSON API."""

from __future__ import annotations

import pytest
from elearn_discussion.models import ModerationEntry, Post, Thread
from sqlalchemy import func, select

from elearn.testing import fresh

API = "/api/v1/x/discussion"


def texts(thread_json: dict) -> str:
    return " ".join(item["html"] or "" for item in thread_json["posts"]["items"])


# -- moderation is for staff -------------------------------------------------------------


def test_a_learner_cannot_moderate_through_the_api_or_the_forms(discussion, as_api, signed_in, db):
    site = discussion(moderation="pre")
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = teacher.start(site.lesson, "Vì sao vắng mặt?", "Mời các bạn thảo luận.")
    waiting = alice.answer(site.lesson, opening["thread_id"], "Vì họ bận mùa vụ.")
    lid, tid = site.lesson.id, opening["thread_id"]

    for action, reason in [("approve", None), ("reject", "Lạc đề"), ("hide", "Lạc đề"), ("synthesis", None)]:
        refused = bob.send("POST", f"/lessons/{lid}/posts/{waiting['id']}/moderation",
                           {"action": action, "reason": reason})
        assert refused.status_code == 403, (action, refused.get_json())
        assert "error" in refused.get_json()
    for action in ("pin", "lock"):
        assert bob.send("POST", f"/lessons/{lid}/threads/{tid}/moderation", {"action": action}).status_code == 403
    for path in ("queue", "log", "participants"):
        assert bob.get(f"/lessons/{lid}/{path}").status_code == 403

    page = signed_in(site.bob)
    assert page.submit(f"/x/discussion/lessons/{lid}/posts/{waiting['id']}/moderate",
                       action="approve").status_code == 403
    assert page.submit(f"/x/discussion/lessons/{lid}/posts/{opening['id']}/moderate",
                       action="hide", reason="Không thích").status_code == 403
    assert page.submit(f"/x/discussion/lessons/{lid}/threads/{tid}/moderate", action="lock").status_code == 403
    for path in ("queue", "log", "participants"):
        assert page.get(f"/x/discussion/lessons/{lid}/{path}").status_code == 403

    fresh(db)
    assert db.get(Post, waiting["id"]).state == "pending"
    assert db.get(Post, opening["id"]).state == "visible"
    thread = db.get(Thread, tid)
    assert not thread.pinned and not thread.locked
    assert db.scalar(select(func.count()).select_from(ModerationEntry)) == 0
    # The instructor's log is empty too, and the post is still waiting in the queue.
    assert teacher.get(f"/lessons/{lid}/log").get_json()["total"] == 0
    assert [item["post_id"] for item in teacher.get(f"/lessons/{lid}/queue").get_json()["queue"]] == [waiting["id"]]


# -- hidden and waiting posts ------------------------------------------------------------


def test_others_hidden_and_waiting_posts_are_left_out_but_authors_see_their_own_with_the_reason(
        discussion, as_api, signed_in):
    site = discussion(moderation="pre")
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = teacher.start(site.lesson, "Đại hội thường niên", "Vì sao chỉ 40 người đến?")
    lid, tid = site.lesson.id, opening["thread_id"]
    hidden = alice.answer(site.lesson, tid, "HIDDENTEXT họ không được mời đúng hạn")
    teacher.moderate(site.lesson, hidden["id"], "approve")
    teacher.moderate(site.lesson, hidden["id"], "hide", "Thông tin cá nhân của thành viên")
    waiting = alice.answer(site.lesson, tid, "PENDINGTEXT giấy mời gửi muộn")
    shown = bob.answer(site.lesson, tid, "SHOWNTEXT họ không thấy lợi ích")
    teacher.moderate(site.lesson, shown["id"], "approve")

    as_bob = bob.get(f"/lessons/{lid}/threads/{tid}").get_json()
    assert "SHOWNTEXT" in texts(as_bob)
    assert {item["id"] for item in as_bob["posts"]["items"]} == {opening["id"], shown["id"]}
    assert as_bob["posts"]["total"] == 2
    bob_page = signed_in(site.bob).get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    assert "SHOWNTEXT" in bob_page
    for secret in ("HIDDENTEXT", "PENDINGTEXT", "Thông tin cá nhân của thành viên"):
        assert secret not in bob_page
        assert secret not in str(as_bob)

    as_alice = alice.get(f"/lessons/{lid}/threads/{tid}").get_json()
    mine = {item["id"]: item for item in as_alice["posts"]["items"]}
    assert mine[hidden["id"]]["state"] == "hidden"
    assert mine[hidden["id"]]["reason"] == "Thông tin cá nhân của thành viên"
    assert mine[waiting["id"]]["state"] == "pending"
    alice_page = signed_in(site.alice).get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    assert "HIDDENTEXT" in alice_page and "PENDINGTEXT" in alice_page
    assert "Thông tin cá nhân của thành viên" in alice_page
    assert 'class="d-badge down"' in alice_page and 'class="d-badge wait"' in alice_page


def test_a_learner_does_not_see_another_learners_waiting_thread(discussion, as_api, signed_in):
    site = discussion(moderation="pre")
    opening = as_api(site.alice).start(site.lesson, "PENDINGTITLE Ý kiến của Alice", "Nội dung chờ duyệt")
    lid, tid = site.lesson.id, opening["thread_id"]
    bob = as_api(site.bob)

    assert bob.get(f"/lessons/{lid}/threads").get_json()["threads"]["items"] == []
    assert bob.get(f"/lessons/{lid}/threads/{tid}").status_code == 404
    assert "PENDINGTITLE" not in str(bob.lesson(lid).get_json())
    bob_browser = signed_in(site.bob)
    assert "PENDINGTITLE" not in bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    assert bob_browser.get(f"/x/discussion/lessons/{lid}/threads/{tid}").status_code == 404
    # Its author does see it, marked as waiting.
    alice_page = signed_in(site.alice).get(f"/lessons/{lid}").get_data(as_text=True)
    assert "PENDINGTITLE" in alice_page


# -- groups ------------------------------------------------------------------------------


def test_a_learner_does_not_see_another_groups_threads(discussion, as_api, signed_in, put_in_group, make_user, enrol):
    site = discussion(group_set="track")
    put_in_group(site.course, site.alice, "a")
    put_in_group(site.course, site.bob, "b")
    carol = make_user("learner", name="Chi Lê")
    enrol(carol, site.course)
    put_in_group(site.course, carol, "a")
    alice, bob = as_api(site.alice), as_api(site.bob)
    lid = site.lesson.id
    theirs = alice.start(site.lesson, "GROUPATITLE Chuyện nhóm A", "GROUPABODY Nhóm A bàn riêng")
    whole_class = as_api(site.teacher).start(site.lesson, "CLASSTITLE Cả lớp", "Câu hỏi chung cho cả lớp")

    listed = bob.get(f"/lessons/{lid}/threads").get_json()["threads"]["items"]
    assert [t["id"] for t in listed] == [whole_class["thread_id"]]
    assert bob.get(f"/lessons/{lid}/threads/{theirs['thread_id']}").status_code == 404
    lesson_json = str(bob.lesson(lid).get_json())
    assert "CLASSTITLE" in lesson_json and "GROUPATITLE" not in lesson_json
    bob_browser = signed_in(site.bob)
    page = bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    assert "CLASSTITLE" in page and "GROUPATITLE" not in page
    assert bob_browser.get(f"/x/discussion/lessons/{lid}/threads/{theirs['thread_id']}").status_code == 404
    # Nor can Bob reply into it or mark its post helpful.
    assert bob.send("POST", f"/lessons/{lid}/threads/{theirs['thread_id']}/posts", {"body": "Xin chào"}
                    ).status_code == 404
    assert bob.send("PUT", f"/lessons/{lid}/posts/{theirs['id']}/helpful").status_code == 404

    # Carol, in group A, sees it on the lesson page and can open it.
    carol_listed = as_api(carol).get(f"/lessons/{lid}/threads").get_json()["threads"]["items"]
    assert {t["id"] for t in carol_listed} == {theirs["thread_id"], whole_class["thread_id"]}
    carol_thread = signed_in(carol).get(f"/x/discussion/lessons/{lid}/threads/{theirs['thread_id']}")
    assert carol_thread.status_code == 200 and "GROUPABODY" in carol_thread.get_data(as_text=True)


def test_a_learner_outside_every_group_cannot_start_a_thread_in_a_grouped_discussion(discussion, as_api):
    site = discussion(group_set="track")
    refused = as_api(site.alice).send("POST", f"/lessons/{site.lesson.id}/threads", {"title": "A", "body": "B"})
    assert refused.status_code == 409
    assert as_api(site.teacher).get(f"/lessons/{site.lesson.id}/threads").get_json()["threads"]["total"] == 0


# -- others' posts -----------------------------------------------------------------------


def test_a_learner_cannot_edit_or_withdraw_another_learners_post(discussion, as_api, signed_in, db):
    site = discussion()
    lid = site.lesson.id
    post = as_api(site.alice).start(site.lesson, "Ý kiến", "ORIGINAL văn bản của Alice")
    bob = as_api(site.bob)

    assert bob.send("PATCH", f"/lessons/{lid}/posts/{post['id']}", {"body": "Bob sửa"}).status_code == 403
    assert bob.send("POST", f"/lessons/{lid}/posts/{post['id']}/withdraw").status_code == 403
    page = signed_in(site.bob)
    assert page.submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/edit", body="Bob sửa").status_code == 403
    assert page.submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/withdraw").status_code == 403

    fresh(db)
    row = db.get(Post, post["id"])
    assert (row.state, row.body_md, row.edited_at) == ("visible", "ORIGINAL văn bản của Alice", None)


# -- who may come in ---------------------------------------------------------------------


def test_anonymous_visitors_get_401_from_the_api_and_the_login_page_from_html(discussion, as_api, app):
    site = discussion()
    post = as_api(site.alice).start(site.lesson, "Ý kiến", "Nội dung")
    lid, tid = site.lesson.id, post["thread_id"]
    anonymous = app.test_client()

    for method, path, body in [("GET", f"/lessons/{lid}/threads", None),
                               ("GET", f"/lessons/{lid}/threads/{tid}", None),
                               ("POST", f"/lessons/{lid}/threads", {"title": "A", "body": "B"}),
                               ("POST", f"/lessons/{lid}/threads/{tid}/posts", {"body": "B"}),
                               ("GET", "/notifications", None)]:
        response = anonymous.open(f"{API}{path}", method=method, json=body)
        assert response.status_code == 401, (method, path)
    page = anonymous.get(f"/x/discussion/lessons/{lid}/threads/{tid}")
    assert page.status_code in (302, 303) and "/login" in page.headers["Location"]
    assert "/login" in anonymous.get("/x/discussion/notifications").headers["Location"]


def test_a_learner_not_enrolled_in_the_course_gets_403(discussion, as_api, signed_in, make_user, db):
    site = discussion()
    post = as_api(site.alice).start(site.lesson, "Ý kiến", "Nội dung")
    lid, tid = site.lesson.id, post["thread_id"]
    outsider = make_user("learner", name="Người ngoài")
    api = as_api(outsider)

    assert api.get(f"/lessons/{lid}/threads").status_code == 403
    assert api.get(f"/lessons/{lid}/threads/{tid}").status_code == 403
    assert api.send("POST", f"/lessons/{lid}/threads", {"title": "A", "body": "B"}).status_code == 403
    assert api.send("POST", f"/lessons/{lid}/threads/{tid}/posts", {"body": "B"}).status_code == 403
    page = signed_in(outsider)
    assert page.get(f"/x/discussion/lessons/{lid}/threads/{tid}").status_code == 403
    assert page.submit(f"/x/discussion/lessons/{lid}/threads/{tid}/posts", body="Xin chào").status_code == 403
    fresh(db)
    assert db.scalar(select(func.count()).select_from(Post)) == 1


# -- Q&A ---------------------------------------------------------------------------------


def test_in_qa_mode_others_answers_appear_only_after_the_learner_has_posted(discussion, as_api, signed_in):
    site = discussion(mode="qa")
    lid = site.lesson.id
    alice, bob = as_api(site.alice), as_api(site.bob)
    question = as_api(site.teacher).start(site.lesson, "TEACHERTITLE Câu hỏi của cô", "TEACHERBODY Hãy trả lời")
    tid = question["thread_id"]
    alice_reply = alice.answer(site.lesson, tid, "ALICEREPLY Theo em là do giờ họp")
    alice_thread = alice.start(site.lesson, "ALICETITLE Ý riêng", "ALICEBODY Một ý khác")

    before = bob.get(f"/lessons/{lid}/threads/{tid}").get_json()
    assert before["sees_others"] is False
    assert [p["id"] for p in before["posts"]["items"]] == [question["id"]]
    assert "TEACHERBODY" in texts(before)
    assert [t["id"] for t in bob.get(f"/lessons/{lid}/threads").get_json()["threads"]["items"]] == [tid]
    assert bob.get(f"/lessons/{lid}/threads/{alice_thread['thread_id']}").status_code == 404
    bob_browser = signed_in(site.bob)
    lesson_page = bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    thread_page = bob_browser.get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    assert "TEACHERTITLE" in lesson_page and "ALICETITLE" not in lesson_page
    assert "TEACHERBODY" in thread_page and "ALICEREPLY" not in thread_page
    # Quoting a post one cannot see is refused, not a way around the rule.
    assert bob.send("POST", f"/lessons/{lid}/threads/{tid}/posts",
                    {"body": "Trích", "quote_id": alice_reply["id"]}).status_code == 404

    bob.answer(site.lesson, tid, "BOBREPLY Em nghĩ là do thông báo muộn")

    after = bob.get(f"/lessons/{lid}/threads/{tid}").get_json()
    assert after["sees_others"] is True
    assert "ALICEREPLY" in texts(after)
    assert {t["id"] for t in bob.get(f"/lessons/{lid}/threads").get_json()["threads"]["items"]} == {
        tid, alice_thread["thread_id"]}
    assert "ALICETITLE" in bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    assert "ALICEREPLY" in bob_browser.get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    # Alice, who posted first, sees Bob's answer.
    assert "BOBREPLY" in texts(alice.get(f"/lessons/{lid}/threads/{tid}").get_json())


@pytest.mark.parametrize("moderation_mode, action", [("post", "hide"), ("pre", "reject")])
def test_a_learner_cannot_undo_a_moderators_decision_by_withdrawing_the_post(
        discussion, as_api, signed_in, db, moderation_mode, action):
    site = discussion(moderation=moderation_mode)
    lid = site.lesson.id
    alice, teacher = as_api(site.alice), as_api(site.teacher)
    post = alice.start(site.lesson, "TAKENDOWN Chủ đề", "Nội dung")
    teacher.moderate(site.lesson, post["id"], action, "Lạc đề")
    taken_down = "hidden" if action == "hide" else "rejected"

    assert alice.send("POST", f"/lessons/{lid}/posts/{post['id']}/withdraw").status_code == 409
    signed_in(site.alice).submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/withdraw")
    fresh(db)
    assert db.get(Post, post["id"]).state == taken_down
    # Still gone for the others, and still the moderator's to restore.
    assert as_api(site.bob).get(f"/lessons/{lid}/threads").get_json()["threads"]["items"] == []
    assert "TAKENDOWN" not in signed_in(site.bob).get(f"/lessons/{lid}").get_data(as_text=True)
    mine = alice.get(f"/lessons/{lid}/threads/{post['thread_id']}").get_json()["posts"]["items"][0]
    assert (mine["state"], mine["reason"], mine["can_withdraw"]) == (taken_down, "Lạc đề", False)
    assert teacher.send("POST", f"/lessons/{lid}/posts/{post['id']}/moderation",
                        {"action": "restore"}).status_code == 200
