"""The quiz's shared parts (its introduction and rules, elearn/render_cache) never carry one learner's
answers, feedback or review to another: each reader's page with the cache is the page without it."""

from __future__ import annotations

import re

import pytest

CONTENT = {
    "intro": "INTROTEXT Kiểm tra cuối khoá.",
    "questions": [
        {"id": "q1", "type": "single", "stem": "Mỗi thành viên có mấy phiếu?", "feedback": "FBGENERAL",
         "choices": [{"text": "Một phiếu", "correct": True, "feedback": "FBRIGHT"},
                     {"text": "Theo vốn góp", "feedback": "FBWRONG"}]},
        {"id": "q2", "type": "short", "stem": "Cơ quan cao nhất?", "answers": ["SECRETANSWER"]},
    ],
}


SECRETS = ["ALICEWROTE", "FBGENERAL", "FBRIGHT", "FBWRONG", "SECRETANSWER"]


@pytest.fixture
def quiz_site(app, make_lesson, make_user, enrol, login, api_token, db):
    """``quiz_site(review)``: a quiz lesson, and signed-in browsers of Alice (finished an attempt),
    Bob (an attempt open, with a saved answer), Carol (not started) and their instructor."""
    from elearn.models import CourseInstructor

    def make(review: str):
        lesson = make_lesson("quiz", {**CONTENT, "settings": {"review": review, "attempts_allowed": 2}})
        teacher = make_user("instructor", name="Cô Lan")
        db.add(CourseInstructor(course_id=lesson.course_id, user_id=teacher.id))
        db.commit()
        people = {"alice": make_user("learner", name="Alice"), "bob": make_user("learner", name="Bob"),
                  "carol": make_user("learner", name="Carol"), "teacher": teacher}
        browsers = {}
        for name, person in people.items():
            if name != "teacher":
                enrol(person, lesson.course)
            browsers[name] = app.test_client()
            login(browsers[name], person)

        def send(name: str, **body):
            response = browsers[name].post(f"/api/v1/lessons/{lesson.id}/submissions", json=body,
                                           headers={"Authorization": f"Bearer {api_token(people[name])}"})
            assert response.status_code in (200, 201), response.get_json()

        send("alice", action="start")
        send("alice", action="submit", seq=1, answers={"q2": "ALICEWROTE"})
        send("bob", action="start")
        send("bob", action="save", seq=1, answers={"q2": "BOBWROTE"})
        return lesson, browsers

    return make


def pages(browsers: dict, path: str) -> dict[str, str]:
    found = {}
    for name, browser in browsers.items():
        response = browser.get(path)
        assert response.status_code == 200, (name, response.status_code)
        # A CSRF token's time stamp and signature change by the second; its first part (the reader's) stays.
        found[name] = re.sub(r'(name="csrf_token" value="[^".]+)\.[^"]*"', r"\1", response.get_data(as_text=True))
    return found


@pytest.mark.parametrize("review", ["immediately", "never"])
def test_no_learners_answers_or_feedback_reach_another_through_the_cache(quiz_site, render_cache, review):
    lesson, browsers = quiz_site(review)
    path = f"/lessons/{lesson.id}"

    cached = pages(browsers, path)
    assert render_cache.hits >= 3, "the introduction was not served from the cache: the test proves nothing"
    store, render_cache.store = render_cache.store, None
    plain = pages(browsers, path)
    render_cache.store = store

    for name in browsers:
        assert cached[name] == plain[name], f"{name}'s quiz page differs from its uncached rendering"
        assert "INTROTEXT" in cached[name]
    reviewed = review == "immediately"
    assert ("ALICEWROTE" in cached["alice"]) is reviewed and ("FBGENERAL" in cached["alice"]) is reviewed
    for other in ("bob", "carol", "teacher"):
        assert not [secret for secret in SECRETS if secret in cached[other]], other
    assert "BOBWROTE" in cached["bob"] and "BOBWROTE" not in cached["alice"] + cached["carol"] + cached["teacher"]
