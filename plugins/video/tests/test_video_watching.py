"""What counts as watched: merged intervals on the server, completion at the threshold, resume."""

from __future__ import annotations

import json
from types import SimpleNamespace

from elearn.models import LessonProgress, Status


def status_of(db, user, lesson):
    db.rollback()  # a new transaction: see what the requests committed since
    row = db.query(LessonProgress).filter_by(user_id=user.id, lesson_id=lesson.id).one_or_none()
    return None if row is None else row.status


def test_overlapping_and_out_of_order_stretches_count_once(video, report):
    site = video()
    assert report(site.lan, site.lesson, [[30, 50], [0, 10]]).get_json()["watched_share"] == 0.3
    answer = report(site.lan, site.lesson, [[40, 60], [5, 20]]).get_json()
    assert answer["intervals"] == [[0, 20], [30, 60]] and answer["watched_share"] == 0.5
    assert answer["completed"] is False


def test_a_repeated_batch_changes_nothing(video, report):
    site = video()
    first = report(site.lan, site.lesson, [[0, 30]], batch_id="lan-1", position=30).get_json()
    again = report(site.lan, site.lesson, [[50, 90]], batch_id="lan-1", position=90).get_json()
    assert again["duplicate"] is True and again["watched_share"] == first["watched_share"] == 0.3
    assert again["position"] == 30


def test_a_stretch_past_the_end_refuses_the_whole_batch(video, report):
    site = video()
    refused = report(site.lan, site.lesson, [[0, 10], [95, 130]])
    assert refused.status_code == 400 and "sau khi video đã hết" in refused.get_json()["error"]["message"]
    assert report(site.lan, site.lesson, [[5, 2]]).status_code == 400
    assert report(site.lan, site.lesson, []).get_json()["watched_share"] == 0.0


def test_seeking_to_the_end_does_not_complete(video, report, db):
    site = video()
    answer = report(site.lan, site.lesson, [[0, 5], [97, 100]], position=100).get_json()
    assert answer["completed"] is False and answer["watched_share"] == 0.08
    assert status_of(db, site.lan, site.lesson) != Status.COMPLETED


def test_watching_up_to_the_threshold_completes_through_the_core(video, report, db, signed_in):
    site = video()
    report(site.lan, site.lesson, [[0, 45]])
    assert status_of(db, site.lan, site.lesson) != Status.COMPLETED
    assert report(site.lan, site.lesson, [[45, 90]]).get_json()["completed"] is True
    assert status_of(db, site.lan, site.lesson) == Status.COMPLETED
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert 'data-share="0.9"' in page and 'class="notice success"' in page
    # Minh's watching is his own.
    assert report(site.minh, site.lesson, [[0, 10]]).get_json()["watched_share"] == 0.1
    assert status_of(db, site.minh, site.lesson) != Status.COMPLETED


def test_the_position_resumes_on_another_device(video, client, api_token, signed_in):
    site = video()
    headers = {"Authorization": f"Bearer {api_token(site.lan)}"}
    path = f"/api/v1/x/video/lessons/{site.lesson.id}/position"
    assert client.put(path, json={"position": 42.5}, headers=headers).get_json()["position"] == 42.5
    assert client.get(path, headers=headers).get_json() == {"position": 42.5, "watched_share": 0.0}
    assert client.put(path, json={"position": 400}, headers=headers).status_code == 400
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert 'data-position="42.5"' in page


def test_people_outside_the_course_cannot_report_or_read(video, report, client, api_token, staffed):
    site = staffed(video())
    assert report(site.hoa, site.lesson, [[0, 10]]).status_code == 403
    headers = {"Authorization": f"Bearer {api_token(site.hoa)}"}
    assert client.get(f"/api/v1/x/video/lessons/{site.lesson.id}/position", headers=headers).status_code == 403
    # The instructor previewing is not counted.
    assert report(site.teacher, site.lesson, [[0, 10]]).status_code == 403
    assert report(site.lan, SimpleNamespace(id=999_999), [[0, 1]]).status_code == 404
    assert client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/watched",
                       json={"batch_id": "x", "intervals": []}).status_code == 401


def test_the_page_beacon_needs_the_page_token_in_its_body(video, signed_in, db):
    site = video()
    browser = signed_in(site.lan)
    token = browser.token(f"/lessons/{site.lesson.id}")
    path = f"/api/v1/x/video/lessons/{site.lesson.id}/watched/beacon"
    body = {"batch_id": "beacon-1", "intervals": [[0, 95]], "position": 95}
    assert browser.post(path, data=json.dumps(body), content_type="text/plain").status_code == 403
    answer = browser.post(path, data=json.dumps({**body, "csrf_token": token}), content_type="text/plain")
    assert answer.status_code == 200 and answer.get_json()["completed"] is True
    assert status_of(db, site.lan, site.lesson) == Status.COMPLETED
    assert browser.post(path, data="[1]", content_type="text/plain").status_code == 400
    bad = browser.post(path, data=json.dumps({"csrf_token": token, "batch_id": "b", "intervals": "x"}),
                       content_type="text/plain")
    assert bad.status_code == 400


def test_the_page_script_reports_with_the_session_and_csrf_header(video, signed_in):
    site = video()
    browser = signed_in(site.lan)
    token = browser.token(f"/lessons/{site.lesson.id}")
    answer = browser.post(f"/api/v1/x/video/lessons/{site.lesson.id}/watched",
                          json={"batch_id": "p1", "intervals": [[0, 20]]}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json()["watched_share"] == 0.2
