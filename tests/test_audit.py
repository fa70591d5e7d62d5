"""The audit log: every listed staff action leaves a row; no row can be changed, through the app
or past it; administrators read it (filtered, paged, as CSV and through the API), nobody else."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from elearn import audit
from elearn.clock import utcnow
from elearn.models import AuditEntry
from elearn.testing import csrf_token, fresh


def actions(db) -> list[str]:
    return [entry.action for entry in fresh(db).scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_the_database_refuses_to_change_or_delete_a_row(app, db, admin):
    audit.record(db, admin, "role.changed", subject_type="user", subject_id=1, summary="x")
    db.commit()
    for statement in (update(AuditEntry).values(summary="rewritten"), delete(AuditEntry),
                      text("UPDATE audit_log SET actor_name = 'someone else'")):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(statement)
        db.rollback()
    (entry,) = fresh(db).scalars(select(AuditEntry))
    assert (entry.summary, entry.actor_name) == ("x", "Lê Minh Châu")


def test_deleting_the_actor_keeps_their_rows(app, db, make_user):
    staff = make_user("admin", "xoa@example.org", "Người Sẽ Bị Xoá")
    audit.record(db, staff, "role.changed", summary="x")
    db.commit()
    db.delete(staff)
    db.commit()
    (entry,) = fresh(db).scalars(select(AuditEntry))
    assert entry.actor_name == "Người Sẽ Bị Xoá"


def test_the_app_has_no_route_that_changes_the_log(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("audit.", "api_audit.")):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_a_role_change_and_an_instructor_assigned_leave_rows(client, db, admin, learner, login, make_course):
    login(client, admin)
    token = csrf_token(client, "/admin/users")
    assert client.post(f"/admin/users/{learner.id}/role", data={"role": "instructor", "csrf_token": token}
                       ).status_code == 303
    course = make_course()
    assert client.post("/admin/courses", data={"course_id": course.id, "email": learner.email,
                                               "csrf_token": token}).status_code == 303
    entries = fresh(db).scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [("role.changed", admin.id), ("instructor.assigned", admin.id)]
    assert entries[0].details == {"from": "learner", "to": "instructor"}
    assert client.post(f"/admin/users/{learner.id}/role", data={"role": "instructor", "csrf_token": token}
                       ).status_code == 303
    assert actions(db) == ["role.changed", "instructor.assigned"], "no change, no row"


def test_an_import_and_a_pack_install_leave_rows(app, client, db, admin, login, tmp_path):
    from elearn.learners.importer import import_learners

    data = ("name,email\nNguyễn Thị Hoa,hoa@example.org\n").encode()
    import_learners(db, data, commit=False, actor=admin)
    db.rollback()
    assert actions(db) == [], "a dry run writes nothing"
    import_learners(db, data, commit=True, actor=admin)
    db.commit()
    from test_certificates import write_pack

    from elearn.packs.service import install_path

    install_path(app, write_pack(tmp_path / "pack"), actor=admin)
    install_path(app, tmp_path / "pack")  # the same version again: nothing installed, nothing recorded
    entries = fresh(db).scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [("import.learners", admin.id), ("pack.installed", admin.id)]
    assert entries[0].details == {"created": 1, "updated": 0, "unchanged": 0}
    assert entries[1].subject_id == "chung-chi"


@pytest.fixture
def logged(db, admin, make_user):
    """Thirty entries by two people over three days, one with a formula in it."""
    other = make_user("instructor", "dung@example.org", "Phạm Dũng")
    now = utcnow()
    for index in range(30):
        entry = audit.record(db, admin if index % 2 else other, "grade.changed" if index % 3 else "role.changed",
                             summary=f"dòng {index}")
        entry.at = now - timedelta(days=index // 10)
    audit.record(db, admin, "certificate.revoked", summary="=HYPERLINK(\"http://x\")")
    db.commit()
    return other


def test_only_administrators_read_the_log(app, client, learner, instructor, login, api_token):
    assert client.get("/admin/audit").status_code in (302, 401)
    for person in (learner, instructor):
        client = app.test_client()
        login(client, person)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit/export.csv").status_code == 403
        assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {api_token(person)}"}
                          ).status_code == 403


def test_the_page_filters_by_who_action_and_day_and_is_paged(client, db, admin, login, logged):
    login(client, admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "31 dòng nhật ký." in page and page.count("<tr>") == 26, "a header and 25 rows"
    assert "<td>dòng 9</td>" in page and "<td>dòng 20</td>" not in page and 'rel="next"' in page
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "<td>dòng 20</td>" in second and second.count("<tr>") == 7
    mine = client.get(f"/admin/audit?actor={logged.id}&action=role.changed").get_data(as_text=True)
    assert "5 dòng nhật ký." in mine  # 0, 6, 12, 18, 24
    today = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the site's day
    recent = client.get(f"/admin/audit?since={today.isoformat()}&until={today.isoformat()}").get_data(as_text=True)
    assert "11 dòng nhật ký." in recent
    assert client.get("/admin/audit?since=not-a-date&actor=abc&page=x").status_code == 200


def test_the_csv_has_the_filtered_rows_with_formulas_neutralised(client, admin, login, logged):
    login(client, admin)
    answer = client.get("/admin/audit/export.csv?action=certificate.revoked")
    assert answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == audit.CSV_HEADER and len(rows) == 2
    assert rows[1][6] == "'=HYPERLINK(\"http://x\")"


def test_the_api_gives_the_same_pages_to_administrators(client, admin, api_token, logged):
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    body = client.get("/api/v1/audit", headers=headers).get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (31, 2, 25)
    assert body["items"][0]["action"] == "certificate.revoked"
    assert body["items"][0]["action_label"] == "Thu hồi chứng nhận"
    only = client.get(f"/api/v1/audit?actor_id={logged.id}&action=role.changed", headers=headers).get_json()
    assert only["total"] == 5
    assert client.get("/api/v1/audit?since=yesterday", headers=headers).status_code == 400
