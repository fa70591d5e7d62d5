"""The lesson page without JavaScript: the video, captions, transcript links, downloads, data saver."""

from __future__ import annotations

import gzip
import re


def test_the_page_offers_the_video_captions_transcript_and_downloads_without_script(video, signed_in):
    site = video()
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    base = f"/x/video/lessons/{site.lesson.id}/media"
    assert re.findall(r'<source src="([^"]+)" type="video/webm"', page) == [f"{base}/source/0", f"{base}/source/1"]
    assert f'<track kind="captions" src="{base}/caption/0" srclang="vi"' in page
    # Each transcript line links to the media fragment of the first rendition (seeks without script).
    assert f'href="{base}/source/0#t=4.0"' in page and "Mỗi thành viên có một phiếu bầu." in page
    assert f'href="{base}/source/0?download=1"' in page and f'href="{base}/source/1?download=1"' in page


def test_no_download_links_when_the_pack_does_not_allow_it(video, signed_in):
    site = video(allow_download=False)
    client = signed_in(site.lan)
    page = client.get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert "source/0?download=1" not in page
    assert client.get(f"/x/video/lessons/{site.lesson.id}/media/source/0?download=1").status_code == 404


def test_the_data_saver_puts_the_lightest_rendition_first_and_is_remembered(video, signed_in):
    site = video()
    client = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    answer = client.post("/x/video/preferences", data={"csrf_token": client.token(path), "data_saver": "1",
                                                        "next": path})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(path)
    page = client.get(path).get_data(as_text=True)
    assert re.findall(r'<source src="[^"]+" type="video/webm" data-label="([^"]+)"', page) == ["240p", "720p"]
    # The same choice through the API, for an app.
    other = signed_in(site.minh)
    assert other.get(path).get_data(as_text=True).index('data-label="720p"') < \
        other.get(path).get_data(as_text=True).index('data-label="240p"')


def test_the_first_load_stays_under_thirty_kilobytes_compressed(video, signed_in):
    site = video()
    client = signed_in(site.lan)
    page = client.get(f"/lessons/{site.lesson.id}")
    total = len(gzip.compress(page.data))
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.get_data(as_text=True)):
        response = client.get(asset)
        total += len(gzip.compress(response.data))
        response.close()  # a file response holds the file open until closed
    assert total <= 30 * 1024, total
