"""The render cache (elearn/render_cache): what a lesson shows every reader alike is rendered once,
and a pack upgrade, an edit of the lesson or another language is never served the old rendering;
workers share it through Redis, and Redis going away never fails a page."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn import create_app
from elearn.models import Course, Lesson, User
from elearn.packs.service import install_path
from elearn.render_cache import EXTENSION
from elearn.render_cache.stores import MemoryStore
from elearn.testing import REDIS_TEST_URL

DEMO_PACK = Path(__file__).resolve().parent.parent / "content_packs" / "hop-tac-xa-co-ban"


def demo_lessons(app, db) -> dict[str, Lesson]:
    install_path(app, DEMO_PACK)
    course = db.scalar(select(Course).where(Course.pack_id == "hop-tac-xa-co-ban"))
    return {lesson.key: lesson for lesson in db.scalars(select(Lesson).where(Lesson.course_id == course.id))}


def text_of(client, lesson_id: int) -> str:
    response = client.get(f"/lessons/{lesson_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def newer_pack(tmp_path: Path, version: str, append: str = "") -> Path:
    target = tmp_path / f"pack-{version}"
    shutil.copytree(DEMO_PACK, target)
    manifest = target / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", f"version: {version}"),
                        encoding="utf-8")
    if append:
        reading = target / "lessons" / "01-htx-la-gi.md"
        reading.write_text(reading.read_text(encoding="utf-8") + f"\n\n{append}\n", encoding="utf-8")
    return target


def test_a_pack_upgrade_shows_the_new_reading_at_once(app, db, learner, enrol, login, client, tmp_path,
                                                      render_cache):
    lessons = demo_lessons(app, db)
    enrol(learner, lessons["htx-la-gi"].course)
    login(client, learner)
    reading, pictured = lessons["htx-la-gi"].id, lessons["dai-hoi-thanh-vien"].id
    assert "tổ chức kinh tế tập thể" in text_of(client, reading)
    assert "/media/packs/hop-tac-xa-co-ban/1.0.0/" in text_of(client, pictured)
    assert "tổ chức kinh tế tập thể" in text_of(client, reading) and render_cache.hits >= 1

    install_path(app, newer_pack(tmp_path, "1.1.0", append="UPGRADEDTEXT Đoạn mới."))
    assert "UPGRADEDTEXT" in text_of(client, reading)
    # A new version alone changes the media URLs in the text: no page may keep pointing at the old ones.
    page = text_of(client, pictured)
    assert "/media/packs/hop-tac-xa-co-ban/1.1.0/" in page and "/1.0.0/" not in page


def test_an_edited_lesson_and_another_language_get_their_own_rendering(app, db, make_lesson, learner, enrol, login,
                                                                        client, render_cache):
    lesson = make_lesson("page", {"text": {"vi": "BANTIENGVIET Bài đọc.", "en": "ENGLISHTEXT A reading."}})
    enrol(learner, lesson.course)
    login(client, learner)
    assert "BANTIENGVIET" in text_of(client, lesson.id)

    db.get(User, learner.id).locale = "en"
    db.commit()
    page = text_of(client, lesson.id)
    assert "ENGLISHTEXT" in page and "BANTIENGVIET" not in page

    row = db.get(Lesson, lesson.id)
    version = row.content_version
    row.title_vi = row.title_vi  # the same value again: nothing shown changed
    db.commit()
    assert db.get(Lesson, lesson.id).content_version == version
    row.translations = {"en": {**row.translations["en"], "html": "<p>EDITEDTEXT Changed.</p>"}}
    db.commit()
    page = text_of(client, lesson.id)
    assert "EDITEDTEXT" in page and "ENGLISHTEXT" not in page


def test_a_new_lesson_under_a_deleted_ones_id_is_not_served_its_rendering(make_lesson, learner, enrol, login, client,
                                                                         db, database_url, render_cache):
    old = make_lesson("page", {"text": "OLDTEXT Bài cũ."})
    enrol(learner, old.course)
    login(client, learner)
    assert "OLDTEXT" in text_of(client, old.id)
    db.delete(db.get(Course, old.course_id))
    db.commit()
    new = make_lesson("page", {"text": "NEWTEXT Bài mới."})
    enrol(learner, new.course)
    if database_url.startswith("sqlite"):
        assert new.id == old.id  # SQLite gives the id again: the case this is about
    page = text_of(client, new.id)
    assert "NEWTEXT" in page and "OLDTEXT" not in page


def test_a_readers_own_state_stays_outside_the_shared_reading(make_lesson, make_user, enrol, login, app,
                                                             render_cache):
    lesson = make_lesson("page", {"text": "Bài đọc chung."})
    done, new = make_user("learner"), make_user("learner")
    browsers = {}
    for person in (done, new):
        enrol(person, lesson.course)
        browsers[person.id] = app.test_client()
        login(browsers[person.id], person)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text_of(browsers[done.id], lesson.id)).group(1)
    assert browsers[done.id].post(f"/lessons/{lesson.id}/submit", data={"csrf_token": token, "read": "1"}
                                  ).status_code == 303

    assert 'name="read"' not in text_of(browsers[done.id], lesson.id)
    assert 'name="read"' in text_of(browsers[new.id], lesson.id)
    assert render_cache.hits >= 2


@pytest.fixture
def redis_config(app_config):
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        pytest.skip(f"Redis does not answer at {REDIS_TEST_URL}")
    return {**app_config, "RENDER_CACHE_URL": REDIS_TEST_URL, "RENDER_CACHE_PREFIX": uuid.uuid4().hex}


def test_workers_share_what_one_of_them_rendered_through_redis(redis_config, make_lesson, learner, enrol, login):
    first, second = create_app(redis_config), create_app(redis_config)  # two workers of one site
    try:
        lesson = make_lesson("page", {"text": "SHAREDTEXT Bài đọc chung."})
        enrol(learner, lesson.course)
        pages = []
        for worker in (first, second):
            browser = worker.test_client()
            login(browser, learner)
            pages.append(text_of(browser, lesson.id))
        assert all("SHAREDTEXT" in page for page in pages)
        assert (first.extensions[EXTENSION].misses, second.extensions[EXTENSION].hits) == (1, 1)
    finally:
        for worker in (first, second):
            worker.extensions["elearn_db"].dispose()


def test_redis_going_away_never_fails_a_page(app_config, make_lesson, learner, enrol, login):
    worker = create_app({**app_config, "RENDER_CACHE_URL": "redis://127.0.0.1:9/0"})  # nothing listens there
    try:
        lesson = make_lesson("page", {"text": "STILLSHOWN Bài đọc."})
        enrol(learner, lesson.course)
        browser = worker.test_client()
        login(browser, learner)
        assert "STILLSHOWN" in text_of(browser, lesson.id)
        assert "STILLSHOWN" in text_of(browser, lesson.id)  # from the worker's own memory meanwhile
    finally:
        worker.extensions["elearn_db"].dispose()


def test_the_memory_store_keeps_within_its_bound_and_drops_the_least_recently_used():
    store = MemoryStore(max_chars=1000)
    for n in range(20):
        store.put(("k", n), "x" * 100)
        store.get(("k", 0))  # kept in use
    assert len(store) <= 10
    assert store.get(("k", 0)) is not None and store.get(("k", 1)) is None and store.get(("k", 19)) is not None
    store.put(("huge",), "x" * 500)  # more than an eighth of the store: not kept
    assert store.get(("huge",)) is None


def test_an_unknown_store_is_refused_at_start_up(app_config):
    with pytest.raises(ValueError, match="RENDER_CACHE_URL"):
        create_app({**app_config, "RENDER_CACHE_URL": "memcached://127.0.0.1"})
