"""What instructors do — approve, reject, hide, restore, dismiss reports, publish the synthesis,
mark the resolving answer, pin, lock, move — each leaves one row in the audit log; reasons are
required to take a post down and are shown to its author."""

from __future__ import annotations

import pytest
from elearn_discussion.models import ModerationEntry, Post, Thread
from sqlalchemy import func, select

from elearn.models import Lesson
from elearn.testing import fresh


def post_action(api, lesson, post_id: int, action: str, reason: str | None = None):
    return api.send("POST", f"/lessons/{lesson.id}/posts/{post_id}/moderation", {"action": action, "reason": reason})


def thread_action(api, lesson, thread_id: int, action: str, **extra):
    return api.send("POST", f"/lessons/{lesson.id}/threads/{thread_id}/moderation", {"action": action, **extra})


def log_of(api, lesson) -> dict:
    response = api.get(f"/lessons/{lesson.id}/log")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def second_discussion(app, db):
    """``second_discussion(course)``: another discussion lesson in the same course."""

    def make(course, key: str = "l2"):
        first = course.modules[0].lessons[0]
        lesson = Lesson(course_id=course.id, module_id=first.module_id, key=key, position=first.position + 1,
                        type_name="discussion", title_vi="Thảo luận hai", title_en="Second discussion",
                        content=dict(first.content))
        db.add(lesson)
        db.commit()
        return lesson

    return make


# -- the audit log -----------------------------------------------------------------------


def test_every_moderation_action_writes_one_log_row(discussion, as_api, signed_in, second_discussion):
    site = discussion(moderation="pre")
    other = second_discussion(site.course)
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    question = teacher.start(site.lesson, "Câu hỏi của cô", "Vì sao vắng mặt?")
    tid = question["thread_id"]
    first = alice.answer(site.lesson, tid, "Vì mùa vụ")
    second = bob.answer(site.lesson, tid, "Vì giấy mời")
    summary = teacher.answer(site.lesson, tid, "Tổng kết của cô")

    steps = [
        (lambda: post_action(teacher, site.lesson, first["id"], "approve"), "approve", ""),
        (lambda: post_action(teacher, site.lesson, second["id"], "reject", "Trùng ý"), "reject", "Trùng ý"),
        (lambda: post_action(teacher, site.lesson, first["id"], "hide", "Lạc đề"), "hide", "Lạc đề"),
        (lambda: post_action(teacher, site.lesson, first["id"], "restore"), "restore", ""),
        (lambda: bob.send("POST", f"/lessons/{site.lesson.id}/posts/{first['id']}/reports", {"reason": "Sai"}),
         None, None),
        (lambda: post_action(teacher, site.lesson, first["id"], "dismiss_reports"), "dismiss_reports", ""),
        (lambda: post_action(teacher, site.lesson, summary["id"], "synthesis"), "synthesis", ""),
        (lambda: post_action(teacher, site.lesson, first["id"], "resolve"), "resolve", ""),
        (lambda: thread_action(teacher, site.lesson, tid, "pin"), "pin", ""),
        (lambda: thread_action(teacher, site.lesson, tid, "lock"), "lock", ""),
    ]
    expected_total = 0
    for step, action, reason in steps:
        response = step()
        assert response.status_code in (200, 201), (action, response.get_json())
        log = log_of(teacher, site.lesson)
        if action is None:  # a learner's report is not a moderation action
            assert log["total"] == expected_total
            continue
        expected_total += 1
        assert log["total"] == expected_total, action
        newest = log["entries"][0]
        assert (newest["action"], newest["reason"], newest["actor"]) == (action, reason, "Cô Lan")
        assert newest["thread_id"] == tid

    page = signed_in(site.teacher).get(f"/x/discussion/lessons/{site.lesson.id}/log").get_data(as_text=True)
    assert page.count("<tr>") == expected_total + 1  # the header row and one row per action
    assert "Trùng ý" in page and "Lạc đề" in page

    moved = thread_action(teacher, site.lesson, tid, "move", lesson_id=other.id)
    assert moved.status_code == 200 and moved.get_json()["thread"]["lesson_id"] == other.id
    log = log_of(teacher, site.lesson)
    assert log["total"] == expected_total + 1
    assert log["entries"][0]["action"] == "move"
    assert log["entries"][0]["details"]["to_lesson"] == other.id


def test_a_refused_moderation_action_writes_no_log_row(discussion, as_api, db):
    site = discussion()
    teacher = as_api(site.teacher)
    post = as_api(site.alice).start(site.lesson, "Ý kiến", "Nội dung")
    assert post_action(teacher, site.lesson, post["id"], "approve").status_code == 409  # not waiting
    assert post_action(teacher, site.lesson, post["id"], "restore").status_code == 409  # not hidden
    assert post_action(teacher, site.lesson, post["id"], "dismiss_reports").status_code == 409
    assert post_action(teacher, site.lesson, post["id"], "synthesis").status_code == 409  # a learner's post
    assert post_action(teacher, site.lesson, post["id"], "resolve").status_code == 409  # an opening post
    assert post_action(teacher, site.lesson, post["id"], "delete").status_code == 400
    assert thread_action(teacher, site.lesson, post["thread_id"], "explode").status_code == 400
    assert log_of(teacher, site.lesson)["total"] == 0
    fresh(db)
    assert db.scalar(select(func.count()).select_from(ModerationEntry)) == 0


def test_moderating_through_the_forms_is_logged_too(discussion, as_api, signed_in):
    site = discussion()
    lid = site.lesson.id
    post = as_api(site.alice).start(site.lesson, "Ý kiến", "FORMTEXT Nội dung")
    staff = signed_in(site.teacher)
    hidden = staff.submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/moderate", action="hide",
                         reason="FORMREASON Lạc đề")
    assert hidden.status_code == 303
    pinned = staff.submit(f"/x/discussion/lessons/{lid}/threads/{post['thread_id']}/moderate", action="pin")
    assert pinned.status_code == 303

    log = log_of(as_api(site.teacher), site.lesson)
    assert [(e["action"], e["reason"]) for e in log["entries"]] == [("pin", ""), ("hide", "FORMREASON Lạc đề")]
    assert "FORMREASON Lạc đề" in staff.get(f"/x/discussion/lessons/{lid}/log").get_data(as_text=True)
    assert "FORMTEXT" not in as_api(site.bob).get(f"/lessons/{lid}/threads/{post['thread_id']}").get_data(
        as_text=True)


# -- reasons -----------------------------------------------------------------------------


def test_rejecting_or_hiding_needs_a_reason(discussion, as_api, signed_in, db):
    site = discussion(moderation="pre")
    lid = site.lesson.id
    teacher = as_api(site.teacher)
    waiting = as_api(site.alice).start(site.lesson, "Chờ duyệt", "Nội dung chờ")
    shown = teacher.start(site.lesson, "Của cô", "Nội dung của cô")
    for post, action in ((waiting, "reject"), (shown, "hide")):
        for reason in (None, "", "   "):
            refused = post_action(teacher, site.lesson, post["id"], action, reason)
            assert refused.status_code == 400, (action, reason)
        assert post_action(teacher, site.lesson, post["id"], action, "x" * 1001).status_code == 400
        signed_in(site.teacher).submit(f"/x/discussion/lessons/{lid}/posts/{post['id']}/moderate",
                    action=action, reason="")
    fresh(db)
    assert (db.get(Post, waiting["id"]).state, db.get(Post, shown["id"]).state) == ("pending", "visible")
    assert log_of(teacher, site.lesson)["total"] == 0


@pytest.mark.parametrize("moderation_mode, action", [("post", "hide"), ("pre", "reject")])
def test_the_reason_is_shown_to_the_author_on_the_thread_and_in_a_notification(
        discussion, as_api, signed_in, moderation_mode, action):
    site = discussion(moderation=moderation_mode)
    lid = site.lesson.id
    alice, teacher = as_api(site.alice), as_api(site.teacher)
    question = teacher.start(site.lesson, "Câu hỏi", "Vì sao?")
    reply = alice.answer(site.lesson, question["thread_id"], "Nội dung của Alice")
    done = post_action(teacher, site.lesson, reply["id"], action, "REASONTEXT có số điện thoại")
    assert done.status_code == 200

    mine = next(p for p in alice.get(f"/lessons/{lid}/threads/{question['thread_id']}").get_json()["posts"]["items"]
                if p["id"] == reply["id"])
    assert mine["reason"] == "REASONTEXT có số điện thoại"
    alice_browser = signed_in(site.alice)
    page = alice_browser.get(f"/x/discussion/lessons/{lid}/threads/{question['thread_id']}").get_data(as_text=True)
    assert "REASONTEXT có số điện thoại" in page

    notes = alice.get("/notifications").get_json()["items"]
    assert [(n["kind"], n["reason"], n["post_id"]) for n in notes] == [
        ("hidden" if action == "hide" else "rejected", "REASONTEXT có số điện thoại", reply["id"])]
    assert "REASONTEXT có số điện thoại" in alice_browser.get("/x/discussion/notifications").get_data(as_text=True)
    # Nobody else learns the reason.
    bob_view = as_api(site.bob).get(f"/lessons/{lid}/threads/{question['thread_id']}").get_data(as_text=True)
    assert "REASONTEXT" not in bob_view
    assert as_api(site.bob).get("/notifications").get_json()["items"] == []


# -- synthesis ---------------------------------------------------------------------------


def test_the_synthesis_is_shown_at_the_top_of_the_lesson_page_for_learners(discussion, as_api, signed_in):
    site = discussion()
    lid = site.lesson.id
    teacher = as_api(site.teacher)
    question = as_api(site.alice).start(site.lesson, "THREADTITLE Câu hỏi", "Vì sao?")
    summary = teacher.answer(site.lesson, question["thread_id"], "SYNTHESISTEXT Tổng kết: đổi giờ họp.")
    bob_browser = signed_in(site.bob)
    assert "SYNTHESISTEXT" not in bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    assert as_api(site.bob).lesson(lid).get_json()["view"]["synthesis"] is None

    assert post_action(teacher, site.lesson, summary["id"], "synthesis").status_code == 200

    page = bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    assert "SYNTHESISTEXT" in page
    assert page.index("SYNTHESISTEXT") < page.index("THREADTITLE")
    assert page.index('class="d-synthesis"') < page.index('class="d-threads"')
    synthesis = as_api(site.bob).lesson(lid).get_json()["view"]["synthesis"]
    assert synthesis["post_id"] == summary["id"] and "SYNTHESISTEXT" in synthesis["html"]
    assert synthesis["author"] == "Cô Lan"

    # Hidden, it is gone from the top of the page.
    assert post_action(teacher, site.lesson, summary["id"], "hide", "Viết lại").status_code == 200
    assert "SYNTHESISTEXT" not in bob_browser.get(f"/lessons/{lid}").get_data(as_text=True)


def test_a_synthesis_in_a_group_thread_is_shown_only_to_that_group(discussion, as_api, put_in_group):
    site = discussion(group_set="track")
    group_a = put_in_group(site.course, site.alice, "a")
    put_in_group(site.course, site.bob, "b")
    teacher = as_api(site.teacher)
    question = teacher.start(site.lesson, "Nhóm A", "Câu hỏi cho nhóm A", group_id=group_a.id)
    summary = teacher.answer(site.lesson, question["thread_id"], "GROUPSYNTHESIS Kết luận nhóm A")
    assert post_action(teacher, site.lesson, summary["id"], "synthesis").status_code == 200

    assert "GROUPSYNTHESIS" in as_api(site.alice).lesson(site.lesson.id).get_json()["view"]["synthesis"]["html"]
    assert as_api(site.bob).lesson(site.lesson.id).get_json()["view"]["synthesis"] is None


# -- moving threads ----------------------------------------------------------------------


def test_a_thread_moves_to_another_discussion_of_the_same_course(discussion, as_api, signed_in, second_discussion,
                                                                  db):
    site = discussion()
    other = second_discussion(site.course)
    teacher, bob = as_api(site.teacher), as_api(site.bob)
    question = as_api(site.alice).start(site.lesson, "MOVEDTITLE Đặt nhầm chỗ", "Nội dung")
    tid = question["thread_id"]
    bob.answer(site.lesson, tid, "Trả lời")

    staff = signed_in(site.teacher)
    moved = staff.submit(f"/x/discussion/lessons/{site.lesson.id}/threads/{tid}/moderate", action="move",
                        lesson_id=str(other.id))
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"/x/discussion/lessons/{other.id}/threads/{tid}")

    assert bob.get(f"/lessons/{site.lesson.id}/threads").get_json()["threads"]["items"] == []
    assert bob.get(f"/lessons/{site.lesson.id}/threads/{tid}").status_code == 404
    listed = bob.get(f"/lessons/{other.id}/threads").get_json()["threads"]["items"]
    assert [(t["id"], t["replies"]) for t in listed] == [(tid, 1)]
    assert len(bob.get(f"/lessons/{other.id}/threads/{tid}").get_json()["posts"]["items"]) == 2
    assert "MOVEDTITLE" in signed_in(site.bob).get(f"/lessons/{other.id}").get_data(as_text=True)
    fresh(db)
    assert set(db.scalars(select(Post.lesson_id).where(Post.thread_id == tid))) == {other.id}
    assert log_of(teacher, site.lesson)["entries"][0]["action"] == "move"
    # Alice's notification of Bob's reply still leads to the thread, now in the other discussion.
    note = as_api(site.alice).get("/notifications").get_json()["items"][0]
    assert (note["lesson_id"], note["thread_id"]) == (other.id, tid)
    assert as_api(site.alice).get(f"/lessons/{note['lesson_id']}/threads/{tid}").status_code == 200


def test_a_thread_cannot_move_to_another_courses_discussion_or_to_a_lesson_of_another_type(
        discussion, as_api, make_course, db):
    site = discussion()
    elsewhere = discussion()
    teacher = as_api(site.teacher)
    question = as_api(site.alice).start(site.lesson, "Ở lại", "Nội dung")
    tid = question["thread_id"]
    page_course = make_course()
    page_lesson = page_course.modules[0].lessons[0]

    for target in (elsewhere.lesson.id, page_lesson.id, 999_999):
        refused = thread_action(teacher, site.lesson, tid, "move", lesson_id=target)
        assert refused.status_code == 404, target  # a well-formed id naming no discussion of the course
    assert thread_action(teacher, site.lesson, tid, "move", lesson_id="hai").status_code == 400
    fresh(db)
    assert db.get(Thread, tid).lesson_id == site.lesson.id
    assert log_of(teacher, site.lesson)["total"] == 0
    assert [t["id"] for t in as_api(site.bob).get(f"/lessons/{site.lesson.id}/threads").get_json()["threads"][
        "items"]] == [tid]


def test_a_thread_can_move_to_another_group(discussion, as_api, put_in_group):
    site = discussion(group_set="track")
    put_in_group(site.course, site.alice, "a")
    group_b = put_in_group(site.course, site.bob, "b")
    teacher = as_api(site.teacher)
    question = as_api(site.alice).start(site.lesson, "Nhóm A", "Nội dung")
    tid = question["thread_id"]
    assert as_api(site.bob).get(f"/lessons/{site.lesson.id}/threads/{tid}").status_code == 404

    moved = thread_action(teacher, site.lesson, tid, "move", group_id=group_b.id)
    assert moved.status_code == 200 and moved.get_json()["thread"]["group_id"] == group_b.id
    assert as_api(site.bob).get(f"/lessons/{site.lesson.id}/threads/{tid}").status_code == 200
