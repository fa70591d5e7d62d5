"""What the quiz's autosave script relies on, from the server's side: the form route answers a
background save with JSON (never a redirect to a page the script would not show), a retried save is
taken once, a stale tab's save is refused, and the page says when the answers were last saved.
The script itself is driven in a real browser by ``test_quiz_browser.py``."""

from __future__ import annotations

import re

import pytest
from elearn_quiz.models import QuizAnswerStep
from sqlalchemy import select

from elearn.testing import FakeClock, csrf_token

CONTENT = {
    "questions": [
        {"id": "q1", "type": "single", "stem": "Mỗi thành viên có mấy phiếu?",
         "choices": [{"text": "Một phiếu", "correct": True}, {"text": "Hai phiếu"}]},
    ],
}
JSON = {"Accept": "application/json"}


@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock()  # 2026-03-01 08:00 UTC: 15:00 in Hồ Chí Minh City
    monkeypatch.setattr("elearn_quiz.attempts.utcnow", clock)
    monkeypatch.setattr("elearn_quiz.lesson.utcnow", clock)
    return clock


@pytest.fixture
def started(app, make_lesson, learner, enrol, login, client):
    lesson = make_lesson("quiz", CONTENT)
    enrol(learner, lesson.course)
    login(client, learner)
    token = csrf_token(client, f"/lessons/{lesson.id}")
    assert client.post(f"/lessons/{lesson.id}/submit", data={"csrf_token": token, "action": "start"}).status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    choices = re.findall(r'name="q\.q1" value="([^"]+)"', page)
    return lesson, token, choices


def autosave(client, lesson, token, seq, choice, headers=JSON):
    return client.post(f"/lessons/{lesson.id}/submit", headers=headers, data={
        "csrf_token": token, "action": "save", "autosave": "1", "attempt": "1", "seq": str(seq), "q.q1": choice})


def saved(db) -> list:
    db.rollback()
    return db.scalars(select(QuizAnswerStep.response).order_by(QuizAnswerStep.id)).all()


def test_a_background_save_is_answered_with_json(app, db, client, started, clock):
    lesson, token, (first, second) = started
    response = autosave(client, lesson, token, 1, first)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["message"] == "" and body["progress"]["status"] == "in_progress"
    assert saved(db) == [first]

    # The same save again (its answer was lost on the way back): taken once, answered the same.
    clock.advance(minutes=2)
    assert autosave(client, lesson, token, 1, first).status_code == 200
    assert saved(db) == [first]
    # The same number with other answers, or an older number (a stale tab): refused.
    assert autosave(client, lesson, token, 1, second).status_code == 409
    assert autosave(client, lesson, token, 2, second).status_code == 200
    assert autosave(client, lesson, token, 1, first).status_code == 409
    assert saved(db) == [first, second]

    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Các câu trả lời của bạn đã được lưu." not in page  # a background save flashes nothing
    assert re.search(r'<p class="quiz-autosave meta" role="status">Đã lưu lúc 15:02</p>', page)
    assert 'name="seq" value="3"' in page


def test_the_save_button_still_redirects_and_the_page_shows_the_time(app, db, client, started, clock):
    lesson, token, (first, _second) = started
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert '<p class="quiz-autosave meta" role="status"></p>' in page  # nothing saved yet
    assert 'data-autosave-seconds="15"' in page and 'data-timezone="Asia/Ho_Chi_Minh"' in page
    assert 'data-text-saved="Đã lưu lúc {time}"' in page
    response = client.post(f"/lessons/{lesson.id}/submit", data={
        "csrf_token": token, "action": "save", "attempt": "1", "seq": "1", "q.q1": first})
    assert response.status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Các câu trả lời của bạn đã được lưu." in page and "Đã lưu lúc 15:00" in page
    # Another day, the date is given too.
    clock.advance(days=1)
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Đã lưu lúc 15:00 1/3/26" in page


def test_a_refused_background_save_keeps_its_status(app, client, started):
    lesson, _token, (first, _second) = started
    response = autosave(client, lesson, "not-the-token", 1, first)
    assert response.status_code == 400  # the form expired: the script says so and stops
