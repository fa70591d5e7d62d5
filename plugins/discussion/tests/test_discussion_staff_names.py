"""Staff carry their role beside their name wherever the discussion names an author (issue 11):
a learner whose name is the instructor's — an account older than the rule refusing such names,
or one an administrator made — cannot pass for the instructor in a thread, a quote, the
synthesis, a notification, the queue, the log or the API."""

from __future__ import annotations

import re

import pytest

TEACHER = "Cô Lan (giảng viên)"  # the fixture's instructor, as Vietnamese pages name her


def names_in(page: str, name: str) -> list[str]:
    """Each place ``name`` is shown in ``page``, with what follows it: "Cô Lan (giảng viên)" or "Cô Lan<"."""
    return re.findall(re.escape(name) + r"(?: \([^)<]*\))?", page)


@pytest.fixture
def namesake(db, discussion, make_user, enrol, as_api):
    """The discussion, with a learner named exactly like the instructor and a conversation between them."""
    site = discussion()
    site.impostor = make_user("learner", name="Lan")
    site.impostor.name = "Cô Lan"  # renamed before the rule: registration refuses the name now
    db.commit()
    enrol(site.impostor, site.course)
    teacher, impostor, alice = as_api(site.teacher), as_api(site.impostor), as_api(site.alice)
    site.opening = teacher.start(site.lesson, "Câu hỏi của cô", "Vì sao vắng mặt?")
    site.thread_id = site.opening["thread_id"]
    site.fake = impostor.answer(site.lesson, site.thread_id, "Các em nghỉ học nhé")
    site.alices = alice.answer(site.lesson, site.thread_id, "Vì mùa vụ")
    site.answer = teacher.answer(site.lesson, site.thread_id, "Cô đồng ý", parent_id=site.alices["id"],
                                 quote_id=site.alices["id"])
    site.quote = alice.answer(site.lesson, site.thread_id, "Em nhắc lại", quote_id=site.answer["id"])
    assert teacher.send("POST", f"/lessons/{site.lesson.id}/posts/{site.answer['id']}/moderation",
                        {"action": "synthesis"}).status_code == 200
    return site


def test_the_thread_and_lesson_pages_name_the_instructor_with_her_role_and_the_learner_without(
        namesake, signed_in):
    site = namesake
    thread = signed_in(site.bob).get(f"/x/discussion/lessons/{site.lesson.id}/threads/{site.thread_id}")
    page = thread.get_data(as_text=True)
    # Her opening post and her reply, and the quote of her reply: with the role. The learner's post: without.
    shown = names_in(page, "Cô Lan")
    assert shown.count(TEACHER) == 3, shown
    assert shown.count("Cô Lan") == 1, shown
    assert re.search(r"<strong>Cô Lan</strong>", page)

    lesson = signed_in(site.bob).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    # The thread list and the synthesis at the top.
    assert names_in(lesson, "Cô Lan").count(TEACHER) == 2


def test_the_api_gives_the_name_as_shown_beside_the_name(namesake, as_api):
    site = namesake
    data = as_api(site.bob).get(f"/lessons/{site.lesson.id}/threads/{site.thread_id}").get_json()
    assert (data["thread"]["author"], data["thread"]["author_display"]) == ("Cô Lan", TEACHER)
    by_id = {p["id"]: p for p in data["posts"]["items"]}
    assert by_id[site.answer["id"]]["author_display"] == TEACHER
    assert by_id[site.fake["id"]]["author_display"] == "Cô Lan"
    assert by_id[site.quote["id"]]["quote"]["author_display"] == TEACHER
    assert by_id[site.alices["id"]]["author_display"] == "Alice Nguyễn"
    listed = as_api(site.bob).get(f"/lessons/{site.lesson.id}/threads").get_json()["threads"]["items"]
    assert [t["author_display"] for t in listed] == [TEACHER]
    view = as_api(site.bob).lesson(site.lesson.id).get_json()["view"]
    assert view["synthesis"]["author_display"] == TEACHER
    # The answer to a post, right after posting it.
    assert site.answer["author_display"] == TEACHER and site.fake["author_display"] == "Cô Lan"


def test_notifications_name_the_instructor_with_her_role(namesake, as_api, signed_in):
    site = namesake
    # Alice was answered by the instructor, and by no one else in her name.
    texts = [n["text"] for n in as_api(site.alice).get("/notifications").get_json()["items"]]
    assert any(text.startswith(TEACHER) for text in texts), texts
    page = signed_in(site.alice).get("/x/discussion/notifications").get_data(as_text=True)
    assert TEACHER in page
    # The instructor hears of the impostor's reply under the impostor's plain name.
    assert not any(TEACHER in text for text in
                   (n["text"] for n in as_api(site.teacher).get("/notifications").get_json()["items"]))


def test_the_queue_and_the_log_name_staff_with_their_role(namesake, as_api, signed_in):
    site = namesake
    lid = site.lesson.id
    bob, teacher = as_api(site.bob), as_api(site.teacher)
    assert bob.send("POST", f"/lessons/{lid}/posts/{site.answer['id']}/reports",
                    {"reason": "Thử báo cáo"}).status_code == 201
    assert teacher.send("POST", f"/lessons/{lid}/posts/{site.fake['id']}/reports",
                        {"reason": "Mạo danh cô"}).status_code == 201
    queue = teacher.get(f"/lessons/{lid}/queue").get_json()["queue"]
    # Oldest first: the impostor's post (reported by the instructor), then the instructor's.
    assert [(q["author"], q["author_display"]) for q in queue] == [("Cô Lan", "Cô Lan"), ("Cô Lan", TEACHER)]
    assert [q["reports"][0]["by_display"] for q in queue] == [TEACHER, "Bình Trần"]
    page = signed_in(site.teacher).get(f"/x/discussion/lessons/{lid}/queue").get_data(as_text=True)
    assert names_in(page, "Cô Lan").count(TEACHER) == 2  # her post, her report of the impostor's

    teacher.moderate(site.lesson, site.fake["id"], "hide", "Mạo danh giảng viên")
    entries = teacher.get(f"/lessons/{lid}/log").get_json()["entries"]
    assert (entries[0]["actor_display"], entries[0]["subject_display"]) == (TEACHER, "Cô Lan")
    log = signed_in(site.teacher).get(f"/x/discussion/lessons/{lid}/log").get_data(as_text=True)
    assert f"<td>{TEACHER}</td>" in log and "<td>Cô Lan</td>" in log
