"""Polls on the dashboard: any signed-in user votes once (anonymously), sees the figures from 5 votes,
and one address cannot stuff the ballot."""

from __future__ import annotations

from sqlalchemy import select

from elearn.testing import csrf_token

POLL = {"poll": True, "anonymous": True, "pages": [{"id": "p", "questions": [
    {"id": "huong", "type": "single", "text": "Chương trình OCOP nên phát triển theo hướng nào?", "other": True,
     "options": [{"id": "chat-luong", "text": "Chất lượng"}, {"id": "thi-truong", "text": "Thị trường"}]}]}]}


def vote(client, choice, other=""):
    return client.post(f"/x/survey/polls/{client.poll_id}", data={
        "choice": choice, "other": other, "next": "/me", "csrf_token": csrf_token(client, "/me")})


def voter(app, login, make_user, lesson_id):
    client = app.test_client()
    login(client, make_user("learner"))
    client.poll_id = lesson_id
    return client


def test_a_signed_in_user_votes_once_from_the_dashboard_and_sees_the_figures_from_five(
        app, db, make_lesson, make_user, login):
    from elearn_survey.models import Respondent, Response

    lesson = make_lesson("survey", POLL)
    first = voter(app, login, make_user, lesson.id)  # not enrolled in the poll's course
    dashboard = first.get("/me").get_data(as_text=True)
    assert "Chương trình OCOP nên phát triển theo hướng nào?" in dashboard and 'value="thi-truong"' in dashboard
    assert vote(first, "thi-truong").status_code == 303
    again = vote(first, "chat-luong")
    assert again.status_code == 303
    assert db.scalars(select(Response.answers)).all() == [{"huong": "thi-truong"}]
    assert db.scalars(select(Response.user_id)).all() == [None]
    assert len(db.scalars(select(Respondent)).all()) == 1
    page = first.get("/me").get_data(as_text=True)
    assert 'value="thi-truong"' not in page and "ít nhất 5" in page  # voted: no form; figures from 5 votes
    for choice in ("chat-luong", "thi-truong", "thi-truong", "other"):
        other = voter(app, login, make_user, lesson.id)
        assert vote(other, choice, other="Du lịch" if choice == "other" else "").status_code == 303
    page = first.get("/me").get_data(as_text=True)
    assert "<svg" in page and "3 (60.0%)" in page


def test_a_vote_that_is_not_an_answer_changes_nothing(app, db, make_lesson, make_user, login):
    from elearn_survey.models import Response

    lesson = make_lesson("survey", POLL)
    client = voter(app, login, make_user, lesson.id)
    vote(client, "khong-co")
    vote(client, "other")  # "other" without saying what
    assert db.scalars(select(Response)).all() == []
    assert 'value="chat-luong"' in client.get("/me").get_data(as_text=True)


def test_one_address_cannot_vote_more_than_the_limit(app, db, make_lesson, make_user, login, monkeypatch):
    from elearn_survey import polls
    from elearn_survey.models import Response
    from limits import parse

    monkeypatch.setattr(polls, "POLL_LIMIT", parse("2/hour"))
    lesson = make_lesson("survey", POLL)
    for _ in range(3):
        vote(voter(app, login, make_user, lesson.id), "chat-luong")
    assert len(db.scalars(select(Response)).all()) == 2


def test_a_poll_is_one_single_choice_question_and_anonymous(make_lesson):
    import pytest

    from elearn.plugin_api import ContentInvalid

    with pytest.raises(ContentInvalid) as caught:
        make_lesson("survey", {**POLL, "anonymous": False})
    assert "a poll is anonymous and has one question" in str(caught.value)


def test_the_api_lists_the_polls_and_takes_one_vote(make_lesson, make_user, client, api_token):
    lesson = make_lesson("survey", POLL)
    user = make_user("learner")
    headers = {"Authorization": f"Bearer {api_token(user)}"}
    listed = client.get("/api/v1/x/survey/polls", headers=headers).get_json()["polls"]
    assert [(p["lesson_id"], p["voted"], p["results"]) for p in listed] == [(lesson.id, False, None)]
    url = f"/api/v1/x/survey/polls/{lesson.id}"
    assert client.post(url, json={"choice": "nope"}, headers=headers).status_code == 400
    assert client.post(url, json={"choice": "thi-truong"}, headers=headers).status_code == 204
    assert client.post(url, json={"choice": "thi-truong"}, headers=headers).status_code == 409
    assert client.post("/api/v1/x/survey/polls/999999", json={"choice": "x"}, headers=headers).status_code == 404
    listed = client.get("/api/v1/x/survey/polls", headers=headers).get_json()["polls"]
    assert listed[0]["voted"] is True and listed[0]["results"]["suppressed"]


def test_the_dashboard_runs_the_same_queries_with_2_or_40_votes(app, db, make_lesson, make_user, login,
                                                                  count_queries):
    lesson = make_lesson("survey", POLL)
    first = voter(app, login, make_user, lesson.id)
    vote(first, "chat-luong")
    vote(voter(app, login, make_user, lesson.id), "thi-truong")
    with count_queries() as few:
        assert first.get("/me").status_code == 200
    from elearn_survey.models import Response

    db.add_all([Response(id=f"{n:032x}", lesson_id=lesson.id, answers={"huong": "thi-truong"}, others={},
                         profile={}) for n in range(38)])
    db.commit()
    with count_queries() as many:
        assert "39 (97.5%)" in first.get("/me").get_data(as_text=True)
    assert many.n == few.n
