"""The admin page of content packs: list, upload a .zip, every error or the install report."""

from __future__ import annotations

import html
import io
import random
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.models import InstalledPack
from elearn.testing import csrf_token

DEMO = Path(__file__).resolve().parent.parent / "content_packs" / "hop-tac-xa-co-ban"
URL = "/admin/packs"


def pack_zip(replace: dict[str, str] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """The demo pack as a zip (in a top folder, as people zip a folder), with text replaced in pack.yaml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in DEMO.rglob("*") if p.is_file()):
            data = file.read_bytes()
            if file.name == "pack.yaml":
                text = data.decode("utf-8")
                for old, new in (replace or {}).items():
                    assert old in text, old
                    text = text.replace(old, new)
                data = text.encode("utf-8")
            archive.writestr(f"hop-tac-xa-co-ban/{file.relative_to(DEMO).as_posix()}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "goi.zip", force: bool = False, token: bool = True):
    form = {"pack": (io.BytesIO(data), name)}
    if token:
        form["csrf_token"] = csrf_token(client, URL)
    if force:
        form["force"] = "y"
    return client.post(URL, data=form, content_type="multipart/form-data")


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def installed_count(db) -> int:
    db.rollback()  # a fresh read: the app wrote in its own transactions
    return db.scalar(select(func.count()).select_from(InstalledPack))


@pytest.fixture
def as_admin(client, admin, login):
    login(client, admin)
    return client


def test_the_page_lists_nothing_yet_and_offers_the_upload_form(as_admin):
    response = as_admin.get(URL)
    text = page_text(response)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in text and 'type="file"' in text and 'name="force"' in text
    assert 'aria-current="page">Gói nội dung</a>' in text  # the tab, in Vietnamese


def test_uploading_a_good_zip_installs_and_lists_the_pack(as_admin, db):
    response = upload(as_admin, pack_zip())
    text = page_text(response)
    assert response.status_code == 200, text
    assert "hop-tac-xa-co-ban 1.0.0" in text
    for key in ("htx-la-gi", "bay-nguyen-tac", "dai-hoi-thanh-vien", "cong-khai-tai-chinh"):
        assert key in text
    assert installed_count(db) == 1
    listing = page_text(as_admin.get(URL))
    assert "<code>hop-tac-xa-co-ban</code>" in listing
    assert "Hợp tác xã — những điều cơ bản" in listing
    assert "<td>8</td>" in listing  # lessons


def test_the_installed_date_uses_the_date_filter(app, as_admin, db):
    from elearn.i18n import format_when

    upload(as_admin, pack_zip())
    pack = db.scalar(select(InstalledPack))
    with app.test_request_context():
        shown = format_when(pack.installed_at, date_only=True)
    assert shown in page_text(as_admin.get(URL))


def test_a_bad_zip_shows_every_error_and_installs_nothing(as_admin, db):
    bad = pack_zip(
        {
            "version: 1.0.0": "version: '1.0'",
            "type: page\n          title:\n            vi: Bảy": "type: holo\n          title:\n            vi: Bảy",
            "file: lessons/03-dai-hoi.md": "file: lessons/khong-co.md",
        }
    )
    response = upload(as_admin, bad)
    text = page_text(response)
    assert response.status_code == 200
    # 4, and the 5 files the video lesson cannot link without a valid version
    assert "9 vấn đề" in text and "lessons[2].content.sources[0].file" in text
    assert "pack.yaml: version" in text and "'1.0' không phải là số phiên bản dạng 1.0.0" in text
    assert "pack.yaml: course.modules[0].lessons[1].type" in text and "'holo'" in text
    assert "course.modules[1].lessons[0].content.file" in text and "lessons/khong-co.md" in text
    assert installed_count(db) == 0
    assert "Chưa có gói nội dung nào" in page_text(as_admin.get(URL))


def test_a_zip_with_a_missing_image_names_the_file(as_admin, db):
    data = pack_zip()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if not item.filename.endswith(".svg"):
                target.writestr(item, source.read(item))
    text = page_text(upload(as_admin, buffer.getvalue()))
    assert "media/so-do-to-chuc.svg" in text and "không có tệp này trong gói" in text
    assert installed_count(db) == 0


def test_an_unsafe_zip_is_refused(as_admin, db):
    text = page_text(upload(as_admin, pack_zip(extra={"../../thoat-ra.md": b"x"})))
    assert "thoat-ra.md" in text
    assert installed_count(db) == 0


def test_not_a_zip_is_refused_by_the_form(as_admin, db):
    text = page_text(upload(as_admin, b"id: x\n", name="pack.yaml"))
    assert "Gói nội dung phải là tệp .zip." in text
    text = page_text(upload(as_admin, b"not a zip at all", name="goi.zip"))
    assert "Chưa cài được gói nội dung" in text  # the validator's error, shown on the page
    assert installed_count(db) == 0


def test_upgrading_by_upload_shows_the_report(as_admin, db):
    upload(as_admin, pack_zip())
    newer = pack_zip(
        {
            "version: 1.0.0": "version: 1.1.0",
            "id: bay-nguyen-tac": "id: bay-nguyen-tac-2023",
            "vi: Công khai tài chính với thành viên": "vi: Công khai tài chính cho thành viên",
        }
    )
    response = upload(as_admin, newer)
    text = page_text(response)
    assert response.status_code == 200, text
    assert "hop-tac-xa-co-ban được cập nhật từ 1.0.0 lên 1.1.0" in text
    report = text[text.index('class="pack-report"') :]
    assert "Bài học được thêm: 1" in report and "bay-nguyen-tac-2023" in report
    assert "Bài học ngừng sử dụng: 1" in report and "<code>bay-nguyen-tac</code>" in report
    assert "Bài học được thay đổi: 2" in report and "cong-khai-tai-chinh" in report  # and the video, for its files
    assert db.scalar(select(InstalledPack.version)) == "1.1.0"

    again = page_text(upload(as_admin, newer))
    assert "đã được cài; không có gì thay đổi" in again


def test_an_older_version_needs_force(as_admin, db):
    upload(as_admin, pack_zip({"version: 1.0.0": "version: 1.2.0"}))
    text = page_text(upload(as_admin, pack_zip(), name="Gói HTX (bản cũ).zip"))
    # In the page's language, naming the uploaded file and the page's checkbox, not the command line's --force.
    assert "Gói HTX (bản cũ).zip" in text and "upload.zip" not in text
    assert "trang này đang dùng phiên bản 1.2.0; phiên bản 1.0.0 cũ hơn" in text
    assert "hãy đánh dấu ô “Vẫn cài dù phiên bản này cũ hơn phiên bản đang dùng”" in text
    assert "--force" not in text
    assert db.scalar(select(InstalledPack.version)) == "1.2.0"
    db.rollback()
    text = page_text(upload(as_admin, pack_zip(), force=True))
    assert "được cập nhật từ 1.2.0 lên 1.0.0" in text
    db.rollback()
    assert db.scalar(select(InstalledPack.version)) == "1.0.0"


def test_a_learner_gets_403(client, learner, login, db):
    login(client, learner)
    assert client.get(URL).status_code == 403
    response = client.post(
        URL,
        data={"pack": (io.BytesIO(pack_zip()), "goi.zip"), "csrf_token": csrf_token(client, "/")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert installed_count(db) == 0


def test_anonymous_users_are_sent_to_log_in_or_refused(client, db):
    assert client.get(URL).status_code in (302, 401, 403)
    assert installed_count(db) == 0


def test_the_upload_needs_the_csrf_token(as_admin, db):
    response = upload(as_admin, pack_zip(), token=False)
    assert response.status_code == 400
    assert installed_count(db) == 0


def test_an_upload_over_the_size_limit_is_413(app, as_admin, db):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(as_admin, pack_zip(extra={"hop-tac-xa-co-ban/media/to.bin": random.Random(0).randbytes(20_000)}))
    assert response.status_code == 413
    assert installed_count(db) == 0


def test_an_upgrade_changing_a_lessons_type_is_refused_naming_the_lesson(as_admin, db):
    upload(as_admin, pack_zip())
    retyped = pack_zip(
        {
            "version: 1.0.0": "version: 1.1.0",
            "type: page\n          title:\n            vi: Hợp tác xã là gì?": (
                "type: quiz\n          title:\n            vi: Hợp tác xã là gì?"
            ),
            "file: lessons/01-htx-la-gi.md": "gift: cau-hoi/kiem-tra.gift",
        }
    )
    text = page_text(upload(as_admin, retyped))
    assert "Chưa cài được gói nội dung: có 1 vấn đề." in text
    assert "pack.yaml: course.modules[0].lessons[0].type" in text
    assert (
        "bài học 'htx-la-gi' (Hợp tác xã là gì?) trên trang này thuộc loại 'page', không thể đổi thành loại 'quiz'"
        in text
    )
    assert "Hãy đặt cho bài học một id mới" in text
    db.rollback()
    assert db.scalar(select(InstalledPack.version)) == "1.0.0"


def test_a_file_name_with_a_bidi_override_is_refused_and_shown_escaped(as_admin, db):
    # Read as "reportexe.png", it is an .exe.
    text = page_text(upload(as_admin, pack_zip(extra={"hop-tac-xa-co-ban/media/report\u202egnp.exe": b"MZ"})))
    assert "hop-tac-xa-co-ban/media/report\\u202egnp.exe" in text
    assert "có ký tự định dạng ẩn (U+202E) trong tên" in text
    assert "\u202e" not in text, "the override itself never reaches the page"
    assert installed_count(db) == 0


def test_the_report_lists_lesson_titles_in_the_pages_language(as_admin, db):
    report = page_text(upload(as_admin, pack_zip()))
    report = report[report.index('class="pack-report"'):]
    assert "Hợp tác xã là gì?" in report and "Bảy nguyên tắc tổ chức và hoạt động" in report
    assert "Bài học được thêm: 8" in report


def test_errors_name_the_uploaded_file_not_upload_zip(as_admin, db):
    text = page_text(upload(as_admin, b"not a zip at all", name="Khoá HTX tháng 3.zip"))
    assert "Khoá HTX tháng 3.zip" in text and "upload.zip" not in text
    assert "không phải là tệp .zip hợp lệ" in text
    assert "tải Khoá HTX tháng 3.zip lên lại" in text


def test_a_lesson_types_own_message_gets_a_translated_lead_in(as_admin, db):
    bad = pack_zip({"file: lessons/03-dai-hoi.md": "file: lessons/khong-co.md"})
    text = page_text(upload(as_admin, bad))
    assert "loại bài học báo: 'lessons/khong-co.md' không có tệp này trong gói" in text
