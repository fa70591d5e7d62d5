"""The lesson's files: HTTP Range for seeking on a slow line, caching, only for the lesson's people."""

from __future__ import annotations

import pytest


def fetch(client, url, **headers):
    response = client.get(url, headers=headers)
    body = response.data
    response.close()  # a file response holds the file open until closed
    return response, body


@pytest.fixture
def clip(video, signed_in, pack):
    """(the site, Lan's client, the 240p file's URL, its bytes)."""
    site = video()
    return site, signed_in(site.lan), f"/x/video/lessons/{site.lesson.id}/media/source/1", pack.CLIP


def test_a_range_gives_206_with_exactly_those_bytes(clip):
    _site, client, url, clip_bytes = clip
    whole, body = fetch(client, url)
    assert whole.status_code == 200 and body == clip_bytes and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.mimetype == "video/webm" and whole.headers["ETag"]
    cache = whole.headers["Cache-Control"]
    assert "private" in cache and "public" not in cache and "max-age=31536000" in cache
    part, body = fetch(client, url, Range="bytes=100-199")
    assert part.status_code == 206 and body == clip_bytes[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(clip_bytes)}"
    tail, body = fetch(client, url, Range="bytes=10000-")
    assert tail.status_code == 206 and body == clip_bytes[10000:]


def test_a_range_past_the_end_is_416(clip):
    _site, client, url, clip_bytes = clip
    answer, _ = fetch(client, url, Range=f"bytes={len(clip_bytes) + 10}-")
    assert answer.status_code == 416 and answer.headers["Content-Range"] == f"bytes */{len(clip_bytes)}"


def test_if_range_with_the_current_etag_gives_the_range_and_with_a_stale_one_the_whole_file(clip):
    _site, client, url, clip_bytes = clip
    etag = fetch(client, url)[0].headers["ETag"]
    current, body = fetch(client, url, Range="bytes=0-9", **{"If-Range": etag})
    assert current.status_code == 206 and body == clip_bytes[:10]
    stale, body = fetch(client, url, Range="bytes=0-9", **{"If-Range": '"an-old-version"'})
    assert stale.status_code == 200 and body == clip_bytes
    again, _ = fetch(client, url, **{"If-None-Match": etag})
    assert again.status_code == 304


def test_people_who_may_not_see_the_lesson_get_404(clip, signed_in, client):
    site, _client, url, _clip = clip
    assert fetch(signed_in(site.hoa), url)[0].status_code == 404  # not enrolled
    assert fetch(client, url)[0].status_code == 404  # not signed in


def test_the_instructor_previewing_may_see_it(clip, staffed, signed_in):
    site, _client, url, _clip = clip
    staffed(site)
    assert fetch(signed_in(site.teacher), url)[0].status_code == 200


@pytest.mark.parametrize("tail", ["source/2", "source/-1", "caption/9", "poster/0", "../../../../etc/passwd",
                                  "source/..%2f..%2fpasswd", "source/0/../../x", "script/0"])
def test_path_tricks_and_unknown_files_are_404(clip, tail):
    site, client, _url, _clip = clip
    assert fetch(client, f"/x/video/lessons/{site.lesson.id}/media/{tail}")[0].status_code == 404


def test_captions_are_served_as_webvtt(clip):
    site, client, _url, _clip = clip
    answer, body = fetch(client, f"/x/video/lessons/{site.lesson.id}/media/caption/0")
    assert answer.status_code == 200 and answer.mimetype == "text/vtt" and body.startswith(b"WEBVTT")
