"""Assessing handed-in plans: peers allocated when assessment starts, anonymous reviews, the
instructor's review with the rubric, nothing shown to the authors before feedback is published,
then the grades recorded in the learners' progress and downloadable as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

RUBRIC = [
    {"key": "thi-truong", "title": "Thị trường", "section": "gioi-thieu",
     "levels": [{"points": 0, "label": "Chưa có"}, {"points": 2, "label": "Sơ sài"}, {"points": 4, "label": "Đầy đủ"}]},
    {"key": "tai-chinh", "title": "Tài chính", "weight": 2,
     "levels": [{"points": 0, "label": "Sai"}, {"points": 1, "label": "Thiếu"}, {"points": 2, "label": "Khá"},
                {"points": 3, "label": "Vững"}]},
]
SETTINGS = {"rubric": RUBRIC, "peer_review": {"reviews": 1, "anonymous": True}, "self_assessment": True,
            "grading": {"instructor": 50, "peer": 50}}


@pytest.fixture
def assessed(workshop, save, app, login, db):
    """Both cooperatives' plans handed in, and the workshop moved to assessment by Cô Mai."""
    from elearn_workshop.models import Plan

    w = workshop(**SETTINGS)
    for user, name in ((w.lan, "Hợp tác xã A"), (w.hoa, "Hợp tác xã B")):
        answer = save(user, w.lesson, {"gioi-thieu": {"ten": name}}, base=0, action="submit")
        assert answer.get_json()["result"]["handed_in"], answer.get_json()
    teacher = app.test_client()
    login(teacher, w.teacher)
    w.staff = teacher
    assert phase(teacher, w, "assessment").status_code == 303
    w.plans = {plan.group_id: plan for plan in db.scalars(select(Plan))}
    db.rollback()
    return w


def phase(client, w, name):
    page = client.get(f"/x/workshop/lessons/{w.lesson.id}/plans").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(f"/x/workshop/lessons/{w.lesson.id}/phase", data={"csrf_token": token, "phase": name})


def reviews_of(view):
    return view["reviews"]


def test_every_author_gets_another_cooperatives_plan_to_review(assessed, view):

    w = assessed
    for user in (w.lan, w.minh, w.hoa):
        got = reviews_of(view(user, w.lesson))
        assert [r["kind"] for r in got] == ["peer"] and not got[0]["done"]
    assert view(w.lan, w.lesson)["self_assessment"] is True


def review_form(client, url, levels, comment=""):
    page = client.get(url)
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    data = {"csrf_token": token, "action": "submit", "comment": comment}
    data.update({f"c.{key}.level": str(points) for key, points in levels.items()})
    return page, client.post(url, data=data)


def test_a_peer_review_is_anonymous_both_ways_and_complete_or_refused(assessed, app, login, view):
    w = assessed
    hoa = app.test_client()
    login(hoa, w.hoa)
    url = reviews_of(view(w.hoa, w.lesson))[0]["url"]
    page, refused = review_form(hoa, url, {"thi-truong": 4})
    html = page.get_data(as_text=True)
    assert "Hợp tác xã A" in html  # the plan's own text
    assert "Lan" not in html and "Minh" not in html and "HTX Tân Phú" not in html  # not whose it is
    assert refused.status_code == 400 and 'id="c-tai-chinh-problem"' in refused.get_data(as_text=True)
    _page, sent = review_form(hoa, url, {"thi-truong": 4, "tai-chinh": 3}, "Rất tốt")
    assert sent.status_code == 303
    lan = app.test_client()
    login(lan, w.lan)
    assert lan.get(url).status_code == 404  # someone else's review
    assert view(w.lan, w.lesson)["feedback"] == []  # not published yet


def test_feedback_published_records_the_combined_grade_and_hides_the_peers_name(assessed, app, login, view, db):
    from elearn.models import LessonProgress

    w = assessed
    hoa = app.test_client()
    login(hoa, w.hoa)
    review_form(hoa, reviews_of(view(w.hoa, w.lesson))[0]["url"], {"thi-truong": 4, "tai-chinh": 3})  # 100
    plan = w.plans[w.groups["tan-phu"].id]
    page = w.staff.get(f"/x/workshop/plans/{plan.id}/print").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0] if 'name="csrf_token"' in page else None
    token = token or w.staff.get("/me").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    started = w.staff.post(f"/x/workshop/plans/{plan.id}/review", data={"csrf_token": token, "kind": "instructor"})
    assert started.status_code == 303
    # (1 × 2 + 2 × 3) ÷ (1 × 4 + 2 × 3) = 80
    _page, sent = review_form(w.staff, started.headers["Location"], {"thi-truong": 2, "tai-chinh": 3}, "Cần rõ hơn")
    assert sent.status_code == 303
    assert phase(w.staff, w, "feedback").status_code == 303
    db.rollback()  # a new snapshot of the database: what the requests committed
    scores = {row.user_id: row.score for row in db.scalars(select(LessonProgress).where(
        LessonProgress.lesson_id == w.lesson.id))}
    # 50 % × 80 + 50 % × 100, for both of Tân Phú's authors
    assert scores[w.lan.id] == pytest.approx(0.9) and scores[w.minh.id] == pytest.approx(0.9)
    seen = view(w.lan, w.lesson)["feedback"]
    assert {item["kind"] for item in seen} == {"instructor", "peer"}
    peer = next(item for item in seen if item["kind"] == "peer")
    assert peer["reviewer"] != w.hoa.name and peer["score"] == "100.00"
    grades = w.staff.get(f"/x/workshop/lessons/{w.lesson.id}/grades.csv")
    rows = list(csv.reader(io.StringIO(grades.data.decode("utf-8-sig"))))
    lan_row = next(row for row in rows if row[0] == w.lan.name)
    assert lan_row[3:7] == ["80.00", "100.00", "", "90.00"]


def test_authors_assess_their_own_plan_only_during_assessment(assessed, app, login, view, db):
    w = assessed
    lan = app.test_client()
    login(lan, w.lan)
    plan = w.plans[w.groups["tan-phu"].id]
    token = csrf(lan, f"/lessons/{w.lesson.id}")
    started = lan.post(f"/x/workshop/plans/{plan.id}/review", data={"csrf_token": token, "kind": "self"})
    assert started.status_code == 303
    other = w.plans[w.groups["hoa-binh"].id]
    assert lan.post(f"/x/workshop/plans/{other.id}/review",
                    data={"csrf_token": token, "kind": "self"}).status_code == 404
    assert lan.post(f"/x/workshop/plans/{plan.id}/review",
                    data={"csrf_token": token, "kind": "instructor"}).status_code == 403


def csrf(client, url):
    return client.get(url).get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]


def test_a_draft_comes_back_as_typed_and_never_replaces_a_submitted_review(assessed, app, login, view, db):
    from elearn_workshop.models import Review

    w = assessed
    hoa = app.test_client()
    login(hoa, w.hoa)
    url = reviews_of(view(w.hoa, w.lesson))[0]["url"]
    token = csrf(hoa, url)
    hoa.post(url, data={"csrf_token": token, "action": "draft", "c.thi-truong.level": "2",
                        "c.thi-truong.comment": "Chưa rõ giá bán"})
    page = hoa.get(url).get_data(as_text=True)
    assert "Chưa rõ giá bán" in page and 'value="2" checked' in page
    _page, sent = review_form(hoa, url, {"thi-truong": 4, "tai-chinh": 3})
    assert sent.status_code == 303
    late = hoa.post(url, data={"csrf_token": token, "action": "draft", "c.thi-truong.level": "0"})
    assert late.status_code == 400  # incomplete: the submitted review stays as it was
    db.rollback()
    review = db.get(Review, int(url.rsplit("/", 1)[1]))
    assert review.done and review.score == 100 and review.assessment["tai-chinh"]["level"] == 3


def test_the_history_marks_the_version_handed_in(assessed, client, login, db):
    from elearn_workshop.models import PlanVersion

    plan = assessed.plans[assessed.groups["tan-phu"].id]
    kinds = db.scalars(select(PlanVersion.kind).where(PlanVersion.plan_id == plan.id)).all()
    assert kinds == ["submit"]  # the save that came with the hand-in
