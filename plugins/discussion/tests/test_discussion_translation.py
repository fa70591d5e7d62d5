"""A discussion in English: its own case, questions and attachment titles, the rubric's titles
translated; the settings (and so the marks and completion) the same in both languages."""

from __future__ import annotations

import pytest
from elearn_discussion.lesson import DiscussionLesson

from elearn.packs.localise import import_lesson
from elearn.plugins.lesson_type import ContentInvalid

CONTENT = {
    "case": {"vi": "Hợp tác xã A có 120 thành viên nhưng chỉ 40 người đến dự đại hội.",
             "en": "Cooperative A has 120 members, but only 40 came to the general meeting."},
    "questions": [{"vi": "Vì sao thành viên không đến dự?", "en": "Why did the members stay away?"}],
    "settings": {"rubric": [{"id": "phan-tich", "title": {"vi": "Phân tích đúng Luật", "en": "Reads the Law correctly"},
                             "points": 4}]},
}


def test_an_english_reader_gets_the_english_case_questions_and_rubric(make_lesson, learner, enrol, client, api_token):
    lesson = make_lesson("discussion", CONTENT)
    enrol(learner, lesson.course)
    token = api_token(learner)

    def view(language: str) -> dict:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        return client.get(f"/api/v1/lessons/{lesson.id}", headers=headers).get_json()["view"]

    english, vietnamese = view("en"), view("vi")
    assert "only 40 came" in english["case_html"] and "chỉ 40 người" in vietnamese["case_html"]
    assert english["questions"] == ["<p>Why did the members stay away?</p>\n"]
    assert english["participation"]["rubric"] == [{"id": "phan-tich", "title": "Reads the Law correctly", "points": 4}]
    assert vietnamese["participation"]["rubric"][0]["title"] == "Phân tích đúng Luật"


@pytest.mark.parametrize("settings", [
    {"mode": {"vi": "qa", "en": "open"}},
    {"rubric": [{"id": "phan-tich", "title": "Phân tích", "points": {"vi": 4, "en": 5}}]},
])
def test_english_settings_that_differ_are_refused(settings):
    content = {"case": {"vi": "Tình huống", "en": "The case"}, "settings": settings}
    with pytest.raises(ContentInvalid) as caught:
        import_lesson(DiscussionLesson(), content, None, ["vi", "en"])
    assert [e.where for e in caught.value.errors] == ["settings"]
    assert caught.value.errors[0].message.startswith("in English: must be the same in every language")
