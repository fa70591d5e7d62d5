"""Questions at moments of the video, asked through the question kinds another plugin offers (the quiz)."""

from __future__ import annotations

import json
import re

import pytest

QUESTIONS = [
    {"at": 30, "question": {"type": "truefalse", "stem": "Mỗi thành viên có một phiếu bầu?", "correct": True,
                            "feedback_true": "Đúng: một người một phiếu."}},
    {"at": 5, "question": {"type": "single", "stem": "Ai điều hành hợp tác xã?",
                           "choices": [{"text": "Đại hội thành viên", "correct": True, "feedback": "Chính xác."},
                                       {"text": "Một cổ đông lớn", "feedback": "Không: mỗi người một phiếu."}]}},
]


def _api(client, api_token, user, lesson, index, answer):
    return client.post(f"/api/v1/x/video/lessons/{lesson.id}/questions/{index}/answer", json={"answer": answer},
                       headers={"Authorization": f"Bearer {api_token(user)}"})


def test_the_questions_are_listed_by_moment_without_their_answers(video, signed_in, client, api_token):
    site = video(questions=QUESTIONS)
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    listed = page[page.index('id="video-questions"'):]
    assert listed.index("Ai điều hành hợp tác xã?") < listed.index("Mỗi thành viên có một phiếu bầu?")
    assert 'data-at="5.0"' in listed and "0:05" in listed and "0:30" in listed
    assert "Chính xác." not in page and "fraction" not in page and "correct" not in page.lower().replace(
        "data-answered", "")
    view = client.get(f"/api/v1/lessons/{site.lesson.id}", headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    text = json.dumps(view.get_json(), ensure_ascii=False)
    assert view.status_code == 200 and "Ai điều hành" in text
    assert "Chính xác." not in text and '"fraction"' not in text


def test_an_answer_is_graded_on_the_server_once(video, client, api_token):
    site = video(questions=QUESTIONS)
    view = client.get(f"/api/v1/lessons/{site.lesson.id}", headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    asked = next(q for q in view.get_json()["view"]["questions"] if q["question"]["type"] == "single")
    right = next(c["id"] for c in asked["question"]["choices"] if c["html"].startswith("<p>Đại hội"))
    wrong = next(c["id"] for c in asked["question"]["choices"] if c["id"] != right)
    answered = _api(client, api_token, site.lan, site.lesson, asked["index"], right)
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["correct"] is True and "Chính xác." in answered.get_json()["feedback_html"]
    again = _api(client, api_token, site.lan, site.lesson, asked["index"], wrong)
    assert again.status_code == 409
    other = _api(client, api_token, site.minh, site.lesson, asked["index"], wrong)
    assert other.status_code == 200 and other.get_json()["correct"] is False
    later = client.get(f"/api/v1/lessons/{site.lesson.id}", headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    shown = next(q for q in later.get_json()["view"]["questions"] if q["index"] == asked["index"])
    assert shown["answered"]["correct"] is True


@pytest.mark.parametrize(("index", "answer", "status"), [(0, "not-a-choice", 400), (0, None, 400), (7, "true", 404)])
def test_bad_answers_are_refused_with_a_message(video, client, api_token, index, answer, status):
    site = video(questions=QUESTIONS)
    refused = _api(client, api_token, site.lan, site.lesson, index, answer)
    assert refused.status_code == status
    assert refused.get_json()["error"]


def test_people_outside_the_course_cannot_answer(video, client, api_token):
    site = video(questions=QUESTIONS)
    assert _api(client, api_token, site.hoa, site.lesson, 0, "true").status_code == 403
    assert client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/questions/0/answer",
                       json={"answer": "true"}).status_code == 401


def test_without_script_the_question_is_answered_as_a_form(video, signed_in):
    site = video(questions=QUESTIONS)
    client = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    page = client.get(path).get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/x/video/lessons/\d+/questions/1)">(.*?)</form>', page, re.S)
    assert form and 'name="answer" value="true"' in form.group(2)
    answered = client.post(form.group(1), data={"csrf_token": client.token(path), "answer": "true"})
    assert answered.status_code == 303 and answered.headers["Location"].endswith(f"{path}#video-q-1")
    after = client.get(path).get_data(as_text=True)
    assert "Đúng: một người một phiếu." in after and 'action="/x/video/lessons/' + str(site.lesson.id) + \
        '/questions/1"' not in after


def test_a_question_type_no_plugin_offers_is_an_error_at_validate_time(video):
    from elearn.plugin_api import ContentInvalid

    with pytest.raises(ContentInvalid) as found:
        video(questions=[{"at": 3, "question": {"type": "essay", "stem": "Viết về HTX"}},
                         {"at": 500, "question": QUESTIONS[0]["question"]}])
    errors = [str(error) for error in found.value.errors]
    assert any(e.startswith("questions[0].question.type: must be a question type an installed plugin offers")
               for e in errors), errors
    assert any(e.startswith("questions[1].at:") for e in errors), errors


def test_the_question_shows_in_english_for_an_english_reader(video, signed_in, db):
    questions = [{"at": 5, "question": {"type": "truefalse", "correct": True,
                                        "stem": {"vi": "Một người một phiếu?", "en": "One member, one vote?"}}}]
    site = video(questions=questions)
    site.lan.locale = "en"
    db.add(site.lan)
    db.commit()
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert "One member, one vote?" in page
