"""Nothing that gives an answer away reaches the learner before the review rule allows it.

Every question type carries planted feedback strings and right-answer texts; the raw HTML page and the
raw JSON of the lesson (and of every submission response) are searched for them before, during and after
attempts, for each review rule. A positive control shows the same strings once review is allowed, so
the search would find them.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from elearn.testing import csrf_token

SECRETS = [
    "FBSINGLERIGHT", "FBSINGLEWRONG", "FBGENSINGLE",
    "FBMULTIA", "FBMULTIC", "FBGENMULTI",
    "FBTFTRUE", "FBTFFALSE", "FBGENTF",
    "SECRETSHORTANSWER", "SECRETPARTIAL", "FBSHORTPARTIAL", "FBGENSHORT",
    "98765.4321", "98765,4321", "FBNUMRIGHT", "FBGENNUM",
    "FBGENMATCH", "FBGENORDER", "FBGENESSAY",
]
SECRET_KEYS = {"fraction", "feedback_html", "right_answer", "correct", "general_feedback_html", "pairs", "state"}

QUESTIONS = [
    {"id": "single", "type": "single", "stem": "Câu một lựa chọn?", "feedback": "FBGENSINGLE",
     "choices": [{"text": "Lựa chọn đúng", "correct": True, "feedback": "FBSINGLERIGHT"},
                 {"text": "Lựa chọn sai", "feedback": "FBSINGLEWRONG"}]},
    {"id": "multiple", "type": "multiple", "stem": "Câu nhiều lựa chọn?", "feedback": "FBGENMULTI",
     "choices": [{"text": "Ý A", "fraction": 0.5, "feedback": "FBMULTIA"}, {"text": "Ý B", "fraction": 0.5},
                 {"text": "Ý C", "fraction": -1, "feedback": "FBMULTIC"}]},
    {"id": "truefalse", "type": "truefalse", "stem": "Đúng hay sai?", "correct": False, "feedback": "FBGENTF",
     "feedback_true": "FBTFTRUE", "feedback_false": "FBTFFALSE"},
    {"id": "short", "type": "short", "stem": "Câu trả lời ngắn?", "feedback": "FBGENSHORT",
     "answers": ["SECRETSHORTANSWER", {"text": "SECRETPARTIAL", "fraction": 0.5, "feedback": "FBSHORTPARTIAL"}]},
    {"id": "numerical", "type": "numerical", "stem": "Con số?", "feedback": "FBGENNUM",
     "answers": [{"value": 98765.4321, "tolerance": 0.5, "feedback": "FBNUMRIGHT"}]},
    {"id": "matching", "type": "matching", "stem": "Ghép đôi", "feedback": "FBGENMATCH",
     "pairs": [{"prompt": "Đại hội", "answer": "Quyết định"}, {"prompt": "Ban kiểm soát", "answer": "Giám sát"},
               {"prompt": "Giám đốc", "answer": "Điều hành"}]},
    {"id": "ordering", "type": "ordering", "stem": "Sắp xếp", "feedback": "FBGENORDER",
     "items": ["Bước một", "Bước hai", "Bước ba", "Bước bốn"]},
    {"id": "essay", "type": "essay", "stem": "Bài luận", "feedback": "FBGENESSAY"},
]

WRONG = {"single": None, "truefalse": "true", "short": "sai rồi", "numerical": "12", "essay": "Một đoạn văn."}


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def lesson_for(app, make_lesson, learner, enrol, login, client, api_token):
    def make(**settings):
        lesson = make_lesson("quiz", {"questions": QUESTIONS, "settings": settings})
        enrol(learner, lesson.course)
        login(client, learner)
        headers = {"Authorization": f"Bearer {api_token(learner)}"}
        url = f"/api/v1/lessons/{lesson.id}"
        responses: list[str] = []

        class Quiz:
            def json(self):
                raw = client.get(url, headers=headers).get_data(as_text=True)
                return raw, json.loads(raw)["view"]

            def html(self):
                return client.get(f"/lessons/{lesson.id}").get_data(as_text=True)

            def send(self, **body):
                response = client.post(f"{url}/submissions", json=body, headers=headers)
                assert response.status_code == 201, response.get_json()
                responses.append(response.get_data(as_text=True))
                return response.get_json()

            def form(self, **fields):
                token = csrf_token(client, f"/lessons/{lesson.id}")
                response = client.post(f"/lessons/{lesson.id}/submit", data={"csrf_token": token, **fields},
                                       follow_redirects=True)
                assert response.status_code == 200
                responses.append(response.get_data(as_text=True))  # the page with the flashed message

            def assert_nothing_leaks(self):
                raw, view = self.json()
                page = self.html()
                assert leaked(raw) == [] and leaked(page) == [] and leaked("".join(responses)) == []
                assert keys(view) & SECRET_KEYS == set(), keys(view) & SECRET_KEYS
                assert view["review"] is None

            def wrong_answers(self):
                _raw, view = self.json()
                questions = {q["id"]: q for q in view["attempt"]["questions"]}
                answers = dict(WRONG)
                wrong_choice = next(c["id"] for c in questions["single"]["choices"] if "sai" in c["html"])
                answers["single"] = wrong_choice
                answers["multiple"] = [c["id"] for c in questions["multiple"]["choices"] if "Ý C" in c["html"]]
                return answers

        return Quiz()

    return make


@pytest.mark.parametrize("review", ["never", "after_last_attempt", "after_attempt", "immediately"])
def test_nothing_leaks_before_or_during_an_attempt(lesson_for, review):
    quiz = lesson_for(review=review, attempts_allowed=2, shuffle_options=True, time_limit_minutes=30)
    quiz.assert_nothing_leaks()
    quiz.form(action="start")
    quiz.assert_nothing_leaks()
    quiz.send(action="save", seq=1, answers=quiz.wrong_answers())
    quiz.assert_nothing_leaks()
    quiz.form(action="save", seq="2", attempt="1", **{"q.short": "vẫn sai"})
    quiz.assert_nothing_leaks()


@pytest.mark.parametrize("review", ["never", "after_last_attempt"])
def test_nothing_leaks_after_an_attempt_when_review_is_not_yet_allowed(lesson_for, review):
    quiz = lesson_for(review=review, attempts_allowed=2)
    quiz.send(action="start")
    quiz.send(action="submit", seq=1, answers=quiz.wrong_answers())
    quiz.assert_nothing_leaks()
    quiz.form(action="submit", attempt="1")  # a repeated submit returns the result, not the answers
    quiz.assert_nothing_leaks()
    quiz.send(action="start")
    quiz.assert_nothing_leaks()  # the second attempt: still nothing


def test_never_means_never(lesson_for):
    quiz = lesson_for(review="never", attempts_allowed=1)
    quiz.send(action="start")
    quiz.send(action="submit", seq=1, answers=quiz.wrong_answers())
    quiz.assert_nothing_leaks()


@pytest.mark.parametrize("review", ["after_attempt", "after_last_attempt"])
def test_review_shows_feedback_and_answers_once_allowed(lesson_for, review):
    """The positive control: the planted strings are findable, so their absence above means something."""
    quiz = lesson_for(review=review, attempts_allowed=1)
    quiz.send(action="start")
    quiz.send(action="submit", seq=1, answers=quiz.wrong_answers())
    raw, view = quiz.json()
    page = quiz.html()
    assert view["review"] is not None
    for secret in ("FBSINGLEWRONG", "FBGENSINGLE", "FBMULTIC", "FBTFTRUE", "FBGENSHORT", "FBGENORDER"):
        assert secret in raw and secret in page, secret
    assert "SECRETSHORTANSWER" in raw and "SECRETSHORTANSWER" in page


def test_ids_do_not_encode_the_right_answer(lesson_for):
    """Choice, item and answer ids are derived from their own text only; the order shown is not the answer."""
    quiz = lesson_for()
    quiz.send(action="start")
    _raw, view = quiz.json()
    questions = {q["id"]: q for q in view["attempt"]["questions"]}
    ordering = [re.sub(r"</?p>", "", i["html"]).strip() for i in questions["ordering"]["items"]]
    assert ordering != ["Bước một", "Bước hai", "Bước ba", "Bước bốn"]
    for choice in questions["single"]["choices"]:
        assert set(choice) == {"id", "html"}


def test_matching_prompt_ids_do_not_reveal_the_pairs(lesson_for):
    """Stored pair ids hash the prompt and its answer; the learner sees per-attempt aliases instead."""
    quiz = lesson_for()
    quiz.send(action="start")
    _raw, view = quiz.json()
    matching = next(q for q in view["attempt"]["questions"] if q["id"] == "matching")
    for prompt in matching["prompts"]:
        for answer in matching["answers"]:
            pair = f"{prompt['html'].strip()}\x00{answer['html'].strip()}"
            guess = "p" + hashlib.sha256(pair.encode()).hexdigest()[:10]
            assert guess != prompt["id"], "the prompt id gives its answer away"
