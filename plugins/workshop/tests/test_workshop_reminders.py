"""Reminding reviewers late with their peer reviews: by e-mail, each in their own language, and
only those with reviews still to write."""

from __future__ import annotations

import pytest
from test_workshop_reviews import SETTINGS, phase

from elearn.testing import FakeSenders, test_config


@pytest.fixture
def mail():
    return FakeSenders("email")


@pytest.fixture
def app_config(database_url, tmp_path, mail):
    return test_config(database_url, tmp_path, PLUGIN_OBJECTS={"fake_mail": mail})


def test_reviewers_still_owing_reviews_are_reminded(workshop, save, app, login, api_token, mail, db):
    w = workshop(**SETTINGS)
    for user, name in ((w.lan, "HTX A"), (w.hoa, "HTX B")):
        save(user, w.lesson, {"gioi-thieu": {"ten": name}}, base=0, action="submit")
    teacher = app.test_client()
    login(teacher, w.teacher)
    phase(teacher, w, "assessment")
    hoa = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(w.hoa)}"}
    mine = hoa.get(f"/api/v1/x/workshop/lessons/{w.lesson.id}/reviews", headers=headers).get_json()
    review_id = mine["reviews"][0]["id"]
    done = hoa.put(f"/api/v1/x/workshop/reviews/{review_id}", headers=headers, json={
        "assessment": {"thi-truong": {"level": 4, "comment": ""}, "tai-chinh": {"level": 3, "comment": ""},
                       "comment": ""}, "final": True})
    assert done.status_code == 200, done.get_json()
    w.minh.locale = "en"
    db.commit()
    answer = app.test_client().post(f"/api/v1/x/workshop/lessons/{w.lesson.id}/remind",
                                    headers={"Authorization": f"Bearer {api_token(w.teacher)}"})
    assert answer.get_json() == {"reminded": 2, "unreachable": 0}
    sent = {message.to: message for message in mail.sent("email")}
    assert set(sent) == {w.lan.email, w.minh.email}  # Hoa has written hers
    assert "HTX" not in sent[w.lan.email].text and "/lessons/" in sent[w.lan.email].text
    assert sent[w.minh.email].subject == "Reviews still to write"
    assert sent[w.lan.email].subject != sent[w.minh.email].subject  # Lan's in Vietnamese
    learner = app.test_client().post(f"/api/v1/x/workshop/lessons/{w.lesson.id}/remind", headers=headers)
    assert learner.status_code == 403
