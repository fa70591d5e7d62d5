"""Bilingual content: texts per field ({vi, en}) or per file (x.en.md) resolved per language, stored
as translations, served in the reader's language with a note when a lesson is Vietnamese only.

The database tests run on SQLite and, when ELEARN_TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from elearn_page.lesson import PageLesson
from sqlalchemy import select

from elearn.cli import main
from elearn.models import Course, Lesson
from elearn.packs.files import FolderFiles
from elearn.packs.localise import import_lesson
from elearn.packs.service import install_path
from elearn.plugins.lesson_type import ContentError, ContentInvalid, LessonType
from elearn.testing import FAST_HASH, csrf_token, fresh, lesson_ids

DEMO_PACK = Path(__file__).resolve().parent.parent / "content_packs" / "hop-tac-xa-co-ban"
LANGUAGES = ["vi", "en"]
NOTE_EN = "This lesson is in Vietnamese only."
NOTE_VI = "Bài học này chỉ có bằng tiếng Việt."


class Echo(LessonType):
    """Stores what it was given, and counts the translations it was asked for."""

    name = "echo"
    labels: ClassVar = {"vi": "Thử", "en": "Echo"}
    template = "echo.html"

    def __init__(self) -> None:
        self.translated: list[str] = []

    def import_content(self, raw: Mapping[str, Any], files) -> dict[str, Any]:
        if raw.get("fail") == "in English" and raw.get("marker") == "en":
            raise ContentInvalid([ContentError("marker", "is wrong")])
        return dict(raw)

    def import_translation(self, canonical, raw, files, locale):
        self.translated.append(locale)
        return super().import_translation(canonical, raw, files, locale)


# -- resolution rules ----------------------------------------------------------------


def test_texts_given_per_field_resolve_per_language_anywhere_in_the_content():
    raw = {
        "stem": {"vi": "Mỗi thành viên có mấy phiếu?", "en": "How many votes does a member have?"},
        "choices": [{"text": {"vi": "Một", "en": "One"}, "correct": True}, {"text": "Theo vốn góp"}],
        "points": 2,
        "settings": {"completion": {"posts": 1, "replies": 0}},
    }
    canonical, translations = import_lesson(Echo(), raw, None, LANGUAGES)
    assert canonical == {
        "stem": "Mỗi thành viên có mấy phiếu?",
        "choices": [{"text": "Một", "correct": True}, {"text": "Theo vốn góp"}],
        "points": 2,
        "settings": {"completion": {"posts": 1, "replies": 0}},
    }
    assert translations == {"en": {
        "stem": "How many votes does a member have?",
        "choices": [{"text": "One", "correct": True}, {"text": "Theo vốn góp"}],  # no English: the Vietnamese
        "points": 2,
        "settings": {"completion": {"posts": 1, "replies": 0}},
    }}


def test_a_field_without_english_is_vietnamese_in_the_english_version():
    raw = {"a": {"vi": "một", "en": "one"}, "b": {"vi": "hai"}, "c": {"vi": "ba", "en": ""}}
    _canonical, translations = import_lesson(Echo(), raw, None, LANGUAGES)
    assert translations["en"] == {"a": "one", "b": "hai", "c": "ba"}


def test_a_lesson_with_nothing_in_english_has_no_translation():
    echo = Echo()
    canonical, translations = import_lesson(echo, {"a": {"vi": "một"}, "b": "hai"}, None, LANGUAGES)
    assert canonical == {"a": "một", "b": "hai"}
    assert translations == {}
    assert echo.translated == [], "import_translation is not called when nothing is in English"


def test_a_site_in_vietnamese_only_reads_english_texts_and_keeps_the_vietnamese():
    raw = {"stem": {"vi": "Một", "en": "One"}}
    assert import_lesson(Echo(), raw, None, ["vi"]) == ({"stem": "Một"}, {})


def test_english_without_vietnamese_is_refused_where_it_is():
    with pytest.raises(ContentInvalid) as caught:
        import_lesson(Echo(), {"questions": [{"stem": "Một"}, {"stem": {"en": "Two"}}]}, None, LANGUAGES)
    [error] = caught.value.errors
    assert error.where == "questions[1].stem"
    assert "'vi'" in error.message and "required" in error.message


def test_a_mapping_of_other_keys_is_content_not_a_translation():
    raw = {"completion": {"posts": 1, "vi": 2}, "empty": {}}
    canonical, translations = import_lesson(Echo(), raw, None, LANGUAGES)
    assert canonical == raw and translations == {}


def test_errors_of_the_english_say_so():
    with pytest.raises(ContentInvalid) as caught:
        import_lesson(Echo(), {"fail": "in English", "marker": {"vi": "vi", "en": "en"}}, None, LANGUAGES)
    assert [(e.where, e.message) for e in caught.value.errors] == [("marker", "in English: is wrong")]


@pytest.fixture
def pack_folder(tmp_path) -> Path:
    files = {
        "bai/a.md": "# Hợp tác xã\n\n![Sơ đồ](media/so-do.svg)",
        "bai/a.en.md": "# Cooperatives\n\n![Chart](media/so-do.svg)",
        "bai/b.vi.md": "Chỉ tên .vi",
        "bai/b.en.md": "Named .vi in pack.yaml",
        "bai/c.vi.md": "Tệp c.vi.md, tên c.md",
        "bai/c.en.md": "File c.en.md, named c.md",
        "bai/d.md": "Chỉ tiếng Việt ![Sơ đồ](media/so-do.svg)",
        "media/so-do.svg": "<svg/>",
        "media/so-do.en.svg": "<svg/>",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_file_has_its_english_beside_it(pack_folder):
    files = FolderFiles(pack_folder, "goi", "1.0.0")
    canonical, translations = import_lesson(PageLesson(), {"file": "bai/a.md"}, files, LANGUAGES)
    assert canonical["markdown"].startswith("# Hợp tác xã")
    assert 'src="/media/packs/goi/1.0.0/media/so-do.svg"' in canonical["html"]
    assert translations["en"]["markdown"].startswith("# Cooperatives")
    # Pictures too: the English lesson shows the English diagram, named as the Vietnamese one.
    assert 'src="/media/packs/goi/1.0.0/media/so-do.en.svg"' in translations["en"]["html"]


def test_the_vietnamese_file_may_be_named_x_vi(pack_folder):
    files = FolderFiles(pack_folder, "goi", "1.0.0")
    canonical, translations = import_lesson(PageLesson(), {"file": "bai/b.vi.md"}, files, LANGUAGES)
    assert (canonical["markdown"], translations["en"]["markdown"]) == ("Chỉ tên .vi", "Named .vi in pack.yaml")
    canonical, translations = import_lesson(PageLesson(), {"file": "bai/c.md"}, files, LANGUAGES)
    assert (canonical["markdown"], translations["en"]["markdown"]) == ("Tệp c.vi.md, tên c.md",
                                                                       "File c.en.md, named c.md")


def test_an_english_picture_alone_does_not_make_a_lesson_english(pack_folder):
    files = FolderFiles(pack_folder, "goi", "1.0.0")
    _canonical, translations = import_lesson(PageLesson(), {"file": "bai/d.md"}, files, LANGUAGES)
    assert translations == {}


def test_a_missing_english_file_is_no_error_and_a_broken_one_is(pack_folder):
    files = FolderFiles(pack_folder, "goi", "1.0.0")
    (pack_folder / "bai/a.en.md").write_text("![Chart](media/khong-co.svg)", encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        import_lesson(PageLesson(), {"file": "bai/a.md"}, files, LANGUAGES)
    [error] = caught.value.errors
    assert error.where == "file"
    assert error.message.startswith("in English: bai/a.en.md, line 1:")
    assert "'media/khong-co.svg' file not found" in error.message


# -- packs: validate, install, upgrade ---------------------------------------------------


def demo_copy(tmp_path: Path, version: str = "1.0.0", *, drop: tuple[str, ...] = (),
              replace: Mapping[str, str] | None = None) -> Path:
    """The demo pack at ``version``, without the files ``drop`` and with ``replace`` done in pack.yaml."""
    target = tmp_path / f"demo-{version}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(DEMO_PACK, target)
    for name in drop:
        (target / name).unlink()
    manifest = target / "pack.yaml"
    source = manifest.read_text(encoding="utf-8").replace("version: 1.0.0", f"version: {version}")
    for old, new in (replace or {}).items():
        assert old in source, old
        source = source.replace(old, new)
    manifest.write_text(source, encoding="utf-8")
    return target


def test_the_demo_pack_is_complete_in_english(app):
    from elearn.packs.manifest import load_pack

    pack = load_pack(DEMO_PACK, app.extensions["elearn_plugins"].lesson_types, languages=LANGUAGES)
    assert pack.lessons_without("en") == []
    assert all(lesson.title["en"] for lesson in pack.lessons)
    assert all(module.title["en"] for module in pack.modules)
    assert all(group.title["en"] for group_set in pack.group_sets for group in group_set.groups)


def test_pack_validate_lists_the_lessons_without_english(tmp_path):
    source = demo_copy(tmp_path, drop=("lessons/04-cong-khai.en.md",),
                       replace={"            en: What is a cooperative?\n": ""})
    env = {"ELEARN_INSTANCE_PATH": str(tmp_path / "instance"),
           "ELEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}",
           "ELEARN_PASSWORD_HASH": str(FAST_HASH).replace("'", '"')}
    result = CliRunner().invoke(main, ["pack", "validate", str(source)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "hop-tac-xa-co-ban 1.0.0: valid (2 modules, 8 lessons)",
        "warning: 2 lesson(s) without English; English readers see them in Vietnamese:",
        "  htx-la-gi (Hợp tác xã là gì?): no English title",
        "  cong-khai-tai-chinh (Công khai tài chính với thành viên): no English content",
    ]


def demo_lessons(db) -> dict[str, Lesson]:
    fresh(db)
    course = db.scalar(select(Course).where(Course.pack_id == "hop-tac-xa-co-ban"))
    return {lesson.key: lesson for lesson in db.scalars(select(Lesson).where(Lesson.course_id == course.id))}


def test_install_and_upgrades_keep_the_translations_in_step(app, db, tmp_path):
    report = install_path(app, demo_copy(tmp_path))
    assert report.without_english == []
    lessons = demo_lessons(db)
    assert all(lesson.content_languages == ["vi", "en"] for lesson in lessons.values())
    assert "Members have the right to know" in lessons["cong-khai-tai-chinh"].translations["en"]["html"]
    assert "Thành viên có quyền" in lessons["cong-khai-tai-chinh"].content["html"]

    # A new version without the English of one lesson: that translation goes, the others stay, unchanged.
    report = install_path(app, demo_copy(tmp_path, "1.1.0", drop=("lessons/04-cong-khai.en.md",)))
    assert report.changed == ["video-ba-dieu", "cong-khai-tai-chinh"]  # the video links the new version's files
    assert [lesson.key for lesson in report.without_english] == ["cong-khai-tai-chinh"]
    lessons = demo_lessons(db)
    assert lessons["cong-khai-tai-chinh"].translations == {}
    assert lessons["cong-khai-tai-chinh"].content_languages == ["vi"]
    assert lessons["cong-khai-tai-chinh"].content_for("en") is lessons["cong-khai-tai-chinh"].content
    assert "/media/packs/hop-tac-xa-co-ban/1.1.0/media/so-do-to-chuc.en.svg" in \
        lessons["dai-hoi-thanh-vien"].translations["en"]["html"]

    # Only the English of one lesson changes, and the other has its English again: both are changed.
    english = demo_copy(tmp_path, "1.2.0")
    path = english / "lessons/01-htx-la-gi.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("An example", "For example"), encoding="utf-8")
    report = install_path(app, english)
    assert report.changed == ["htx-la-gi", "video-ba-dieu", "cong-khai-tai-chinh"] and report.without_english == []
    lessons = demo_lessons(db)
    assert "<h2>For example</h2>" in lessons["htx-la-gi"].translations["en"]["html"]
    assert lessons["cong-khai-tai-chinh"].content_languages == ["vi", "en"]


def test_the_admin_upload_lists_the_lessons_without_english(client, admin, login, tmp_path):
    source = demo_copy(tmp_path, drop=("lessons/02-nguyen-tac.en.md",))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            zipped.write(file, f"hop-tac-xa-co-ban/{file.relative_to(source).as_posix()}")
    login(client, admin)
    response = client.post("/admin/packs", data={
        "pack": (io.BytesIO(archive.getvalue()), "goi.zip"), "csrf_token": csrf_token(client, "/admin/packs"),
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "1 bài học chưa có bản tiếng Anh" in page  # the admin's interface is Vietnamese
    assert "<code>bay-nguyen-tac</code> Bảy nguyên tắc tổ chức và hoạt động:" in page
    assert "chưa có nội dung tiếng Anh" in page


# -- what learners get ----------------------------------------------------------------------


@pytest.fixture
def bilingual_course(make_course, learner, enrol, db):
    course = make_course([
        ("page", {"text": {"vi": "Hợp tác xã là tổ chức kinh tế tập thể.",
                           "en": "A cooperative is a collective economic organisation."}}),
        ("page", {"text": "Bài này chỉ có tiếng Việt."}),
    ])
    enrol(learner, course)
    return course, lesson_ids(db, course)


def in_english(client, db, learner, login):
    login(client, learner)
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/")})


def test_the_lesson_page_in_english_shows_the_english(client, db, learner, login, bilingual_course):
    _course, ids = bilingual_course
    in_english(client, db, learner, login)
    page = client.get(f"/lessons/{ids[0]}").get_data(as_text=True)
    assert "A cooperative is a collective economic organisation." in page
    assert "tổ chức kinh tế tập thể" not in page
    assert NOTE_EN not in page
    assert '<div class="page-text" lang="en">' in page


def test_an_english_reader_is_told_when_a_lesson_is_vietnamese_only(client, db, learner, login, bilingual_course):
    course, ids = bilingual_course
    in_english(client, db, learner, login)
    page = client.get(f"/lessons/{ids[1]}").get_data(as_text=True)
    assert "Bài này chỉ có tiếng Việt." in page
    assert NOTE_EN in page
    assert '<div class="page-text" lang="vi">' in page
    outline = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert outline.count("(in Vietnamese only)") == 1


def test_the_vietnamese_interface_shows_the_vietnamese_and_no_note(client, learner, login, bilingual_course):
    course, ids = bilingual_course
    login(client, learner)
    for lesson_id in ids:
        page = client.get(f"/lessons/{lesson_id}").get_data(as_text=True)
        assert NOTE_EN not in page and NOTE_VI not in page
    assert "tổ chức kinh tế tập thể" in client.get(f"/lessons/{ids[0]}").get_data(as_text=True)
    assert "chỉ có bằng tiếng Việt" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_the_api_says_which_language_it_serves(client, learner, api_token, bilingual_course):
    course, ids = bilingual_course
    token = api_token(learner)

    def get(url: str, language: str):
        return client.get(url, headers={"Authorization": f"Bearer {token}", "Accept-Language": language}).get_json()

    english = get(f"/api/v1/lessons/{ids[0]}", "en")
    assert english["content_language"] == "en"
    assert "collective economic organisation" in english["view"]["html"]
    vietnamese_only = get(f"/api/v1/lessons/{ids[1]}", "en")
    assert vietnamese_only["content_language"] == "vi"
    assert "chỉ có tiếng Việt" in vietnamese_only["view"]["html"]
    vietnamese = get(f"/api/v1/lessons/{ids[0]}", "vi")
    assert vietnamese["content_language"] == "vi" and "tập thể" in vietnamese["view"]["html"]
    outline = get(f"/api/v1/courses/{course.slug}", "en")
    assert [lesson["content_languages"] for lesson in outline["modules"][0]["lessons"]] == [["vi", "en"], ["vi"]]


def test_the_english_page_costs_no_more_queries_than_the_vietnamese(client, db, learner, login, bilingual_course,
                                                                     count_queries):
    _course, ids = bilingual_course
    login(client, learner)
    client.get(f"/lessons/{ids[0]}")  # warm caches (plugins, templates)
    with count_queries() as vietnamese:
        client.get(f"/lessons/{ids[0]}")
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/")})
    with count_queries() as english:
        page = client.get(f"/lessons/{ids[0]}").get_data(as_text=True)
    assert "collective economic organisation" in page
    assert english.n == vietnamese.n, "the translation comes with the lesson's own query"
