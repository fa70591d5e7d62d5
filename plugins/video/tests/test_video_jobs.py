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


def test_a_video_with_sound_gets_a_sound_only_rendition_for_listen_mode(video, staffed, client, api_token, signed_in,
                                                                         tmp_path):
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    clip = tmp_path / "sound.webm"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
                    "-f", "lavfi", "-i", "sine=frequency=440", "-t", "3", "-c:v", "libvpx", "-b:v", "64k",
                    "-c:a", "libvorbis", str(clip)], check=True, timeout=60)
    site = staffed(video(clip=clip.read_bytes(), duration=3,
                         sources=[{"file": "media/htx-240p.webm", "label": "240p"}]))
    headers = {"Authorization": f"Bearer {api_token(site.teacher)}"}
    started = client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/prepare", headers=headers)
    job = client.get(f"/api/v1/jobs/{started.get_json()['job_id']}", headers=headers).get_json()
    assert job["status"] == "done" and job["result"]["audio"] == "audio.m4a", job
    learner = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    learner.post("/x/video/preferences", data={"csrf_token": learner.token(path), "mode": "listen", "next": path})
    page = learner.get(path).get_data(as_text=True)
    assert f'<source src="/x/video/lessons/{site.lesson.id}/media/made-audio/0" type="audio/mp4">' in page
    sound = learner.get(f"/x/video/lessons/{site.lesson.id}/media/made-audio/0")
    assert sound.status_code == 200 and sound.data[4:8] == b"ftyp" and len(sound.data) < len(clip.read_bytes())
    sound.close()
