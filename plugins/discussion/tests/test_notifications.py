"""Notifications: replies to me, moderation of my posts, new posts in discussions I follow — only
for people who may see the thread — marking them read, and the email digest preference."""

from __future__ import annotations


def follow(api, lesson) -> None:
    response = api.send("PUT", f"/lessons/{lesson.id}/subscription")
    assert response.status_code == 200 and response.get_json() == {"subscribed": True}


def notes(api) -> list[tuple[str, int | None]]:
    """(kind, post_id) of the user's notifications, newest first."""
    return [(n["kind"], n["post_id"]) for n in api.get("/notifications").get_json()["items"]]


# -- replies -----------------------------------------------------------------------------


def test_a_reply_to_my_post_notifies_me_and_only_me(discussion, as_api, signed_in):
    site = discussion()
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = alice.start(site.lesson, "THREADTITLE Giờ họp", "Nội dung của Alice")
    assert notes(alice) == []
    reply = bob.answer(site.lesson, opening["thread_id"], "SECRETBODY Bình trả lời")

    assert notes(alice) == [("reply", reply["id"])]
    assert notes(bob) == []  # not for one's own post
    assert notes(teacher) == []  # the instructor does not follow this discussion
    body = alice.get("/notifications").get_json()
    assert body["unread"] == 1 and body["items"][0]["thread_id"] == opening["thread_id"]
    assert "SECRETBODY" not in str(body)  # names who and where, never the text
    page = signed_in(site.alice).get("/x/discussion/notifications").get_data(as_text=True)
    assert "THREADTITLE Giờ họp" in page and "Bình Trần" in page and "SECRETBODY" not in page

    # A nested reply notifies the author of the post it answers; quoting notifies the one quoted.
    nested = teacher.answer(site.lesson, opening["thread_id"], "Cô trả lời Bình", parent_id=reply["id"])
    assert notes(bob) == [("reply", nested["id"])]
    quoting = bob.answer(site.lesson, opening["thread_id"], "Nhắc lại ý cô", quote_id=nested["id"])
    assert notes(teacher) == [("reply", quoting["id"])]
    # A top-level reply in her thread tells its author, once.
    assert notes(alice) == [("reply", quoting["id"]), ("reply", reply["id"])]
    # Replying in one's own thread tells no one.
    alice.answer(site.lesson, opening["thread_id"], "Alice tự trả lời")
    assert notes(alice) == [("reply", quoting["id"]), ("reply", reply["id"])]
    assert notes(bob) == [("reply", nested["id"])]


# -- moderation --------------------------------------------------------------------------


def test_approving_and_hiding_a_post_notify_its_author(discussion, as_api):
    site = discussion(moderation="pre")
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    post = alice.start(site.lesson, "Ý kiến", "Chờ duyệt")
    assert notes(alice) == []
    teacher.moderate(site.lesson, post["id"], "approve")
    assert notes(alice) == [("approved", post["id"])]
    teacher.moderate(site.lesson, post["id"], "hide", "Lạc đề")
    items = alice.get("/notifications").get_json()["items"]
    assert [(n["kind"], n["reason"]) for n in items] == [("hidden", "Lạc đề"), ("approved", "")]
    assert notes(bob) == [] and notes(teacher) == []


def test_followers_hear_of_a_waiting_post_only_once_it_is_approved(discussion, as_api):
    site = discussion(moderation="pre")
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    follow(bob, site.lesson)
    question = teacher.start(site.lesson, "Câu hỏi", "Vì sao?")
    assert notes(bob) == [("new_post", question["id"])]
    reply = alice.answer(site.lesson, question["thread_id"], "Chờ duyệt")
    assert notes(bob) == [("new_post", question["id"])]
    teacher.moderate(site.lesson, reply["id"], "approve")
    assert notes(bob) == [("new_post", reply["id"]), ("new_post", question["id"])]


# -- followers and groups ----------------------------------------------------------------


def test_a_follower_in_another_group_is_not_told_of_a_group_threads_posts(
        discussion, as_api, put_in_group, make_user, enrol):
    site = discussion(group_set="track")
    put_in_group(site.course, site.alice, "a")
    put_in_group(site.course, site.bob, "b")
    carol = make_user("learner", name="Chi Lê")
    enrol(carol, site.course)
    put_in_group(site.course, carol, "a")
    alice, bob, teacher, as_carol = as_api(site.alice), as_api(site.bob), as_api(site.teacher), as_api(carol)
    for follower in (bob, as_carol, teacher):
        follow(follower, site.lesson)

    group_thread = alice.start(site.lesson, "Nhóm A", "Bàn trong nhóm A")
    assert notes(as_carol) == [("new_post", group_thread["id"])]
    assert notes(teacher) == [("new_post", group_thread["id"])]
    assert notes(bob) == []
    reply = as_carol.answer(site.lesson, group_thread["thread_id"], "Chi trả lời")
    assert notes(bob) == []
    assert notes(teacher)[0] == ("new_post", reply["id"])

    # A whole-class thread reaches every follower.
    class_thread = teacher.start(site.lesson, "Cả lớp", "Câu hỏi chung")
    assert notes(bob) == [("new_post", class_thread["id"])]
    assert notes(as_carol)[0] == ("new_post", class_thread["id"])


def test_a_former_instructor_now_a_learner_is_not_told_of_another_groups_posts(
        discussion, as_api, put_in_group, db, enrol):
    """Their course_instructors row is left behind: it must not make them staff for notifications."""
    site = discussion(group_set="track")
    put_in_group(site.course, site.alice, "a")
    site.teacher.role = "learner"
    db.commit()
    enrol(site.teacher, site.course)
    put_in_group(site.course, site.teacher, "b")
    former = as_api(site.teacher)
    follow(former, site.lesson)
    as_api(site.alice).start(site.lesson, "Nhóm A", "Bàn trong nhóm A")
    assert notes(former) == []


def test_in_qa_mode_a_follower_who_has_not_answered_is_not_told_of_others_answers(discussion, as_api):
    site = discussion(mode="qa")
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    follow(bob, site.lesson)
    question = teacher.start(site.lesson, "Câu hỏi", "Vì sao?")
    assert notes(bob) == [("new_post", question["id"])]  # the instructor's post is shown to all
    alice.answer(site.lesson, question["thread_id"], "Câu trả lời của Alice")
    assert notes(bob) == [("new_post", question["id"])]
    bob.answer(site.lesson, question["thread_id"], "Câu trả lời của Bình")
    later = alice.answer(site.lesson, question["thread_id"], "Alice bổ sung")
    assert notes(bob)[0] == ("new_post", later["id"])


def test_unfollowing_through_the_form_stops_the_notifications(discussion, as_api, signed_in):
    site = discussion()
    bob = as_api(site.bob)
    bob_browser = signed_in(site.bob)
    assert bob_browser.submit(f"/x/discussion/lessons/{site.lesson.id}/subscription",
                       subscribe="1").status_code == 303
    first = as_api(site.alice).start(site.lesson, "Một", "Một")
    assert notes(bob) == [("new_post", first["id"])]
    bob_browser.submit(f"/x/discussion/lessons/{site.lesson.id}/subscription", subscribe="0")
    as_api(site.alice).start(site.lesson, "Hai", "Hai")
    assert notes(bob) == [("new_post", first["id"])]


# -- reading -----------------------------------------------------------------------------


def test_notifications_are_marked_read_one_at_a_time_or_all_at_once(discussion, as_api, signed_in):
    site = discussion()
    alice, bob = as_api(site.alice), as_api(site.bob)
    opening = alice.start(site.lesson, "Ý kiến", "Nội dung")
    for body in ("Một", "Hai", "Ba"):
        bob.answer(site.lesson, opening["thread_id"], body)
    items = alice.get("/notifications").get_json()["items"]
    assert [n["read"] for n in items] == [False, False, False]

    marked = alice.send("POST", "/notifications/read", {"ids": [items[0]["id"]]})
    assert marked.get_json() == {"marked_read": 1}
    body = alice.get("/notifications").get_json()
    assert body["unread"] == 2 and [n["read"] for n in body["items"]] == [True, False, False]

    # Someone else's notifications are not theirs to mark.
    assert bob.send("POST", "/notifications/read", {"ids": [items[1]["id"]]}).get_json() == {"marked_read": 0}
    assert alice.send("POST", "/notifications/read", {"ids": "all"}).status_code == 400
    assert alice.send("POST", "/notifications/read", {"ids": [True]}).status_code == 400
    assert alice.get("/notifications").get_json()["unread"] == 2

    alice_browser = signed_in(site.alice)
    assert alice_browser.submit("/x/discussion/notifications/read", id=str(items[1]["id"])).status_code == 303
    assert alice.get("/notifications").get_json()["unread"] == 1
    assert alice_browser.submit("/x/discussion/notifications/read").status_code == 303
    assert alice.get("/notifications").get_json()["unread"] == 0
    assert alice.send("POST", "/notifications/read", {}).get_json() == {"marked_read": 0}


def test_the_email_digest_is_off_until_the_user_turns_it_on(discussion, as_api, signed_in):
    site = discussion()
    alice = as_api(site.alice)
    assert alice.get("/notifications").get_json()["email_digest"] is False
    alice_browser = signed_in(site.alice)
    assert 'name="enabled" value="1"' in alice_browser.get("/x/discussion/notifications").get_data(as_text=True)

    assert alice.send("PUT", "/me/email-digest", {"enabled": "yes"}).status_code == 400
    assert alice.get("/notifications").get_json()["email_digest"] is False
    turned_on = alice.send("PUT", "/me/email-digest", {"enabled": True})
    assert turned_on.status_code == 200 and turned_on.get_json() == {"email_digest": True}
    assert alice.get("/notifications").get_json()["email_digest"] is True
    assert as_api(site.bob).get("/notifications").get_json()["email_digest"] is False
    assert 'name="enabled" value="0"' in alice_browser.get("/x/discussion/notifications").get_data(as_text=True)

    assert alice_browser.submit("/x/discussion/email-digest", enabled="0").status_code == 303
    assert alice.get("/notifications").get_json()["email_digest"] is False
    alice_browser.submit("/x/discussion/email-digest", enabled="1")
    assert alice.get("/notifications").get_json()["email_digest"] is True


def test_in_qa_mode_an_instructors_reply_in_a_learners_thread_is_not_announced_to_those_who_cannot_see_it(
        discussion, as_api):
    site = discussion(mode="qa")
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    follow(bob, site.lesson)
    theirs = alice.start(site.lesson, "HIDDENTITLE Câu trả lời của Alice", "Nội dung")
    staff_reply = teacher.answer(site.lesson, theirs["thread_id"], "Cô nhận xét")
    # Bob has not answered yet: he cannot open Alice's thread, so he must not hear of it (its title
    # would be in the notification).
    assert bob.get(f"/lessons/{site.lesson.id}/threads/{theirs['thread_id']}").status_code == 404
    assert notes(bob) == []
    assert "HIDDENTITLE" not in str(bob.get("/notifications").get_json())
    assert notes(alice) == [("reply", staff_reply["id"])]
