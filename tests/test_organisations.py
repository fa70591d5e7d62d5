"""Organisations: units and cooperatives, who may see and edit them, and their CSV import.

Every test runs on SQLite and PostgreSQL. An area's staff (an instructor given an area) must see
their area only: other areas' rows are not listed and their ids answer 404, pages and API alike.
"""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from elearn.demo import DEMO_ORGANISATIONS as DEMO
from elearn.models import AdminUnit, Cooperative, CooperativeKind, StaffArea, UnitLevel
from elearn.organisations.access import OrgAccess
from elearn.organisations.importer import import_organisations
from elearn.organisations.service import place
from elearn.testing import csrf_token, fresh

HEADER = "level,code,name,parent,type\n"
# A list page: the session's user, the staff's areas, the count, the page, the filter's areas (5 measured).
LIST_QUERIES = 6


@pytest.fixture
def tree(db):
    """A province with two areas; area A has a ward and a commune, area B a commune; one cooperative in each."""
    province = AdminUnit(code="11", name="Tỉnh Điện Biên", level=UnitLevel.PROVINCE)
    db.add(province)
    db.flush()
    units = {"province": province}
    for key, code, name, level, parent in [
        ("a", "A", "Khu vực A", UnitLevel.AREA, "province"),
        ("b", "B", "Khu vực B", UnitLevel.AREA, "province"),
        ("ward_a", "A-P1", "Phường Một", UnitLevel.WARD, "a"),
        ("commune_a", "A-X1", "Xã Hai", UnitLevel.COMMUNE, "a"),
        ("commune_b", "B-X1", "Xã Ba", UnitLevel.COMMUNE, "b"),
    ]:
        unit = AdminUnit(code=code, name=name, level=level)
        place(unit, units[parent])
        db.add(unit)
        db.flush()
        units[key] = unit
    for key, number, unit in [("coop_ward_a", "R-1", "ward_a"), ("coop_a", "R-2", "commune_a"),
                              ("coop_b", "R-3", "commune_b")]:
        coop = Cooperative(name=f"HTX {number}", kind=CooperativeKind.AGRICULTURAL, registration_number=number,
                           unit_id=units[unit].id)
        db.add(coop)
        db.flush()
        units[key] = coop
    db.commit()
    return units


@pytest.fixture
def area_staff(make_user, db, tree):
    user = make_user("instructor", "staff-a@example.org", "Cán bộ khu vực A")
    db.add(StaffArea(user_id=user.id, unit_id=tree["a"].id))
    db.commit()
    return user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts(db) -> tuple[int, int]:
    fresh(db)
    return tuple(db.scalar(select(func.count()).select_from(table)) for table in (AdminUnit, Cooperative))


# -- who sees what ------------------------------------------------------------------------


def test_area_staff_see_and_edit_only_their_area_on_the_pages(client, login, area_staff, tree):
    login(client, area_staff)
    listed = client.get("/orgs/").get_data(as_text=True)
    assert "HTX R-1" in listed and "HTX R-2" in listed
    assert "HTX R-3" not in listed
    units = client.get("/orgs/units").get_data(as_text=True)
    assert "Xã Hai" in units and "Xã Ba" not in units
    assert client.get(f"/orgs/cooperatives/{tree['coop_b'].id}").status_code == 404
    assert client.get(f"/orgs/units/{tree['commune_b'].id}").status_code == 404
    token = csrf_token(client, f"/orgs/cooperatives/{tree['coop_a'].id}")
    changed = client.post(f"/orgs/cooperatives/{tree['coop_b'].id}", data={
        "csrf_token": token, "name": "Đổi", "kind": "union", "registration_number": "R-3",
        "unit": tree["commune_b"].id})
    assert changed.status_code == 404
    # Their own cooperative they may move within the area, not into another area's commune.
    moved = client.post(f"/orgs/cooperatives/{tree['coop_a'].id}", data={
        "csrf_token": token, "name": "HTX R-2", "kind": "agricultural", "registration_number": "R-2",
        "unit": tree["commune_b"].id})
    assert moved.status_code == 400
    assert client.post(f"/orgs/cooperatives/{tree['coop_a'].id}", data={
        "csrf_token": token, "name": "HTX Hai mới", "kind": "union", "registration_number": "R-2",
        "unit": tree["ward_a"].id}).status_code == 303
    assert "HTX Hai mới" in client.get("/orgs/").get_data(as_text=True)
    assert client.get("/orgs/import").status_code == 403
    assert client.get("/orgs/staff").status_code == 403


def test_area_staff_through_the_api(client, api_token, area_staff, tree):
    headers = bearer(api_token(area_staff))
    listed = client.get("/api/v1/orgs/cooperatives", headers=headers).get_json()
    assert {c["registration_number"] for c in listed["items"]} == {"R-1", "R-2"}
    assert listed["total"] == 2
    tracks = {c["registration_number"]: c["track"] for c in listed["items"]}
    assert tracks == {"R-1": "urban", "R-2": "rural"}
    units = client.get("/api/v1/orgs/units", headers=headers).get_json()
    assert "B-X1" not in {u["code"] for u in units["items"]}
    assert client.get(f"/api/v1/orgs/cooperatives/{tree['coop_b'].id}", headers=headers).status_code == 404
    body = {"name": "Đổi", "kind": "union", "registration_number": "R-3", "unit_id": tree["commune_b"].id}
    assert client.put(f"/api/v1/orgs/cooperatives/{tree['coop_b'].id}", json=body, headers=headers).status_code == 404
    new = {"name": "HTX mới", "kind": "credit_fund", "registration_number": "R-9", "unit_id": tree["commune_b"].id}
    assert client.post("/api/v1/orgs/cooperatives", json=new, headers=headers).status_code == 404
    created = client.post("/api/v1/orgs/cooperatives", json={**new, "unit_id": tree["ward_a"].id}, headers=headers)
    assert created.status_code == 201 and created.get_json()["track"] == "urban"
    # Provinces and areas are the administrators'.
    area = {"code": "C", "name": "Khu vực C", "level": "area", "parent_id": tree["province"].id}
    assert client.post("/api/v1/orgs/units", json=area, headers=headers).status_code == 403
    commune = {"code": "A-X9", "name": "Xã Chín", "level": "commune", "parent_id": tree["a"].id}
    made = client.post("/api/v1/orgs/units", json=commune, headers=headers)
    assert made.status_code == 201 and made.get_json()["track"] == "rural"
    assert made.get_json()["area_id"] == tree["a"].id
    assert client.post("/api/v1/orgs/units", json={**commune, "code": "B-X9", "parent_id": tree["b"].id},
                       headers=headers).status_code == 404
    assert client.post("/api/v1/orgs/import", data={"file": (io.BytesIO(b""), "x.csv")},
                       headers=headers).status_code == 403


def test_learners_and_instructors_without_an_area_are_refused(app, client, login, api_token, learner, instructor,
                                                              tree):
    for user in (learner, instructor):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        headers = bearer(api_token(user))
        assert client.get("/api/v1/orgs/cooperatives", headers=headers).status_code == 403
        assert client.get(f"/api/v1/orgs/units/{tree['a'].id}", headers=headers).status_code == 403
    login(client, learner)
    assert client.get("/orgs/").status_code == 403
    assert client.get(f"/orgs/cooperatives/{tree['coop_a'].id}").status_code == 403
    assert client.get("/api/v1/orgs/cooperatives").status_code == 401
    # The instructor's menu offers the page: without an area she is told what to do, and sees no cooperative.
    staff = app.test_client()
    login(staff, instructor)
    page = staff.get("/orgs/")
    assert page.status_code == 200
    assert "chưa được giao địa bàn" in page.get_data(as_text=True)
    assert tree["coop_a"].name not in page.get_data(as_text=True)
    assert staff.get(f"/orgs/cooperatives/{tree['coop_a'].id}").status_code == 403


def test_administrators_see_everything_and_registration_numbers_are_unique(client, api_token, admin, tree):
    headers = bearer(api_token(admin))
    assert client.get("/api/v1/orgs/cooperatives", headers=headers).get_json()["total"] == 3
    taken = {"name": "HTX trùng", "kind": "union", "registration_number": "R-1", "unit_id": tree["commune_b"].id}
    refused = client.post("/api/v1/orgs/cooperatives", json=taken, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == "Số đăng ký này đã thuộc về một hợp tác xã khác."
    into_area = {**taken, "registration_number": "R-8", "unit_id": tree["a"].id}
    assert client.post("/api/v1/orgs/cooperatives", json=into_area, headers=headers).status_code == 400


def test_moving_an_area_to_another_province_moves_its_communes(client, api_token, admin, tree, db):
    headers = bearer(api_token(admin))
    other = client.post("/api/v1/orgs/units", json={"code": "12", "name": "Tỉnh Lai Châu", "level": "province"},
                        headers=headers).get_json()
    moved = client.put(f"/api/v1/orgs/units/{tree['a'].id}",
                       json={"code": "A", "name": "Khu vực A", "level": "area", "parent_id": other["id"]},
                       headers=headers)
    assert moved.status_code == 200
    fresh(db)
    assert db.get(AdminUnit, tree["commune_a"].id).province_id == other["id"]
    changed_level = client.put(f"/api/v1/orgs/units/{tree['a'].id}",
                               json={"code": "A", "name": "Khu vực A", "level": "province"}, headers=headers)
    assert changed_level.status_code == 409


def test_admin_gives_an_instructor_an_area(client, login, admin, instructor, learner, tree):
    login(client, admin)
    token = csrf_token(client, "/orgs/staff")
    client.post("/orgs/staff", data={"csrf_token": token, "email": instructor.email, "unit": tree["b"].id})
    page = client.get("/orgs/staff").get_data(as_text=True)
    assert instructor.email in page and "Khu vực B" in page
    refused = client.post("/orgs/staff", data={"csrf_token": token, "email": learner.email, "unit": tree["b"].id},
                          follow_redirects=True).get_data(as_text=True)
    assert "Chỉ giảng viên mới có thể là cán bộ Liên minh." in refused


# -- the CSV import -----------------------------------------------------------------------


def test_the_demo_fixture_imports_once_and_again_changes_nothing(app, db, admin):
    data = DEMO.read_bytes()
    access = OrgAccess(admin, None)
    dry = import_organisations(db, access, data, commit=False)
    assert dry.ok and dry.count("create") == len(dry.rows) and not dry.committed
    assert counts(db) == (0, 0)
    done = import_organisations(db, access, data, commit=True)
    db.commit()
    assert done.committed
    units, cooperatives = counts(db)
    assert cooperatives == 6 and units == len(dry.rows) - 6
    wards = db.scalars(select(AdminUnit.name).where(AdminUnit.level == UnitLevel.WARD)).all()
    assert sorted(wards) == ["Phường Mường Lay", "Phường Mường Thanh", "Phường Điện Biên Phủ"]
    before = [(u.code, u.name, u.parent_id, u.province_id, u.area_id) for u in db.scalars(select(AdminUnit))]
    again = import_organisations(db, access, data, commit=True)
    db.commit()
    assert again.count("unchanged") == len(again.rows)
    fresh(db)
    assert [(u.code, u.name, u.parent_id, u.province_id, u.area_id) for u in db.scalars(select(AdminUnit))] == before


def test_row_errors_name_their_row_and_nothing_is_written(client, login, admin, db):
    rows = HEADER + ("province,11,Tỉnh Điện Biên,,\n"
                     "village,V1,Bản Một,11,\n"
                     "commune,X1,Xã Một,NOWHERE,\n"
                     "cooperative,R1,HTX Một,X2,fishing\n"
                     "commune,X2,Xã Hai,11,\n")
    login(client, admin)
    token = csrf_token(client, "/orgs/import")
    answer = client.post("/orgs/import", data={"csrf_token": token, "commit": "1",
                                                "file": (io.BytesIO(rows.encode()), "units.csv")})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    for row, problem in [(3, "village"), (4, "NOWHERE"), (5, "fishing")]:
        assert re.search(rf"<td>{row}</td>.*?{problem}", page, re.S), row
    assert "<td>2</td>" not in page  # only the rows with errors are listed
    assert counts(db) == (0, 0)


def test_a_failure_on_row_900_of_1000_leaves_nothing(client, api_token, admin, db):
    lines = [HEADER, "province,11,Tỉnh Điện Biên,,\n", "area,A,Khu vực A,11,\n"]
    lines += [f"commune,X{n},Xã {n},A,\n" for n in range(3, 899)]
    lines += [f"cooperative,R{n},HTX {n},X{n - 500},agricultural\n" for n in range(899, 1001)]
    lines[900] = "cooperative,R900,HTX 900,X1,agricultural\n"  # row 901 of the sheet: data row 900, unknown commune
    data = "".join(lines).encode()
    assert data.count(b"\n") == 1001
    answer = client.post("/api/v1/orgs/import", headers=bearer(api_token(admin)),
                         data={"commit": "true", "file": (io.BytesIO(data), "big.csv")})
    assert answer.status_code == 409
    body = answer.get_json()
    assert not body["committed"] and body["errors"] == 1
    assert [row["row"] for row in body["rows"] if row["action"] == "error"] == [901]
    assert counts(db) == (0, 0)


def test_excel_files_with_a_bom_and_semicolons(client, api_token, admin, db):
    text = "cấp;mã;tên;trực thuộc;loại hình\r\ntỉnh;11;Tỉnh Điện Biên;;\r\nphường;P1;Phường Mường Thanh;11;\r\n" \
           "htx;R1;HTX Nông nghiệp Thanh Xương;P1;nông nghiệp\r\n"
    data = "\ufeff".encode() + text.encode()
    headers = bearer(api_token(admin))
    dry = client.post("/api/v1/orgs/import", headers=headers, data={"file": (io.BytesIO(data), "x.csv")})
    assert dry.status_code == 200 and dry.get_json()["created"] == 3 and not dry.get_json()["committed"]
    assert counts(db) == (0, 0)
    done = client.post("/api/v1/orgs/import", headers=headers,
                       data={"commit": "true", "file": (io.BytesIO(data), "x.csv")})
    assert done.get_json()["committed"]
    coop = fresh(db).scalar(select(Cooperative))
    assert coop.name == "HTX Nông nghiệp Thanh Xương" and coop.kind == CooperativeKind.AGRICULTURAL
    again = client.post("/api/v1/orgs/import", headers=headers,
                        data={"commit": "true", "file": (io.BytesIO(data), "x.csv")}).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_files_that_cannot_be_read(client, api_token, admin, app):
    headers = bearer(api_token(admin))
    legacy = (HEADER + "province,11,Tỉnh Điện Biên,,\n").encode("cp1258", errors="replace") + b"\xff"
    answer = client.post("/api/v1/orgs/import", headers=headers, data={"file": (io.BytesIO(legacy), "x.csv")})
    assert answer.status_code == 400 and "UTF-8" in answer.get_json()["error"]["message"]
    app.config["ORGS_IMPORT_MAX_BYTES"] = 2048
    big = (HEADER + "province,11,Tỉnh Điện Biên,,\n" * 100).encode()
    answer = client.post("/api/v1/orgs/import", headers=headers, data={"file": (io.BytesIO(big), "x.csv")})
    assert answer.status_code == 400 and answer.get_json()["error"]["message"] == "Tệp quá lớn: tối đa 2 KB."
    no_columns = client.post("/api/v1/orgs/import", headers=headers,
                             data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
    assert no_columns.status_code == 400 and "level" in no_columns.get_json()["error"]["message"]


def test_the_command_line_import(app, db, tmp_path, monkeypatch):
    from elearn.cli import main

    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ELEARN_DATABASE_URL", app.config["DATABASE_URL"])
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "province,11,Tỉnh Điện Biên,,\ncommune,X1,Xã Một,NOWHERE,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "import", str(bad)])
    assert result.exit_code == 1 and "row 3: error" in result.output and "nothing was written" in result.output
    assert counts(db) == (0, 0)
    result = CliRunner().invoke(main, ["orgs", "import", str(DEMO), "--dry-run"])
    assert result.exit_code == 0 and "dry run" in result.output
    assert counts(db) == (0, 0)
    result = CliRunner().invoke(main, ["orgs", "import", str(DEMO)])
    assert result.exit_code == 0 and counts(db)[1] == 6


# -- query counts -----------------------------------------------------------------------------


def _grow(db, tree, start: int, stop: int) -> None:
    """Communes of area A numbered ``start`` to ``stop``, each with a cooperative (rows in bulk)."""
    from sqlalchemy import insert

    from elearn.clock import utcnow

    area = tree["a"]
    ids = db.scalars(insert(AdminUnit).returning(AdminUnit.id, sort_by_parameter_order=True), [
        {"code": f"M-{n}", "name": f"Xã {n:04}", "level": UnitLevel.COMMUNE, "parent_id": area.id,
         "province_id": area.province_id, "area_id": area.id} for n in range(start, stop)]).all()
    db.execute(insert(Cooperative), [
        {"name": f"HTX {n:04}", "kind": CooperativeKind.AGRICULTURAL, "registration_number": f"M-{n}",
         "unit_id": unit_id, "created_at": utcnow()} for n, unit_id in zip(range(start, stop), ids, strict=True)])
    db.commit()


@pytest.mark.parametrize("path", ["/orgs/", "/orgs/units", "/api/v1/orgs/cooperatives", "/api/v1/orgs/units"])
def test_organisation_lists_cost_the_same_with_10_or_1000_rows(client, login, area_staff, tree, db, count_queries,
                                                              path):
    login(client, area_staff)
    measured = []
    for start, stop in ((0, 10), (10, 1000)):
        _grow(db, tree, start, stop)
        headers = {"X-CSRFToken": csrf_token(client, "/orgs/")} if path.startswith("/api") else {}
        with count_queries() as counted:
            assert client.get(path, headers=headers).status_code == 200
        measured.append(counted.n)
    assert measured[0] == measured[1] <= LIST_QUERIES, measured


def test_staff_areas_through_the_api(client, api_token, admin, instructor, learner, tree):
    headers = bearer(api_token(admin))
    path = f"/api/v1/orgs/staff/{instructor.id}/areas/{tree['b'].id}"
    assert client.put(path, headers=headers).status_code == 201
    assert client.put(path, headers=headers).status_code == 200
    listed = client.get("/api/v1/orgs/staff", headers=headers).get_json()["staff"]
    assert listed == [{"user_id": instructor.id, "name": instructor.name, "unit_id": tree["b"].id,
                       "unit_name": "Khu vực B"}]
    staff_headers = bearer(api_token(instructor))
    seen = client.get("/api/v1/orgs/cooperatives", headers=staff_headers).get_json()["items"]
    assert [c["registration_number"] for c in seen] == ["R-3"]
    assert client.get("/api/v1/orgs/staff", headers=staff_headers).status_code == 403
    assert client.put(f"/api/v1/orgs/staff/{learner.id}/areas/{tree['b'].id}", headers=headers).status_code == 409
    assert client.put(f"/api/v1/orgs/staff/{instructor.id}/areas/{tree['commune_b'].id}",
                      headers=headers).status_code == 400
    assert client.delete(path, headers=headers).status_code == 204
    assert client.get("/api/v1/orgs/cooperatives", headers=staff_headers).status_code == 403
