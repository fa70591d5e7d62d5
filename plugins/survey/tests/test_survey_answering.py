"""Answering a survey, in the page (no JavaScript) and the API: pages, conditions, required questions,
save and continue later, one response, editable until the close date."""

from __future__ import annotations

import re

from sqlalchemy import select
from survey_samples import FULL

from elearn.testing import csrf_token


def post(client, lesson, **fields):
    token = csrf_token(client, f"/lessons/{lesson.id}")
    return client.post(f"/lessons/{lesson.id}/submit", data={**fields, "csrf_token": token})


def page_of(client, lesson) -> str:
    response = client.get(f"/lessons/{lesson.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_goes_forward_page_by_page_and_the_server_decides_what_the_next_page_shows(
        survey, client, login):
    site = survey()
    login(client, site.lan)
    first = page_of(client, site.lesson)
    assert "Trang 1/3" in first and "Hợp tác xã hoạt động" in first
    # A condition on the same page: shown, with what it depends on, for the page without its script.
    assert 'id="q-cay-trong"' in first and "Nông nghiệp" in first
    # Next without the required answers: the same page, the questions marked.
    refused = post(client, site.lesson, action="next", page="0", asked=["linh-vuc", "cay-trong", "thanh-vien"])
    assert refused.status_code == 303
    again = page_of(client, site.lesson)
    assert "Trang 1/3" in again and again.count("Câu hỏi này cần được trả lời.") == 2
    # Service, not agriculture: the crops question's answer is dropped, and page 2 asks about the trademark.
    post(client, site.lesson, action="next", page="0", asked=["linh-vuc", "cay-trong", "thanh-vien"],
         **{"q.linh-vuc": "dich-vu", "q.cay-trong": "lua", "q.thanh-vien": "30"})
    second = page_of(client, site.lesson)
    assert "Trang 2/3" in second and "Đã có nhãn hiệu chưa?" in second
    # "Why not yet" depends on this page's answer: shown with its condition until it is answered.
    assert "Chỉ trả lời nếu ở trên anh/chị đã chọn “Chưa”." in second
    post(client, site.lesson, action="next", page="1", asked=["nhan-hieu", "vi-sao", "hai-long"],
         **{"q.nhan-hieu": "co", "q.hai-long.ky-nang": "4"})
    third = page_of(client, site.lesson)
    assert "Trang 3/3" in third and "Gửi câu trả lời" in third
    post(client, site.lesson, action="back", page="2", asked=["danh-gia", "thu-tu", "gop-y"],
         **{"q.danh-gia": "5"})
    assert "Trang 2/3" in page_of(client, site.lesson)


def test_save_and_continue_later_keeps_the_answers_and_the_page(survey, client, login, answer, api_token):
    site = survey()
    saved = answer(site.lan, site.lesson, {"linh-vuc": "nong-nghiep", "thanh-vien": 12}, action="next", page=0)
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["progress"]["status"] == "in_progress"
    login(client, site.lan)
    page = page_of(client, site.lesson)
    assert "Trang 2/3" in page
    view = client.get(f"/api/v1/lessons/{site.lesson.id}?page=0",
                      headers={"Authorization": f"Bearer {api_token(site.lan)}"}).get_json()["view"]
    values = {q["id"]: q["value"] for q in view["page"]["questions"]}
    assert values["linh-vuc"] == "nong-nghiep" and values["thanh-vien"] == 12


def test_the_api_refuses_bad_answers_and_missing_required_ones_with_a_400(survey, answer):
    site = survey()
    bad = answer(site.lan, site.lesson, {"thanh-vien": 3}, action="save")
    assert bad.status_code == 400 and "7" in bad.get_json()["error"]["message"]
    unknown = answer(site.lan, site.lesson, {"khong-co": "x"}, action="save")
    assert unknown.status_code == 400
    other = answer(site.lan, site.lesson, {"linh-vuc": "other"}, action="save")
    assert other.status_code == 400 and "khác" in other.get_json()["error"]["message"]
    missing = answer(site.lan, site.lesson, {"linh-vuc": "dich-vu"})
    assert missing.status_code == 400 and "thanh-vien" in missing.get_json()["error"]["message"]


def test_a_hidden_required_question_is_not_required(survey, answer):
    """Service: no crops asked; a trademark: no "why not" asked. Sent with only what was shown."""
    site = survey()
    sent = answer(site.lan, site.lesson, {"linh-vuc": "dich-vu", "thanh-vien": 9, "nhan-hieu": "co"})
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["progress"]["status"] == "completed"


def test_an_anonymous_response_is_kept_without_the_user_and_only_once(survey, answer, db):
    from elearn_survey.models import Draft, Respondent, Response

    site = survey()
    assert answer(site.lan, site.lesson, FULL).status_code == 201
    again = answer(site.lan, site.lesson, FULL)
    assert again.status_code == 409
    rows = db.scalars(select(Response)).all()
    assert len(rows) == 1 and rows[0].user_id is None and rows[0].sent_on is None
    assert re.fullmatch(r"[0-9a-f]{32}", rows[0].id)
    assert db.scalars(select(Draft)).all() == []
    assert [(r.lesson_id, r.user_id) for r in db.scalars(select(Respondent))] == [(site.lesson.id, site.lan.id)]
    # Nothing of the answers in the learner's progress either.
    from elearn.models.progress import LessonProgress

    state = db.scalar(select(LessonProgress.state).where(LessonProgress.user_id == site.lan.id))
    assert "Chưa biết thủ tục" not in str(state)


def test_a_named_editable_survey_can_be_changed_until_it_closes(survey, answer, db, client, login):
    from elearn_survey.models import Response

    site = survey(anonymous=False, responses="editable", closes="2999-12-31")
    assert answer(site.lan, site.lesson, FULL).status_code == 201
    changed = answer(site.lan, site.lesson, {**FULL, "gop-y": "Đã sửa"})
    assert changed.status_code == 201, changed.get_json()
    rows = db.scalars(select(Response)).all()
    assert len(rows) == 1 and rows[0].user_id == site.lan.id and rows[0].answers["gop-y"] == "Đã sửa"
    login(client, site.lan)
    page = page_of(client, site.lesson)
    assert "Anh/chị đã trả lời phiếu khảo sát này ngày" in page and "Sửa câu trả lời của tôi" in page
    post(client, site.lesson, action="save", page="0")
    assert "Trang 1/3" in page_of(client, site.lesson)


def test_a_closed_survey_takes_no_answer(survey, answer):
    site = survey(anonymous=False, responses="editable", closes="2020-01-01")
    refused = answer(site.lan, site.lesson, FULL)
    assert refused.status_code == 409 and "đã đóng" in refused.get_json()["error"]["message"]
