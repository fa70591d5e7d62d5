"""One question per page (``layout: one_per_page``): Previous/Next save and move, without JavaScript."""

from __future__ import annotations

import re

import pytest
from elearn_quiz.lesson import QuizLesson
from elearn_quiz.models import QuizAttempt
from sqlalchemy import select

from elearn.plugins.lesson_type import ContentInvalid
from elearn.testing import csrf_token

CONTENT = {
    "questions": [
        {"id": "q1", "type": "single", "stem": "Câu một: mấy phiếu?",
         "choices": [{"text": "Một phiếu", "correct": True}, {"text": "Hai phiếu"}]},
        {"id": "q2", "type": "short", "stem": "Câu hai: viết tắt?", "answers": ["HTX"]},
        {"id": "q3", "type": "truefalse", "stem": "Câu ba: đúng không?", "correct": True},
    ],
    "settings": {"layout": "one_per_page", "review": "after_attempt"},
}
STEMS = {1: "Câu một: mấy phiếu?", 2: "Câu hai: viết tắt?", 3: "Câu ba: đúng không?"}


def post(client, lesson, **fields):
    token = csrf_token(client, f"/lessons/{lesson.id}")
    return client.post(f"/lessons/{lesson.id}/submit", data={"csrf_token": token, **fields})


def page_of(client, lesson) -> str:
    return re.sub(r"\s+", " ", client.get(f"/lessons/{lesson.id}").get_data(as_text=True))


def shown(page: str) -> list[int]:
    return [n for n, stem in STEMS.items() if stem in page]


def test_layout_setting_is_checked():
    assert QuizLesson().import_content(CONTENT, None)["settings"]["layout"] == "one_per_page"
    assert QuizLesson().import_content({"questions": CONTENT["questions"]}, None)["settings"]["layout"] == "all"
    with pytest.raises(ContentInvalid) as caught:
        QuizLesson().import_content({**CONTENT, "settings": {"layout": "paged"}}, None)
    assert {e.where for e in caught.value.errors} == {"settings.layout"}


def test_one_question_per_page_through_every_page(app, db, make_lesson, learner, enrol, login, client, api_token):
    lesson = make_lesson("quiz", CONTENT)
    enrol(learner, lesson.course)
    login(client, learner)
    assert post(client, lesson, action="start").status_code == 303
    page = page_of(client, lesson)
    assert shown(page) == [1]
    assert 'name="page" value="2"' in page and "quiz-navigator" in page
    right = re.search(r'name="q\.q1" value="([^"]+)" > <p>Một phiếu', page).group(1)

    # Next: saves the answer on this page and shows the next question.
    assert post(client, lesson, seq="1", attempt="1", page="2", **{"q.q1": right}).status_code == 303
    page = page_of(client, lesson)
    assert shown(page) == [2] and 'name="seq" value="2"' in page
    assert post(client, lesson, seq="2", attempt="1", page="3", **{"q.q2": "HTX"}).status_code == 303
    page = page_of(client, lesson)
    assert shown(page) == [3]
    assert 'name="page" value="4"' not in page  # no Next on the last page, but Previous and Submit
    assert 'name="page" value="2">' in page and 'name="action" value="submit"' in page

    # Previous (and the navigator): back to the first question, whose answer was kept.
    assert post(client, lesson, seq="3", attempt="1", page="1", **{"q.q3": "true"}).status_code == 303
    page = page_of(client, lesson)
    assert shown(page) == [1] and f'value="{right}" checked' in page

    # Page numbers out of range are clamped; a page that is no number is refused.
    assert post(client, lesson, seq="4", attempt="1", page="99").status_code == 303
    assert shown(page_of(client, lesson)) == [3]
    assert post(client, lesson, seq="5", attempt="1", page="0").status_code == 303
    assert shown(page_of(client, lesson)) == [1]
    assert post(client, lesson, seq="6", attempt="1", page="x").status_code == 400
    assert shown(page_of(client, lesson)) == [1]

    # The API keeps giving every question.
    view = client.get(f"/api/v1/lessons/{lesson.id}",
                      headers={"Authorization": f"Bearer {api_token(learner)}"}).get_json()["view"]
    assert view["settings"]["layout"] == "one_per_page"
    assert [q["id"] for q in view["attempt"]["questions"]] == ["q1", "q2", "q3"]
    assert view["attempt"]["page"] == 1

    assert post(client, lesson, action="submit", seq="6", attempt="1").status_code == 303
    db.expire_all()
    attempt = db.scalar(select(QuizAttempt).where(QuizAttempt.lesson_id == lesson.id))
    assert (attempt.state, attempt.fraction) == ("finished", 1.0)

    # A new attempt starts on the first page again.
    assert post(client, lesson, action="start").status_code == 303
    assert shown(page_of(client, lesson)) == [1]


def test_the_default_layout_shows_every_question(app, make_lesson, learner, enrol, login, client):
    lesson = make_lesson("quiz", {"questions": CONTENT["questions"]})
    enrol(learner, lesson.course)
    login(client, learner)
    assert post(client, lesson, action="start").status_code == 303
    page = page_of(client, lesson)
    assert shown(page) == [1, 2, 3] and "quiz-navigator" not in page
