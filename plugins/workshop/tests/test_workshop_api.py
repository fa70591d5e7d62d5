"""The workshop's JSON API (``/api/v1/x/workshop``): a whole workshop run through the API alone —
plans handed in, assessment, a peer's and the instructor's reviews, feedback published — with the
pages' rules: nobody sees another cooperative's plan, a peer never learns whose plan they assess,
learners cannot act as instructors, and what is refused is said."""

from __future__ import annotations

import json

import pytest
from test_workshop_reviews import SETTINGS

API = "/api/v1/x/workshop"
COMPLETE = {"thi-truong": {"level": 4, "comment": "Rõ ràng"}, "tai-chinh": {"level": 3}, "comment": "Rất tốt"}


@pytest.fixture
def call(client, api_token):
    """``call(user, method, path, json=None)``: one API call with the user's token."""
    tokens: dict[int, str] = {}

    def send(user, method, path, body=None):
        if user.id not in tokens:
            tokens[user.id] = api_token(user)
        return client.open(API + path, method=method, json=body,
                           headers={"Authorization": f"Bearer {tokens[user.id]}"})

    return send


@pytest.fixture
def handed_in(workshop, save):
    """Tân Phú's plan (Lan and Minh) and Hòa Bình's (Hoa), both handed in through the core's API."""
    w = workshop(**SETTINGS)
    for user, name in ((w.lan, "Hợp tác xã A"), (w.hoa, "Hợp tác xã B")):
        answer = save(user, w.lesson, {"gioi-thieu": {"ten": name, "so-thanh-vien": "45"}}, base=0, action="submit")
        assert answer.get_json()["result"]["handed_in"], answer.get_json()
    return w


def plan_ids(call, w):
    listed = call(w.teacher, "GET", f"/lessons/{w.lesson.id}/plans").get_json()["plans"]
    return {row["name"]: row["id"] for row in listed}


def test_a_whole_workshop_through_the_api(handed_in, call):
    w = handed_in
    lesson = w.lesson.id
    listed = call(w.teacher, "GET", f"/lessons/{lesson}/plans").get_json()
    assert listed["phase"] == "open"
    by_name = {row["name"]: row for row in listed["plans"]}
    assert set(by_name) == {"HTX Tân Phú", "HTX Hòa Bình"}
    tan_phu = by_name["HTX Tân Phú"]
    assert tan_phu["submitted_at"] and tan_phu["version"] == 1 and tan_phu["reviews_assigned"] == 0
    assert tan_phu["missing"] == []

    started = call(w.teacher, "POST", f"/lessons/{lesson}/phase", {"phase": "assessment"})
    assert started.status_code == 200
    assert started.get_json() == {"phase": "assessment", "allocated": 3, "graded": 0}  # Lan, Minh and Hoa: one each
    assert call(w.teacher, "POST", f"/lessons/{lesson}/allocate").get_json() == {"allocated": 0}
    counts = {row["name"]: (row["reviews_done"], row["reviews_assigned"])
              for row in call(w.teacher, "GET", f"/lessons/{lesson}/plans").get_json()["plans"]}
    assert counts == {"HTX Tân Phú": (0, 1), "HTX Hòa Bình": (0, 2)}

    # Hoa reviews Tân Phú's plan without learning whose it is.
    mine = call(w.hoa, "GET", f"/lessons/{lesson}/reviews").get_json()["reviews"]
    assert [(r["kind"], r["done"]) for r in mine] == [("peer", False)]
    opened = call(w.hoa, "GET", f"/reviews/{mine[0]['id']}")
    assert opened.status_code == 200
    review = opened.get_json()["review"]
    assert review["editable"] and review["authors"] is None and review["plan"]["id"] == tan_phu["id"]
    assert review["plan"]["sections"][0]["values"]["ten"] == "Hợp tác xã A"
    assert [c["key"] for c in review["rubric"]] == ["thi-truong", "tai-chinh"]
    text = json.dumps(review, ensure_ascii=False)
    assert "Lan" not in text and "Minh" not in text and "Tân Phú" not in text

    url = f"/reviews/{mine[0]['id']}"
    draft = call(w.hoa, "PUT", url, {"assessment": {"thi-truong": {"level": 2, "comment": "Tạm"}}, "final": False})
    assert draft.status_code == 200, draft.get_json()
    assert draft.get_json()["review"]["done"] is False
    assert draft.get_json()["review"]["assessment"]["thi-truong"] == {"level": 2, "comment": "Tạm"}
    assert call(w.hoa, "GET", url).get_json()["review"]["assessment"]["thi-truong"]["level"] == 2
    sent = call(w.hoa, "PUT", url, {"assessment": COMPLETE, "final": True}).get_json()["review"]
    assert sent["done"] is True and sent["score"] == "100.00"

    # The instructor's review of Tân Phú's plan: 201 when started, 200 when opened again.
    first = call(w.teacher, "POST", f"/plans/{tan_phu['id']}/reviews", {"kind": "instructor"})
    assert first.status_code == 201
    again = call(w.teacher, "POST", f"/plans/{tan_phu['id']}/reviews", {"kind": "instructor"})
    assert again.status_code == 200 and again.get_json()["review"]["id"] == first.get_json()["review"]["id"]
    assert first.get_json()["review"]["authors"] == "HTX Tân Phú"
    mark = {"thi-truong": {"level": 2}, "tai-chinh": {"level": 3}, "comment": "Cần rõ hơn"}
    graded = call(w.teacher, "PUT", f"/reviews/{first.get_json()['review']['id']}", {"assessment": mark, "final": True})
    assert graded.get_json()["review"]["score"] == "80.00"  # (1 × 2 + 2 × 3) ÷ (1 × 4 + 2 × 3)
    # The instructor reads Hoa's review, but does not write it.
    assert call(w.teacher, "GET", url).get_json()["review"]["editable"] is False
    assert call(w.teacher, "PUT", url, {"assessment": COMPLETE, "final": True}).status_code == 403

    before = call(w.lan, "GET", f"/plans/{tan_phu['id']}/feedback").get_json()
    assert before == {"phase": "assessment", "published": False, "feedback": []}

    published = call(w.teacher, "POST", f"/lessons/{lesson}/phase", {"phase": "feedback"}).get_json()
    assert published == {"phase": "feedback", "allocated": 0, "graded": 2}  # Lan and Minh; Hòa Bình has no marks
    seen = call(w.minh, "GET", f"/plans/{tan_phu['id']}/feedback").get_json()
    assert seen["published"] is True
    by_kind = {item["kind"]: item for item in seen["feedback"]}
    assert set(by_kind) == {"instructor", "peer"}
    assert by_kind["peer"]["reviewer"] != w.hoa.name and by_kind["peer"]["score"] == "100.00"
    assert by_kind["peer"]["comment"] == "Rất tốt"
    assert by_kind["peer"]["marks"][0]["level"] == "Đầy đủ" and by_kind["peer"]["marks"][0]["comment"] == "Rõ ràng"
    assert by_kind["instructor"]["reviewer"].startswith(w.teacher.name) and by_kind["instructor"]["score"] == "80.00"
    assert "Hoa" not in json.dumps(seen, ensure_ascii=False)

    grades = {row["learner"]: row for row in call(w.teacher, "GET", f"/lessons/{lesson}/grades").get_json()["grades"]}
    assert grades["Lan"]["instructor"] == "80.00" and grades["Lan"]["peers"] == "100.00"
    assert grades["Lan"]["own"] is None and grades["Lan"]["plan_grade"] == "90.00"
    assert grades["Lan"]["email"] == w.lan.email and grades["Lan"]["plan_id"] == tan_phu["id"]
    assert grades["Hoa"]["plan_grade"] is None

    history = call(w.minh, "GET", f"/plans/{tan_phu['id']}/versions").get_json()
    assert history["version"] == 1
    assert [(v["number"], v["saved_by"]) for v in history["versions"]] == [(1, "Lan")]
    assert history["versions"][0]["changed"] == [{"key": "gioi-thieu", "title": "Hợp tác xã và thành viên"}]


def test_another_cooperative_sees_nothing_of_a_plan_nor_of_a_review(handed_in, call):
    w = handed_in
    ids = plan_ids(call, w)
    hoa_binh = ids["HTX Hòa Bình"]
    for path in (f"/plans/{hoa_binh}/feedback", f"/plans/{hoa_binh}/versions"):
        refused = call(w.lan, "GET", path)
        assert refused.status_code == 404 and refused.get_json()["error"]["message"]
    assert call(w.lan, "POST", f"/plans/{hoa_binh}/reviews", {"kind": "self"}).status_code == 404
    call(w.teacher, "POST", f"/lessons/{w.lesson.id}/phase", {"phase": "assessment"})
    hoas = call(w.hoa, "GET", f"/lessons/{w.lesson.id}/reviews").get_json()["reviews"][0]["id"]
    assert call(w.lan, "GET", f"/reviews/{hoas}").status_code == 404
    assert call(w.lan, "PUT", f"/reviews/{hoas}", {"assessment": COMPLETE, "final": True}).status_code == 404
    # Hoa's reviewers do not see her plan's history through the review.
    assert call(w.lan, "GET", f"/plans/{hoa_binh}/versions").status_code == 404


def test_learners_cannot_do_what_instructors_do(handed_in, call):
    w = handed_in
    lesson = w.lesson.id
    tan_phu = plan_ids(call, w)["HTX Tân Phú"]
    for method, path, body in (("GET", f"/lessons/{lesson}/plans", None),
                               ("POST", f"/lessons/{lesson}/phase", {"phase": "assessment"}),
                               ("POST", f"/lessons/{lesson}/allocate", None),
                               ("GET", f"/lessons/{lesson}/grades", None),
                               ("POST", f"/plans/{tan_phu}/reviews", {"kind": "instructor"})):
        refused = call(w.lan, method, path, body)
        assert refused.status_code == 403, (path, refused.get_json())
    assert call(w.teacher, "GET", f"/lessons/{lesson}/plans").get_json()["phase"] == "open"  # unchanged
    # An author's own plan's feedback and history are theirs; the instructor reads the reviews instead.
    assert call(w.minh, "GET", f"/plans/{tan_phu}/versions").status_code == 200
    assert call(w.teacher, "GET", f"/plans/{tan_phu}/versions").status_code == 200
    assert call(w.teacher, "GET", f"/plans/{tan_phu}/feedback").status_code == 403


def test_what_is_refused_is_said(handed_in, call):
    w = handed_in
    lesson = w.lesson.id
    tan_phu = plan_ids(call, w)["HTX Tân Phú"]
    unknown = call(w.teacher, "POST", f"/lessons/{lesson}/phase", {"phase": "review"})
    assert unknown.status_code == 400 and "phase" in unknown.get_json()["error"]["message"]
    # Before assessment: no self-assessment yet, and no peer review to write.
    assert call(w.lan, "POST", f"/plans/{tan_phu}/reviews", {"kind": "self"}).status_code == 409
    assert call(w.lan, "GET", f"/lessons/{lesson}/reviews").get_json() == {"reviews": []}

    call(w.teacher, "POST", f"/lessons/{lesson}/phase", {"phase": "assessment"})
    url = f"/reviews/{call(w.hoa, 'GET', f'/lessons/{lesson}/reviews').get_json()['reviews'][0]['id']}"
    not_a_level = call(w.hoa, "PUT", url, {"assessment": {**COMPLETE, "thi-truong": {"level": 3}}, "final": True})
    assert not_a_level.status_code == 400 and "Thị trường" in not_a_level.get_json()["error"]["message"]
    also_in_a_draft = call(w.hoa, "PUT", url, {"assessment": {"thi-truong": {"level": 3}}})
    assert also_in_a_draft.status_code == 400
    no_such = call(w.hoa, "PUT", url, {"assessment": {"thi-truong": {"level": 4}, "von": {"level": 1}}})
    assert no_such.status_code == 400 and "von" in no_such.get_json()["error"]["message"]
    incomplete = call(w.hoa, "PUT", url, {"assessment": {"thi-truong": {"level": 4}}, "final": True})
    assert incomplete.status_code == 400 and "Tài chính" in incomplete.get_json()["error"]["message"]
    assert call(w.hoa, "GET", url).get_json()["review"]["assessment"] == {}  # nothing kept
    assert call(w.hoa, "PUT", url, {"assessment": {"thi-truong": "4"}}).status_code == 400  # not a mark

    call(w.teacher, "POST", f"/lessons/{lesson}/phase", {"phase": "feedback"})
    late = call(w.hoa, "PUT", url, {"assessment": COMPLETE, "final": True})
    assert late.status_code == 409 and late.get_json()["error"]["message"]
    assert call(w.hoa, "GET", url).get_json()["review"]["editable"] is False
    assert call(w.lan, "POST", f"/plans/{tan_phu}/reviews", {"kind": "self"}).status_code == 409
    assert call(w.teacher, "GET", f"/reviews/{10 ** 6}").status_code == 404


def test_authors_assess_their_own_plan_and_read_it_before_publication(handed_in, call):
    w = handed_in
    tan_phu = plan_ids(call, w)["HTX Tân Phú"]
    call(w.teacher, "POST", f"/lessons/{w.lesson.id}/phase", {"phase": "assessment"})
    own = call(w.lan, "POST", f"/plans/{tan_phu}/reviews", {"kind": "self"})
    assert own.status_code == 201 and own.get_json()["review"]["kind"] == "self"
    call(w.lan, "PUT", f"/reviews/{own.get_json()['review']['id']}", {"assessment": COMPLETE, "final": True})
    mine = call(w.lan, "GET", f"/plans/{tan_phu}/feedback").get_json()
    assert [item["kind"] for item in mine["feedback"]] == ["self"] and mine["published"] is False
    assert call(w.minh, "GET", f"/plans/{tan_phu}/feedback").get_json()["feedback"] == []  # Lan's, not Minh's


def test_the_workshop_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, methods in {
        "/x/workshop/lessons/{lesson_id}/plans": {"get"}, "/x/workshop/lessons/{lesson_id}/phase": {"post"},
        "/x/workshop/lessons/{lesson_id}/allocate": {"post"}, "/x/workshop/lessons/{lesson_id}/grades": {"get"},
        "/x/workshop/lessons/{lesson_id}/reviews": {"get"}, "/x/workshop/reviews/{review_id}": {"get", "put"},
        "/x/workshop/plans/{plan_id}/reviews": {"post"}, "/x/workshop/plans/{plan_id}/feedback": {"get"},
        "/x/workshop/plans/{plan_id}/versions": {"get"},
    }.items():
        assert methods <= set(paths.get(path, {})), path
    put = paths["/x/workshop/reviews/{review_id}"]["put"]
    assert {"200", "400", "403", "404", "409"} <= set(put["responses"])
