"""The ``elearn`` command, run as an operator would: environment variables, stdin, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from elearn.cli import main
from elearn.testing import FAST_HASH

PACKS = Path(__file__).resolve().parent.parent / "content_packs"
DEMO_PACK = PACKS / "hop-tac-xa-co-ban"
PASSWORD = "mật khẩu đủ dài 2026"


class Cli:
    """Runs ``elearn`` against an instance folder and a SQLite database in tmp."""

    def __init__(self, tmp_path: Path) -> None:
        self.database = tmp_path / "instance" / "elearn.sqlite3"
        self.database.parent.mkdir()
        self.env = {
            "ELEARN_INSTANCE_PATH": str(self.database.parent),
            "ELEARN_DATABASE_URL": f"sqlite:///{self.database}",
            "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH),
        }

    def __call__(self, *args: str, input: str | None = None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, env=self.env)

    def rows(self, sql: str) -> list[tuple]:
        engine = create_engine(f"sqlite:///{self.database}")
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql))]
        finally:
            engine.dispose()


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def migrated(cli) -> Cli:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    return cli


def test_db_upgrade_creates_the_database_from_nothing(cli):
    assert not cli.database.exists()
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created the database: applied ")
    assert cli.rows("SELECT count(*) FROM users") == [(0,)]
    # The secret key was generated once, in the instance folder, readable by its owner only.
    secret = cli.database.parent / "secret_key"
    assert secret.is_file() and oct(secret.stat().st_mode & 0o777) == "0o600"


def test_help_needs_no_database(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "db" in result.output and "pack" in result.output
    assert not cli.database.exists()


# -- users -------------------------------------------------------------------------


def test_user_create_reads_the_password_from_stdin(migrated):
    result = migrated(
        "user", "create", "Binh@Example.org", "--name", "Trần Thị Bình", "--role", "instructor", input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "created instructor binh@example.org" in result.output
    [(email, name, role, password_hash)] = migrated.rows("SELECT email, name, role, password_hash FROM users")
    assert (email, name, role) == ("binh@example.org", "Trần Thị Bình", "instructor")
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash


def test_user_create_refuses_a_short_password(migrated):
    result = migrated("user", "create", "an@example.org", "--name", "An", input="ngắn\n")
    assert result.exit_code != 0
    assert "The password must have at least 10 characters." in result.output
    assert migrated.rows("SELECT count(*) FROM users") == [(0,)]


def test_user_create_refuses_a_duplicate_email(migrated):
    assert migrated("user", "create", "an@example.org", "--name", "An", input=PASSWORD).exit_code == 0
    again = migrated("user", "create", "AN@example.org", "--name", "An khác", input=PASSWORD)
    assert again.exit_code != 0
    assert "An account with this email already exists." in again.output
    assert migrated.rows("SELECT name FROM users") == [("An",)]


def test_user_create_refuses_a_staff_members_name(migrated):
    assert migrated("user", "create", "binh@example.org", "--name", "Trần Thị Bình", "--role", "instructor",
                    input=PASSWORD).exit_code == 0
    again = migrated("user", "create", "gia@example.org", "--name", "tran thi binh", input=PASSWORD)
    assert again.exit_code != 0
    assert "This name is already used by a member of staff (an instructor or administrator)." in again.output
    assert migrated.rows("SELECT count(*) FROM users") == [(1,)]


def test_user_create_refuses_an_unknown_role(migrated):
    result = migrated("user", "create", "an@example.org", "--name", "An", "--role", "superuser", input=PASSWORD)
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert "'learner', 'instructor', 'admin'" in result.output
    assert migrated.rows("SELECT count(*) FROM users") == [(0,)]


# -- packs: validation ----------------------------------------------------------------


def test_pack_validate_accepts_the_shipped_pack(migrated):
    result = migrated("pack", "validate", DEMO_PACK)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hop-tac-xa-co-ban 1.0.0: valid (2 modules, 8 lessons)"
    assert migrated.rows("SELECT count(*) FROM courses") == [(0,)]


def test_pack_validate_gives_the_line_of_malformed_yaml(migrated, tmp_path):
    pack = tmp_path / "bad-yaml"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: bad-yaml\nversion: 1.0.0\ntitle:\n  vi: [not closed\n  en: x\n")
    result = migrated("pack", "validate", pack)
    assert result.exit_code == 1
    assert "error: pack.yaml:5: not valid YAML" in result.stderr
    assert "1 error(s) in" in result.stderr


BROKEN_MANIFEST = """\
id: Broken Pack!
version: "1.0"
title:
  en: English only
course:
  modules:
    - id: m1
      title: {vi: Phần 1}
      lessons:
        - id: sundial-1
          type: sundial
          title: {vi: Câu hỏi}
        - id: missing-file
          type: page
          title: {vi: Thiếu tệp}
          content: {file: lessons/missing.md}
        - id: dot-dot
          type: page
          title: {vi: Ra ngoài}
          content: {file: ../outside.md}
        - id: absolute
          type: page
          title: {vi: Tuyệt đối}
          content: {file: /etc/passwd}
        - id: link
          type: page
          title: {vi: Liên kết}
          content: {file: lessons/escape.md}
        - id: ok
          type: page
          title: {vi: Được}
          content: {text: Nội dung}
        - id: ok
          type: page
          title: {vi: Trùng}
          content: {text: Nội dung}
        - type: page
          content: {text: Không tên}
"""


@pytest.fixture
def broken_pack(tmp_path) -> Path:
    pack = tmp_path / "packs" / "broken"
    (pack / "lessons").mkdir(parents=True)
    (pack / "pack.yaml").write_text(BROKEN_MANIFEST)
    outside = tmp_path / "packs" / "outside.md"
    outside.write_text("secret, outside the pack")
    (pack / "lessons" / "escape.md").symlink_to(outside)
    return pack


def test_pack_validate_reports_every_error_at_once_with_where(migrated, broken_pack):
    result = migrated("pack", "validate", broken_pack)
    assert result.exit_code == 1
    lessons = "pack.yaml: course.modules[0].lessons"
    expected = [
        "pack.yaml: id: 'Broken Pack!' is not an id of lower-case letters, digits and dashes",
        "pack.yaml: version: '1.0' is not a semantic version such as 1.0.0",
        "pack.yaml: title.vi: is required text",
        f"{lessons}[0].type: lesson type 'sundial' is not installed",
        f"{lessons}[1].content.file: 'lessons/missing.md' file not found in the pack",
        f"{lessons}[2].content.file: '../outside.md' must be a relative path inside the pack",
        f"{lessons}[3].content.file: '/etc/passwd' must be a relative path inside the pack",
        f"{lessons}[4].content.file: 'lessons/escape.md' points outside the pack",
        f"{lessons}[6].id: 'ok' is used twice",
        f"{lessons}[7].id: is required text",
        f"{lessons}[7].title: must be a mapping",
    ]
    reported = [line.removeprefix("error: ") for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert set(expected) <= set(reported)
    assert not [line for line in reported if "lessons[5]" in line], "the valid lesson has no error"
    assert f"{len(reported)} error(s) in {broken_pack}" in result.stderr
    assert "secret, outside the pack" not in result.output


def test_installing_a_broken_pack_writes_nothing(migrated, broken_pack):
    result = migrated("pack", "install", broken_pack)
    assert result.exit_code == 1
    assert "error(s) in" in result.stderr
    for table in ("courses", "modules", "lessons", "installed_packs"):
        assert migrated.rows(f"SELECT count(*) FROM {table}") == [(0,)], table


def test_pack_validate_refuses_a_folder_without_a_manifest(migrated, tmp_path):
    result = migrated("pack", "validate", tmp_path)
    assert result.exit_code == 1
    assert "no pack.yaml in this folder" in result.stderr


# -- packs: installing ----------------------------------------------------------------


def copy_of_demo_pack(tmp_path: Path, version: str, title_vi: str | None = None) -> Path:
    target = tmp_path / f"pack-{version}"
    shutil.copytree(DEMO_PACK, target)
    manifest = target / "pack.yaml"
    source = manifest.read_text().replace("version: 1.0.0", f"version: {version}")
    if title_vi:
        source = source.replace("vi: Hợp tác xã là gì?", f"vi: {title_vi}")
    manifest.write_text(source)
    return target


def test_pack_install_then_list_then_again_then_older(migrated, tmp_path):
    assert migrated("pack", "list").output.strip() == "no packs installed"

    installed = migrated("pack", "install", DEMO_PACK)
    assert installed.exit_code == 0, installed.output
    assert "installed hop-tac-xa-co-ban 1.0.0: 8 added, 0 changed, 0 retired" in installed.output
    listed = migrated("pack", "list")
    assert listed.exit_code == 0
    assert listed.output.startswith("hop-tac-xa-co-ban\t1.0.0\t")
    before = migrated.rows("SELECT id, key, title_vi, content FROM lessons ORDER BY id")
    assert len(before) == 8

    again = migrated("pack", "install", DEMO_PACK)
    assert again.exit_code == 0
    assert "hop-tac-xa-co-ban 1.0.0 is already installed; nothing to do" in again.output
    assert migrated.rows("SELECT id, key, title_vi, content FROM lessons ORDER BY id") == before

    older = migrated("pack", "install", copy_of_demo_pack(tmp_path, "0.9.0"))
    assert older.exit_code == 1
    assert "version 1.0.0 is installed; 0.9.0 is older (use --force)" in older.output
    assert migrated.rows("SELECT version FROM installed_packs") == [("1.0.0",)]

    newer = migrated("pack", "install", copy_of_demo_pack(tmp_path, "1.1.0", title_vi="HTX là gì?"))
    assert newer.exit_code == 0, newer.output
    assert "installed hop-tac-xa-co-ban 1.1.0: 0 added, 2 changed, 0 retired" in newer.output
    assert migrated.rows("SELECT version FROM installed_packs") == [("1.1.0",)]
    # Updated in place: the same lesson rows (so learners' progress stays attached).
    assert [row[0] for row in migrated.rows("SELECT id FROM lessons ORDER BY id")] == [row[0] for row in before]


def test_commands_report_a_missing_pack_folder(migrated, tmp_path):
    result = migrated("pack", "validate", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_symlink_that_stays_inside_the_pack_is_fine(migrated, tmp_path):
    pack = copy_of_demo_pack(tmp_path, "1.0.0")
    (pack / "lessons" / "alias.md").symlink_to(pack / "lessons" / "01-htx-la-gi.md")
    manifest = pack / "pack.yaml"
    manifest.write_text(manifest.read_text().replace("file: lessons/01-htx-la-gi.md", "file: lessons/alias.md"))
    assert migrated("pack", "validate", pack).exit_code == 0


def test_the_output_is_in_english_for_operators(migrated):
    result = migrated("user", "create", "not-an-email", "--name", "X", input=PASSWORD)
    assert result.exit_code == 1
    assert "This is not a valid email address." in result.output


# -- packs: diff, remove, export, new, zip -----------------------------------------------


def test_pack_diff_prints_what_an_upgrade_would_do_and_writes_nothing(migrated, tmp_path):
    assert migrated("pack", "install", DEMO_PACK).exit_code == 0
    newer = copy_of_demo_pack(tmp_path, "1.1.0", title_vi="HTX là gì?")
    manifest = newer / "pack.yaml"
    source = manifest.read_text()
    start = source.index("        - id: cong-khai-tai-chinh")
    manifest.write_text(source[:start].replace("id: bay-nguyen-tac", "id: bay-nguyen-tac-2023"))
    before = migrated.rows("SELECT id, key, title_vi, retired_at FROM lessons ORDER BY id")
    result = migrated("pack", "diff", newer)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "hop-tac-xa-co-ban: 1.0.0 -> 1.1.0",
        "added: bay-nguyen-tac-2023",
        "changed: htx-la-gi, video-ba-dieu",  # a lesson linking pack files links those of the new version
        "retired: bay-nguyen-tac, cong-khai-tai-chinh, thao-luan-dai-hoi, kiem-tra-nhanh, phuong-an-htx",
    ]
    assert migrated.rows("SELECT id, key, title_vi, retired_at FROM lessons ORDER BY id") == before
    assert migrated.rows("SELECT version FROM installed_packs") == [("1.0.0",)]


def test_pack_remove_refuses_while_learners_have_records_then_purges(migrated):
    assert migrated("pack", "install", DEMO_PACK).exit_code == 0
    assert migrated("user", "create", "an@example.org", "--name", "An", input=PASSWORD).exit_code == 0
    engine = create_engine(f"sqlite:///{migrated.database}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO enrolments (user_id, course_id, enrolled_at) "
                "SELECT u.id, c.id, :now FROM users u, courses c"
            ),
            {"now": "2026-01-01 00:00:00.000000"},
        )
    engine.dispose()
    stored = migrated.database.parent / "media" / "packs" / "hop-tac-xa-co-ban"
    assert (stored / "1.0.0" / "pack.yaml").is_file()

    refused = migrated("pack", "remove", "hop-tac-xa-co-ban")
    assert refused.exit_code == 1
    assert "1 learner(s) have enrolments or progress in this course; use --purge" in refused.output
    declined = migrated("pack", "remove", "hop-tac-xa-co-ban", "--purge", input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert migrated.rows("SELECT count(*) FROM lessons") == [(8,)] and stored.is_dir()

    confirmed = migrated("pack", "remove", "hop-tac-xa-co-ban", "--purge", input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "records of 1 learner(s)" in confirmed.output and "removed hop-tac-xa-co-ban" in confirmed.output
    for table in ("courses", "modules", "lessons", "installed_packs", "enrolments"):
        assert migrated.rows(f"SELECT count(*) FROM {table}") == [(0,)], table
    assert not stored.exists()
    assert migrated.rows("SELECT count(*) FROM users") == [(1,)]

    assert migrated("pack", "install", DEMO_PACK).exit_code == 0
    assert migrated("pack", "remove", "hop-tac-xa-co-ban", "--purge", "--yes").exit_code == 0
    missing = migrated("pack", "remove", "hop-tac-xa-co-ban")
    assert missing.exit_code == 1 and "no pack 'hop-tac-xa-co-ban' is installed" in missing.output


def test_pack_export_then_install_the_zip_elsewhere(migrated, tmp_path):
    assert migrated("pack", "install", DEMO_PACK).exit_code == 0
    archive = tmp_path / "out" / "htx.zip"
    exported = migrated("pack", "export", "hop-tac-xa-co-ban", archive)
    assert exported.exit_code == 0, exported.output
    assert f"exported hop-tac-xa-co-ban to {archive}" in exported.output
    again = migrated("pack", "export", "hop-tac-xa-co-ban", archive)
    assert again.exit_code == 1 and "already exists" in again.output

    (tmp_path / "elsewhere").mkdir()
    elsewhere = Cli(tmp_path / "elsewhere")
    assert elsewhere("db", "upgrade").exit_code == 0
    assert elsewhere("pack", "validate", archive).output.strip() == (
        "hop-tac-xa-co-ban 1.0.0: valid (2 modules, 8 lessons)"
    )
    assert elsewhere("pack", "install", archive).exit_code == 0
    query = "SELECT key, position, type_name, title_vi, title_en, content FROM lessons ORDER BY key"
    assert elsewhere.rows(query) == migrated.rows(query)


def test_pack_new_scaffolds_a_pack_that_validates(migrated, tmp_path):
    target = tmp_path / "goi-moi"
    created = migrated("pack", "new", target)
    assert created.exit_code == 0, created.output
    validated = migrated("pack", "validate", target)
    assert validated.exit_code == 0, validated.output
    assert validated.output.strip() == "goi-moi 1.0.0: valid (1 modules, 6 lessons)"  # one per lesson type
    assert migrated("pack", "new", target).exit_code == 1


def test_an_invalid_zip_reports_its_errors_and_writes_nothing(migrated, tmp_path):
    import zipfile

    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "broken/pack.yaml", "id: Broken\nversion: '1'\ntitle: {vi: X}\ncourse: {slug: broken, modules: []}\n"
        )
    result = migrated("pack", "install", archive)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: pack.yaml: id: 'Broken' is not an id of lower-case letters, digits and dashes",
        "error: pack.yaml: version: '1' is not a semantic version such as 1.0.0",
        "error: pack.yaml: course.modules: must be a non-empty list",
    ]
    assert migrated.rows("SELECT count(*) FROM installed_packs") == [(0,)]
    assert not (migrated.database.parent / "media" / "packs" / "broken").exists()


def test_pack_validate_checks_the_grade_weights_with_their_line(migrated, tmp_path):
    pack = copy_of_demo_pack(tmp_path, "1.0.1")
    manifest = pack / "pack.yaml"
    source = manifest.read_text()
    source = source.replace("      lessons:\n        - id: htx-la-gi\n",
                            "      weight: nặng\n      lessons:\n        - id: htx-la-gi\n          weight: 2\n", 1)
    lesson = "        - id: dai-hoi-thanh-vien\n"
    source = source.replace(lesson, lesson + "          weight: -1\n", 1)
    manifest.write_text(source)
    lines = source.splitlines()
    module_line = lines.index("      weight: nặng") + 1
    lesson_line = lines.index("          weight: -1") + 1
    result = migrated("pack", "validate", pack)
    assert result.exit_code == 1
    reported = [line.removeprefix("error: ") for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert reported == [
        f"pack.yaml:{module_line}: course.modules[0].weight: must be a number from 0 to 1000",
        f"pack.yaml:{lesson_line}: course.modules[1].lessons[0].weight: must be a number from 0 to 1000",
    ]
    manifest.write_text(source.replace("weight: nặng", "weight: 3").replace("weight: -1", "weight: 0.5"))
    assert migrated("pack", "validate", pack).exit_code == 0
