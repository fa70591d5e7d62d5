"""A third-party plugin adds to pages that are not lessons, without any edit to the core.

tests/fixtures/hooks_demo (importing only ``elearn.plugin_api``) is registered for these tests
alone (``PLUGIN_OBJECTS``): an admin tab, a dashboard panel, a course panel, a profile field, a
report column, a setting, pack-manifest keys and a notification channel. Each test checks what
a user sees; a failing panel shows an error in its place; the touched pages' query counts do
not grow with the number of learners or courses.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from elearn.plugin_api import Panel, ReportColumn, hookimpl
from elearn.testing import csrf_token, test_config

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "hooks_demo"))
import elearn_hooks_demo as demo

EXTRA_CONFIG: dict = {}


@pytest.fixture
def app_config(database_url, tmp_path):
    return test_config(database_url, tmp_path, PLUGIN_OBJECTS={"hooks_demo": demo}, **EXTRA_CONFIG)


@pytest.fixture(autouse=True)
def _fresh_plugin_state():
    demo.COOPERATIVES.clear()
    demo.SENT.clear()
    yield
    demo.COOPERATIVES.clear()


def text_of(response) -> str:
    return response.get_data(as_text=True)


# -- admin navigation ---------------------------------------------------------------------


def test_a_plugin_adds_a_tab_to_the_admin_navigation_after_the_cores(client, login, admin):
    login(client, admin)
    page = text_of(client.get("/admin/users"))
    nav = page[page.index('class="tabs"'):page.index("</nav>", page.index('class="tabs"'))]
    labels = [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("<a ")[1:]]
    assert labels == ["Người dùng", "Nhập học viên", "Giảng viên", "Gói nội dung", "Phần mở rộng", "Chương trình",
                      "Nhật ký thao tác", "Hợp tác xã"]
    assert 'href="/x/hooks_demo/cooperatives"' in nav
    # The tab opens the plugin's page, which marks its own tab as the current one.
    tab_page = text_of(client.get("/x/hooks_demo/cooperatives"))
    assert '<a href="/x/hooks_demo/cooperatives" aria-current="page">Hợp tác xã</a>' in tab_page


def test_the_admin_tabs_are_shown_to_administrators_only(client, login, instructor, admin):
    login(client, instructor)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/x/hooks_demo/cooperatives").status_code == 403
    assert client.application.extensions["elearn_plugins"].admin_nav(instructor) == []


# -- dashboard panel and setting ----------------------------------------------------------


def test_a_plugin_adds_a_panel_to_the_dashboard_after_the_cores_courses(client, login, learner, make_course, enrol):
    enrol(learner, make_course(title="Quản trị hợp tác xã"))
    login(client, learner)
    page = text_of(client.get("/me"))
    assert 'id="panel-hooks-demo-digest"' in page
    assert "<h2 id=\"panel-hooks-demo-digest-title\">Bản tin hằng ngày</h2>" in page
    assert "Bản tin gửi lúc 18:00." in page  # the setting's default
    assert page.index("Quản trị hợp tác xã") < page.index("Bản tin hằng ngày")


def test_admin_plugins_lists_each_setting_with_its_variable(client, login, admin):
    login(client, admin)
    page = text_of(client.get("/admin/plugins"))
    assert "<code>ELEARN_HOOKS_DEMO_DIGEST_HOUR</code>" in page
    assert "Hour of the daily digest (0-23)." in page
    assert '<td data-label="Giá trị"><code>18</code></td>' in page


@pytest.mark.parametrize("configured", ["7", 7])
def test_a_setting_is_read_from_the_configuration(database_url, tmp_path, configured, login, make_user):
    from elearn import create_app

    app = create_app(test_config(database_url, tmp_path, PLUGIN_OBJECTS={"hooks_demo": demo},
                                 HOOKS_DEMO_DIGEST_HOUR=configured))
    try:
        assert app.extensions["elearn_settings"]["hooks_demo"] == {"digest_hour": 7}
        with app.app_context():
            from elearn.plugin_api import plugin_setting

            assert plugin_setting("hooks_demo", "digest_hour") == 7
    finally:
        app.extensions["elearn_db"].dispose()


def test_a_setting_comes_from_its_environment_variable(database_url, tmp_path, monkeypatch, client, login):
    from elearn import create_app

    monkeypatch.setenv("ELEARN_HOOKS_DEMO_DIGEST_HOUR", "6")
    app = create_app(test_config(database_url, tmp_path, PLUGIN_OBJECTS={"hooks_demo": demo}))
    try:
        assert app.extensions["elearn_settings"]["hooks_demo"]["digest_hour"] == 6
    finally:
        app.extensions["elearn_db"].dispose()


@pytest.mark.parametrize(
    ("raw", "why"),
    [("18h", "must be a whole number"), ("25", "must be an hour from 0 to 23"), (True, "must be a whole number")],
)
def test_a_bad_setting_stops_the_app_naming_the_variable(database_url, tmp_path, monkeypatch, raw, why):
    from elearn import create_app
    from elearn.plugins.settings import SettingError

    with pytest.raises(SettingError) as refused:
        create_app(test_config(database_url, tmp_path, PLUGIN_OBJECTS={"hooks_demo": demo},
                               HOOKS_DEMO_DIGEST_HOUR=raw))
    message = str(refused.value)
    assert "ELEARN_HOOKS_DEMO_DIGEST_HOUR" in message and why in message and repr(raw) in message


def test_the_command_line_reports_a_bad_setting_without_a_traceback(tmp_path, monkeypatch, database_url):
    """Installed as pip would (an entry point), misconfigured in the environment: the command says
    which variable is wrong, in one line, and stops."""
    from click.testing import CliRunner

    from elearn.cli import main
    from elearn.testing import install_dist

    site = tmp_path / "site-packages"
    install_dist(site, "elearn_hooks_demo", "1.0", {"hooks_demo": "elearn_hooks_demo"})
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("ELEARN_DATABASE_URL", database_url)
    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ELEARN_HOOKS_DEMO_DIGEST_HOUR", "six")
    result = CliRunner().invoke(main, ["plugins", "list"])
    assert result.exit_code == 1
    assert "ELEARN_HOOKS_DEMO_DIGEST_HOUR (setting 'digest_hour' of plugin 'hooks_demo') must be a whole number" \
        in result.output
    assert "Traceback" not in result.output


# -- course panel -------------------------------------------------------------------------


def test_a_plugin_adds_a_panel_to_the_course_page_for_its_learners(client, login, learner, make_course, enrol):
    course = make_course(slug="ke-hoach")
    login(client, learner)
    assert "Kế hoạch của hợp tác xã" not in text_of(client.get("/courses/ke-hoach"))  # not enrolled: not shown
    enrol(learner, course)
    page = text_of(client.get("/courses/ke-hoach"))
    assert '<h2 id="panel-hooks-demo-course-title">Kế hoạch của hợp tác xã</h2>' in page
    assert "Kế hoạch chung cho khoá ke-hoach." in page
    # Between the learner's progress and the lessons.
    assert page.index("Học tiếp:") < page.index("Kế hoạch chung") < page.index("Phần 1")


def test_the_cores_staff_links_are_a_course_panel(client, login, admin, make_course):
    make_course(slug="day-hoc")
    login(client, admin)
    page = text_of(client.get("/courses/day-hoc"))
    assert 'id="panel-staff"' in page and "Bạn là giảng viên của khoá học này" in page
    assert 'href="/courses/day-hoc/groups"' in page and 'href="/courses/day-hoc/report"' in page


# -- profile field ------------------------------------------------------------------------


def test_a_plugin_adds_a_field_to_the_profile_which_the_user_saves(client, login, learner):
    login(client, learner)
    page = text_of(client.get("/account"))
    assert '<label for="profile-hooks_demo-cooperative">Hợp tác xã của bạn</label>' in page
    assert "Tên hợp tác xã nơi bạn làm việc." in page
    token = csrf_token(client, "/account")
    saved = client.post("/account", data={"csrf_token": token, "profile-hooks_demo-cooperative": "HTX Tân Phú"})
    assert saved.status_code == 303
    assert {learner.id: "HTX Tân Phú"} == demo.COOPERATIVES
    page = text_of(client.get("/account"))
    assert 'value="HTX Tân Phú"' in page and "Đã lưu hồ sơ của bạn." in page
    # What the plugin refuses is shown beside the field, and nothing is saved.
    refused = client.post("/account", data={"csrf_token": token, "profile-hooks_demo-cooperative": "HT"})
    assert refused.status_code == 400
    assert "Tên hợp tác xã cần ít nhất 3 ký tự." in text_of(refused)
    assert 'value="HT"' in text_of(refused)
    assert {learner.id: "HTX Tân Phú"} == demo.COOPERATIVES


def test_the_profile_through_the_api(client, learner, api_token):
    headers = {"Authorization": f"Bearer {api_token(learner)}"}
    shown = client.get("/api/v1/me/profile", headers=headers)
    assert shown.status_code == 200, shown.get_json()
    assert shown.get_json()["fields"] == [{
        "id": "hooks_demo.cooperative", "label": "Hợp tác xã của bạn", "value": "",
        "help": "Tên hợp tác xã nơi bạn làm việc.", "read_only": False,
    }]
    saved = client.put("/api/v1/me/profile", headers=headers, json={"values": {"hooks_demo.cooperative": "HTX Mới"}})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["fields"][0]["value"] == "HTX Mới"
    refused = client.put("/api/v1/me/profile", headers=headers, json={"values": {"hooks_demo.cooperative": "X"}})
    assert refused.status_code == 400
    assert "Tên hợp tác xã cần ít nhất 3 ký tự." in refused.get_json()["error"]["message"]
    unknown = client.put("/api/v1/me/profile", headers=headers, json={"values": {"nobody.field": "x"}})
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["message"] == "nobody.field: Hồ sơ không có trường này."
    assert {learner.id: "HTX Mới"} == demo.COOPERATIVES


# -- report column ------------------------------------------------------------------------


def test_a_plugin_adds_a_column_to_the_course_report_and_groups_it(
    client, login, instructor, make_user, make_course, enrol, db
):
    from elearn.models import CourseInstructor

    course = make_course(slug="bao-cao")
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    an, binh, chi = (make_user(name=name) for name in ("An", "Bình", "Chi"))
    for person in (an, binh, chi):
        enrol(person, course)
    demo.COOPERATIVES.update({an.id: "HTX Tân Phú", binh.id: "HTX Tân Phú"})
    login(client, instructor)
    page = text_of(client.get("/courses/bao-cao/report"))
    assert '<th scope="col" data-column="cooperative">Hợp tác xã</th>' in page
    assert page.count('<td data-column="cooperative">HTX Tân Phú</td>') == 2
    assert page.count('<td data-column="cooperative">—</td>') == 1  # Chi has none
    grouped = text_of(client.get("/courses/bao-cao/report?group_by=cooperative"))
    assert "<tr><th scope=\"row\">HTX Tân Phú</th><td>2</td><td>0</td></tr>" in grouped
    assert "<tr><th scope=\"row\">—</th><td>1</td><td>0</td></tr>" in grouped
    assert client.get("/courses/bao-cao/report?group_by=nothing").status_code == 400


def test_the_report_is_for_the_courses_teachers_only(client, login, learner, make_course, enrol):
    course = make_course(slug="rieng")
    enrol(learner, course)
    assert client.get("/courses/rieng/report").status_code in (302, 401)
    login(client, learner)
    assert client.get("/courses/rieng/report").status_code == 403


# -- pack manifest keys -------------------------------------------------------------------


def write_pack(folder: Path, course_extra: str = "", module_extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        "id: mo-rong\nversion: 1.0.0\ntitle: {vi: Mở rộng}\n"
        f"course:\n  slug: mo-rong\n{course_extra}"
        "  modules:\n    - id: m1\n      title: {vi: Phần 1}\n"
        f"{module_extra}"
        "      lessons:\n        - {id: l1, type: page, title: {vi: Bài 1}, content: {text: Xin chào}}\n"
    )
    return folder


def test_a_plugin_declares_extra_keys_of_a_pack_manifest(app, tmp_path):
    from elearn.packs.service import _load

    with app.app_context():
        pack = _load(app, write_pack(tmp_path / "ok", "  audience: managers\n", "      weeks: 2\n"))
    assert pack.extensions == {"audience": "managers"} and pack.modules[0].extensions == {"weeks": 2}


def test_an_installed_packs_extension_values_are_read_back(app, tmp_path, db):
    from elearn.models import Course
    from elearn.packs.service import install_path
    from elearn.plugin_api import pack_extensions

    install_path(app, write_pack(tmp_path / "ok", "  audience: members\n", "      weeks: 3\n"))
    course = db.query(Course).filter_by(slug="mo-rong").one()
    assert pack_extensions(db, course) == {"course": {"audience": "members"}, "modules": {"m1": {"weeks": 3}}}


def test_a_plugins_manifest_key_is_checked_and_unknown_keys_are_still_refused(app, tmp_path):
    from elearn.packs.service import _load
    from elearn.packs.source import PackInvalid

    folder = write_pack(tmp_path / "bad", "  audience: everyone\n  colour: red\n", "      weeks: 0\n")
    with app.app_context(), pytest.raises(PackInvalid) as refused:
        _load(app, folder)
    errors = {error.where.removeprefix("pack.yaml: "): error.message for error in refused.value.errors}
    assert errors == {
        "course.audience": "must be 'managers' or 'members'",
        "course.colour": "trường không được hỗ trợ (dùng 'slug', 'modules', 'groups', 'certificate', 'audience')",
        "course.modules[0].weeks": "must be a whole number of weeks, at least 1",
    }


# -- notification channels ----------------------------------------------------------------


def test_a_notification_reaches_every_channel_and_a_failing_one_harms_no_other(app, learner, db, caplog):
    from elearn.plugin_api import Notification, notify

    class Broken:
        name = "broken"

        def send(self, user, notification):
            raise RuntimeError("the SMS gateway is down")

    with app.test_request_context("/", method="POST"):  # notifications are sent by writing requests
        from elearn.plugins.notifications import channels

        channels().insert(0, ("sms", Broken()))
        failed = notify([learner], Notification("demo.hello", url="/me"))
    assert failed == ["broken"]
    assert [(learner.id, "demo.hello")] == demo.SENT
    assert "channel broken failed" in caplog.text


# -- isolation ----------------------------------------------------------------------------


def breaking_plugin():
    """Panels that fail in every way: a hook that raises, a template that raises."""

    @hookimpl
    def elearn_dashboard_panels(user, db):
        return [Panel("broken-template", "hooks_demo/no_such_template.html", title="Hỏng")]

    @hookimpl
    def elearn_course_panels(user, course, access, db):
        raise RuntimeError("the plugin's database is down")

    @hookimpl
    def elearn_admin_nav(user):
        raise RuntimeError("nav broke")

    def no_values(db, course, user_ids):
        raise RuntimeError("the organisations' register is unreachable")

    @hookimpl
    def elearn_report_columns(course, db):
        return [ReportColumn("district", "Huyện", no_values)]

    return SimpleNamespace(elearn_dashboard_panels=elearn_dashboard_panels,
                           elearn_course_panels=elearn_course_panels, elearn_admin_nav=elearn_admin_nav,
                           elearn_report_columns=elearn_report_columns)


def test_a_failing_panel_shows_an_error_in_its_place_and_the_page_goes_on(
    database_url, tmp_path, make_user, login
):
    from elearn import create_app
    from elearn.models import Enrolment

    app = create_app(test_config(database_url, tmp_path, PLUGIN_OBJECTS={"hooks_demo": demo,
                                                                         "breaks": breaking_plugin()}))
    try:
        with app.app_context():
            from elearn.db import get_database
            from elearn.models import Course, Module

            # A write session of its own: pytest-flask keeps a GET request of the fixtures' app
            # pushed, and a reading request's session refuses writes.
            db = get_database().session(write=True)
            admin_user = make_user_in(db, "admin")
            course = Course(slug="vung-ben", title_vi="Vững bền", title_en="", summary_vi="", is_published=True)
            db.add(course)
            db.flush()
            db.add(Module(course_id=course.id, key="m1", position=0, title_vi="Phần 1", title_en=""))
            db.add(Enrolment(user_id=admin_user.id, course_id=course.id))
            db.commit()
            db.close()
        client = app.test_client()
        login(client, admin_user)
        dashboard = client.get("/me")
        assert dashboard.status_code == 200
        page = text_of(dashboard)
        assert 'id="panel-broken-template"' in page
        assert "Plugin “breaks” không hiển thị được phần này của trang." in page
        assert "Bản tin gửi lúc 18:00." in page and "Vững bền" in page  # the other panels are there
        course_page = client.get("/courses/vung-ben")
        assert course_page.status_code == 200
        assert "Plugin “breaks” không hiển thị được phần này của trang." in text_of(course_page)
        assert "Kế hoạch chung cho khoá vung-ben." in text_of(course_page)
        admin_page = text_of(client.get("/admin/users"))
        assert "Hợp tác xã" in admin_page and "Người dùng" in admin_page
        report = client.get("/courses/vung-ben/report")
        assert report.status_code == 200
        assert "Huyện: Plugin “breaks” không điền được cột này." in text_of(report)
        assert '<td data-column="course_completed">không</td>' in text_of(report)  # the other columns are filled
    finally:
        app.extensions["elearn_db"].dispose()


def make_user_in(db, role: str):
    from elearn.auth.accounts import create_user
    from elearn.testing import TEST_PASSWORD

    user = create_user(db, f"{role}@example.org", "Quản trị", TEST_PASSWORD, role)
    db.commit()
    return user


# -- query counts -------------------------------------------------------------------------


def test_the_touched_pages_query_counts_stay_constant(
    client, login, instructor, make_user, make_course, enrol, db, count_queries
):
    """Each page's count with the plugin's additions is the same for 1 learner (and course) as for 30."""
    from elearn.models import CourseInstructor

    def counts(slug: str) -> dict[str, int]:
        found = {}
        for url in ("/me", f"/courses/{slug}", f"/courses/{slug}/report",
                    f"/courses/{slug}/report?group_by=cooperative", "/account"):
            with count_queries() as counted:
                assert client.get(url).status_code == 200, url
            found[url.replace(slug, "<slug>")] = counted.n
        return found

    login(client, instructor)

    def world(size: int) -> str:
        courses = [make_course() for _ in range(size)]
        for course in courses:
            db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
        db.commit()
        for index in range(size):
            person = make_user()
            enrol(person, courses[-1])
            demo.COOPERATIVES[person.id] = f"HTX {index % 3}"
        return courses[-1].slug

    small = counts(world(1))
    large = counts(world(30))
    assert large == small, (small, large)


def test_in_safe_mode_the_cores_own_tabs_and_panels_are_still_there(database_url, tmp_path, login):
    """The core's features are a default plugin, not an installed one: safe mode (no plugin) keeps them."""
    from elearn import create_app

    app = create_app(test_config(database_url, tmp_path, PLUGINS=[]))
    try:
        registry = app.extensions["elearn_plugins"]
        assert registry.plugins == {} and list(registry.defaults) == ["elearn"]
        with app.app_context():
            from elearn.db import db_session

            admin_user = make_user_in(db_session(), "admin")
        client = app.test_client()
        login(client, admin_user)
        admin_page = text_of(client.get("/admin/plugins"))
        for tab in ("/admin/users", "/admin/courses", "/admin/packs", "/admin/plugins"):
            assert f'<a href="{tab}"' in admin_page
        assert "Bạn chưa đăng ký học khoá học nào." in text_of(client.get("/me"))
    finally:
        app.extensions["elearn_db"].dispose()
