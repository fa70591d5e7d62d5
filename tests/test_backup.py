"""``elearn backup`` and ``elearn restore``, run as an operator would, on SQLite and PostgreSQL.

A populated instance (the demo pack, people, enrolments, quiz attempts, discussion posts, a
document an instructor uploaded) is backed up and restored into an empty one: every table and
every media file must come back identical. Tampered and hostile archives, a non-empty target,
and a backup from a newer schema are refused without writing anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask_babel import force_locale
from sqlalchemy import create_engine, inspect, select, text

from elearn import create_app
from elearn.cli import main
from elearn.testing import FAST_HASH, PG_ENV, TEST_PASSWORD, postgres_test_url, test_config

DEMO_PACK = Path(__file__).resolve().parent.parent / "content_packs" / "hop-tac-xa-co-ban"
DOCUMENT = bytes(range(256)) * 400 + "Báo cáo tài chính".encode()  # binary, not text: bytes must survive


class Instance:
    """An instance folder and its database, driven through the ``elearn`` command."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder, self.url = folder, url
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            "ELEARN_INSTANCE_PATH": str(folder),
            "ELEARN_DATABASE_URL": url,
            "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH),
            "ELEARN_SECRET_KEY": "backup-test",
        }

    def __call__(self, *args: str, input: str | None = None):
        return CliRunner().invoke(main, [str(a) for a in args], env=self.env, input=input)

    def app(self, **extra):
        return create_app(test_config(self.url, self.folder, **extra))

    @property
    def media(self) -> Path:
        return self.folder / "media"

    def media_files(self) -> dict[str, bytes]:
        return {p.relative_to(self.media).as_posix(): p.read_bytes()
                for p in sorted(self.media.rglob("*")) if p.is_file()} if self.media.exists() else {}

    def dump(self) -> dict[str, list[tuple]]:
        """Every table, its rows sorted: what must be equal after a restore."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return {table: sorted((tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
                        for table in sorted(inspect(conn).get_table_names())}
        finally:
            engine.dispose()

    def tables(self) -> list[str]:
        if self.url.startswith("sqlite") and not Path(self.url.removeprefix("sqlite:///")).exists():
            return []
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return inspect(conn).get_table_names()
        finally:
            engine.dispose()

    def is_untouched(self) -> bool:
        """Nothing restored: no table, no media, no staging folder left behind."""
        leftovers = [p for p in self.folder.iterdir() if p.name.startswith(".restore-")]
        return self.tables() == [] and self.media_files() == {} and leftovers == []


def _url(kind: str, tmp_path: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name / 'elearn.sqlite3'}"
    url = postgres_test_url(f"backup_{name}", empty=True)
    if url is None:
        pytest.skip(f"{PG_ENV} is not set")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def source(kind, tmp_path) -> Instance:
    return Instance(tmp_path / "source", _url(kind, tmp_path, "source"))


@pytest.fixture
def target(kind, tmp_path) -> Instance:
    return Instance(tmp_path / "target", _url(kind, tmp_path, "target"))


def populate(instance: Instance) -> dict:
    """The demo pack, an instructor and three enrolled learners who took the quiz and discussed
    the case, and a document the instructor attached to it, all through the site's API."""
    from elearn.auth.accounts import create_user
    from elearn.db import get_database
    from elearn.db.migrate import upgrade
    from elearn.models import Course, CourseInstructor, Enrolment, Lesson
    from elearn.packs.service import install_path

    app = instance.app()
    try:
        with app.app_context(), force_locale("en"):
            upgrade(app)
            install_path(app, DEMO_PACK)
            with get_database(app).transaction() as session:
                teacher = create_user(session, "giangvien@example.org", "Trần Thị Bình", TEST_PASSWORD, "instructor")
                learners = [create_user(session, f"hocvien{i}@example.org", f"Học viên {i}", TEST_PASSWORD)
                            for i in range(3)]
                course = session.scalars(select(Course)).one()
                session.add(CourseInstructor(course_id=course.id, user_id=teacher.id))
                session.add_all(Enrolment(user_id=learner.id, course_id=course.id) for learner in learners)
                quiz = session.scalar(select(Lesson.id).where(Lesson.type_name == "quiz"))
                case = session.scalar(select(Lesson.id).where(Lesson.type_name == "discussion"))
                emails = [teacher.email, *(learner.email for learner in learners)]
        client = app.test_client()

        def token(email: str) -> dict:
            answer = client.post("/api/v1/auth/token", json={"email": email, "password": TEST_PASSWORD})
            assert answer.status_code == 201, answer.get_json()
            return {"Authorization": f"Bearer {answer.get_json()['token']}"}

        teacher_auth, *learner_auth = (token(email) for email in emails)
        for auth in learner_auth:
            started = client.post(f"/api/v1/lessons/{quiz}/submissions", json={"action": "start"}, headers=auth)
            assert started.status_code == 201, started.get_json()
            done = client.post(f"/api/v1/lessons/{quiz}/submissions",
                               json={"action": "submit", "seq": 1, "answers": {}}, headers=auth)
            assert done.status_code == 201, done.get_json()
        thread = client.post(f"/api/v1/x/discussion/lessons/{case}/threads", headers=learner_auth[0],
                             json={"title": "Đại hội có hợp lệ?", "body": "Theo Luật, cần quá nửa thành viên."})
        assert thread.status_code == 201, thread.get_json()
        # A question-and-answer case: a learner sees the others' threads once they have posted; the
        # instructor answers.
        reply = client.post(f"/api/v1/x/discussion/lessons/{case}/threads/{thread.get_json()['post']['thread_id']}"
                            "/posts", headers=teacher_auth, json={"body": "Đúng, nên triệu tập lại."})
        assert reply.status_code == 201, reply.get_json()
        added = client.post(f"/api/v1/x/discussion/lessons/{case}/attachments", headers=teacher_auth,
                            data={"title": "Báo cáo tài chính 2025", "file": (io.BytesIO(DOCUMENT), "bao-cao.pdf")},
                            content_type="multipart/form-data")
        assert added.status_code == 201, added.get_json()
        return {"case": case}
    finally:
        app.extensions["elearn_db"].dispose()


def backed_up(instance: Instance, archive: Path) -> dict:
    result = instance("backup", archive)
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def test_a_populated_instance_comes_back_identical_in_an_empty_one(kind, source, target, tmp_path):
    populated = populate(source)
    before = source.dump()
    media = source.media_files()
    assert len(before["users"]) == 4 and len(before["enrolments"]) == 3 and len(before["x_quiz_attempts"]) == 3
    assert len(before["x_discussion_posts"]) == 2 and len(before["x_discussion_attachments"]) == 1
    assert DOCUMENT in media.values() and any(name.startswith("packs/hop-tac-xa-co-ban/") for name in media)

    archive = tmp_path / "elearn-2026-12-04.tar.gz"
    manifest = backed_up(source, archive)
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes inside: the owner's only
    app = source.app()
    try:
        from elearn.db.migrate import current_heads

        heads = current_heads(app)
    finally:
        app.extensions["elearn_db"].dispose()
    assert manifest["format"] == 1 and manifest["elearn_version"]
    assert manifest["database"]["kind"] == kind and manifest["created_at"].endswith("Z")
    # every migration branch: the core and each plugin that has migrations
    assert set(manifest["revisions"]) == {"core", "quiz", "discussion", "video", "survey", "workshop"}
    assert set(manifest["revisions"].values()) == heads
    database_file = manifest["database"]["file"]
    with tarfile.open(archive) as tar:
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(contents) - {"manifest.json"} == {database_file, *(f"media/{n}" for n in media)}
    for name, data in contents.items():
        if name != "manifest.json":
            assert listed[name] == {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    restored = target("restore", archive)
    assert restored.exit_code == 0, restored.output
    assert f"{len(media)} media file(s)" in restored.output and "db upgrade" not in restored.output
    assert target.dump() == before
    assert target.media_files() == media
    assert {p.stat().st_mtime for p in target.media.rglob("*") if p.is_file()} == \
        {int(p.stat().st_mtime) for p in source.media.rglob("*") if p.is_file()}

    # The restored site works: people sign in with their passwords, see the document, and new
    # rows get new ids (PostgreSQL's sequences came back too).
    app = target.app()
    try:
        client = app.test_client()
        signed_in = client.post("/api/v1/auth/token", json={"email": "hocvien0@example.org", "password": TEST_PASSWORD})
        assert signed_in.status_code == 201
        view = client.get(f"/api/v1/lessons/{populated['case']}",
                          headers={"Authorization": f"Bearer {signed_in.get_json()['token']}"}).get_json()["view"]
        assert "Báo cáo tài chính 2025" in [a["title"] for a in view["attachments"]]
        created = target("user", "create", "moi@example.org", "--name", "Người mới", input=TEST_PASSWORD + "\n")
    finally:
        app.extensions["elearn_db"].dispose()
    assert created.exit_code == 0, created.output


def test_restore_refuses_a_non_empty_instance_and_says_how_to_start_from_an_empty_one(kind, source, target,
                                                                                      tmp_path):
    populate(source)
    archive = tmp_path / "backup.tar.gz"
    backed_up(source, archive)
    assert target("db", "upgrade").exit_code == 0
    before = target.dump()
    refused = target("restore", archive)
    assert refused.exit_code == 1
    assert "is not empty" in refused.output and "do not run elearn db upgrade first" in refused.output
    assert ("createdb" if kind == "postgresql" else "a SQLite file that does not exist yet") in refused.output
    assert target.dump() == before

    into_itself = source("restore", archive)
    assert into_itself.exit_code == 1 and "is not empty" in into_itself.output


def test_restore_refuses_an_instance_whose_media_folder_has_files(tmp_path):
    source = Instance(tmp_path / "source", _url("sqlite", tmp_path, "source"))
    target = Instance(tmp_path / "target", _url("sqlite", tmp_path, "target"))
    assert source("db", "upgrade").exit_code == 0
    archive = tmp_path / "backup.tar.gz"
    backed_up(source, archive)
    (target.media / "discussion" / "7").mkdir(parents=True)
    (target.media / "discussion" / "7" / "left-over.pdf").write_bytes(b"%PDF")
    refused = target("restore", archive)
    assert refused.exit_code == 1 and f"the media folder {target.media} is not empty" in refused.output
    assert target.tables() == []


def rewritten(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, data) -> data`` applied to each entry (the
    manifest left as it was, unless ``change`` edits it too)."""
    with tarfile.open(archive) as tar, tarfile.open(out, "w:gz") as copy:
        for member in tar.getmembers():
            data = change(member.name, tar.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return out


def test_a_tampered_archive_is_refused_and_nothing_is_restored(kind, source, target, tmp_path):
    populate(source)
    archive = tmp_path / "backup.tar.gz"
    backed_up(source, archive)

    def flip_a_byte_of_the_document(name: str, data: bytes) -> bytes:
        if data == DOCUMENT:
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    tampered = rewritten(archive, tmp_path / "tampered.tar.gz", flip_a_byte_of_the_document)
    refused = target("restore", tampered)
    assert refused.exit_code == 1 and "does not match its sha256" in refused.output
    assert target.is_untouched()

    database_file = "database.sqlite3" if kind == "sqlite" else "database.pgdump"
    cut = rewritten(archive, tmp_path / "cut.tar.gz",
                    lambda name, data: data[:-1] if name == database_file else data)
    refused = target("restore", cut)
    assert refused.exit_code == 1 and f"{database_file} is not the size the manifest gives" in refused.output
    assert target.is_untouched()

    assert target("restore", archive).exit_code == 0  # the original is fine


def hostile(path: Path, entry: tarfile.TarInfo, data: bytes = b"") -> Path:
    """An archive with a valid manifest that lists ``entry`` (a plain file's name and hash)."""
    database = b"not reached"
    files = [{"path": "database.sqlite3", "size": len(database), "sha256": hashlib.sha256(database).hexdigest()},
             {"path": entry.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}]
    manifest = json.dumps({"format": 1, "elearn_version": "0.1.0", "created_at": "2026-12-04T00:00:00Z",
                           "database": {"kind": "sqlite", "file": "database.sqlite3"},
                           "revisions": {"core": "0001_core"}, "files": files}).encode()
    with tarfile.open(path, "w:gz") as tar:
        for name, content in (("database.sqlite3", database),):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        tar.addfile(entry, io.BytesIO(data) if entry.isreg() else None)
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    return path


def _entry(name: str, kind: bytes = tarfile.REGTYPE, size: int = 5, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = size if kind == tarfile.REGTYPE else 0
    return info


HOSTILE = {
    "climbs out of the instance": (_entry("media/../../evil.txt"), "unsafe or unknown name"),
    "starts at the root": (_entry("/tmp/evil-elearn-backup.txt"), "unsafe or unknown name"),
    "climbs out from the top": (_entry("../evil.txt"), "unsafe or unknown name"),
    "is outside media": (_entry("instance/config.py"), "unsafe or unknown name"),
    "uses backslashes": (_entry("media\\..\\..\\evil.txt"), "unsafe or unknown name"),
    "is a symbolic link": (_entry("media/packs/link", tarfile.SYMTYPE, link="/etc/passwd"), "a symbolic link"),
    "is a hard link": (_entry("media/packs/hard", tarfile.LNKTYPE, link="database.sqlite3"), "a hard link"),
    "is a device": (_entry("media/packs/null", tarfile.CHRTYPE), "a special file"),
    "is listed twice": (_entry("database.sqlite3"), "holds 'database.sqlite3' twice"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_archive_is_refused_before_anything_is_written(case, tmp_path):
    target = Instance(tmp_path / "target", _url("sqlite", tmp_path, "target"))
    entry, reason = HOSTILE[case]
    archive = hostile(tmp_path / "hostile.tar.gz", entry, b"evil!" if entry.isreg() else b"")
    refused = target("restore", archive)
    assert refused.exit_code == 1, refused.output
    assert "refused" in refused.output and reason in refused.output
    assert target.is_untouched()
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil-elearn-backup.txt").exists()


def test_an_archive_larger_than_the_limit_is_refused_before_it_is_unpacked(tmp_path):
    target = Instance(tmp_path / "target", _url("sqlite", tmp_path, "target"))
    archive = hostile(tmp_path / "big.tar.gz", _entry("media/packs/big.bin", size=1_000_000), bytes(1_000_000))
    target.env["ELEARN_BACKUP_MAX_BYTES"] = "100000"
    refused = target("restore", archive)
    assert refused.exit_code == 1 and "more than 100000 bytes (BACKUP_MAX_BYTES)" in refused.output
    assert target.is_untouched()


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    target = Instance(tmp_path / "target", _url("sqlite", tmp_path, "target"))
    (tmp_path / "notes.tar.gz").write_bytes(b"just some text")
    refused = target("restore", tmp_path / "notes.tar.gz")
    assert refused.exit_code == 1 and "is not an elearn backup" in refused.output
    assert target.is_untouched()


def test_a_backup_from_a_newer_schema_is_refused_and_an_older_one_is_restored_then_upgraded(tmp_path):
    old = Instance(tmp_path / "old", _url("sqlite", tmp_path, "old"))
    app = old.app()
    try:
        from elearn.db.migrate import upgrade

        upgrade(app, "0004_rate_limit_counters")  # the core as it was two releases ago, no plugin tables yet
    finally:
        app.extensions["elearn_db"].dispose()
    archive = tmp_path / "old.tar.gz"
    assert backed_up(old, archive)["revisions"] == {"core": "0004_rate_limit_counters"}

    def from_the_future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["revisions"]["core"] = "0099_not_written_yet"
        return json.dumps(manifest).encode()

    newer = Instance(tmp_path / "newer", _url("sqlite", tmp_path, "newer"))
    refused = newer("restore", rewritten(archive, tmp_path / "future.tar.gz", from_the_future))
    assert refused.exit_code == 1
    assert "newer than this code: revision 0099_not_written_yet (core) is unknown here" in refused.output
    assert newer.is_untouched()

    restored = newer("restore", archive)
    assert restored.exit_code == 0, restored.output
    assert "run elearn db upgrade now" in restored.output
    assert newer("db", "upgrade").exit_code == 0
    assert {"x_quiz_attempts", "x_discussion_posts"} <= set(newer.tables())


# Refused before the database is reached: no server is needed at this address.
NO_SERVER = "postgresql+psycopg://elearn@127.0.0.1:9/elearn"


def test_a_sqlite_backup_cannot_be_restored_into_postgresql(tmp_path):
    source = Instance(tmp_path / "source", _url("sqlite", tmp_path, "source"))
    target = Instance(tmp_path / "target", NO_SERVER)
    assert source("db", "upgrade").exit_code == 0
    archive = tmp_path / "backup.tar.gz"
    backed_up(source, archive)
    refused = target("restore", archive)
    assert refused.exit_code == 1 and "restoring across database kinds is not supported" in refused.output
    assert target.media_files() == {}


def test_postgresql_backups_name_the_missing_tools(tmp_path, monkeypatch):
    source = Instance(tmp_path / "source", NO_SERVER)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    refused = source("backup", tmp_path / "backup.tar.gz")
    assert refused.exit_code == 1
    assert "pg_dump was not found on PATH" in refused.output and "pg_restore" in refused.output
    assert "apt install postgresql-client" in refused.output
    assert not (tmp_path / "backup.tar.gz").exists()


def test_an_existing_file_is_kept_unless_overwrite_is_asked_for(tmp_path):
    source = Instance(tmp_path / "source", _url("sqlite", tmp_path, "source"))
    assert source("db", "upgrade").exit_code == 0
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"yesterday's backup")
    refused = source("backup", archive)
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert archive.read_bytes() == b"yesterday's backup"
    assert source("backup", archive, "--overwrite").exit_code == 0
    assert tarfile.is_tarfile(archive)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".elearn-backup-")] == []


WRITTEN_AT = "2000-01-01 00:00:00"  # marks the writer's rows


def test_a_sqlite_backup_taken_while_learners_write_is_one_consistent_state(tmp_path):
    """Each write adds a learner and their enrolment in one transaction: a consistent copy has as
    many of one as of the other, whatever moment it caught."""
    from elearn.backup import create_backup

    source = Instance(tmp_path / "source", _url("sqlite", tmp_path, "source"))
    populate(source)
    path = tmp_path / "source" / "elearn.sqlite3"
    stop = threading.Event()
    written = []

    def write() -> None:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        course = connection.execute("SELECT id FROM courses").fetchone()[0]
        try:
            while not stop.is_set():
                n = len(written)
                connection.execute("BEGIN IMMEDIATE")
                user = connection.execute(
                    "INSERT INTO users (email, name, password_hash, role, is_active, created_at)"
                    " VALUES (?, ?, 'x', 'learner', 1, ?) RETURNING id",
                    (f"writer{n}@example.org", f"Người viết {n}", WRITTEN_AT),
                ).fetchone()[0]
                connection.execute("INSERT INTO enrolments (user_id, course_id, enrolled_at) VALUES (?, ?, ?)",
                                   (user, course, WRITTEN_AT))
                connection.execute("COMMIT")
                written.append(user)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        app = source.app()
        try:
            with app.app_context():
                started = len(written)
                create_backup(app, tmp_path / "live.tar.gz")
                finished = len(written)
        finally:
            app.extensions["elearn_db"].dispose()
    finally:
        stop.set()
        writer.join()
    assert finished > started, "the writes went on during the backup"

    with tarfile.open(tmp_path / "live.tar.gz") as tar:
        (tmp_path / "copy.sqlite3").write_bytes(tar.extractfile("database.sqlite3").read())
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # Counted in each table on its own: a copy taken table by table would show more enrolments.
        learners = copy.execute("SELECT count(*) FROM users WHERE created_at = ?", (WRITTEN_AT,)).fetchone()[0]
        enrolled = copy.execute("SELECT count(*) FROM enrolments WHERE enrolled_at = ?", (WRITTEN_AT,)).fetchone()[0]
    finally:
        copy.close()
    assert started <= learners == enrolled <= len(written)
    assert not os.path.exists(tmp_path / "copy.sqlite3-wal")


def test_the_help_says_what_a_backup_holds_and_how_to_run_it_every_night():
    shown = " ".join(CliRunner().invoke(main, ["backup", "--help"]).output.split())
    assert "online backup API" in shown and "pg_dump" in shown and "sha256" in shown
    assert "elearn backup /var/backups/elearn-$(date +%F).tar.gz" in shown and "elearn restore FILE" in shown
    restore_help = " ".join(CliRunner().invoke(main, ["restore", "--help"]).output.split())
    assert "empty instance" in restore_help and "elearn db upgrade" in restore_help
