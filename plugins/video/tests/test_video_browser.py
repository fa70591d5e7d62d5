"""The video in Debian's chromium: a generated 3-second WebM clip played to the end is recorded as
watched on the server; without JavaScript the rendition downloads. Run once, on SQLite; skipped
without ffmpeg (to make the clip) or chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearn.testing import database_for

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    return database_for("sqlite", _migrated_databases, tmp_path)


def test_playing_the_clip_is_recorded_as_watched_on_the_server(video, webm, browser_login, site, db):
    from elearn_video.models import Watch

    lesson_site = video(clip=webm, duration=3, completion_threshold=0.6,
                        sources=[{"file": "media/htx-240p.webm", "label": "240p"}])
    page = browser_login(lesson_site.lan, locale="vi-VN")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{site}/lessons/{lesson_site.lesson.id}")
    assert page.locator(".video-controls select option").count() == 6  # speeds 0.75x to 2x
    with page.expect_response(lambda r: r.url.endswith("/watched") and r.request.method == "POST",
                              timeout=20_000) as answered:
        page.evaluate("() => { const v = document.getElementById('video-player'); v.muted = true; v.play(); }")
        page.wait_for_function("() => document.getElementById('video-player').ended", timeout=15_000)
    assert answered.value.status == 200, answered.value.text()
    assert not problems
    db.rollback()
    row = db.get(Watch, (lesson_site.lesson.id, lesson_site.lan.id))
    assert row is not None and row.share >= 0.6, row and row.intervals
    page.wait_for_function("() => document.getElementById('video-watched').textContent.trim().startsWith('Đã xem')")


def test_without_javascript_the_rendition_downloads(video, webm, browser_login, site):
    lesson_site = video(clip=webm, duration=3, sources=[{"file": "media/htx-240p.webm", "label": "240p"}])
    page = browser_login(lesson_site.lan, java_script_enabled=False, accept_downloads=True)
    page.goto(f"{site}/lessons/{lesson_site.lesson.id}")
    with page.expect_download() as started:
        page.click("text=Tải xuống 240p")
    assert Path(started.value.path()).read_bytes() == webm


def test_on_a_slow_or_metered_line_the_lightest_rendition_comes_first(video, browser_login, site):
    lesson_site = video()  # 720p written first, then 240p
    page = browser_login(lesson_site.lan)
    page.add_init_script("Object.defineProperty(navigator, 'connection', "
                         "{value: {saveData: false, effectiveType: '3g'}})")
    page.goto(f"{site}/lessons/{lesson_site.lesson.id}")
    assert page.eval_on_selector("#video-player source", "s => s.dataset.label") == "240p"


def test_the_video_pauses_at_a_question_and_goes_on_after_the_answer(video, webm, browser_login, site, db):
    question = {"type": "truefalse", "stem": "Mỗi thành viên có một phiếu bầu?", "correct": True,
                "feedback_true": "Đúng: một người một phiếu."}
    lesson_site = video(clip=webm, duration=3, sources=[{"file": "media/htx-240p.webm", "label": "240p"}],
                        questions=[{"at": 1, "question": question}])
    page = browser_login(lesson_site.lan, locale="vi-VN")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{site}/lessons/{lesson_site.lesson.id}")
    page.evaluate("() => { const v = document.getElementById('video-player'); v.muted = true; v.play(); }")
    page.wait_for_function("() => document.querySelector('.video-asking #video-q-0') !== null", timeout=10_000)
    paused_at = page.evaluate("() => document.getElementById('video-player').currentTime")
    assert page.evaluate("() => document.getElementById('video-player').paused") and 1 <= paused_at < 2.5
    page.locator(".video-asking label", has_text="Đúng").click()
    page.locator(".video-asking button", has_text="Trả lời").click()
    page.wait_for_selector(".video-asking .video-feedback >> text=Đúng: một người một phiếu.")
    page.locator(".video-asking button", has_text="Xem tiếp").click()
    page.wait_for_function("() => document.getElementById('video-player').ended", timeout=15_000)
    assert page.locator("#video-questions #video-q-0").count() == 1  # back in the list
    assert not problems
    from elearn_video.points import answers_of

    db.rollback()
    assert answers_of(db, lesson_site.lan, lesson_site.lesson)["0"]["correct"] is True


def test_in_listen_mode_the_page_loads_no_video_bytes(video, webm, browser_login, site, tmp_path):
    import subprocess

    sound = tmp_path / "sound.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "3",
                    "-c:a", "aac", "-b:a", "32k", str(sound)], check=True, timeout=60)
    lesson_site = video(clip=webm, duration=3, sources=[{"file": "media/htx-240p.webm", "label": "240p"}],
                        audio="media/htx.m4a", extra_files={"media/htx.m4a": sound.read_bytes()})
    page = browser_login(lesson_site.lan, locale="vi-VN")
    path = f"{site}/lessons/{lesson_site.lesson.id}"
    page.goto(path)
    page.locator("label", has_text="Chỉ nghe").click()
    page.locator(".video-saver button").click()
    page.wait_for_url(path)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.reload()
    page.evaluate("() => { const a = document.getElementById('video-player'); a.muted = true; return a.play(); }")
    page.wait_for_function("() => document.getElementById('video-player').currentTime > 0.5", timeout=10_000)
    media = [url for url in fetched if "/media/" in url]
    assert media and all("/media/audio/0" in url for url in media), media
    assert page.locator("video").count() == 0
