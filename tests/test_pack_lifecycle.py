"""Content packs from start to end: install (all or nothing), upgrade, diff, remove, export, scaffold.

Every test runs on SQLite and, when ELEARN_TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask_babel import force_locale
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from elearn import create_app
from elearn.cli import main
from elearn.clock import utcnow
from elearn.db.migrate import upgrade
from elearn.groups import service as group_service
from elearn.learning.outline import my_learning
from elearn.models import Course, CourseGroup, CourseGroupSet, Enrolment, InstalledPack, Lesson, LessonProgress, Module
from elearn.models.progress import Status
from elearn.packs import installer
from elearn.packs.service import (
    PackInvalid,
    PackRefused,
    diff_path,
    export_pack,
    install_path,
    installed_packs,
    media_root,
    remove_pack,
    scaffold_pack,
    validate_path,
)
from elearn.testing import FAST_HASH, fresh, test_config

DEMO_PACK = Path(__file__).resolve().parent.parent / "content_packs" / "hop-tac-xa-co-ban"
PACK_ID = "hop-tac-xa-co-ban"
TABLES = [
    "courses",
    "modules",
    "lessons",
    "installed_packs",
    "enrolments",
    "lesson_progress",
    "course_instructors",
    "course_group_sets",
    "course_groups",
]

NEW_LESSON = """\
        - id: bao-cao-nam
          type: page
          title:
            vi: Báo cáo năm
            en: The yearly report
          content:
            text: Báo cáo tài chính năm được công khai tại đại hội.
"""


def lesson_block(source: str, key: str) -> tuple[int, int]:
    """Where lesson ``key``'s block is in a manifest's text: from its ``- id:`` line to the next line as little
    indented (the next lesson, a comment before it, or the next module), wherever in its module the lesson is."""
    lines = source.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {key}")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(
        (i for i in range(start + 1, len(lines))
         if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) <= indent),
        len(lines),
    )
    return sum(map(len, lines[:start])), sum(map(len, lines[:end]))


def pack_version(tmp_path: Path, version: str, *, retire: str | None = None, add: bool = False) -> Path:
    """A copy of the demo pack at ``version``: a changed title, maybe a lesson retired or one added (last)."""
    target = tmp_path / f"src-{version}-{retire}-{add}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(DEMO_PACK, target)
    manifest = target / "pack.yaml"
    source = manifest.read_text(encoding="utf-8").replace("version: 1.0.0", f"version: {version}")
    if version != "1.0.0":
        source = source.replace("vi: Hợp tác xã là gì?", "vi: HTX là gì?")
    if retire:
        start, end = lesson_block(source, retire)
        source = source[:start] + source[end:]
    if add:
        source = source.rstrip("\n") + "\n" + NEW_LESSON
    manifest.write_text(source, encoding="utf-8")
    return target


def table_dump(app) -> dict[str, list[tuple]]:
    with app.extensions["elearn_db"].engine.connect() as conn:
        return {
            table: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))] for table in TABLES
        }


def file_listing(app) -> list[tuple[str, bytes | None]]:
    root = media_root(app)
    if not root.exists():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path.read_bytes() if path.is_file() else None) for path in root.rglob("*")
    )


def lessons_by_key(db, course_id: int) -> dict[str, Lesson]:
    db.rollback()  # a new snapshot: the installs ran in their own transactions
    return {lesson.key: lesson for lesson in db.scalars(select(Lesson).where(Lesson.course_id == course_id))}


def outline(app) -> list[tuple]:
    """The installed course as data: modules and lessons, keys, titles, types and contents."""
    from elearn.db import get_database

    with get_database(app).session() as session:
        course = session.scalar(select(Course).where(Course.pack_id == PACK_ID))
        modules = session.scalars(select(Module).where(Module.course_id == course.id).order_by(Module.position))
        found = [(course.slug, course.title_vi, course.title_en, course.summary_vi, course.summary_en)]
        for module in modules:
            found.append((module.key, module.position, module.title_vi, module.title_en))
            for lesson in module.lessons:
                found.append(
                    (lesson.key, lesson.position, lesson.type_name, lesson.title_vi, lesson.title_en, lesson.content)
                )
        return found


def complete_everything(db, user, course_id: int) -> None:
    now = utcnow() - timedelta(days=1)
    lessons = lessons_by_key(db, course_id).values()
    db.add(Enrolment(user_id=user.id, course_id=course_id, completed_at=now))
    for lesson in lessons:
        db.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                status=Status.COMPLETED,
                score=0.75,
                attempts=2,
                state={"read": True},
                started_at=now,
                completed_at=now,
            )
        )
    db.commit()


# -- installing ---------------------------------------------------------------------


def test_install_keeps_a_copy_of_the_pack_and_lists_it(app):
    report = install_path(app, DEMO_PACK)
    assert (report.previous_version, sorted(report.added)) == (
        None,
        sorted(
            [
                "htx-la-gi",
                "bay-nguyen-tac",
                "dai-hoi-thanh-vien",
                "cong-khai-tai-chinh",
                "thao-luan-dai-hoi",
                "kiem-tra-nhanh",
                "phuong-an-htx",
                "video-ba-dieu",
            ]
        ),
    )
    stored = media_root(app) / PACK_ID / "1.0.0"
    assert media_root(app) == Path(app.instance_path) / "media" / "packs"
    originals = sorted(p.relative_to(DEMO_PACK).as_posix() for p in DEMO_PACK.rglob("*") if p.is_file())
    assert sorted(p.relative_to(stored).as_posix() for p in stored.rglob("*") if p.is_file()) == originals
    assert [(p.id, p.version) for p in installed_packs(app)] == [(PACK_ID, "1.0.0")]
    assert [p.name for p in media_root(app).iterdir()] == [PACK_ID]


def test_a_zip_installs_like_its_folder(app, tmp_path):
    archive = tmp_path / "pack.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in DEMO_PACK.rglob("*"):
            if path.is_file():
                zf.write(path, f"{PACK_ID}/{path.relative_to(DEMO_PACK).as_posix()}")
    assert validate_path(app, archive).id == PACK_ID
    install_path(app, archive)
    assert (media_root(app) / PACK_ID / "1.0.0" / "pack.yaml").is_file()
    assert len(outline(app)) == 1 + 2 + 8


@pytest.mark.parametrize("upgrade_", [False, True], ids=["fresh", "upgrade"])
def test_a_failure_at_the_last_lesson_leaves_rows_and_files_as_before(
    app, db, learner, tmp_path, monkeypatch, upgrade_
):
    if upgrade_:
        install_path(app, DEMO_PACK)
        course_id = db.scalar(select(Course.id).where(Course.pack_id == PACK_ID))
        complete_everything(db, learner, course_id)
        source = pack_version(tmp_path, "1.1.0", retire="bay-nguyen-tac", add=True)
        last = "bao-cao-nam"
    else:
        source = DEMO_PACK
        last = "cong-khai-tai-chinh"
    rows, files = table_dump(app), file_listing(app)

    real = installer._write_lesson
    written = []

    def failing(db_, course, module, position, pack_lesson, lesson, report):
        if pack_lesson.key == last:
            raise RuntimeError("disk on fire")
        written.append(pack_lesson.key)
        return real(db_, course, module, position, pack_lesson, lesson, report)

    monkeypatch.setattr(installer, "_write_lesson", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        install_path(app, source)
    assert len(written) >= 3, "the failure came after the other lessons were written"
    assert table_dump(app) == rows
    assert file_listing(app) == files
    leftovers = [p.name for p in media_root(app).iterdir()] if media_root(app).exists() else []
    assert leftovers == ([PACK_ID] if upgrade_ else [])

    monkeypatch.setattr(installer, "_write_lesson", real)
    report = install_path(app, source)
    assert report.version == ("1.1.0" if upgrade_ else "1.0.0")
    assert [p.name for p in (media_root(app) / PACK_ID).iterdir()] == [report.version]


def test_stray_staging_and_unused_versions_are_swept(app):
    root = media_root(app)
    for stray in (root / ".staging-x-1" / "pack.yaml", root / "old-pack" / "1.0.0" / "a.md"):
        stray.parent.mkdir(parents=True)
        stray.write_text("left by a crash")
    install_path(app, DEMO_PACK)
    (root / PACK_ID / "0.9.0").mkdir()
    install_path(app, DEMO_PACK)
    assert sorted(p.relative_to(root).as_posix() for p in root.iterdir()) == [PACK_ID]
    assert [p.name for p in (root / PACK_ID).iterdir()] == ["1.0.0"]


# -- upgrading ----------------------------------------------------------------------


def test_upgrade_keeps_progress_adds_and_retires(app, db, learner, tmp_path):
    install_path(app, DEMO_PACK)
    course_id = db.scalar(select(Course.id).where(Course.pack_id == PACK_ID))
    complete_everything(db, learner, course_id)
    before = lessons_by_key(db, course_id)
    progress_before = sorted(
        (p.lesson_id, p.status, p.score, p.attempts, p.state) for p in db.scalars(select(LessonProgress))
    )
    [learning] = my_learning(db, learner)
    assert not learning.has_new_material

    newer = pack_version(tmp_path, "1.1.0", retire="bay-nguyen-tac", add=True)
    diff = diff_path(app, newer)
    assert (diff.added, diff.changed, diff.retired) == (
        ["bao-cao-nam"], ["htx-la-gi", "video-ba-dieu"], ["bay-nguyen-tac"])
    assert installed_packs(app)[0].version == "1.0.0", "diff writes nothing"

    report = install_path(app, newer)
    assert (report.previous_version, report.added, report.changed, report.retired) == (
        "1.0.0",
        ["bao-cao-nam"],
        ["htx-la-gi", "video-ba-dieu"],
        ["bay-nguyen-tac"],
    )
    after = lessons_by_key(db, course_id)
    # Same rows, updated in place; the retired lesson is kept, with its learners' records.
    assert {key: lesson.id for key, lesson in after.items() if key in before} == {k: v.id for k, v in before.items()}
    assert after["htx-la-gi"].title_vi == "HTX là gì?"
    assert after["bay-nguyen-tac"].retired_at is not None
    assert after["bao-cao-nam"].retired_at is None
    db.rollback()
    assert (
        sorted((p.lesson_id, p.status, p.score, p.attempts, p.state) for p in db.scalars(select(LessonProgress)))
        == progress_before
    )
    enrolment = db.scalar(select(Enrolment))
    assert enrolment.completed_at is not None, "the completion is kept"
    [learning] = my_learning(db, learner)
    assert learning.has_new_material
    assert learning.next_lesson.key == "bao-cao-nam"
    assert "bay-nguyen-tac" not in [row.key for row in learning.lessons]
    # The stored files follow the installed version.
    assert [p.name for p in (media_root(app) / PACK_ID).iterdir()] == ["1.1.0"]

    # A lesson that comes back is un-retired, with its progress.
    report = install_path(app, pack_version(tmp_path, "1.2.0", add=True))
    assert report.added == [] and report.retired == []
    assert lessons_by_key(db, course_id)["bay-nguyen-tac"].retired_at is None


QUIZ_AS_PAGE = """\
        - id: kiem-tra-nhanh
          type: page
          title: {vi: Kiểm tra nhanh}
          content: {text: Nay là một trang đọc.}
"""


def retyped(tmp_path: Path, version: str, *, page_to_quiz: bool = True, quiz_to_page: bool = True) -> Path:
    """The demo pack at ``version`` with lessons whose type changed under the same id (each in its place)."""
    source = pack_version(tmp_path, version)
    manifest = source / "pack.yaml"
    text = manifest.read_text(encoding="utf-8")
    if page_to_quiz:
        page = "          type: page\n          title:\n            vi: HTX là gì?"
        assert page in text
        text = text.replace(page, "          type: quiz\n          title:\n            vi: HTX là gì?").replace(
            "file: lessons/01-htx-la-gi.md", "gift: cau-hoi/kiem-tra.gift"
        )
    if quiz_to_page:
        start, end = lesson_block(text, "kiem-tra-nhanh")
        text = text[:start] + QUIZ_AS_PAGE + text[end:]
    manifest.write_text(text, encoding="utf-8")
    return source


def type_change_errors(call) -> set[str]:
    with force_locale("en"), pytest.raises(PackInvalid) as caught:
        call()
    return {str(error) for error in caught.value.errors}


HTX_TO_QUIZ = (
    "pack.yaml: course.modules[0].lessons[0].type: lesson 'htx-la-gi' (HTX là gì?) is a 'page' lesson on this site "
    "and cannot become a 'quiz' lesson: learners' progress and answers belong to its type. Give the lesson a new id; "
    "the old one is then retired, with its records kept."
)
QUIZ_TO_PAGE = (
    "pack.yaml: course.modules[1].lessons[3].type: lesson 'kiem-tra-nhanh' (Kiểm tra nhanh) is a 'quiz' lesson on "
    "this site and cannot become a 'page' lesson: learners' progress and answers belong to its type. Give the lesson "
    "a new id; the old one is then retired, with its records kept."
)


def test_an_upgrade_may_not_change_a_lessons_type(app, db, learner, tmp_path):
    install_path(app, DEMO_PACK)
    course_id = db.scalar(select(Course.id).where(Course.pack_id == PACK_ID))
    complete_everything(db, learner, course_id)
    rows, files = table_dump(app), file_listing(app)
    newer = retyped(tmp_path, "1.1.0")
    for call in (
        lambda: validate_path(app, newer),
        lambda: diff_path(app, newer),
        lambda: install_path(app, newer),
        lambda: install_path(app, newer, force=True),
    ):
        assert type_change_errors(call) == {HTX_TO_QUIZ, QUIZ_TO_PAGE}
        assert (table_dump(app), file_listing(app)) == (rows, files), "nothing is written"
    # On its own (another site, or the first install) the same pack is valid.
    remove_pack(app, PACK_ID, purge=True)
    assert validate_path(app, newer).version == "1.1.0"


def test_the_command_line_refuses_a_type_change_in_english(app, database_url, tmp_path):
    env = {
        "ELEARN_INSTANCE_PATH": app.instance_path,
        "ELEARN_DATABASE_URL": database_url,
        "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH),
    }
    run = CliRunner().invoke
    assert run(main, ["pack", "install", str(DEMO_PACK)], env=env).exit_code == 0
    newer = retyped(tmp_path, "1.1.0", page_to_quiz=False)
    for command in ("validate", "diff", "install"):
        result = run(main, ["pack", command, str(newer)], env=env)
        assert result.exit_code == 1, result.output
        assert f"error: {QUIZ_TO_PAGE}" in result.output
        assert "1 error(s) in" in result.output
    assert installed_packs(app)[0].version == "1.0.0"


def test_a_retired_lesson_may_not_come_back_with_another_type(app, db, tmp_path):
    install_path(app, DEMO_PACK)
    install_path(app, pack_version(tmp_path, "1.1.0", retire="kiem-tra-nhanh"))
    comeback = retyped(tmp_path, "1.2.0", page_to_quiz=False)
    rows = table_dump(app)
    assert type_change_errors(lambda: install_path(app, comeback)) == {QUIZ_TO_PAGE}
    assert table_dump(app) == rows
    assert installed_packs(app)[0].version == "1.1.0"


def test_a_lesson_may_move_to_another_module_and_keeps_its_progress(app, db, learner, tmp_path):
    install_path(app, DEMO_PACK)
    course_id = db.scalar(select(Course.id).where(Course.pack_id == PACK_ID))
    complete_everything(db, learner, course_id)
    quiz_before = lessons_by_key(db, course_id)["kiem-tra-nhanh"]
    id_before, module_before = quiz_before.id, quiz_before.module_id
    moved = pack_version(tmp_path, "1.1.0", retire="kiem-tra-nhanh")
    manifest = moved / "pack.yaml"
    demo = DEMO_PACK.joinpath("pack.yaml").read_text(encoding="utf-8")
    start, end = lesson_block(demo, "kiem-tra-nhanh")
    quiz = demo[start:end]
    assert quiz.startswith("        - id: kiem-tra-nhanh\n") and "phuong-an-htx" not in quiz
    text = manifest.read_text(encoding="utf-8")
    first_module_end = text.index("    - id: quan-tri\n")
    manifest.write_text(text[:first_module_end] + quiz + text[first_module_end:], encoding="utf-8")
    assert validate_path(app, moved).modules[0].lessons[-1].key == "kiem-tra-nhanh"
    report = install_path(app, moved)
    assert report.added == [] and report.retired == [] and "kiem-tra-nhanh" in report.changed
    quiz_after = lessons_by_key(db, course_id)["kiem-tra-nhanh"]
    assert quiz_after.id == id_before and quiz_after.module_id != module_before
    progress = db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == id_before))
    assert (progress.status, progress.score) == (Status.COMPLETED, 0.75)


def test_same_version_is_a_no_op_and_older_needs_force(app, db, tmp_path):
    install_path(app, pack_version(tmp_path, "1.1.0"))
    rows, files = table_dump(app), file_listing(app)
    assert install_path(app, pack_version(tmp_path, "1.1.0")).unchanged
    assert (table_dump(app), file_listing(app)) == (rows, files)

    older = pack_version(tmp_path, "1.0.0")
    older_message = r"version 1.1.0 is installed; 1.0.0 is older \(use --force\)"
    with force_locale("en"), pytest.raises(PackRefused, match=older_message):
        install_path(app, older)
    assert (table_dump(app), file_listing(app)) == (rows, files)

    report = install_path(app, older, force=True)
    assert (report.previous_version, report.version, report.changed) == (
        "1.1.0", "1.0.0", ["htx-la-gi", "video-ba-dieu"])
    assert [p.name for p in (media_root(app) / PACK_ID).iterdir()] == ["1.0.0"]


def test_pre_releases_sort_before_their_release(app, tmp_path):
    install_path(app, pack_version(tmp_path, "1.1.0-rc.2"))
    install_path(app, pack_version(tmp_path, "1.1.0"))
    with pytest.raises(PackRefused):
        install_path(app, pack_version(tmp_path, "1.1.0-rc.10"))


# -- removing -----------------------------------------------------------------------


def test_remove_is_refused_while_learners_have_records_unless_purged(app, db, learner, tmp_path):
    install_path(app, DEMO_PACK)
    course_id = db.scalar(select(Course.id).where(Course.pack_id == PACK_ID))
    complete_everything(db, learner, course_id)
    rows, files = table_dump(app), file_listing(app)
    with pytest.raises(PackRefused, match="1 learner"):
        remove_pack(app, PACK_ID)
    assert (table_dump(app), file_listing(app)) == (rows, files)

    remove_pack(app, PACK_ID, purge=True)
    dump = table_dump(app)
    assert all(dump[table] == [] for table in TABLES), dump
    assert not (media_root(app) / PACK_ID).exists()
    with pytest.raises(PackRefused, match="no pack 'hop-tac-xa-co-ban' is installed"):
        remove_pack(app, PACK_ID)


def test_remove_without_learners_needs_no_purge(app, db, make_course, learner, enrol):
    other = make_course()
    enrol(learner, other)
    install_path(app, DEMO_PACK)
    remove_pack(app, PACK_ID)
    assert installed_packs(app) == []
    assert db.scalars(select(Course.slug)).all() == [other.slug], "other courses are untouched"
    assert db.scalar(select(Enrolment.course_id)) == other.id


# -- exporting and scaffolding --------------------------------------------------------


@pytest.fixture
def other_app(database_url, tmp_path):
    """A second instance with its own (migrated, empty) database and instance folder."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    else:
        parsed = make_url(database_url)
        parsed = parsed.set(database=f"{parsed.database}_other")
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
        url = parsed.render_as_string(hide_password=False)
    application = create_app(test_config(url, tmp_path / "other-instance"))
    upgrade(application)
    yield application
    application.extensions["elearn_db"].dispose()


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_export_validate_install_elsewhere_gives_the_same_course(app, other_app, tmp_path, as_zip):
    install_path(app, pack_version(tmp_path, "1.1.0", retire="dai-hoi-thanh-vien", add=True))
    target = tmp_path / ("exported.zip" if as_zip else "exported")
    assert export_pack(app, PACK_ID, target) == target
    with pytest.raises(PackRefused, match="already exists"):
        export_pack(app, PACK_ID, target)

    assert validate_path(other_app, target).version == "1.1.0"
    report = install_path(other_app, target)
    assert sorted(report.added) == sorted(
        ["htx-la-gi", "bay-nguyen-tac", "video-ba-dieu", "cong-khai-tai-chinh", "bao-cao-nam", "thao-luan-dai-hoi",
         "kiem-tra-nhanh", "phuong-an-htx"]
    )
    assert outline(other_app) == outline(app)
    assert file_listing(other_app) == file_listing(app)


def test_export_of_an_unknown_pack_is_refused(app, tmp_path):
    with pytest.raises(PackRefused, match="no pack 'nope' is installed"):
        export_pack(app, "nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_new_pack_validates_and_installs_as_is(app, tmp_path):
    folder = scaffold_pack(app, tmp_path / "Quản trị HTX")
    pack = validate_path(app, folder)
    assert pack.id == "quan-tri-htx"
    types = app.extensions["elearn_plugins"].lesson_types
    assert sorted(lesson.type_name for lesson in pack.lessons) == sorted(types)
    assert pack.requires["plugins"].keys() == types.keys()
    install_path(app, folder)
    assert [p.id for p in installed_packs(app)] == ["quan-tri-htx"]
    with pytest.raises(PackRefused, match="already exists"):
        scaffold_pack(app, folder)


# -- the manifest -------------------------------------------------------------------


def test_requires_names_every_missing_or_incompatible_plugin_at_once(app, tmp_path):
    source = pack_version(tmp_path, "1.0.0")
    manifest = source / "pack.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "licence: CC-BY-4.0\n",
            "licence: [CC-BY-4.0]\n"
            "requires:\n"
            "  engine: '>=99'\n"
            "  plugins: {page: '<0.1', hologram: '>=1', sundial: 'not a specifier'}\n"
            "  extra: 1\n",
        ),
        encoding="utf-8",
    )
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("authors: [", "authors: [1, "))
    with force_locale("en"), pytest.raises(PackInvalid) as caught:
        validate_path(app, source)
    reported = {str(error) for error in caught.value.errors}
    import elearn

    assert reported == {
        "pack.yaml: authors: must be a list of names, e.g. [Liên minh Hợp tác xã tỉnh]",
        "pack.yaml: licence: must be text, e.g. CC-BY-4.0",
        "pack.yaml: requires.extra: unknown field (use 'engine' and 'plugins')",
        f"pack.yaml: requires.engine: needs elearn >=99; this site runs elearn {elearn.__version__}",
        f"pack.yaml: requires.plugins.page: needs page <0.1; the installed page is {plugin_version(app)}",
        "pack.yaml: requires.plugins.hologram: plugin or lesson type 'hologram' is not installed",
        "pack.yaml: requires.plugins.sundial: 'not a specifier' is not a version specifier such as '>=1.0,<2'",
        "pack.yaml: requires.plugins.sundial: plugin or lesson type 'sundial' is not installed",
    }
    assert installed_packs(app) == []


def plugin_version(app) -> str:
    return app.extensions["elearn_plugins"].plugins["page"].version


def test_requirements_that_are_met_pass(app, tmp_path):
    source = pack_version(tmp_path, "1.0.0")
    manifest = source / "pack.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "licence: CC-BY-4.0\n",
            f"licence: CC-BY-4.0\nrequires:\n  engine: '>=0.1'\n  plugins: {{page: '=={plugin_version(app)}'}}\n",
        ),
        encoding="utf-8",
    )
    pack = validate_path(app, source)
    assert (pack.authors, pack.licence) == (["Liên minh Hợp tác xã tỉnh"], "CC-BY-4.0")
    assert pack.requires == {"engine": ">=0.1", "plugins": {"page": f"=={plugin_version(app)}"}}


def test_installing_writes_nothing_for_an_invalid_pack(app, db, tmp_path):
    source = pack_version(tmp_path, "1.0.0")
    (source / "lessons" / "04-cong-khai.md").unlink()
    with pytest.raises(PackInvalid, match=r"04-cong-khai\.md"):
        install_path(app, source)
    assert all(rows == [] for rows in table_dump(app).values())
    assert file_listing(app) == []
    assert db.scalar(select(InstalledPack)) is None


# -- groups ---------------------------------------------------------------------------


def test_a_pack_creates_its_groups_and_an_upgrade_renames_and_keeps_members(app, db, learner, make_user, tmp_path):
    install_path(app, DEMO_PACK)
    course = db.scalar(select(Course).where(Course.pack_id == PACK_ID))
    track = db.scalar(select(CourseGroupSet).where(CourseGroupSet.name == "track"))
    assert track.learners_choose is True
    assert (track.title_for("vi"), track.title_for("en")) == ("Địa bàn hợp tác xã", "Where your cooperative is")
    groups = {g.key: g for g in db.scalars(select(CourseGroup).where(CourseGroup.course_id == course.id))}
    assert {key: (g.group_set, g.title_vi, g.title_en) for key, g in groups.items()} == {
        "phuong-do-thi": ("track", "Phường, thị trấn", "Urban wards and towns"),
        "xa-nong-thon": ("track", "Xã nông thôn mới", "Rural communes"),
    }
    # A group the instructors added, and a learner who chose a track.
    extra = group_service.create_group(db, course, "track", "lang-nghe", "Làng nghề")
    db.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.flush()
    group_service.choose_group(db, course, learner, groups["xa-nong-thon"])
    db.commit()

    newer = pack_version(tmp_path, "1.1.0")
    manifest = newer / "pack.yaml"
    source = manifest.read_text(encoding="utf-8").replace("vi: Xã nông thôn mới", "vi: Xã")
    urban = '        - id: phuong-do-thi\n          title: {vi: "Phường, thị trấn", en: Urban wards and towns}\n'
    assert urban in source
    manifest.write_text(source.replace(urban, "        - id: ven-do\n          title: {vi: Ven đô}\n"))
    install_path(app, newer)
    after = {g.key: g for g in fresh(db).scalars(select(CourseGroup).where(CourseGroup.course_id == course.id))}
    assert after["xa-nong-thon"].id == groups["xa-nong-thon"].id and after["xa-nong-thon"].title_vi == "Xã"
    assert after["ven-do"].title_vi == "Ven đô"
    # Gone from the pack, or never in it: kept, with their members.
    assert {"phuong-do-thi", "lang-nghe"} <= after.keys() and after["lang-nghe"].id == extra.id
    assert group_service.user_group_ids(db, learner.id, course.id) == {"track": groups["xa-nong-thon"].id}


def test_group_errors_are_reported_with_their_place_all_at_once(app, tmp_path):
    source = pack_version(tmp_path, "1.0.0")
    manifest = source / "pack.yaml"
    bad_groups = (
        "  groups:\n"
        "    Track: {groups: [{id: a, title: {vi: A}}]}\n"
        "    track:\n"
        "      learners_choose: yes please\n"
        "      colour: red\n"
        "      groups:\n"
        "        - {id: urban, title: {vi: Phường}}\n"
        "        - {id: urban, title: {vi: Phường}}\n"
        "        - {id: Rural_1, title: {en: Rural}}\n"
        "    district: {groups: []}\n"
    )
    text = manifest.read_text(encoding="utf-8")
    start, end = text.index("  groups:\n"), text.index("  modules:\n")
    manifest.write_text(text[:start] + bad_groups + text[end:], encoding="utf-8")
    with force_locale("en"), pytest.raises(PackInvalid) as caught:
        validate_path(app, source)
    assert {str(error) for error in caught.value.errors} == {
        "pack.yaml: course.groups.Track: 'Track' is not a set name of 1 to 50 lower-case letters, digits and dashes",
        "pack.yaml: course.groups.track.colour: unknown field (use 'title', 'learners_choose' and 'groups')",
        "pack.yaml: course.groups.track.learners_choose: must be true or false",
        "pack.yaml: course.groups.track.groups[1].id: 'urban' is used twice",
        "pack.yaml: course.groups.track.groups[2].id: 'Rural_1' is not an id of lower-case letters, digits, -",
        "pack.yaml: course.groups.track.groups[2].title.vi: is required text",
        "pack.yaml: course.groups.district.groups: must be a non-empty list",
    }
    assert installed_packs(app) == []
