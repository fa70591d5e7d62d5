"""Writing one plan per cooperative: saves merged section by section, nothing typed lost, versions
kept, and nobody outside the cooperative sees its plan."""

from __future__ import annotations

from sqlalchemy import select


def csrf_token(client, url):
    return client.get(url).get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]


def values(view, section):
    return next(s for s in view["sections"] if s["key"] == section)["values"]


def test_co_authors_write_one_plan_and_each_sees_the_others_text(workshop, save, view):
    w = workshop()
    first = save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú", "so-thanh-vien": "45"}}, base=0)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["result"]["version"] == 1
    second = save(w.minh, w.lesson, {"von": {"von-gop": "1.250.000.000",
                                             "mua-sam": [{"hang": "Máy sấy lúa", "tien": "350 000 000"}]}}, base=1)
    assert second.get_json()["result"] == {"version": 2, "changed": ["von"], "conflicts": {}, "problems": {},
                                             "handed_in": False}
    seen = view(w.lan, w.lesson)
    assert values(seen, "gioi-thieu") == {"ten": "HTX Tân Phú", "so-thanh-vien": "45"}
    assert values(seen, "von") == {"von-gop": "1250000000", "mua-sam": [{"hang": "Máy sấy lúa", "tien": "350000000"}]}
    assert view(w.hoa, w.lesson)["plan"]["version"] == 0  # another cooperative: its own, empty plan


def test_a_stale_save_of_a_section_changed_meanwhile_is_a_conflict_and_nothing_is_lost(workshop, save, view, db):
    from elearn_workshop.models import PlanVersion

    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Nông nghiệp Tân Phú"}}, base=1)
    stale = save(w.minh, w.lesson, {"gioi-thieu": {"ten": "Hợp tác xã Tân Phú"}}, base=1)
    assert stale.status_code == 201
    result = stale.get_json()["result"]
    assert result["version"] == 2 and result["changed"] == []
    assert result["conflicts"]["gioi-thieu"]["yours"]["ten"] == "Hợp tác xã Tân Phú"
    assert result["conflicts"]["gioi-thieu"]["theirs"]["ten"] == "HTX Nông nghiệp Tân Phú"
    assert values(view(w.lan, w.lesson), "gioi-thieu")["ten"] == "HTX Nông nghiệp Tân Phú"
    kept = db.scalars(select(PlanVersion.content).where(PlanVersion.kind == "conflict")).all()
    assert kept == [{"gioi-thieu": {"ten": "Hợp tác xã Tân Phú"}}]


def test_a_stale_save_of_another_section_is_merged(workshop, save, view):
    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    merged = save(w.minh, w.lesson, {"von": {"von-gop": "500000000"}}, base=0)
    assert merged.get_json()["result"]["conflicts"] == {}
    seen = view(w.minh, w.lesson)
    assert values(seen, "gioi-thieu") == {"ten": "HTX Tân Phú"} and values(seen, "von") == {"von-gop": "500000000"}


def test_a_repeated_save_makes_no_new_version(workshop, save):
    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    again = save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=1)
    assert again.get_json()["result"]["version"] == 1


def test_bad_input_is_refused_at_the_field(workshop, save, view):
    w = workshop()
    refused = save(w.lan, w.lesson, {"gioi-thieu": {"so-thanh-vien": "bốn mươi"}}, base=0)
    assert refused.status_code == 400
    assert "sections.gioi-thieu.so-thanh-vien" in refused.get_json()["error"]["message"]
    assert save(w.lan, w.lesson, {"gioi-thieu": {"so-thanh-vien": "3"}}, base=0).status_code == 400  # minimum 7
    assert save(w.lan, w.lesson, {"khong-co": {}}, base=0).status_code == 400
    assert save(w.lan, w.lesson, {"gioi-thieu": {"ten": "A"}}, base=9).status_code == 409
    assert view(w.lan, w.lesson)["plan"]["version"] == 0


def test_the_form_keeps_what_could_not_be_read_and_says_why(workshop, client, login):
    w = workshop()
    login(client, w.lan)
    token = csrf_token(client, f"/lessons/{w.lesson.id}")
    page = client.post(f"/lessons/{w.lesson.id}/submit", data={
        "csrf_token": token, "base": "0", "f.gioi-thieu.ten": "HTX Tân Phú",
        "f.gioi-thieu.so-thanh-vien": "bốn mươi lăm",
    }, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="HTX Tân Phú"' in html  # taken
    assert 'value="bốn mươi lăm"' in html and 'aria-invalid="true"' in html  # kept at the field, with why


def test_handing_in_needs_the_required_fields(workshop, save, view):
    w = workshop()
    refused = save(w.lan, w.lesson, {"gioi-thieu": {"so-thanh-vien": "45"}}, base=0, action="submit")
    assert refused.status_code == 201 and "Tên hợp tác xã" in refused.get_json()["message"]
    assert refused.get_json()["result"]["handed_in"] is False  # not handed in, but the text is kept
    assert view(w.lan, w.lesson)["plan"]["submitted"] is False
    handed = save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=1, action="submit")
    assert handed.status_code == 201
    assert view(w.minh, w.lesson)["plan"]["submitted"] is True  # for the whole cooperative


def test_plans_are_locked_during_assessment(workshop, save, client, login):
    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    login(client, w.teacher)
    page = client.get(f"/x/workshop/lessons/{w.lesson.id}/plans")
    assert page.status_code == 200 and "HTX Tân Phú" in page.get_data(as_text=True)
    token = csrf_token(client, f"/x/workshop/lessons/{w.lesson.id}/plans")
    assert client.post(f"/x/workshop/lessons/{w.lesson.id}/phase",
                       data={"phase": "assessment", "csrf_token": token}).status_code == 303
    assert save(w.lan, w.lesson, {"gioi-thieu": {"ten": "Khác"}}, base=1).status_code == 409


def test_another_cooperative_never_sees_the_plan(workshop, save, client, login, db):
    from elearn_workshop.models import Plan

    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    plan_id = db.scalar(select(Plan.id))
    login(client, w.hoa)
    for url in (f"/x/workshop/plans/{plan_id}/versions", f"/x/workshop/plans/{plan_id}/print",
                f"/x/workshop/lessons/{w.lesson.id}/plans"):
        answer = client.get(url)
        assert answer.status_code in (403, 404) and "HTX Tân Phú" not in answer.get_data(as_text=True)


def test_the_history_shows_who_changed_what_and_two_versions_side_by_side(workshop, save, client, login, db):
    from elearn_workshop.models import Plan

    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    save(w.minh, w.lesson, {"gioi-thieu": {"ten": "HTX Nông nghiệp Tân Phú"}}, base=1)
    plan_id = db.scalar(select(Plan.id))
    login(client, w.lan)
    html = client.get(f"/x/workshop/plans/{plan_id}/versions?a=1&b=2").get_data(as_text=True)
    assert "Minh" in html and "Lan" in html and "Hợp tác xã và thành viên" in html
    assert "HTX Tân Phú" in html and "HTX Nông nghiệp Tân Phú" in html
    assert client.get(f"/x/workshop/plans/{plan_id}/versions?a=1&b=7").status_code == 404


def test_handing_in_completes_a_lesson_without_a_rubric(workshop, save, db):
    from elearn.models import LessonProgress

    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "HTX Tân Phú"}}, base=0)
    db.rollback()
    progress = db.scalar(select(LessonProgress).where(LessonProgress.user_id == w.lan.id))
    assert progress.status == "in_progress"  # saved, not handed in
    save(w.lan, w.lesson, {}, base=1, action="submit")
    db.rollback()
    assert db.scalar(select(LessonProgress.status).where(LessonProgress.user_id == w.lan.id)) == "completed"
