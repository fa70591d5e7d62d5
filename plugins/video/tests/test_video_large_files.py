"""Large video files in a pack: their own size limit (ELEARN_VIDEO_MAX_FILE_MB, through the plugin
API's ``FileLimit``), checked by size and streamed, never read into memory; every other file keeps 5 MB."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest

from elearn.packs.service import install_path, validate_path
from elearn.packs.source import PackInvalid, extract_zip
from elearn.testing import test_config

MB = 1024 * 1024


def big_pack(pack, folder, video_bytes: int, text_bytes: int = 0):
    """The sample video pack with a 720p file of ``video_bytes`` (sparse: no memory used to write it)."""
    import yaml

    pack.write(folder)
    with open(folder / "media" / "htx-720p.webm", "r+b") as big:
        big.truncate(video_bytes)
    lesson = {"id": "xem-video", "type": "video", "title": {"vi": "Xem video", "en": "Watch"},
              "content": dict(pack.CONTENT)}
    lessons = [lesson]
    if text_bytes:
        (folder / "bai.md").write_text("x" * text_bytes, encoding="utf-8")
        lessons.append({"id": "doc", "type": "page", "title": {"vi": "Đọc", "en": "Read"},
                        "content": {"file": "bai.md"}})
    (folder / "pack.yaml").write_text(yaml.safe_dump({
        "id": "video-lon", "version": "1.0.0", "title": {"vi": "Gói", "en": "Pack"},
        "course": {"slug": "video-lon", "modules": [{"id": "m", "title": {"vi": "M", "en": "M"},
                                                      "lessons": lessons}]}}, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_video_larger_than_other_files_may_be_is_installed(app, pack, tmp_path):
    folder = big_pack(pack, tmp_path / "pack", 12 * MB)
    tracemalloc.start()
    report = install_path(app, folder)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.added == ["xem-video"]
    assert peak < 8 * MB, f"installing held {peak:,} bytes at once"
    stored = Path(app.instance_path, "media", "packs", "video-lon", "1.0.0", "media", "htx-720p.webm")
    assert stored.stat().st_size == 12 * MB


def test_other_files_keep_the_five_megabyte_limit(app, pack, tmp_path):
    folder = big_pack(pack, tmp_path / "pack", 1 * MB, text_bytes=6 * MB)
    with pytest.raises(PackInvalid) as refused:
        validate_path(app, folder)
    assert any("bai.md" in str(error) and "5 MB" in str(error) for error in refused.value.errors), refused.value.errors


def test_a_zipped_video_pack_is_extracted_a_chunk_at_a_time(app, pack, tmp_path):
    folder = big_pack(pack, tmp_path / "pack", 60 * MB)  # above the 50 MB of any other zipped file
    archive = tmp_path / "pack.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    with pytest.raises(PackInvalid):
        extract_zip(archive, tmp_path / "plain")  # the core's own limit
    limits = app.extensions["elearn_plugins"].file_limits()
    assert limits[".webm"] == 500 * MB and ".md" not in limits
    tracemalloc.start()
    root = extract_zip(archive, tmp_path / "out", file_limits=limits)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (root / "media" / "htx-720p.webm").stat().st_size == 60 * MB
    assert peak < 8 * MB, f"extracting held {peak:,} bytes at once"


class TestTheLimitIsASetting:
    @pytest.fixture
    def app_config(self, database_url, tmp_path):
        return test_config(database_url, tmp_path, VIDEO_MAX_FILE_MB=10)

    def test_a_video_above_the_configured_limit_is_refused(self, app, pack, tmp_path):
        folder = big_pack(pack, tmp_path / "pack", 12 * MB)
        with pytest.raises(PackInvalid) as refused:
            validate_path(app, folder)
        assert any("htx-720p.webm" in str(error) and "10 MB" in str(error) for error in refused.value.errors)


class TestAFrontServerSendsTheFiles:
    @pytest.fixture
    def app_config(self, database_url, tmp_path):
        return test_config(database_url, tmp_path, VIDEO_ACCEL_REDIRECT="/_media/")

    def test_the_permission_is_checked_here_and_nginx_sends_the_bytes(self, video, signed_in):
        site = video()
        path = f"/x/video/lessons/{site.lesson.id}/media/source/1"
        answer = signed_in(site.lan).get(path, headers={"Range": "bytes=0-99"})
        assert answer.status_code == 200 and answer.data == b""
        assert answer.headers["X-Accel-Redirect"] == "/_media/packs/test-pack/1.0.0/media/htx-240p.webm"
        assert answer.mimetype == "video/webm" and "private" in answer.headers["Cache-Control"]
        assert "X-Accel-Redirect" not in signed_in(site.hoa).get(path).headers  # not enrolled: 404
        assert signed_in(site.hoa).get(path).status_code == 404
