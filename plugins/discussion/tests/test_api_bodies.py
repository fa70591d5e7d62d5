"""The discussion API's bodies are checked by its models (``api_models``) before anything runs:
an id past the range of the ids' columns is a 400 naming the field, never a database error."""

from __future__ import annotations

import pytest

HUGE = 2**63  # past SQLite's integers too (PostgreSQL's ids end at 2**31 - 1)


@pytest.fixture
def thread(discussion, as_api):
    site = discussion()
    alice = as_api(site.alice)
    opening = alice.start(site.lesson, "Vì sao?", "Ý kiến.")
    return site, alice, as_api(site.teacher), opening


@pytest.mark.parametrize(
    ("who", "path", "body", "field"),
    [
        ("alice", "/lessons/{lesson}/threads/{thread}/posts", {"body": "Trả lời.", "parent_id": HUGE}, "parent_id"),
        ("alice", "/lessons/{lesson}/threads/{thread}/posts", {"body": "Trả lời.", "quote_id": HUGE}, "quote_id"),
        ("teacher", "/lessons/{lesson}/threads", {"title": "Mới", "body": "Nội dung.", "group_id": HUGE}, "group_id"),
        ("teacher", "/lessons/{lesson}/threads/{thread}/moderation", {"action": "move", "lesson_id": HUGE},
         "lesson_id"),
        ("teacher", "/lessons/{lesson}/threads/{thread}/moderation", {"action": "move", "group_id": HUGE},
         "group_id"),
        ("alice", "/notifications/read", {"ids": [1, HUGE]}, "ids[1]"),
    ],
)
def test_an_id_past_the_range_in_a_body_is_a_400_naming_it(thread, who, path, body, field):
    site, alice, teacher, opening = thread
    api = {"alice": alice, "teacher": teacher}[who]
    url = path.format(lesson=site.lesson.id, thread=opening["thread_id"])
    response = api.send("POST", url, body)
    assert response.status_code == 400, response.get_json()
    assert f"“{field}”" in response.get_json()["error"]["message"]


def test_a_reason_of_white_space_is_refused_by_the_model(thread):
    site, _alice, teacher, opening = thread
    response = teacher.send("POST", f"/lessons/{site.lesson.id}/posts/{opening['id']}/moderation",
                            {"action": "hide", "reason": " \t "})
    assert response.status_code == 400
    assert "“reason”" in response.get_json()["error"]["message"]


def test_the_dashboard_refuses_learners_as_its_document_says(client, discussion, as_api):
    site = discussion()
    response = as_api(site.alice).get("/dashboard")
    assert response.status_code == 403
    document = client.get("/api/v1/openapi.json").get_json()
    assert "403" in document["paths"]["/x/discussion/dashboard"]["get"]["responses"]


def test_a_page_number_that_is_not_one_is_a_400(discussion, as_api):
    site = discussion()
    alice = as_api(site.alice)
    assert alice.get(f"/lessons/{site.lesson.id}/threads", query_string={"page": "2"}).status_code == 200
    for page in ("0", "-1", "abc", "1.5"):
        response = alice.get(f"/lessons/{site.lesson.id}/threads", query_string={"page": page})
        assert response.status_code == 400, page
        assert "“page”" in response.get_json()["error"]["message"]


def test_a_well_formed_group_id_naming_no_group_of_the_set_is_a_404(discussion, as_api, put_in_group):
    """The document allows any id: one that names nothing here is refused as an unknown id in a
    path is (it was a 400, as for a malformed body)."""
    site = discussion(group_set="track")
    put_in_group(site.course, site.alice, "a")
    district = put_in_group(site.course, site.bob, "ba-vi", group_set="district")
    teacher = as_api(site.teacher)
    for group_id in (district.id, 999_999):
        refused = teacher.send("POST", f"/lessons/{site.lesson.id}/threads",
                               {"title": "Nhóm", "body": "Nội dung", "group_id": group_id})
        assert refused.status_code == 404, group_id
    opening = teacher.start(site.lesson, "Cả lớp", "Nội dung")
    moved = teacher.send("POST", f"/lessons/{site.lesson.id}/threads/{opening['thread_id']}/moderation",
                         {"action": "move", "group_id": district.id})
    assert moved.status_code == 404
