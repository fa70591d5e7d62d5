"""The ffmpeg job: lower renditions, a poster and the duration, in the background, made once."""

from __future__ import annotations

import pytest

from elearn.plugin_api import media_folder


@pytest.fixture
def prepared(video, webm, staffed, client, api_token, app):
    site = staffed(video(clip=webm, duration=3, sources=[{"file": "media/htx-720p.webm", "label": "720p"}]))
    with app.app_context():
        folder = media_folder("video", "test-pack", "1.0.0", "media/htx-720p.webm.derived")
    folder.mkdir(parents=True)
    (folder / ".240p.webm.part").write_bytes(b"left by a job killed half-way")
    headers = {"Authorization": f"Bearer {api_token(site.teacher)}"}
    started = client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/prepare", headers=headers)
    return site, folder, headers, started


def test_the_job_makes_lower_renditions_and_a_poster_that_learners_get(prepared, client, signed_in):
    site, folder, headers, started = prepared
    assert started.status_code == 202, started.get_json()
    job = client.get(f"/api/v1/jobs/{started.get_json()['job_id']}", headers=headers).get_json()
    assert job["status"] == "done", job
    assert sorted(p.name for p in folder.iterdir()) == ["240p.webm", "360p.webm", "poster.jpg"]
    assert job["result"]["duration"] == pytest.approx(3, abs=0.2)
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert 'data-label="240p"' in page and 'data-label="360p"' in page and "/media/made-poster/0" in page
    answer = signed_in(site.lan).get(f"/x/video/lessons/{site.lesson.id}/media/rendition/0")
    assert answer.status_code == 200 and answer.data[:4] == b"\x1a\x45\xdf\xa3"  # WebM (EBML)
    answer.close()


def test_starting_it_again_runs_nothing_new(prepared, client):
    site, folder, headers, started = prepared
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    again = client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/prepare", headers=headers)
    assert again.get_json()["job_id"] == started.get_json()["job_id"]
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_only_instructors_start_it(video, client, api_token):
    site = video()
    answer = client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/prepare",
                         headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    assert answer.status_code == 403
