"""Learners in bulk by CSV: accounts, profiles and enrolments, a dry run then all or nothing, and the export."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from elearn.learners.importer import export_learners, import_learners
from elearn.models import AdminUnit, Cooperative, CooperativeKind, Enrolment, LearnerProfile, Position, UnitLevel, User
from elearn.testing import csrf_token, fresh

HEADER = "name,phone,email,cooperative,position,course\n"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def place(db, make_course):
    """A commune with one cooperative (R1) and the course ``ke-toan``."""
    commune = AdminUnit(code="X1", name="Xã Thanh Xương", level=UnitLevel.COMMUNE)
    db.add(commune)
    db.flush()
    cooperative = Cooperative(registration_number="R1", name="HTX Thanh Xương", kind=CooperativeKind.AGRICULTURAL,
                              unit_id=commune.id)
    db.add(cooperative)
    db.commit()
    make_course(slug="ke-toan")
    return cooperative


def counts(db) -> tuple[int, int, int]:
    fresh(db)
    return tuple(db.scalar(select(func.count()).select_from(table)) for table in (User, LearnerProfile, Enrolment))


def test_dry_run_then_commit_then_the_same_file_again_changes_nothing(db, place):
    data = (HEADER + "Nguyễn Thị Hoa,0912 345 678,hoa@example.org,R1,accountant,ke-toan\n"
            "Lò Văn Páo,,pao@example.org,,,ke-toan\n").encode()
    dry = import_learners(db, data, commit=False)
    assert dry.ok and not dry.committed and [r.action for r in dry.rows] == ["create", "create"]
    db.rollback()
    assert counts(db) == (0, 0, 0)
    done = import_learners(db, data, commit=True)
    db.commit()
    assert done.committed and counts(db) == (2, 2, 2)
    hoa = db.scalar(select(User).where(User.email == "hoa@example.org"))
    profile = db.get(LearnerProfile, hoa.id)
    assert (hoa.role.value, profile.phone, profile.cooperative_id, profile.position) == (
        "learner", "+84912345678", place.id, Position.ACCOUNTANT)
    from elearn.auth.accounts import authenticate

    assert authenticate(db, "hoa@example.org", "!imported") is None  # no password signs in to it
    again = import_learners(db, data, commit=True)
    db.commit()
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"] and counts(db) == (2, 2, 2)


def test_an_existing_learner_is_updated_and_enrolled(db, place, make_user, make_course):
    make_user("learner", "an@example.org", "Nguyễn Văn An")
    make_course(slug="tin-hoc")
    data = (HEADER + "Nguyễn Văn An,0912345678,AN@example.org,R1,giám đốc,ke-toan\n"
            "Nguyễn Văn An,0912345678,an@example.org,R1,giám đốc,tin-hoc\n").encode()
    report = import_learners(db, data, commit=True)
    db.commit()
    assert [r.action for r in report.rows] == ["update", "update"]
    assert "+84912345678" in report.rows[0].message and "tin-hoc" in report.rows[1].message
    assert counts(db) == (1, 1, 2)


def test_row_errors_name_their_spreadsheet_row_and_nothing_is_written(db, place, make_user):
    make_user("admin", "chau@example.org", "Lê Minh Châu")
    data = (HEADER + "Hoa,0912 345 678,hoa@example.org,R1,accountant,ke-toan\n"
            "Páo,12,pao@example.org,,,\n"
            "Mai,,mai@example.org,NOPE,,\n"
            "Lan,,lan@example.org,,chief,\n"
            "Tú,,tu@example.org,,,no-such-course\n"
            "Minh,0912345678,minh@example.org,,,\n"
            "Châu,,chau@example.org,,,\n"
            ",,,,,\n"
            "No mail,0987654321,,,,\n"
            "Nothing to sign in with,,,,,\n").encode()
    report = import_learners(db, data, commit=True)
    assert not report.committed
    assert [(r.row, r.action) for r in report.rows if r.action == "error"] == [
        (3, "error"), (4, "error"), (5, "error"), (6, "error"), (7, "error"), (8, "error"), (11, "error")]
    assert "số điện thoại" in report.rows[1].message and "NOPE" in report.rows[2].message
    assert "tài khoản khác" in report.rows[5].message and "cán bộ" in report.rows[6].message
    assert report.rows[7].action == "create", "a phone number is enough: the learner signs in with it"
    assert "email" in report.rows[8].message
    db.rollback()
    assert counts(db) == (1, 0, 0)


def test_a_failure_on_row_900_of_1000_leaves_nothing(client, api_token, admin, db, place):
    lines = [HEADER] + [f"Học viên {n},,hv{n}@example.org,R1,member,ke-toan\n" for n in range(2, 1002)]
    lines[899] = "Học viên 900,,hv900@example.org,R404,member,ke-toan\n"  # sheet row 900
    data = "".join(lines).encode()
    answer = client.post("/api/v1/learners/import", headers=bearer(api_token(admin)),
                         data={"file": (io.BytesIO(data), "big.csv")})
    assert answer.status_code == 409
    body = answer.get_json()
    assert not body["committed"] and body["errors"] == 1 and body["created"] == 999
    assert [row["row"] for row in body["rows"] if row["action"] == "error"] == [900]
    assert counts(db) == (1, 0, 0)  # the administrator only


def test_the_api_dry_run_and_commit_with_an_excel_file(client, api_token, admin, db, place):
    text = ("họ và tên;số điện thoại;email;hợp tác xã;chức vụ;khóa học\r\n"
            "Nguyễn Thị Hoa;0912.345.678;hoa@example.org;R1;Kế toán;ke-toan\r\n")
    data = "\ufeff".encode() + text.encode()
    headers = bearer(api_token(admin))
    dry = client.post("/api/v1/learners/import", headers=headers,
                      data={"dry_run": "true", "file": (io.BytesIO(data), "x.csv")})
    assert dry.status_code == 200 and dry.get_json()["created"] == 1 and not dry.get_json()["committed"]
    assert counts(db) == (1, 0, 0)
    done = client.post("/api/v1/learners/import", headers=headers, data={"file": (io.BytesIO(data), "x.csv")})
    assert done.status_code == 200 and done.get_json()["committed"]
    profile = fresh(db).scalar(select(LearnerProfile))
    assert profile.position == Position.ACCOUNTANT and profile.phone == "+84912345678"
    assert counts(db) == (2, 1, 1)
    again = client.post("/api/v1/learners/import", headers=headers,
                        data={"file": (io.BytesIO(data), "x.csv")}).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_only_administrators_import_or_export(client, api_token, make_user, login, app):
    someone = make_user("instructor")
    answer = client.post("/api/v1/learners/import", headers=bearer(api_token(someone)),
                         data={"file": (io.BytesIO(HEADER.encode()), "x.csv")})
    assert answer.status_code == 403
    assert client.post("/api/v1/learners/import", data={}).status_code == 401
    login(client, someone)
    assert client.get("/admin/learners/import").status_code == 403
    assert client.get("/admin/learners/export.csv").status_code == 403


def test_export_neutralises_formulas_and_imports_again(db, place, make_user):
    data = (HEADER + "=HYPERLINK(\"http://evil\"),+44 20 7946 0958,evil@example.org,R1,member,ke-toan\n"
            "@SUM(A1),,at@example.org,,,\n").encode()
    assert import_learners(db, data, commit=True).committed
    db.commit()
    exported = export_learners(db).decode("utf-8-sig")
    assert exported.splitlines()[0] == "name,phone,email,cooperative,position,course"
    assert "'=HYPERLINK" in exported and "'@SUM(A1)" in exported and "'+44 20 7946 0958" in exported
    again = import_learners(db, exported.encode(), commit=True)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]  # the quotes are read back


def test_the_admin_page_and_the_command_line(client, login, admin, db, place, tmp_path, monkeypatch, app):
    login(client, admin)
    data = (HEADER + "Nguyễn Thị Hoa,0912 345 678,hoa@example.org,R1,accountant,ke-toan\n").encode()
    token = csrf_token(client, "/admin/learners/import")
    page = client.post("/admin/learners/import", data={"csrf_token": token, "commit": "0",
                                                       "file": (io.BytesIO(data), "x.csv")})
    assert page.status_code == 200 and "hoa@example.org" in page.get_data(as_text=True)
    assert counts(db) == (1, 0, 0)
    from elearn.cli import main

    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ELEARN_DATABASE_URL", app.config["DATABASE_URL"])
    file = tmp_path / "learners.csv"
    file.write_bytes(data)
    result = CliRunner().invoke(main, ["learners", "import", str(file), "--dry-run"])
    assert result.exit_code == 0 and "dry run: 1 to create" in result.output and counts(db) == (1, 0, 0)
    result = CliRunner().invoke(main, ["learners", "import", str(file)])
    assert result.exit_code == 0 and counts(db) == (2, 1, 1)
    result = CliRunner().invoke(main, ["learners", "export"])
    assert result.exit_code == 0 and "hoa@example.org" in result.output
    download = client.get("/admin/learners/export.csv")
    assert download.status_code == 200 and "hoa@example.org" in download.get_data(as_text=True)
