"""A video lesson from a real pack folder, its files copied where an install keeps them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from elearn.testing import pack_files

VI_VTT = """WEBVTT

00:00.000 --> 00:04.000
Xin chào, đây là hợp tác xã.

00:04.000 --> 00:09.500
<v Lan>Mỗi thành viên có một phiếu bầu.
"""
EN_VTT = """WEBVTT

00:00.000 --> 00:04.000
Hello, this is a cooperative.

00:04.000 --> 00:09.500
Each member has one vote.
"""
# Not a playable video: the bytes only need to be served exactly, a range at a time.
CLIP = bytes(range(256)) * 40  # 10 240 bytes


def write_pack(folder: Path, clip: bytes = CLIP) -> Path:
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "htx-240p.webm").write_bytes(clip)
    (media / "htx-720p.webm").write_bytes(clip + clip)
    (media / "htx.vi.vtt").write_text(VI_VTT, encoding="utf-8")
    (media / "htx.en.vtt").write_text(EN_VTT, encoding="utf-8")
    return folder


CONTENT: dict[str, Any] = {
    "duration": 100,
    "sources": [{"file": "media/htx-720p.webm", "label": "720p"}, {"file": "media/htx-240p.webm", "label": "240p"}],
    "captions": [{"lang": "vi", "file": "media/htx.vi.vtt"}, {"lang": "en", "file": "media/htx.en.vtt"}],
    "completion_threshold": 0.9,
    "allow_download": True,
}


@pytest.fixture
def pack():
    """The sample pack: ``CLIP`` (the bytes of the 240p file), ``CONTENT`` (the lesson), ``write(folder)``."""
    return SimpleNamespace(CLIP=CLIP, CONTENT=CONTENT, write=write_pack)


@pytest.fixture
def video(app, make_course, make_user, enrol, tmp_path):
    """``video(**content)`` (``extra_files``: more pack files, by path): a course with one video
    lesson, Lan (learner, enrolled), Minh (another enrolled learner), Hoa (a learner not enrolled)
    and the course's instructor."""
    def make(clip: bytes = CLIP, extra_files: dict[str, bytes] | None = None, **changes):
        folder = write_pack(tmp_path / "pack", clip)
        for name, data in (extra_files or {}).items():
            (folder / name).write_bytes(data)
        installed = Path(app.instance_path, "media", "packs", "test-pack", "1.0.0")
        shutil.copytree(folder, installed, dirs_exist_ok=True)
        course = make_course([("video", {**CONTENT, **changes})], files=pack_files(folder))
        lesson = course.modules[0].lessons[0]
        lan, minh = make_user("learner", name="Lan"), make_user("learner", name="Minh")
        hoa, teacher = make_user("learner", name="Hoa"), make_user("instructor", name="Cô Mai")
        enrol(lan, course)
        enrol(minh, course)
        return SimpleNamespace(course=course, lesson=lesson, lan=lan, minh=minh, hoa=hoa, teacher=teacher)

    return make


@pytest.fixture
def staffed(db):
    """``staffed(site)``: the site's instructor made an instructor of its course."""
    from elearn.models import CourseInstructor

    def do(site):
        db.add(CourseInstructor(course_id=site.course.id, user_id=site.teacher.id))
        db.commit()
        return site

    return do


@pytest.fixture
def signed_in(app, login):
    """``signed_in(user)``: a browser-like client of its own, logged in; ``.token`` the page's CSRF token."""

    class Client(app.test_client_class):
        def token(self, path: str = "/me") -> str:
            page = self.get(path).get_data(as_text=True)
            return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def make(user):
        client = Client(app, app.response_class, use_cookies=True)
        login(client, user)
        return client

    return make


@pytest.fixture
def report(client, api_token):
    """``report(user, lesson, intervals, batch_id=..., position=None)``: one watched batch through the API."""
    counter = iter(range(1, 100_000))

    def send(user, lesson, intervals, batch_id=None, position=None):
        body = {"batch_id": batch_id or f"b{next(counter)}", "intervals": intervals}
        if position is not None:
            body["position"] = position
        return client.post(f"/api/v1/x/video/lessons/{lesson.id}/watched", json=body,
                           headers={"Authorization": f"Bearer {api_token(user)}"})

    return send


@pytest.fixture(scope="session")
def webm(tmp_path_factory) -> bytes:
    """Three seconds of a test pattern, VP8 in WebM (chromium may not play H.264), about 20 KB."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    out = tmp_path_factory.mktemp("clip") / "clip.webm"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "3",
                    "-c:v", "libvpx", "-b:v", "64k", "-an", str(out)], check=True, timeout=60)
    return out.read_bytes()
