"""Documents instructors add to a case: uploaded through the form or the API, listed with the case,
served only to people who may see the lesson, refused when they are of the wrong kind or too big."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


def upload(client, token: str, lesson_id: int, name: str, data: bytes, title: str = "Báo cáo tài chính 2025"):
    return client.post(f"/api/v1/x/discussion/lessons/{lesson_id}/attachments",
                       data={"title": title, "file": (io.BytesIO(data), name)},
                       headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data")


def test_an_instructor_adds_a_document_that_enrolled_learners_can_open(app, discussion, api_token, as_api, client,
                                                                     signed_in, make_user):
    site = discussion()
    added = upload(client, api_token(site.teacher), site.lesson.id, "Báo cáo 2025.pdf", b"%PDF-1.4 so lieu")
    assert added.status_code == 201, added.get_json()
    url = added.get_json()["url"]
    listed = as_api(site.alice).lesson(site.lesson.id).get_json()["view"]["attachments"]
    assert [(a["title"], a["url"]) for a in listed] == [("Báo cáo tài chính 2025", url)]
    assert url in signed_in(site.alice).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)

    opened = signed_in(site.bob).get(url)
    body = opened.data
    opened.close()  # a file response holds the file open until closed
    assert opened.status_code == 200 and body == b"%PDF-1.4 so lieu"
    assert opened.mimetype == "application/pdf"
    assert "private" in opened.headers["Cache-Control"] and "public" not in opened.headers["Cache-Control"]
    outsider = make_user("learner", name="Người ngoài")
    assert signed_in(outsider).get(url).status_code == 403

    log = as_api(site.teacher).get(f"/lessons/{site.lesson.id}/log").get_json()["entries"]
    assert [(e["action"], e["reason"]) for e in log] == [("attach", "Báo cáo tài chính 2025")]


def test_only_instructors_add_or_remove_documents(discussion, api_token, client):
    site = discussion()
    refused = upload(client, api_token(site.alice), site.lesson.id, "a.pdf", b"%PDF")
    assert refused.status_code == 403
    added = upload(client, api_token(site.teacher), site.lesson.id, "a.pdf", b"%PDF").get_json()
    path = f"/api/v1/x/discussion/lessons/{site.lesson.id}/attachments/{added['id']}"
    assert client.delete(path, headers={"Authorization": f"Bearer {api_token(site.alice)}"}).status_code == 403
    assert client.delete(path, headers={"Authorization": f"Bearer {api_token(site.teacher)}"}).status_code == 204
    assert client.delete(path, headers={"Authorization": f"Bearer {api_token(site.teacher)}"}).status_code == 404


@pytest.mark.parametrize(("name", "data", "message"), [
    ("trang.html", b"<script>alert(1)</script>", "cannot be attached"),
    ("chay.exe", b"MZ", "cannot be attached"),
    ("rong.pdf", b"", "empty"),
    ("lon.pdf", b"x" * 2048, "larger than"),
])
def test_wrong_kinds_of_file_are_refused_and_nothing_is_kept(app, discussion, api_token, client, name, data, message):
    app.config["DISCUSSION_UPLOAD_MAX_BYTES"] = 1024
    site = discussion()
    refused = client.post(f"/api/v1/x/discussion/lessons/{site.lesson.id}/attachments",
                          data={"title": "Tệp", "file": (io.BytesIO(data), name)},
                          headers={"Authorization": f"Bearer {api_token(site.teacher)}", "Accept-Language": "en"},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert message in refused.get_json()["error"]["message"]
    folder = Path(app.instance_path) / "media" / "discussion" / str(site.lesson.id)
    assert not folder.exists() or not any(folder.iterdir())


def test_an_svg_document_is_sandboxed_and_other_office_files_are_downloads(discussion, api_token, client, signed_in):
    site = discussion()
    token = api_token(site.teacher)
    svg = upload(client, token, site.lesson.id, "so-do.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>").get_json()
    sheet = upload(client, token, site.lesson.id, "bang.xlsx", b"PK\x03\x04").get_json()
    learner = signed_in(site.alice)
    shown = learner.get(svg["url"])
    shown.close()
    assert shown.mimetype == "image/svg+xml" and "sandbox" in shown.headers["Content-Security-Policy"]
    downloaded = learner.get(sheet["url"])
    downloaded.close()
    assert downloaded.mimetype == "application/octet-stream"
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
