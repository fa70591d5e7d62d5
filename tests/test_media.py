"""Pack media: ``files.media_url``, the ``/media/packs/...`` route, relative images in Markdown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale

from elearn.markdown import render_markdown
from elearn.packs.files import FolderFiles
from elearn.plugins.lesson_type import ContentInvalid

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content_packs" / "hop-tac-xa-co-ban"
DEMO_IMAGE = "media/so-do-to-chuc.svg"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def pack(tmp_path) -> Path:
    folder = tmp_path / "pack"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "so-do.png").write_bytes(PNG)
    (folder / "media" / "sơ đồ.png").write_bytes(PNG)
    (folder / "bai.md").write_text("# Bài", encoding="utf-8")
    (tmp_path / "secret.png").write_bytes(PNG)
    return folder


def test_media_url_is_versioned_and_inside_the_pack(pack):
    files = FolderFiles(pack, pack_id="quan-tri", version="1.2.0")
    assert files.media_url("media/so-do.png") == "/media/packs/quan-tri/1.2.0/media/so-do.png"
    assert files.media_url("./media/so-do.png") == "/media/packs/quan-tri/1.2.0/media/so-do.png"
    assert files.media_url("media/sơ đồ.png") == "/media/packs/quan-tri/1.2.0/media/s%C6%A1%20%C4%91%E1%BB%93.png"


@pytest.mark.parametrize(
    "path",
    ["../secret.png", "/etc/passwd", "media\\so-do.png", "media/../../secret.png", "", "media/khong-co.png", "media"],
)
def test_media_url_refuses_what_read_text_refuses(pack, path):
    files = FolderFiles(pack, pack_id="quan-tri", version="1.2.0")
    with pytest.raises(ContentInvalid) as caught:
        files.media_url(path)
    assert caught.value.errors[0].where == path


def test_media_url_refuses_a_link_leaving_the_pack(pack):
    (pack / "media" / "link.png").symlink_to(pack.parent / "secret.png")
    with pytest.raises(ContentInvalid, match="outside the pack"):
        FolderFiles(pack, pack_id="quan-tri", version="1.2.0").media_url("media/link.png")


def test_media_url_needs_the_pack_id_and_version(pack):
    assert FolderFiles(pack).read_text("bai.md") == "# Bài"  # the positional root still works
    with pytest.raises(ContentInvalid, match="valid id and version"):
        FolderFiles(pack).media_url("media/so-do.png")


# -- Markdown ---------------------------------------------------------------------


def test_relative_images_and_links_are_resolved_and_the_rest_left_alone():
    seen = []

    def resolve(path: str) -> str:
        seen.append(path)
        return f"/media/packs/p/1.0.0/{path}"

    html = render_markdown(
        "![Sơ đồ](media/so-do.png) [mẫu](tai-lieu/mau.xlsx#trang-2) [mục](#muc) [luật](https://vbpl.vn/a.png) "
        "[thư](mailto:a@example.org) [gốc](/courses) ![ảnh][r]\n\n[r]: media/r.png",
        resolve_url=resolve,
    )
    assert seen == ["media/so-do.png", "tai-lieu/mau.xlsx", "media/r.png"]
    assert '<img src="/media/packs/p/1.0.0/media/so-do.png" alt="Sơ đồ">' in html
    assert 'href="/media/packs/p/1.0.0/tai-lieu/mau.xlsx#trang-2"' in html
    assert 'href="#muc"' in html and 'href="https://vbpl.vn/a.png"' in html
    assert 'href="mailto:a@example.org"' in html and 'href="/courses"' in html
    assert '<img src="/media/packs/p/1.0.0/media/r.png"' in html


def test_without_a_resolver_relative_urls_stay_as_written():
    assert '<img src="media/so-do.png" alt="x">' in render_markdown("![x](media/so-do.png)")


def test_relative_image_in_a_page_lesson_becomes_its_media_url(app, pack):
    (pack / "bai.md").write_text("Xem sơ đồ:\n\n![Sơ đồ](media/so-do.png)\n", encoding="utf-8")
    page = app.extensions["elearn_plugins"].lesson_types["page"]
    files = FolderFiles(pack, pack_id="quan-tri", version="1.2.0")
    content = page.import_content({"file": "bai.md"}, files)
    assert '<img src="/media/packs/quan-tri/1.2.0/media/so-do.png" alt="Sơ đồ">' in content["html"]


def test_every_missing_image_is_a_content_error_with_its_path_and_line(app, pack):
    (pack / "bai.md").write_text("![a](media/khong-co.png)\n\ntext\n\n![b](../secret.png)\n", encoding="utf-8")
    page = app.extensions["elearn_plugins"].lesson_types["page"]
    files = FolderFiles(pack, pack_id="quan-tri", version="1.2.0")
    with force_locale("en"), pytest.raises(ContentInvalid) as caught:
        page.import_content({"file": "bai.md"}, files)
    assert [str(e) for e in caught.value.errors] == [
        "file: bai.md, line 1: 'media/khong-co.png' file not found in the pack",
        "file: bai.md, line 5: '../secret.png' must be a relative path inside the pack",
    ]
    with force_locale("en"), pytest.raises(ContentInvalid) as caught:
        page.import_content({"text": "![a](anh.png)"}, files)
    assert [str(e) for e in caught.value.errors] == ["text: line 1: 'anh.png' file not found in the pack"]


def test_a_missing_image_makes_the_pack_invalid(app, tmp_path):
    from elearn.packs.service import validate_path
    from elearn.packs.source import PackInvalid

    copy = tmp_path / "hop-tac-xa-co-ban"
    shutil.copytree(DEMO, copy)
    (copy / DEMO_IMAGE).unlink()
    with force_locale("en"), pytest.raises(PackInvalid) as caught:
        validate_path(app, copy)
    assert any(DEMO_IMAGE in str(error) and "not found" in str(error) for error in caught.value.errors)


# -- the route --------------------------------------------------------------------


def fetch(client, url: str, **kwargs):
    """GET ``url``, read the body and close the file the response streams from."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def installed(app):
    from elearn.packs.service import install_path

    return install_path(app, DEMO)


def test_the_demo_lesson_shows_its_diagram_from_the_media_route(app, db, installed, client, learner, login, enrol):
    from sqlalchemy import select

    from elearn.models import Lesson

    lesson = db.scalar(select(Lesson).where(Lesson.key == "dai-hoi-thanh-vien"))
    url = f"/media/packs/{installed.pack_id}/{installed.version}/{DEMO_IMAGE}"
    assert f'src="{url}"' in lesson.content["html"]
    enrol(learner, lesson.course)
    login(client, learner)
    assert f'src="{url}"' in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == (ROOT / "content_packs" / "hop-tac-xa-co-ban" / DEMO_IMAGE).read_bytes()
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_media_is_cached_for_a_year_and_revalidates(installed, client):
    url = f"/media/packs/{installed.pack_id}/{installed.version}/lessons/01-htx-la-gi.md"
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.public and response.cache_control.immutable
    # Not an inline type: sent as a download, never rendered on our origin.
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert fetch(client, url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_a_png_is_served_inline(app, installed, client):
    from elearn.packs.service import media_root

    folder = media_root(app) / installed.pack_id / installed.version / "media"
    (folder / "anh.png").write_bytes(PNG)
    response = fetch(client, f"/media/packs/{installed.pack_id}/{installed.version}/media/anh.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize(
    "path",
    [
        "/media/packs/hop-tac-xa-co-ban/1.0.0/media/khong-co.png",
        "/media/packs/hop-tac-xa-co-ban/9.9.9/media/so-do-to-chuc.svg",
        "/media/packs/khong-co/1.0.0/media/so-do-to-chuc.svg",
        "/media/packs/hop-tac-xa-co-ban/1.0.0/../../../elearn.sqlite3",
        "/media/packs/hop-tac-xa-co-ban/1.0.0/%2e%2e/%2e%2e/%2e%2e/elearn.sqlite3",
        "/media/packs/hop-tac-xa-co-ban/1.0.0/media%2f..%2f..%2f..%2fpacks.lock",
        "/media/packs/hop-tac-xa-co-ban/../../../packs.lock",
        "/media/packs/hop-tac-xa-co-ban/%2e%2e/1.0.0/packs.lock",
        "/media/packs/hop-tac-xa-co-ban/1.0.0/media\\so-do-to-chuc.svg",
        "/media/packs/hop-tac-xa-co-ban/1.0.0/media",
    ],
)
def test_unknown_files_and_traversal_are_404(installed, client, path):
    assert fetch(client, path).status_code == 404


def test_files_of_a_pack_that_is_not_installed_are_404(app, installed, client):
    from elearn.packs.service import media_root, remove_pack

    stray = media_root(app) / "chua-cai" / "1.0.0"
    stray.mkdir(parents=True)
    (stray / "anh.png").write_bytes(PNG)
    assert fetch(client, "/media/packs/chua-cai/1.0.0/anh.png").status_code == 404
    remove_pack(app, installed.pack_id)
    assert fetch(client, f"/media/packs/{installed.pack_id}/{installed.version}/{DEMO_IMAGE}").status_code == 404


def test_a_link_in_the_stored_copy_leading_out_is_404(app, installed, client, tmp_path):
    from elearn.packs.service import media_root

    (tmp_path / "secret.png").write_bytes(PNG)
    folder = media_root(app) / installed.pack_id / installed.version
    (folder / "media" / "link.png").symlink_to(tmp_path / "secret.png")
    assert fetch(client, f"/media/packs/{installed.pack_id}/{installed.version}/media/link.png").status_code == 404


# -- pictures: shown only from this site, each a link to open it full size ------------------


def test_a_picture_of_the_pack_is_a_link_to_itself(app, pack):
    (pack / "bai.md").write_text("![Sơ đồ](media/so-do.png)\n\n[![Bản đồ](media/so-do.png)](https://example.org)\n",
                                 encoding="utf-8")
    page = app.extensions["elearn_plugins"].lesson_types["page"]
    content = page.import_content({"file": "bai.md"}, FolderFiles(pack, pack_id="quan-tri", version="1.2.0"))
    url = "/media/packs/quan-tri/1.2.0/media/so-do.png"
    assert f'<a href="{url}" class="picture" rel="noopener noreferrer nofollow"><img src="{url}" alt="Sơ đồ"></a>' \
        in content["html"]
    # A picture already inside a link keeps that link, and gets no second one.
    assert f'<a href="https://example.org" rel="noopener noreferrer nofollow"><img src="{url}" alt="Bản đồ"></a>' \
        in content["html"]


def test_a_picture_from_another_site_is_refused_in_a_pack_with_its_line(app, pack):
    (pack / "bai.md").write_text("Xem:\n\n![Sơ đồ](https://example.org/so-do.png)\n", encoding="utf-8")
    page = app.extensions["elearn_plugins"].lesson_types["page"]
    files = FolderFiles(pack, pack_id="quan-tri", version="1.2.0")
    with force_locale("en"), pytest.raises(ContentInvalid) as caught:
        page.import_content({"file": "bai.md"}, files)
    [error] = caught.value.errors
    assert str(error).startswith("file: bai.md, line 3: the picture 'https://example.org/so-do.png' is not a file of")


def test_a_picture_from_another_site_in_a_learners_text_becomes_a_link(app):
    html = render_markdown("Ảnh: ![sơ đồ của HTX](https://example.org/a.png) và ![x](data:image/png;base64,AAAA)")
    assert "<img" not in html
    assert '<a href="https://example.org/a.png" rel="noopener noreferrer nofollow">sơ đồ của HTX</a>' in html
    assert "x" in html and "data:" not in html
    with pytest.raises(ContentInvalid):
        render_markdown("![a](https://example.org/a.png)", external_images="refuse")
