"""Plugins: a third-party lesson type installed the way pip installs it, and plugins that misbehave.

``tests/fixtures/flashcards`` is a complete plugin package that is not installed
in the venv. The ``site`` fixture "installs" it by writing the
``elearn_flashcards-1.0.dist-info`` pip would write (METADATA and an
``elearn.plugins`` entry point) into a folder put on ``sys.path``. Nothing in
``elearn/`` names the plugin: everything below works through the entry point.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path
from textwrap import dedent

import pytest
from sqlalchemy import func, select

from elearn import create_app
from elearn.db import get_database
from elearn.models import CourseInstructor, LessonProgress, Status, User
from elearn.testing import csrf_token, database_for, install_dist, migrate_templates
from elearn.testing import test_config as config_for

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "flashcards"
# The plugins shipped with elearn itself (page, quiz, ...), each providing the lesson type of its name.
BUILT_IN = sorted(ep.name for ep in entry_points(group="elearn.plugins") if ep.dist and ep.dist.name == "elearn")
CARDS = [["Đại hội thành viên", "Cơ quan quyền lực cao nhất"], ["Quỹ đầu tư phát triển", "Quỹ chung"]]
BACKS = [back for _front, back in CARDS]
FRONTS = [front for front, _back in CARDS]


# -- installing, the way pip does ---------------------------------------------------


def install_flashcards(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_dist(site, "elearn_flashcards", "1.0", {"flashcards": "elearn_flashcards"})
    monkeypatch.syspath_prepend(str(FIXTURES))
    monkeypatch.syspath_prepend(str(site))


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    install_flashcards(folder, monkeypatch)
    return folder


@pytest.fixture(autouse=True)
def _forget_throwaway_modules():
    """Plugins written by a test are imported from its tmp folder; the next test writes its own."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("fcx_"):
            del sys.modules[name]


# -- databases with the plugin's migration applied ------------------------------------


@pytest.fixture(scope="module")
def _flashcards_databases(tmp_path_factory) -> dict[str, str]:
    """Migrated once per module with the plugin installed; kept apart from the shared test databases."""
    with pytest.MonkeyPatch.context() as mp:
        install_flashcards(tmp_path_factory.mktemp("site"), mp)
        return migrate_templates(tmp_path_factory.mktemp("flashcards-template"), suffix="flashcards")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, _flashcards_databases, tmp_path) -> str:
    return database_for(request.param, _flashcards_databases, tmp_path)


@pytest.fixture
def app_config(database_url, tmp_path, site):
    return config_for(database_url, tmp_path)


# -- helpers -------------------------------------------------------------------------


def scalar(app, statement):
    """Read from a short session of its own, so the test's ``db`` session never holds a snapshot."""
    with get_database(app).session() as session:
        return session.scalar(statement)


def reviews(app, lesson_id: int) -> list[tuple[int, int, bool]]:
    from elearn_flashcards.models import FlashcardReview

    with get_database(app).session() as session:
        rows = session.execute(
            select(FlashcardReview.user_id, FlashcardReview.card, FlashcardReview.known)
            .where(FlashcardReview.lesson_id == lesson_id)
            .order_by(FlashcardReview.id)
        )
        return [tuple(row) for row in rows]


def progress_of(app, user, lesson) -> LessonProgress | None:
    return scalar(
        app, select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )


def english(db, *users):
    """Users who chose English, so pages are compared with the plugin's own (English) text."""
    for user in users:
        user.locale = "en"
    db.commit()
    return users[0]


def browser(app, login, user):
    """A browser of its own, logged in as ``user``."""
    client = app.test_client()
    login(client, user)
    return client


def in_app_locale(app, make, locale: str = "en"):
    """What the API says in ``locale``: the token user's saved language when no Accept-Language is sent."""
    with app.test_request_context("/api/v1/", headers={"Accept-Language": locale}):
        return make()


@pytest.fixture
def deck(make_course, learner, enrol, db):
    """A course with a flashcards lesson and a page lesson; the learner is enrolled and English-speaking."""
    english(db, learner)
    course = make_course([("flashcards", {"cards": CARDS}), ("page", {"text": "# Điều lệ\n\nNội dung điều lệ."})])
    enrol(learner, course)
    lessons = course.modules[0].lessons
    return course, lessons[0], lessons[1]


# -- the third-party type works, through the entry point only --------------------------


def test_the_plugin_is_loaded_from_its_entry_point_with_its_version(app):
    registry = app.extensions["elearn_plugins"]
    info = registry.plugins["flashcards"]
    assert info.version == "1.0"
    assert info.lesson_types == ["flashcards"]
    assert {"elearn_lesson_types", "elearn_blueprints"} <= set(info.hooks)
    assert info.folder == FIXTURES / "elearn_flashcards"
    assert registry.failed == {}
    assert set(registry.lesson_types) == {*BUILT_IN, "flashcards"}


def test_a_learner_sees_fronts_only_then_reports_through_the_html_form(app, client, login, learner, deck):
    _course, lesson, _page = deck
    login(client, learner)

    page = client.get(f"/lessons/{lesson.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert all(front in html for front in FRONTS)
    assert not any(back in html for back in BACKS), "the backs must stay hidden until the learner reports"
    assert 'type="checkbox" name="known" value="1"' in html

    for forged in (["7"], ["²"], ["one"]):
        refused = client.post(
            f"/lessons/{lesson.id}/submit",
            data={"known": forged, "csrf_token": csrf_token(client, f"/lessons/{lesson.id}")},
        )
        assert refused.status_code == 400, forged
        assert "from 0 to 1" in refused.get_data(as_text=True)
    assert reviews(app, lesson.id) == []

    sent = client.post(
        f"/lessons/{lesson.id}/submit", data={"known": ["1"], "csrf_token": csrf_token(client, f"/lessons/{lesson.id}")}
    )
    assert sent.status_code == 303
    after = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "You knew 1 of 2 cards." in after
    assert all(back in after for back in BACKS)
    progress = progress_of(app, learner, lesson)
    assert (progress.status, progress.score, progress.state) == (Status.IN_PROGRESS, 0.5, {"known": [1]})

    client.post(
        f"/lessons/{lesson.id}/submit",
        data={"known": ["0", "1"], "csrf_token": csrf_token(client, f"/lessons/{lesson.id}")},
    )
    progress = progress_of(app, learner, lesson)
    assert (progress.status, progress.score, progress.attempts) == (Status.COMPLETED, 1.0, 2)
    # The plugin's own table holds one row per card and answer.
    assert reviews(app, lesson.id) == [
        (learner.id, 0, False),
        (learner.id, 1, True),
        (learner.id, 0, True),
        (learner.id, 1, True),
    ]


def test_the_api_shows_the_same_view_and_grades_a_submission(app, client, api_token, learner, deck):
    _course, lesson, _page = deck
    auth = {"Authorization": f"Bearer {api_token(learner)}"}

    before = client.get(f"/api/v1/lessons/{lesson.id}", headers=auth)
    assert before.status_code == 200
    body = before.get_json()
    assert body["type"] == "flashcards"
    assert body["view"] == {
        "reported": False,
        "total": 2,
        "cards": [{"index": 0, "front": FRONTS[0]}, {"index": 1, "front": FRONTS[1]}],
    }
    assert not any(back in before.get_data(as_text=True) for back in BACKS)

    for bad in ({"known": [2]}, {"known": "all"}, {"known": [0, 0]}, {"known": [True]}, {"seen": [0]}):
        refused = client.post(f"/api/v1/lessons/{lesson.id}/submissions", json=bad, headers=auth)
        assert refused.status_code == 400, bad
        assert "from 0 to 1" in refused.get_json()["error"]["message"]
    assert reviews(app, lesson.id) == []
    assert progress_of(app, learner, lesson) is None

    sent = client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"known": [1, 0]}, headers=auth)
    assert sent.status_code == 201
    assert sent.get_json()["progress"]["status"] == "completed"
    assert sent.get_json()["progress"]["score"] == 1.0
    assert sent.get_json()["message"] == "You knew 2 of 2 cards."
    assert reviews(app, lesson.id) == [(learner.id, 0, True), (learner.id, 1, True)]

    view = client.get(f"/api/v1/lessons/{lesson.id}", headers=auth).get_json()["view"]
    assert view["reported"] is True and view["known"] == 2
    assert [card["back"] for card in view["cards"]] == BACKS

    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Submission_flashcards"]["required"] == ["known"]


def test_the_plugin_static_file_is_served_under_its_name(client):
    with client.get("/static/x/flashcards/flashcards.css") as served:
        assert served.status_code == 200
        assert served.mimetype == "text/css"
        assert served.data == (FIXTURES / "elearn_flashcards" / "static" / "flashcards.css").read_bytes()
    assert client.get("/static/x/flashcards/missing.css").status_code == 404
    assert client.get("/static/x/flashcards/../__init__.py").status_code == 404
    assert client.get("/static/x/flashcards/%2e%2e/__init__.py").status_code == 404
    assert client.get("/static/x/nobody/flashcards.css").status_code == 404


def test_the_instructor_report_is_mounted_under_x_and_checks_permissions(
    app, client, db, login, make_user, learner, instructor, admin, deck, api_token
):
    course, lesson, page_lesson = deck
    url = f"/x/flashcards/lessons/{lesson.id}/report"
    english(db, instructor, admin)
    client.post(
        f"/api/v1/lessons/{lesson.id}/submissions",
        json={"known": [0]},
        headers={"Authorization": f"Bearer {api_token(learner)}"},
    )

    assert client.get(url).status_code == 401

    refused = browser(app, login, learner).get(url)
    assert refused.status_code == 403
    assert "Only the instructors of this course" in refused.get_data(as_text=True)

    teacher = browser(app, login, instructor)  # an instructor, but not of this course yet
    assert teacher.get(url).status_code == 403
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    shown = teacher.get(url)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Nguyễn Văn An" in html
    assert "<td>2</td><td>1</td>" in html  # two cards reviewed, one known
    assert "/static/x/flashcards/flashcards.css" in html
    # The lesson page links the instructor to the report (LessonType.instructor_links).
    assert f'href="{url}"' in teacher.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert teacher.get(f"/x/flashcards/lessons/{page_lesson.id}/report").status_code == 404

    assert browser(app, login, admin).get(url).status_code == 200


def test_admin_plugins_lists_the_plugin(app, db, login, admin, learner):
    english(db, admin)
    assert browser(app, login, learner).get("/admin/plugins").status_code == 403
    html = browser(app, login, admin).get("/admin/plugins").get_data(as_text=True)
    # Each cell is labelled with its heading (data-label) for the phone layout.
    assert re.search(r"<td[^>]*>flashcards</td>\s*<td[^>]*>1\.0</td>\s*<td[^>]*>flashcards</td>", html), html
    assert "elearn_blueprints" in html
    assert "Plugins that failed" not in html


def test_flashcards_content_is_checked_with_field_paths_in_a_pack(site, tmp_path):
    from elearn_flashcards.lesson import FlashcardsLesson

    from elearn.packs.manifest import PackInvalid, load_pack

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        dedent(
            """\
            id: the-deck
            version: 1.0.0
            title: {vi: Thẻ}
            course:
              modules:
                - id: m1
                  title: {vi: Phần 1}
                  lessons:
                    - id: cards
                      type: flashcards
                      title: {vi: Thẻ}
                      content:
                        shuffle: true
                        cards:
                          - [Đại hội, Cơ quan quyền lực]
                          - [only a front]
                          - [Quỹ, ""]
                          - "not a pair"
            """
        )
    )
    with pytest.raises(PackInvalid) as caught:
        load_pack(pack, {"flashcards": FlashcardsLesson()})
    where = "pack.yaml: course.modules[0].lessons[0].content"
    assert [str(e) for e in caught.value.errors] == [
        f"{where}.shuffle: unknown field",
        f"{where}.cards[1]: must be a pair [front, back]",
        f"{where}.cards[2][1]: the back must be non-empty text",
        f"{where}.cards[3]: must be a pair [front, back]",
    ]
    manifest = (pack / "pack.yaml").read_text()
    (pack / "pack.yaml").write_text(manifest[: manifest.index("shuffle")] + "cards: [[a, b]]\n")
    loaded = load_pack(pack, {"flashcards": FlashcardsLesson()})
    assert loaded.modules[0].lessons[0].content == {"cards": [{"front": "a", "back": "b"}]}


# -- one app, one set of plugins -------------------------------------------------------


def test_entry_points_are_loaded_per_app(
    app, database_url, tmp_path, monkeypatch, site, make_lesson, learner, enrol, login, client, db
):
    lesson = make_lesson("flashcards", {"cards": CARDS})
    enrol(learner, lesson.course)
    english(db, learner)
    only_page = create_app(config_for(database_url, tmp_path / "b", PLUGINS=["page"]))
    # Uninstalled (its dist-info gone from sys.path), as after ``pip uninstall``: a new app no longer has it.
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in (str(site), str(FIXTURES))])
    importlib.invalidate_caches()
    uninstalled = create_app(config_for(database_url, tmp_path / "c"))
    try:
        registries = [a.extensions["elearn_plugins"] for a in (app, only_page, uninstalled)]
        assert len({id(r) for r in registries}) == 3 and len({id(r.pm) for r in registries}) == 3
        expected = [sorted([*BUILT_IN, "flashcards"]), ["page"], BUILT_IN]
        assert [sorted(r.lesson_types) for r in registries] == expected

        login(client, learner)
        assert FRONTS[0] in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
        with client.get("/static/x/flashcards/flashcards.css") as served:
            assert served.status_code == 200
        for other in (only_page, uninstalled):
            other_client = other.test_client()
            login(other_client, learner)
            html = other_client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
            assert "which is not installed on this site" in html
            assert FRONTS[0] not in html
            assert other_client.get("/static/x/flashcards/flashcards.css").status_code == 404
            assert other_client.get(f"/x/flashcards/lessons/{lesson.id}/report").status_code == 404
        # ...and the first app still has it.
        assert FRONTS[0] in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    finally:
        for other in (only_page, uninstalled):
            get_database(other).dispose()


def test_safe_mode_loads_no_plugin_and_the_site_still_answers(
    database_url, tmp_path, make_course, learner, enrol, login, db
):
    course = make_course([("page", {"text": "Nội dung"}), ("flashcards", {"cards": CARDS})])
    enrol(learner, course)
    english(db, learner)
    safe = create_app(config_for(database_url, tmp_path / "safe", PLUGINS=[]))
    try:
        registry = safe.extensions["elearn_plugins"]
        assert (registry.plugins, registry.lesson_types, registry.failed) == ({}, {}, {})
        client = safe.test_client()
        assert course.title_vi in client.get("/").get_data(as_text=True)
        login(client, learner)
        for lesson in course.modules[0].lessons:
            shown = client.get(f"/lessons/{lesson.id}")
            assert shown.status_code == 200
            assert f"needs the lesson type “{lesson.type_name}”" in shown.get_data(as_text=True)
        first = course.modules[0].lessons[0]
        refused = client.post(
            f"/lessons/{first.id}/submit", data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{first.id}")}
        )
        assert refused.status_code == 409
        assert client.get("/static/x/flashcards/flashcards.css").status_code == 404
    finally:
        get_database(safe).dispose()


# -- the plugin's own API, menu link and command; params and can_teach ------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def run_cli(database_url: str, tmp_path: Path, *args: str, **settings: str):
    """``elearn <args>`` as an operator runs it, against the test's database (``settings``: more
    ``ELEARN_*`` variables)."""
    from click.testing import CliRunner

    from elearn.cli import main

    instance = tmp_path / "cli-instance"
    instance.mkdir(exist_ok=True)
    env = {"ELEARN_INSTANCE_PATH": str(instance), "ELEARN_DATABASE_URL": database_url,
           **{f"ELEARN_{name}": value for name, value in settings.items()}}
    return CliRunner().invoke(main, list(args), env=env)


def test_the_plugin_api_is_mounted_under_api_v1_x_and_needs_a_token(
    app, client, db, login, make_user, api_token, learner, deck
):
    _course, lesson, page_lesson = deck
    stranger = english(db, make_user())
    url = f"/api/v1/x/flashcards/{lesson.id}/summary"

    anonymous = client.get(url)
    assert anonymous.status_code == 401
    assert anonymous.is_json and "Authorization: Bearer" in anonymous.get_json()["error"]["message"]
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    # A browser's session cookie never authorises an API call, a plugin's included.
    assert browser(app, login, learner).get(url).status_code == 401
    assert client.get(url, headers=bearer("not-a-token")).status_code == 401

    token = api_token(learner)
    shown = client.get(url, headers=bearer(token))
    assert shown.status_code == 200
    assert shown.get_json() == {"lesson": lesson.id, "total": 2, "known": 0, "status": "not_started", "enrolled": True}
    client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"known": [1]}, headers=bearer(token))
    after = client.get(url, headers=bearer(token)).get_json()
    assert (after["known"], after["status"]) == (1, "in_progress")

    # learner_lesson: another type is a 404, a course the user is not enrolled in a 403, in JSON.
    other_type = client.get(f"/api/v1/x/flashcards/{page_lesson.id}/summary", headers=bearer(token))
    assert other_type.status_code == 404 and other_type.is_json
    refused = client.get(url, headers=bearer(api_token(stranger)))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "Enrol in this course to open its lessons."
    assert client.get(f"/api/v1/x/flashcards/{lesson.id + 1000}/summary", headers=bearer(token)).status_code == 404

    # Only under the plugin's API prefix, with JSON errors there.
    missing = client.get("/api/v1/x/flashcards/no-such-thing", headers=bearer(token))
    assert missing.status_code == 404 and missing.is_json
    assert client.get(f"/x/flashcards/{lesson.id}/summary", headers=bearer(token)).status_code == 404
    assert "elearn_api_blueprints" in app.extensions["elearn_plugins"].plugins["flashcards"].hooks


def test_api_posts_need_no_csrf_token_but_the_plugin_html_forms_do(
    app, client, db, login, make_user, api_token, learner, instructor, enrol, deck
):
    course, lesson, _page = deck
    english(db, instructor)
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    api_url = f"/api/v1/x/flashcards/{lesson.id}/sign-off/{learner.id}"
    html_url = f"/x/flashcards/lessons/{lesson.id}/sign-off/{learner.id}"

    teacher = browser(app, login, instructor)
    forged = teacher.post(html_url)  # a cross-site form would come without the token
    assert forged.status_code == 400
    assert "The form expired" in forged.get_data(as_text=True)
    assert progress_of(app, learner, lesson) is None

    # The API takes the same action with a bearer token and no CSRF token.
    assert client.post(api_url).status_code == 401
    assert client.post(api_url, headers=bearer(api_token(learner))).status_code == 403  # not a teacher
    signed = client.post(api_url, headers=bearer(api_token(instructor)))
    assert signed.status_code == 200, signed.get_data(as_text=True)
    assert signed.get_json() == {"status": "completed", "course_completed": False}
    progress = progress_of(app, learner, lesson)
    assert (progress.status, progress.score, progress.attempts) == (Status.COMPLETED, 1.0, 0)

    # The HTML form with its token works too (here for a second learner).
    second = make_user()
    enrol(second, course)
    token = csrf_token(teacher, f"/x/flashcards/lessons/{lesson.id}/report")
    done = teacher.post(f"/x/flashcards/lessons/{lesson.id}/sign-off/{second.id}", data={"csrf_token": token})
    assert done.status_code == 303
    assert progress_of(app, second, lesson).status == Status.COMPLETED


def test_record_outcome_completes_the_lesson_and_the_course_and_skips_non_learners(
    app, client, db, make_user, api_token, learner, instructor, deck
):
    course, lesson, page_lesson = deck
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    teacher = bearer(api_token(instructor))
    client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"known": [0]}, headers=bearer(api_token(learner)))
    read = client.post(
        f"/api/v1/lessons/{page_lesson.id}/submissions", json={"read": True}, headers=bearer(api_token(learner))
    )
    assert read.status_code == 201 and read.get_json()["course_completed"] is False

    # The learner's last open lesson, completed by the instructor: the course is completed with it.
    signed = client.post(f"/api/v1/x/flashcards/{lesson.id}/sign-off/{learner.id}", headers=teacher)
    assert signed.get_json() == {"status": "completed", "course_completed": True}
    progress = progress_of(app, learner, lesson)
    assert (progress.status, progress.attempts, progress.state) == (Status.COMPLETED, 1, {"known": [0]})
    again = client.post(f"/api/v1/x/flashcards/{lesson.id}/sign-off/{learner.id}", headers=teacher)
    assert again.get_json() == {"status": "completed", "course_completed": False}
    progress = client.get("/api/v1/me/progress", headers=bearer(api_token(learner))).get_json()
    assert "completed" in str(progress)

    # Someone not enrolled (a stranger, the instructor): record_outcome stores nothing.
    for outsider in (make_user(), instructor):
        refused = client.post(f"/api/v1/x/flashcards/{lesson.id}/sign-off/{outsider.id}", headers=teacher)
        assert refused.status_code == 409
        assert progress_of(app, outsider, lesson) is None


def test_record_outcome_returns_none_for_a_user_who_is_not_enrolled(app, db, make_user, learner, deck):
    from elearn.plugin_api import record_outcome
    from elearn.plugins.lesson_type import Outcome

    _course, lesson, _page = deck
    stranger = make_user()
    with app.test_request_context("/"):
        session = get_database(app).session(write=True)
        try:
            assert record_outcome(session, stranger, lesson, Outcome(status=Status.COMPLETED)) is None
            stored = record_outcome(session, learner, lesson, Outcome(status=Status.COMPLETED, score=0.5))
            assert stored is not None and stored.progress.status == Status.COMPLETED
            session.commit()
        finally:
            session.close()
    assert progress_of(app, stranger, lesson) is None
    assert (progress_of(app, learner, lesson).status, progress_of(app, learner, lesson).score) == (
        Status.COMPLETED,
        0.5,
    )


def test_query_parameters_reach_learner_view_on_the_page_and_in_the_api(
    app, client, db, login, api_token, learner, admin, deck
):
    _course, lesson, _page = deck
    login(client, learner)
    focused = client.get(f"/lessons/{lesson.id}?card=1").get_data(as_text=True)
    assert f"Card 2 of 2: {FRONTS[1]}" in focused
    assert "Card " not in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Card " not in client.get(f"/lessons/{lesson.id}?card=7").get_data(as_text=True)

    token = bearer(api_token(learner))
    assert client.get(f"/api/v1/lessons/{lesson.id}?card=0", headers=token).get_json()["view"]["focus"] == 0
    assert "focus" not in client.get(f"/api/v1/lessons/{lesson.id}", headers=token).get_json()["view"]


def test_can_teach_reaches_learner_view_and_the_template(app, client, db, login, api_token, learner, admin, deck):
    _course, lesson, _page = deck
    english(db, admin)
    login(client, learner)
    html = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Answers (instructors only)" not in html and not any(back in html for back in BACKS)
    assert "answers" not in client.get(f"/api/v1/lessons/{lesson.id}", headers=bearer(api_token(learner))).get_json()[
        "view"
    ]

    staff = browser(app, login, admin)
    html = staff.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert f"Answers (instructors only): {BACKS[0]} / {BACKS[1]}" in html
    view = client.get(f"/api/v1/lessons/{lesson.id}", headers=bearer(api_token(admin))).get_json()["view"]
    assert view["answers"] == BACKS


def test_the_user_menu_link_is_shown_to_signed_in_users_only(app, client, db, login, learner, count_queries):
    english(db, learner)
    link = '<a href="/x/flashcards/mine">My flashcards</a>'
    assert "My flashcards" not in client.get("/").get_data(as_text=True)
    assert "/x/flashcards/mine" not in client.get("/login").get_data(as_text=True)

    login(client, learner)
    for path in ("/", "/me", "/account/password"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert link in page.get_data(as_text=True), path
    mine = client.get("/x/flashcards/mine").get_data(as_text=True)
    assert '<a href="/x/flashcards/mine" aria-current="page">My flashcards</a>' in mine
    assert "elearn_user_menu" in app.extensions["elearn_plugins"].plugins["flashcards"].hooks


def test_the_plugin_command_is_listed_and_runs_in_the_configured_app(
    database_url, tmp_path, make_lesson, api_token, client, learner, enrol
):
    listed = run_cli(database_url, tmp_path, "--help")
    assert listed.exit_code == 0, listed.output
    assert "flashcards-count" in listed.output and "Count the flashcards lessons" in listed.output
    assert "db" in listed.output and "pack" in listed.output

    lesson = make_lesson("flashcards", {"cards": CARDS})
    make_lesson("flashcards", {"cards": CARDS[:1]})
    enrol(learner, lesson.course)
    client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"known": [1]}, headers=bearer(api_token(learner)))

    counted = run_cli(database_url, tmp_path, "flashcards-count")
    assert counted.exit_code == 0, counted.output
    assert counted.output.strip() == "2 flashcards lessons, 2 cards reviewed"
    # The core's commands are still there.
    assert "upgrade" in run_cli(database_url, tmp_path, "db", "--help").output


def test_a_plugin_the_site_does_not_run_has_no_command(database_url, tmp_path):
    """``PLUGINS`` names the plugins a site runs; a disabled plugin's command is neither listed nor run."""
    listed = run_cli(database_url, tmp_path, "--help", PLUGINS='["page"]')
    assert listed.exit_code == 0, listed.output
    assert "flashcards-count" not in listed.output and "pack" in listed.output
    refused = run_cli(database_url, tmp_path, "flashcards-count", PLUGINS='["page"]')
    assert refused.exit_code == 2 and "No such command" in refused.output


# -- plugins that misbehave ------------------------------------------------------------

BROKEN_PLUGINS = {
    "fcx_broken_import.py": """
        raise RuntimeError("licence server unreachable")
    """,
    "fcx_typo.py": """
        from elearn import hookimpl

        @hookimpl
        def elearn_lesson_typo():
            return []
    """,
    # Sorted after "page", so "page" is taken by the time it asks for it.
    "fcx_zz_copycat.py": """
        from elearn import hookimpl
        from elearn.plugins.lesson_type import LessonType

        class Impostor(LessonType):
            name = "page"
            labels = {"en": "Impostor"}
            template = "page/lesson.html"

            def learner_view(self, ctx):
                return {"html": "<p>IMPOSTOR</p>", "read": False}

        @hookimpl
        def elearn_lesson_types():
            return [Impostor()]
    """,
    "fcx_bad_view.py": """
        from elearn import hookimpl
        from elearn.plugins.lesson_type import LessonType

        class BadView(LessonType):
            name = "bad_view"
            labels = {"en": "Bad view"}
            template = "page/lesson.html"

            def learner_view(self, ctx):
                return {"html": ctx.content["no such field"]}

        @hookimpl
        def elearn_lesson_types():
            return [BadView()]
    """,
    "fcx_bad_submit.py": """
        from elearn import hookimpl
        from elearn.plugins.lesson_type import LessonType

        class BadSubmit(LessonType):
            name = "bad_submit"
            labels = {"en": "Bad submit"}
            template = "page/lesson.html"

            def learner_view(self, ctx):
                return {"html": "<p>Press the button.</p>", "read": False}

            def instructor_links(self, lesson):
                raise RuntimeError("links exploded")

            def submit(self, ctx, data):
                # Half-way through its work, then it fails: none of it may be kept.
                ctx.user.name = "half written"
                ctx.db.flush()
                return 1 / 0

        @hookimpl
        def elearn_lesson_types():
            return [BadSubmit()]
    """,
    "fcx_bad_template/__init__.py": """
        from elearn import hookimpl
        from elearn.plugins.lesson_type import LessonType

        class BadTemplate(LessonType):
            name = "bad_template"
            labels = {"en": "Bad template"}
            template = "bad_template/lesson.html"

            def learner_view(self, ctx):
                return {"text": "fine so far"}

        @hookimpl
        def elearn_lesson_types():
            return [BadTemplate()]
    """,
    "fcx_bad_template/templates/lesson.html": """
        <p>{{ view.text }} {{ view.explode() }}</p>
    """,
    "fcx_starts_badly.py": """
        from elearn import hookimpl

        @hookimpl
        def elearn_lesson_types():
            raise ValueError("no settings for the lesson types")
    """,
    "fcx_bad_blueprint.py": """
        from elearn import hookimpl

        @hookimpl
        def elearn_blueprints():
            raise ValueError("no settings for the pages")
    """,
    "fcx_bad_menu.py": """
        from elearn import hookimpl

        @hookimpl
        def elearn_user_menu(user):
            raise RuntimeError("menu exploded")

        @hookimpl
        def elearn_commands():
            raise RuntimeError("commands exploded")
    """,
    "fcx_cli_copycat.py": """
        import click

        from elearn import hookimpl

        @click.command("db")
        def hijack():
            click.echo("HIJACKED")

        @click.command("fcx-hello")
        def hello():
            click.echo("hello from a plugin")

        @hookimpl
        def elearn_commands():
            return [hijack, "not a command", hello]
    """,
    # Not a plugin: a folder that happens to sit in site-packages next to single-module plugins.
    "static/leak.txt": "site-packages is not a plugin's folder",
}
ENTRY_POINTS = {
    "broken_import": "fcx_broken_import",
    "typo": "fcx_typo",
    "zz_copycat": "fcx_zz_copycat",
    "bad_view": "fcx_bad_view",
    "bad_submit": "fcx_bad_submit",
    "bad_template": "fcx_bad_template",
    "starts_badly": "fcx_starts_badly",
    "bad_blueprint": "fcx_bad_blueprint",
    "bad_menu": "fcx_bad_menu",
    "cli_copycat": "fcx_cli_copycat",
}


class TestPluginsThatMisbehave:
    @pytest.fixture
    def app_config(self, database_url, tmp_path, site):
        for name, source in BROKEN_PLUGINS.items():
            path = site / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dedent(source).lstrip())
        install_dist(site, "elearn_misbehaving", "0.1", ENTRY_POINTS)
        importlib.invalidate_caches()
        return config_for(database_url, tmp_path)

    @pytest.fixture
    def course(self, make_course, learner, enrol, db):
        english(db, learner)
        course = make_course(
            [
                ("page", {"text": "Nội dung thật của bài đọc."}),
                ("flashcards", {"cards": CARDS}),
                ("bad_view", {}),
                ("bad_submit", {}),
                ("bad_template", {}),
            ]
        )
        enrol(learner, course)
        return course

    def lesson(self, course, type_name):
        return next(lesson for lesson in course.modules[0].lessons if lesson.type_name == type_name)

    def test_each_failure_is_recorded_logged_and_shown_to_the_admin(self, app, caplog, client, db, login, admin):
        registry = app.extensions["elearn_plugins"]
        assert set(registry.failed) == {"broken_import", "typo", "zz_copycat", "starts_badly", "bad_blueprint"}
        assert "could not be imported" in registry.failed["broken_import"]
        assert "licence server unreachable" in registry.failed["broken_import"]
        assert registry.failed["typo"] == "implements unknown hooks: elearn_lesson_typo"
        assert registry.failed["zz_copycat"] == "lesson type 'page' is already provided"
        assert registry.failed["starts_badly"] == (
            "failed in elearn_lesson_types: ValueError('no settings for the lesson types')"
        )
        assert (
            registry.failed["bad_blueprint"] == "failed in elearn_blueprints: ValueError('no settings for the pages')"
        )
        assert type(registry.lesson_types["page"]).__module__ == "elearn_page.lesson"
        assert set(registry.lesson_types) == {*BUILT_IN, "flashcards", "bad_view", "bad_submit", "bad_template"}
        logged = {r.getMessage() for r in caplog.get_records("setup") if r.levelno >= logging.ERROR}
        assert all(any(message.startswith(f"plugin {name} ") for message in logged) for name in registry.failed)
        assert "plugin typo implements unknown hooks: elearn_lesson_typo" in logged

        english(db, admin)
        login(client, admin)
        html = client.get("/admin/plugins").get_data(as_text=True)
        assert "Plugins that failed" in html
        assert "<strong>typo</strong>: implements unknown hooks: elearn_lesson_typo" in html

    def test_instructor_links_that_raise_leave_the_page_to_staff(self, client, db, login, admin, course, caplog):
        english(db, admin)
        login(client, admin)
        shown = client.get(f"/lessons/{self.lesson(course, 'bad_submit').id}")
        assert shown.status_code == 200
        assert "Press the button." in shown.get_data(as_text=True)
        assert any(
            r.getMessage().startswith("lesson type bad_submit failed to list instructor links") for r in caplog.records
        )

    def test_a_single_module_plugin_does_not_serve_the_folder_it_sits_in(self, app, client):
        assert "bad_view" in app.extensions["elearn_plugins"].plugins
        assert client.get("/static/x/bad_view/leak.txt").status_code == 404

    def test_the_rest_of_the_site_keeps_working(self, app, client, login, learner, course):
        assert client.get("/").status_code == 200
        login(client, learner)
        assert client.get(f"/courses/{course.slug}").status_code == 200
        page = client.get(f"/lessons/{self.lesson(course, 'page').id}").get_data(as_text=True)
        assert "Nội dung thật của bài đọc." in page and "IMPOSTOR" not in page
        cards = client.get(f"/lessons/{self.lesson(course, 'flashcards').id}").get_data(as_text=True)
        assert FRONTS[0] in cards
        assert client.get("/me").status_code == 200

    def test_a_view_that_raises_breaks_only_its_lesson(self, app, client, login, learner, course, caplog, api_token):
        lesson = self.lesson(course, "bad_view")
        login(client, learner)
        shown = client.get(f"/lessons/{lesson.id}")
        html = shown.get_data(as_text=True)
        assert shown.status_code == 200
        assert "This lesson cannot be shown right now because its lesson type failed." in html
        assert 'role="alert"' in html
        assert "no such field" not in html  # the details go to the log, not to the learner
        assert client.get(f"/lessons/{self.lesson(course, 'page').id}").status_code == 200

        body = (
            app.test_client()
            .get(f"/api/v1/lessons/{lesson.id}", headers={"Authorization": f"Bearer {api_token(learner)}"})
            .get_json()
        )
        assert "view" not in body
        from elearn.learning.service import plugin_failure_message

        assert body["error"]["message"] == in_app_locale(app, plugin_failure_message)
        failures = [r for r in caplog.records if r.getMessage().startswith("lesson type bad_view failed")]
        assert failures and all(r.exc_info and r.exc_info[0] is KeyError for r in failures)

    def test_a_submit_that_raises_answers_500_and_writes_nothing(
        self, app, client, login, learner, course, caplog, api_token
    ):
        lesson = self.lesson(course, "bad_submit")
        auth = {"Authorization": f"Bearer {api_token(learner)}"}

        answer = app.test_client().post(f"/api/v1/lessons/{lesson.id}/submissions", json={"anything": 1}, headers=auth)
        assert answer.status_code == 500
        expected = in_app_locale(app, _submit_failure)
        assert answer.get_json() == {"error": {"message": expected}}

        login(client, learner)
        form = client.post(
            f"/lessons/{lesson.id}/submit",
            data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{lesson.id}")},
        )
        assert form.status_code == 500
        assert "Your work could not be saved because this lesson&#39;s type failed." in form.get_data(as_text=True)

        assert progress_of(app, learner, lesson) is None
        assert scalar(app, select(func.count()).select_from(LessonProgress)) == 0
        assert scalar(app, select(User.name).where(User.id == learner.id)) == "Nguyễn Văn An"
        failures = [r for r in caplog.records if "failed to accept a submission" in r.getMessage()]
        assert len(failures) == 2 and failures[0].exc_info[0] is ZeroDivisionError
        # The learner carries on elsewhere.
        page = self.lesson(course, "page")
        done = client.post(
            f"/lessons/{page.id}/submit", data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{page.id}")}
        )
        assert done.status_code == 303
        assert progress_of(app, learner, page).status == Status.COMPLETED

    def test_a_template_that_raises_breaks_only_its_lesson_page(
        self, app, client, login, learner, course, caplog, api_token
    ):
        lesson = self.lesson(course, "bad_template")
        login(client, learner)
        shown = client.get(f"/lessons/{lesson.id}")
        html = shown.get_data(as_text=True)
        assert shown.status_code == 200
        assert "This lesson cannot be shown right now because its lesson type failed." in html
        assert "fine so far" not in html
        assert any("template of lesson type bad_template failed" in r.getMessage() for r in caplog.records)
        # The API does not render templates: its view is intact.
        body = client.get(
            f"/api/v1/lessons/{lesson.id}", headers={"Authorization": f"Bearer {api_token(learner)}"}
        ).get_json()
        assert body["view"] == {"text": "fine so far"}
        assert client.get(f"/lessons/{self.lesson(course, 'page').id}").status_code == 200


    def test_a_user_menu_hook_that_raises_leaves_the_page_and_the_other_links(self, client, db, login, learner, caplog):
        english(db, learner)
        login(client, learner)
        page = client.get("/")
        assert page.status_code == 200
        assert '<a href="/x/flashcards/mine">My flashcards</a>' in page.get_data(as_text=True)
        assert any(r.getMessage() == "plugin bad_menu failed in elearn_user_menu" for r in caplog.records)

    def test_plugin_commands_cannot_replace_core_ones_and_a_failing_hook_breaks_nothing(
        self, app, database_url, tmp_path, caplog
    ):
        listed = run_cli(database_url, tmp_path, "--help")
        assert listed.exit_code == 0, listed.output
        assert "fcx-hello" in listed.output and "flashcards-count" in listed.output
        assert run_cli(database_url, tmp_path, "fcx-hello").output == "hello from a plugin\n"

        core = run_cli(database_url, tmp_path, "db", "--help")
        assert core.exit_code == 0 and "upgrade" in core.output and "HIJACKED" not in core.output
        assert any(r.getMessage() == "plugin bad_menu failed in elearn_commands" for r in caplog.records)
        assert run_cli(database_url, tmp_path, "no-such-command").exit_code == 2


def _submit_failure():
    """The message the core gives when a type's submit raises, in the current locale."""
    from flask_babel import gettext

    return gettext("Your work could not be saved because this lesson's type failed. Nothing was changed.")


# -- plugins that break the request's transaction -------------------------------------------
#
# On PostgreSQL a failed statement aborts the whole transaction and a COMMIT then quietly rolls
# back: a plugin must never make the learner read "saved" about work that was not kept.

TRANSACTION_BREAKERS = {
    # Changes the learner's progress, then runs bad SQL and raises.
    "fcx_hook_raises.py": """
        from sqlalchemy import text

        from elearn import hookimpl
        from elearn.db import db_session

        @hookimpl
        def elearn_progress_changed(progress):
            progress.state = {"hooked": "raises"}
            db_session().flush()
            db_session().execute(text("SELECT * FROM fcx_no_such_table"))
    """,
    # Runs bad SQL and swallows the error, as a careless plugin would.
    "fcx_hook_swallows.py": """
        from sqlalchemy import text

        from elearn import hookimpl
        from elearn.db import db_session

        @hookimpl
        def elearn_progress_changed(progress):
            try:
                db_session().execute(text("SELECT * FROM fcx_no_such_table"))
            except Exception:
                pass
    """,
    # A well-behaved plugin beside them: its own work is kept.
    "fcx_hook_counts.py": """
        from elearn import hookimpl

        CALLS = []

        @hookimpl
        def elearn_progress_changed(user, lesson, old_status):
            CALLS.append((user.id, lesson.id, old_status))
    """,
    "fcx_sql_types.py": """
        from sqlalchemy import text

        from elearn import hookimpl
        from elearn.models import Status
        from elearn.plugins.lesson_type import LessonType, Outcome

        def bad_sql(db, swallow):
            try:
                db.execute(text("SELECT * FROM fcx_no_such_table"))
            except Exception:
                if not swallow:
                    raise

        class SqlView(LessonType):
            labels = {"en": "Bad SQL in the view"}
            template = "page/lesson.html"

            def __init__(self, name, swallow):
                self.name, self.swallow = name, swallow

            def learner_view(self, ctx):
                bad_sql(ctx.db, self.swallow)
                return {"html": "<p>VIEW SHOWN</p>", "read": False}

        class SqlSubmit(LessonType):
            name = "sql_submit"
            labels = {"en": "Bad SQL in submit"}
            template = "page/lesson.html"

            def learner_view(self, ctx):
                return {"html": "<p>Press the button.</p>", "read": False}

            def submit(self, ctx, data):
                ctx.user.name = "Đã nộp bài"
                ctx.db.flush()
                bad_sql(ctx.db, swallow=True)
                return Outcome(status=Status.COMPLETED, score=1.0, message="Saved!")

        @hookimpl
        def elearn_lesson_types():
            return [SqlView("sql_view_raises", swallow=False), SqlView("sql_view_swallows", swallow=True), SqlSubmit()]
    """,
}


class TestPluginsThatBreakTheTransaction:
    @pytest.fixture
    def app_config(self, database_url, tmp_path, site):
        for name, source in TRANSACTION_BREAKERS.items():
            (site / name).write_text(dedent(source).lstrip())
        install_dist(site, "elearn_breakers", "0.1", {
            "hook_raises": "fcx_hook_raises", "hook_swallows": "fcx_hook_swallows",
            "hook_counts": "fcx_hook_counts", "sql_types": "fcx_sql_types",
        })
        importlib.invalidate_caches()
        return config_for(database_url, tmp_path)

    @pytest.fixture
    def course(self, make_course, learner, enrol, db):
        english(db, learner)
        course = make_course([
            ("page", {"text": "Đọc kỹ điều lệ."}),
            ("page", {"text": "Bài cuối."}),
            ("sql_view_raises", {}),
            ("sql_view_swallows", {}),
            ("sql_submit", {}),
        ])
        enrol(learner, course)
        return course

    def lesson(self, course, index):
        return course.modules[0].lessons[index]

    def test_a_hook_that_breaks_the_transaction_loses_only_its_own_work(
        self, app, client, login, learner, course, api_token, caplog
    ):
        import fcx_hook_counts

        first, last = self.lesson(course, 0), self.lesson(course, 1)
        login(client, learner)
        done = client.post(f"/lessons/{first.id}/submit",
                           data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{first.id}")})
        assert done.status_code == 303
        kept = progress_of(app, learner, first)
        assert kept.status == Status.COMPLETED
        assert kept.state != {"hooked": "raises"}  # the failing hook's change was rolled back with it

        answer = app.test_client().post(f"/api/v1/lessons/{last.id}/submissions", json={"read": True},
                                        headers={"Authorization": f"Bearer {api_token(learner)}"})
        assert answer.status_code == 201
        assert progress_of(app, learner, last).status == Status.COMPLETED
        assert fcx_hook_counts.CALLS[-2:] == [
            (learner.id, first.id, "not_started"), (learner.id, last.id, "not_started")
        ]
        assert any(r.getMessage() == "plugin hook_raises failed in elearn_progress_changed" for r in caplog.records)
        if app.extensions["elearn_db"].is_sqlite:
            return
        assert any(r.getMessage() == "plugin hook_swallows failed in elearn_progress_changed" for r in caplog.records)

    def test_a_view_that_breaks_the_transaction_breaks_only_its_lesson(self, app, client, login, learner, course,
                                                                      api_token):
        from elearn.learning.service import plugin_failure_message

        login(client, learner)
        auth = {"Authorization": f"Bearer {api_token(learner)}"}
        raises, swallows = self.lesson(course, 2), self.lesson(course, 3)
        for lesson in (raises, swallows):
            shown = client.get(f"/lessons/{lesson.id}")
            assert shown.status_code == 200
            html = shown.get_data(as_text=True)
            assert course.title_en in html  # the page around the lesson still renders
            api = app.test_client().get(f"/api/v1/lessons/{lesson.id}", headers=auth)
            assert api.status_code == 200
            broke = lesson is raises or not app.extensions["elearn_db"].is_sqlite
            assert ("VIEW SHOWN" not in html) is broke
            assert ("view" not in api.get_json()) is broke
            if broke:
                assert "This lesson cannot be shown right now because its lesson type failed." in html
                assert api.get_json()["error"]["message"] == in_app_locale(app, plugin_failure_message)

    def test_a_submission_is_acknowledged_only_when_it_was_kept(self, app, client, login, learner, course, api_token):
        lesson = self.lesson(course, 4)
        auth = {"Authorization": f"Bearer {api_token(learner)}"}
        login(client, learner)
        answers = [
            app.test_client().post(f"/api/v1/lessons/{lesson.id}/submissions", json={}, headers=auth),
            client.post(f"/lessons/{lesson.id}/submit",
                        data={"csrf_token": csrf_token(client, f"/lessons/{lesson.id}")}),
        ]
        kept = progress_of(app, learner, lesson)
        if app.extensions["elearn_db"].is_sqlite:
            # SQLite undoes only the failed statement: the rest of the work is kept, and said so.
            assert [a.status_code for a in answers] == [201, 303]
            assert kept.status == Status.COMPLETED and kept.attempts == 2
        else:
            assert [a.status_code for a in answers] == [500, 500]
            assert answers[0].get_json()["error"]["message"] == in_app_locale(app, _submit_failure)
            assert kept is None


def test_a_commit_of_an_aborted_transaction_is_refused_not_quietly_rolled_back(app, learner):
    """The last line of defence, for any code path: PostgreSQL turns such a COMMIT into a ROLLBACK."""
    from sqlalchemy import text

    from elearn.db import TransactionAborted
    from elearn.models import User

    with get_database(app).session(write=True) as session:
        session.get(User, learner.id).name = "Đã đổi tên"
        session.flush()
        with pytest.raises(Exception, match="fcx_no_such_table"):
            session.execute(text("SELECT * FROM fcx_no_such_table"))
        if get_database(app).is_sqlite:
            session.commit()  # SQLite rolled back the failed statement only
        else:
            with pytest.raises(TransactionAborted):
                session.commit()
    stored = scalar(app, select(User.name).where(User.id == learner.id))
    assert stored == ("Đã đổi tên" if get_database(app).is_sqlite else "Nguyễn Văn An")
