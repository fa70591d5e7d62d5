"""Listen and read modes for a weak line: the sound only, or the transcript only, chosen once per
learner; the page then names no video file for the browser to load."""

from __future__ import annotations

import re

AUDIO = b"ID3" + bytes(200)  # not playable: served exactly, that is all these tests need


def _choose(client, path, mode):
    return client.post("/x/video/preferences", data={"csrf_token": client.token(path), "mode": mode, "next": path})


def _loaded_media(page: str) -> list[str]:
    """What the browser fetches by itself: the src of <source>, <video>, <audio> and the poster (links are not)."""
    return re.findall(r'<(?:source|video|audio)\b[^>]*?\s(?:src|poster)="([^"]+)"', page)


def test_listen_mode_serves_the_sound_only_and_is_remembered(video, signed_in, tmp_path, app):
    site = video(audio="media/htx.m4a", extra_files={"media/htx.m4a": AUDIO})
    client = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    assert "/media/source/0" in " ".join(_loaded_media(client.get(path).get_data(as_text=True)))
    assert _choose(client, path, "listen").status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "<video" not in page and _loaded_media(page) == [f"/x/video/lessons/{site.lesson.id}/media/audio/0"]
    assert 'value="listen" checked' in page
    # The transcript seeks in the sound, not in a video file.
    assert f'href="/x/video/lessons/{site.lesson.id}/media/audio/0#t=4.0"' in page
    sound = client.get(f"/x/video/lessons/{site.lesson.id}/media/audio/0")
    assert sound.status_code == 200 and sound.data == AUDIO and sound.mimetype == "audio/mp4"
    sound.close()
    # Remembered for every video, and read back by the API.
    assert client.get("/api/v1/x/video/preferences", headers={"X-CSRFToken": client.token(path)}) \
        .get_json()["mode"] == "listen"


def test_read_mode_loads_no_media_at_all(video, signed_in):
    site = video()
    client = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    _choose(client, path, "read")
    page = client.get(path).get_data(as_text=True)
    assert _loaded_media(page) == [] and "video.js" not in page
    assert "Mỗi thành viên có một phiếu bầu." in page and "/media/source/0#t=" not in page


def test_listen_mode_without_a_sound_version_shows_the_transcript(video, signed_in):
    site = video()
    client = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    _choose(client, path, "listen")
    page = client.get(path).get_data(as_text=True)
    assert _loaded_media(page) == [] and "Mỗi thành viên có một phiếu bầu." in page
    assert 'value="listen" checked' in page


def test_a_mode_that_does_not_exist_is_refused(video, signed_in, client, api_token):
    site = video()
    browser = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    assert _choose(browser, path, "dance").status_code == 303
    assert 'value="video" checked' in browser.get(path).get_data(as_text=True)
    answer = client.put("/api/v1/x/video/preferences", json={"data_saver": False, "mode": "dance"},
                        headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    assert answer.status_code == 400
