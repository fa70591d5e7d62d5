"""Completing a discussion: by the counts of visible posts and replies, only once a moderator has
approved them in a pre-moderated discussion, or by the instructor's sign-off; rubric marks are
checked and the score reaches the learner."""

from __future__ import annotations

import re

import pytest
from elearn_discussion.content import Settings
from elearn_discussion.models import Participation
from elearn_discussion.participation import rule_text
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from elearn.testing import fresh

RUBRIC = [{"id": "analysis", "title": "Phân tích", "points": 4}, {"id": "evidence", "title": "Dẫn chứng", "points": 6}]


def status(api, lesson) -> str:
    response = api.lesson(lesson.id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["progress"]["status"]


def assess(api, lesson, user, **body):
    return api.send("PUT", f"/lessons/{lesson.id}/participants/{user.id}", body)


def completed_lessons(client, token_of, user) -> int:
    response = client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {token_of(user)}"})
    (course,) = response.get_json()["courses"]
    return course["progress"]["completed_lessons"]


# -- counts ------------------------------------------------------------------------------


def test_one_thread_then_one_reply_completes_a_posts_and_replies_rule(discussion, as_api, client, api_token):
    site = discussion(completion={"posts": 1, "replies": 1})
    alice = as_api(site.alice)
    assert status(alice, site.lesson) == "not_started"
    bobs = as_api(site.bob).start(site.lesson, "Ý của Bình", "Nội dung")

    alice.start(site.lesson, "Ý của Alice", "Vì mùa vụ")
    assert status(alice, site.lesson) == "in_progress"
    assert completed_lessons(client, api_token, site.alice) == 0
    view = alice.lesson(site.lesson.id).get_json()["view"]["participation"]
    assert (view["posts"], view["replies"]) == (1, 0)

    alice.answer(site.lesson, bobs["thread_id"], "Đồng ý với Bình")
    assert status(alice, site.lesson) == "completed"
    assert completed_lessons(client, api_token, site.alice) == 1
    view = alice.lesson(site.lesson.id).get_json()["view"]["participation"]
    assert (view["posts"], view["replies"]) == (2, 1)
    # Bob, who only started a thread, is not complete.
    assert status(as_api(site.bob), site.lesson) == "in_progress"


def test_replies_alone_do_not_complete_a_rule_asking_for_two_replies(discussion, as_api):
    site = discussion(completion={"posts": 1, "replies": 2})
    alice = as_api(site.alice)
    thread = as_api(site.bob).start(site.lesson, "Ý của Bình", "Nội dung")
    alice.answer(site.lesson, thread["thread_id"], "Một")
    assert status(alice, site.lesson) == "in_progress"
    alice.answer(site.lesson, thread["thread_id"], "Hai")
    assert status(alice, site.lesson) == "completed"


def test_in_a_pre_moderated_discussion_completion_comes_with_approval(discussion, as_api):
    site = discussion(moderation="pre", completion={"posts": 1, "replies": 0})
    alice, teacher = as_api(site.alice), as_api(site.teacher)
    post = alice.start(site.lesson, "Ý của Alice", "Chờ duyệt")
    assert status(alice, site.lesson) == "in_progress"
    view = alice.lesson(site.lesson.id).get_json()["view"]["participation"]
    assert view["posts"] == 0

    teacher.moderate(site.lesson, post["id"], "approve")
    assert status(alice, site.lesson) == "completed"


def test_a_rejected_post_does_not_count(discussion, as_api):
    site = discussion(moderation="pre", completion={"posts": 1, "replies": 0})
    alice, teacher = as_api(site.alice), as_api(site.teacher)
    post = alice.start(site.lesson, "Ý của Alice", "Chờ duyệt")
    teacher.moderate(site.lesson, post["id"], "reject", "Chưa trả lời câu hỏi")
    assert status(alice, site.lesson) != "completed"
    second = alice.start(site.lesson, "Ý thứ hai", "Đã sửa")
    teacher.moderate(site.lesson, second["id"], "approve")
    assert status(alice, site.lesson) == "completed"


def test_a_withdrawn_post_does_not_count_before_completion(discussion, as_api):
    site = discussion(completion={"posts": 2, "replies": 0})
    alice = as_api(site.alice)
    first = alice.start(site.lesson, "Một", "Một")
    assert alice.send("POST", f"/lessons/{site.lesson.id}/posts/{first['id']}/withdraw").status_code == 200
    alice.start(site.lesson, "Hai", "Hai")
    assert status(alice, site.lesson) == "in_progress"
    alice.start(site.lesson, "Ba", "Ba")
    assert status(alice, site.lesson) == "completed"


# -- the instructor's sign-off -----------------------------------------------------------


def test_with_the_instructor_rule_only_the_instructors_sign_off_completes(discussion, as_api, signed_in):
    site = discussion(completion="instructor")
    alice, teacher = as_api(site.alice), as_api(site.teacher)
    thread = alice.start(site.lesson, "Một", "Một")
    for body in ("Hai", "Ba", "Bốn"):
        alice.answer(site.lesson, thread["thread_id"], body)
    assert status(alice, site.lesson) == "in_progress"

    kept = assess(teacher, site.lesson, site.alice, comment="Cần thêm dẫn chứng", complete=False)
    assert kept.status_code == 200 and kept.get_json()["complete"] is False
    assert status(alice, site.lesson) == "in_progress"

    signed = signed_in(site.teacher).submit(f"/x/discussion/lessons/{site.lesson.id}/participants",
                         user_id=str(site.alice.id), comment="Tốt", complete="1")
    assert signed.status_code == 303
    assert status(alice, site.lesson) == "completed"
    rows = {r["user_id"]: r for r in teacher.get(f"/lessons/{site.lesson.id}/participants").get_json()["participants"]}
    assert rows[site.alice.id]["complete"] is True and rows[site.bob.id]["complete"] is False
    assert status(as_api(site.bob), site.lesson) == "not_started"


def test_learners_cannot_assess_and_only_enrolled_learners_can_be_assessed(discussion, as_api, make_user, db):
    site = discussion(completion="instructor")
    assert assess(as_api(site.bob), site.lesson, site.alice, complete=True).status_code == 403
    assert assess(as_api(site.alice), site.lesson, site.alice, complete=True).status_code == 403
    stranger = make_user("learner", name="Người ngoài")
    assert assess(as_api(site.teacher), site.lesson, stranger, complete=True).status_code == 404
    assert assess(as_api(site.teacher), site.lesson, site.alice, complete="yes").status_code == 400
    fresh(db)
    assert db.scalar(select(func.count()).select_from(Participation)) == 0
    assert status(as_api(site.alice), site.lesson) == "not_started"


# -- rubric ------------------------------------------------------------------------------


@pytest.mark.parametrize("marks", [
    {"analysis": 5},
    {"evidence": -1},
    {"analysis": "nhiều"},
    {"analysis": True},
    {"style": 2},
    [3, 4],
])
def test_rubric_marks_out_of_range_or_unknown_are_refused(discussion, as_api, marks, db):
    site = discussion(rubric=RUBRIC, completion="instructor")
    refused = assess(as_api(site.teacher), site.lesson, site.alice, marks=marks, comment="", complete=True)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"]
    fresh(db)
    assert db.scalar(select(func.count()).select_from(Participation)) == 0
    assert status(as_api(site.alice), site.lesson) == "not_started"


def test_the_rubric_score_is_shown_to_the_learner_on_the_lesson_page(discussion, as_api, signed_in):
    site = discussion(rubric=RUBRIC, completion="instructor")
    teacher = as_api(site.teacher)
    saved = assess(teacher, site.lesson, site.alice, marks={"analysis": 3, "evidence": 4.5},
                   comment="COMMENTTEXT Phân tích tốt", complete=True)
    assert saved.status_code == 200
    assert saved.get_json()["score"] == pytest.approx(0.75)
    assert saved.get_json()["marks"] == {"analysis": 3, "evidence": 4.5}

    lesson_json = as_api(site.alice).lesson(site.lesson.id).get_json()
    assert lesson_json["progress"]["score"] == pytest.approx(0.75)
    assert lesson_json["progress"]["status"] == "completed"
    assessment = lesson_json["view"]["participation"]["assessment"]
    assert assessment["score"] == pytest.approx(0.75) and assessment["comment"] == "COMMENTTEXT Phân tích tốt"
    page = signed_in(site.alice).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert re.search(r"75\s?%", page)
    assert "COMMENTTEXT Phân tích tốt" in page and "Dẫn chứng: 4.5 / 6" in page
    # Another learner sees nothing of it.
    bob_page = signed_in(site.bob).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert "COMMENTTEXT" not in bob_page
    assert as_api(site.bob).lesson(site.lesson.id).get_json()["view"]["participation"]["assessment"] is None

    # Marks from the form, with a decimal comma, and a mark out of range refused there too.
    staff = signed_in(site.teacher)
    staff.submit(f"/x/discussion/lessons/{site.lesson.id}/participants", user_id=str(site.alice.id),
                **{"mark-analysis": "9", "mark-evidence": "6"}, comment="", complete="1")
    assert teacher.get(f"/lessons/{site.lesson.id}/participants").get_json()["participants"][0]["assessment"][
        "score"] == pytest.approx(0.75)
    staff.submit(f"/x/discussion/lessons/{site.lesson.id}/participants", user_id=str(site.alice.id),
                **{"mark-analysis": "2,5", "mark-evidence": "6"}, comment="", complete="1")
    assert as_api(site.alice).lesson(site.lesson.id).get_json()["progress"]["score"] == pytest.approx(0.85)


# -- replies to others -------------------------------------------------------------------


def test_replies_in_ones_own_thread_do_not_count_as_replies_to_others(discussion, as_api, signed_in):
    """Issue 11: three posts in her own thread completed a rule asking for replies to others."""
    site = discussion(completion={"posts": 2, "replies": 1})
    alice = as_api(site.alice)
    own = alice.start(site.lesson, "Ý của Alice", "Mở đầu")
    alice.answer(site.lesson, own["thread_id"], "Bổ sung một")
    alice.answer(site.lesson, own["thread_id"], "Bổ sung hai")
    assert status(alice, site.lesson) == "in_progress"
    view = alice.lesson(site.lesson.id).get_json()["view"]["participation"]
    assert (view["posts"], view["replies"]) == (3, 0)
    teacher = as_api(site.teacher)
    rows = {r["user_id"]: r for r in teacher.get(f"/lessons/{site.lesson.id}/participants").get_json()["participants"]}
    assert (rows[site.alice.id]["posts"], rows[site.alice.id]["replies"], rows[site.alice.id]["complete"]) == (
        3, 0, False)

    # A reply in a thread someone else started counts, and completes the rule.
    bobs = as_api(site.bob).start(site.lesson, "Ý của Bình", "Nội dung")
    alice.answer(site.lesson, bobs["thread_id"], "Đồng ý với Bình")
    assert status(alice, site.lesson) == "completed"
    view = alice.lesson(site.lesson.id).get_json()["view"]["participation"]
    assert (view["posts"], view["replies"]) == (4, 1)
    rows = {r["user_id"]: r for r in teacher.get(f"/lessons/{site.lesson.id}/participants").get_json()["participants"]}
    assert (rows[site.alice.id]["replies"], rows[site.alice.id]["complete"]) == (1, True)


def test_the_rule_text_says_replies_in_ones_own_thread_do_not_count(app, discussion, as_api, signed_in):
    site = discussion(completion={"posts": 1, "replies": 1})
    rule = as_api(site.alice).lesson(site.lesson.id).get_json()["view"]["participation"]["rule"]
    page = signed_in(site.alice).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert str(escape(rule)) in page

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with force_locale("en"):
            one = rule_text(Settings.of({"settings": {"completion": {"posts": 1, "replies": 1}}}))
            two = rule_text(Settings.of({"settings": {"completion": {"posts": 3, "replies": 2}}}))
            only = rule_text(Settings.of({"settings": {"completion": {"posts": 1, "replies": 0}}}))
        with force_locale("vi"):
            vietnamese = rule_text(Settings.of({"settings": {"completion": {"posts": 1, "replies": 1}}}))
    assert "at least 1 post," in one and "at least 1 reply in a thread started by someone else" in one
    assert "your own thread" in one
    assert "at least 3 posts" in two and "at least 2 replies in threads started by someone else" in two
    assert only == "To complete this discussion: at least 1 post."
    assert "người khác" in vietnamese and "chủ đề của chính bạn" in vietnamese, vietnamese


def test_a_changed_rubric_grade_is_in_the_audit_log(discussion, as_api, db):
    from elearn.models import AuditEntry

    site = discussion(rubric=RUBRIC, completion="instructor")
    teacher = as_api(site.teacher)
    for marks in ({"analysis": 3, "evidence": 4.5}, {"analysis": 3, "evidence": 4.5}, {"analysis": 4}):
        assert assess(teacher, site.lesson, site.alice, marks=marks, comment="", complete=True).status_code == 200
    entries = fresh(db).scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.details["marks"]) for e in entries] == [
        ("grade.changed", site.teacher.id, {"analysis": 3, "evidence": 4.5}),
        ("grade.changed", site.teacher.id, {"analysis": 4})], "the same marks again change nothing"
    assert entries[1].details["previous_marks"] == {"analysis": 3, "evidence": 4.5}
