"""The quiz through the JSON API: the same rules as the HTML page, documented in the OpenAPI document."""

from __future__ import annotations

import pytest

CONTENT = {
    "intro": "Kiểm tra cuối khoá.",
    "questions": [
        {"id": "q1", "type": "single", "stem": "Mỗi thành viên có mấy phiếu?",
         "choices": [{"text": "Một phiếu", "correct": True}, {"text": "Theo vốn góp"}]},
        {"id": "q2", "type": "multiple", "stem": "Các quỹ bắt buộc?",
         "choices": [{"text": "Đầu tư phát triển", "fraction": 0.5}, {"text": "Dự phòng tài chính", "fraction": 0.5},
                     {"text": "Du lịch", "fraction": -1}]},
        {"id": "q3", "type": "numerical", "stem": "Số thành viên tối thiểu?", "answer": 5},
        {"id": "q4", "type": "matching", "stem": "Ghép",
         "pairs": [{"prompt": "Đại hội", "answer": "Quyết định"}, {"prompt": "Ban kiểm soát", "answer": "Giám sát"}]},
        {"id": "q5", "type": "ordering", "stem": "Thứ tự thành lập", "items": ["Sáng lập", "Hội nghị", "Đăng ký"]},
    ],
    "settings": {"pass_mark": 0.8, "attempts_allowed": 3, "review": "immediately", "shuffle_options": True},
}


@pytest.fixture
def api(app, make_lesson, learner, enrol, client, api_token):
    lesson = make_lesson("quiz", CONTENT)
    enrol(learner, lesson.course)
    headers = {"Authorization": f"Bearer {api_token(learner)}"}
    url = f"/api/v1/lessons/{lesson.id}"

    class Api:
        def view(self):
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            return response.get_json()["view"]

        def send(self, **body):
            return client.post(f"{url}/submissions", json=body, headers=headers)

    return Api()


def right_answers(questions):
    """The right responses, worked out from the learner's view and the authored content."""
    by_id = {q["id"]: q for q in questions}
    choice = {c["html"].strip(): c["id"] for q in questions for c in q.get("choices", [])}
    return {
        "q1": choice["<p>Một phiếu</p>"],
        "q2": [choice["<p>Đầu tư phát triển</p>"], choice["<p>Dự phòng tài chính</p>"]],
        "q3": "5",
        "q4": {
            p["id"]: next(a["id"] for a in by_id["q4"]["answers"] if a["html"].strip() == answer)
            for p, answer in zip(
                sorted(by_id["q4"]["prompts"], key=lambda p: p["html"].strip() != "<p>Đại hội</p>"),
                ["<p>Quyết định</p>", "<p>Giám sát</p>"],
                strict=True,
            )
        },
        "q5": [
            next(i["id"] for i in by_id["q5"]["items"] if i["html"].strip() == f"<p>{text}</p>")
            for text in ("Sáng lập", "Hội nghị", "Đăng ký")
        ],
    }


def test_a_full_attempt_through_the_api(api):
    view = api.view()
    assert view["attempt"] is None and view["can_start"] is True and view["attempts_left"] == 3
    assert view["settings"]["question_count"] == 5 and "Kiểm tra cuối khoá." in view["intro_html"]

    started = api.send(action="start")
    assert started.status_code == 201 and started.get_json()["progress"]["attempts"] == 0
    attempt = api.view()["attempt"]
    assert attempt["number"] == 1 and attempt["seq"] == 0 and attempt["deadline"] is None
    questions = attempt["questions"]
    assert [q["id"] for q in questions] == ["q1", "q2", "q3", "q4", "q5"]
    answers = right_answers(questions)

    saved = api.send(action="save", seq=1, answers={"q1": answers["q1"], "q3": "5,0"})
    assert saved.status_code == 201
    attempt = api.view()["attempt"]
    assert attempt["seq"] == 1
    assert {q["id"]: q["answer"] for q in attempt["questions"]} == {
        "q1": answers["q1"], "q2": None, "q3": "5,0", "q4": None, "q5": None
    }

    done = api.send(action="submit", seq=2, answers={k: answers[k] for k in ("q2", "q4", "q5")})
    assert done.status_code == 201
    body = done.get_json()
    assert body["progress"] == {**body["progress"], "status": "completed", "score": 1.0, "attempts": 1}
    assert "100%" in body["message"]

    view = api.view()
    assert view["attempt"] is None and view["attempts"][0]["score"] == 1.0 and view["passed"] is True
    review = view["review"]
    assert review["number"] == 1 and review["score"] == 1.0
    assert {q["id"]: q["state"] for q in review["questions"]} == dict.fromkeys(answers, "correct")
    assert next(q for q in review["questions"] if q["id"] == "q1")["right_answer"] == answers["q1"]


def test_a_new_attempt_hides_the_review_until_it_is_submitted(api):
    api.send(action="start")
    api.send(action="submit", seq=1, answers={})
    assert api.view()["review"] is not None
    api.send(action="start")
    view = api.view()
    assert view["review"] is None and view["attempt"]["number"] == 2


def test_blank_answers_score_nothing(api):
    api.send(action="start")
    body = api.send(action="submit").get_json()
    assert (body["progress"]["status"], body["progress"]["score"], body["progress"]["attempts"]) == (
        "in_progress", 0.0, 1
    )


def test_errors_are_json_with_a_message(api):
    refused = api.send(action="save", seq=1, answers={"q1": "x"})
    assert refused.status_code == 409 and refused.get_json()["error"]["message"]
    api.send(action="start")
    bad = api.send(action="save", seq=1, answers={"q3": "1/2"})
    assert bad.status_code == 400 and bad.get_json()["error"]["message"]


def test_the_submission_body_is_documented(app, client):
    schema = client.get("/api/v1/openapi.json").get_json()
    found = schema["components"]["schemas"]["Submission_quiz"] if "components" in schema else None
    text = str(schema)
    assert found is not None or "Submission_quiz" in text
    assert "seq" in text and "answers" in text


def test_not_enrolled_learners_cannot_submit(app, make_lesson, make_user, client, api_token):
    lesson = make_lesson("quiz", CONTENT)
    other = make_user("learner")
    headers = {"Authorization": f"Bearer {api_token(other)}"}
    assert client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"action": "start"},
                       headers=headers).status_code in (403, 404)
