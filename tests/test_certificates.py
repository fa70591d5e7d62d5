"""Certificates of completion: issued on completion (or by hand), downloaded only by those who may,
verified by anyone with nothing more than the name and course, revoked and reissued."""

from __future__ import annotations

import io
import re
import textwrap

import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from elearn.models import AuditEntry, Certificate, Course, Enrolment
from elearn.packs.service import install_path
from elearn.testing import csrf_token, fresh, lesson_ids

CERTIFICATE = """\
  certificate:
    title: GIẤY CHỨNG NHẬN
    text: đã hoàn thành chương trình bồi dưỡng
    organisation: Liên minh Hợp tác xã tỉnh Quảng Trị
    hours: 12.5
    signatory: Chủ tịch Liên minh
    logo: media/logo.png
"""


def write_pack(folder, certificate: str = CERTIFICATE, pack_id: str = "chung-chi"):
    (folder / "media").mkdir(parents=True, exist_ok=True)
    segno.make("logo").save(str(folder / "media/logo.png"), scale=4)
    (folder / "bai.md").write_text("Nội dung bài học.", encoding="utf-8")
    (folder / "pack.yaml").write_text(textwrap.dedent(f"""\
        id: {pack_id}
        version: 1.0.0
        title: {{vi: Quản trị hợp tác xã, en: Managing a cooperative}}
        course:
          slug: {pack_id}
          modules:
            - id: m1
              title: {{vi: Phần 1}}
              lessons:
                - id: l1
                  type: page
                  title: {{vi: Bài 1}}
                  content: {{file: bai.md}}
                - id: l2
                  type: page
                  title: {{vi: Bài 2}}
                  content: {{file: bai.md}}
        """) + certificate, encoding="utf-8")
    return folder


@pytest.fixture
def pack_course(app, db, tmp_path):
    install_path(app, write_pack(tmp_path / "pack"))
    return db.scalar(select(Course).where(Course.slug == "chung-chi"))


def complete(client, db, course):
    for lesson_id in lesson_ids(db, course):
        answer = client.post(f"/lessons/{lesson_id}/submit",
                             data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{lesson_id}")})
        assert answer.status_code in (200, 303), answer.get_data(as_text=True)


def the_certificate(db) -> Certificate:
    (certificate,) = fresh(db).scalars(select(Certificate).where(Certificate.revoked_at.is_(None)))
    return certificate


def test_completing_the_course_issues_a_certificate_listed_on_the_dashboard(client, db, learner, login, enrol,
                                                                            pack_course):
    enrol(learner, pack_course)
    login(client, learner)
    first, _second = lesson_ids(db, pack_course)
    client.post(f"/lessons/{first}/submit", data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{first}")})
    assert fresh(db).scalar(select(Certificate)) is None, "not before the last lesson"
    complete(client, db, pack_course)
    certificate = the_certificate(db)
    assert (certificate.learner_name, certificate.course_title) == ("Nguyễn Văn An", "Quản trị hợp tác xã")
    assert (certificate.hours, certificate.organisation) == (12.5, "Liên minh Hợp tác xã tỉnh Quảng Trị")
    assert certificate.issued_by is None
    assert len(certificate.code) == 16
    dashboard = client.get("/me").get_data(as_text=True)
    assert f"/certificates/{certificate.code}.pdf" in dashboard
    entry = fresh(db).scalar(select(AuditEntry).where(AuditEntry.action == "certificate.issued"))
    assert entry.subject_id == certificate.code and entry.details["automatic"] is True


def test_a_course_whose_pack_has_no_certificate_issues_none_by_itself(app, client, db, learner, login, enrol, tmp_path):
    install_path(app, write_pack(tmp_path / "plain", certificate="", pack_id="khong-chung-chi"))
    course = db.scalar(select(Course).where(Course.slug == "khong-chung-chi"))
    enrol(learner, course)
    login(client, learner)
    complete(client, db, course)
    assert fresh(db).scalar(select(Enrolment)).completed_at is not None
    assert fresh(db).scalar(select(Certificate)) is None


def test_the_pdf_has_the_name_with_its_diacritics_the_code_and_the_fonts_embedded(client, db, learner, login, enrol,
                                                                                  pack_course):
    enrol(learner, pack_course)
    login(client, learner)
    complete(client, db, pack_course)
    certificate = the_certificate(db)
    answer = client.get(f"/certificates/{certificate.code}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "private" in answer.headers["Cache-Control"]
    reader = PdfReader(io.BytesIO(answer.data))
    text = reader.pages[0].extract_text()
    for expected in ("Nguyễn Văn An", "Quản trị hợp tác xã", "GIẤY CHỨNG NHẬN", "12,5 giờ",
                     "LIÊN MINH HỢP TÁC XÃ TỈNH QUẢNG TRỊ", "đã hoàn thành chương trình bồi dưỡng",
                     "-".join(re.findall(".{4}", certificate.code))):
        assert expected in text, expected
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert all("/FontFile2" in font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               for font in fonts.values()), "every font is embedded"
    assert reader.pages[0]["/Resources"]["/XObject"], "the logo and the QR code are images"


def test_only_the_learner_the_course_staff_and_admins_download_it(client, db, learner, instructor, admin, make_user,
                                                                  login, enrol, pack_course):
    from elearn.models import CourseInstructor

    enrol(learner, pack_course)
    login(client, learner)
    complete(client, db, pack_course)
    code = the_certificate(db).code
    url = f"/certificates/{code}.pdf"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    assert client.get(url).status_code in (302, 401), "anonymous: to the login page"
    fresh(db)
    other = make_user("learner", "khac@example.org", "Người Khác")
    login(client, other)
    assert client.get(url).status_code == 404
    other_instructor = make_user("instructor", "gv2@example.org", "Giảng Viên Khác")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, other_instructor)
    fresh(db)
    assert client.get(url).status_code == 404, "an instructor of another course"
    fresh(db).add(CourseInstructor(course_id=pack_course.id, user_id=instructor.id))
    db.commit()
    for staff in (instructor, admin):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
        login(client, staff)
        assert client.get(url).status_code == 200


def test_the_verification_page_shows_valid_and_nothing_else_personal(client, db, learner, login, enrol,
                                                                     pack_course):
    enrol(learner, pack_course)
    login(client, learner)
    complete(client, db, pack_course)
    code = the_certificate(db).code
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    page = client.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nguyễn Văn An" in html and "Quản trị hợp tác xã" in html
    assert "Chứng chỉ hợp lệ" in html or "hợp lệ" in html
    assert learner.email not in html and "12,5" not in html and f"/certificates/{code}.pdf" not in html
    typed = client.get("/verify", query_string={"code": "-".join(re.findall(".{4}", code.lower()))})
    assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/verify/{code}")
    unknown = client.get("/verify/AAAABBBBCCCCDDDD")
    assert unknown.status_code == 404 and "Nguyễn" not in unknown.get_data(as_text=True)


def test_lookups_are_rate_limited(app, client):
    app.config["CERTIFICATE_VERIFY_LIMITS"] = "3 per minute"
    assert [client.get("/verify/AAAABBBBCCCCDDDD").status_code for _ in range(4)] == [404, 404, 404, 429]
    assert client.get("/api/v1/certificates/verify/AAAABBBBCCCCDDDD").status_code == 429


def teach(db, course, instructor):
    from elearn.models import CourseInstructor

    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()


def test_an_instructor_revokes_with_a_reason_and_the_page_says_revoked(client, db, learner, instructor, login,
                                                                       enrol, pack_course):
    enrol(learner, pack_course)
    teach(db, pack_course, instructor)
    login(client, instructor)
    page = f"/courses/{pack_course.slug}/certificates"
    issued = client.post(page, data={"user_id": learner.id, "csrf_token": csrf_token(client, page)})
    assert issued.status_code == 303
    code = the_certificate(db).code
    again = client.post(page, data={"user_id": learner.id, "csrf_token": csrf_token(client, page)})
    assert again.status_code == 409, "one valid certificate per learner and course"
    no_reason = client.post(f"/certificates/{code}/revoke",
                            data={"reason": " ", "csrf_token": csrf_token(client, page)})
    assert no_reason.status_code == 400
    revoked = client.post(f"/certificates/{code}/revoke",
                          data={"reason": "Cấp nhầm người", "csrf_token": csrf_token(client, page)})
    assert revoked.status_code == 303
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "thu hồi" in html and "Cấp nhầm người" not in html, "revoked, without the reason"
    actions = [e.action for e in fresh(db).scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["certificate.issued", "certificate.revoked"]


def test_a_learner_cannot_issue_or_revoke(client, db, learner, login, enrol, pack_course):
    enrol(learner, pack_course)
    login(client, learner)
    complete(client, db, pack_course)
    code = the_certificate(db).code
    token = csrf_token(client, "/me")
    assert client.get(f"/courses/{pack_course.slug}/certificates").status_code == 403
    assert client.post(f"/certificates/{code}/revoke", data={"reason": "x", "csrf_token": token}).status_code == 403
    assert client.post(f"/certificates/{code}/reissue", data={"csrf_token": token}).status_code == 403
    assert the_certificate(db).status == "valid"


def test_reissue_after_a_correction_replaces_the_old_code(client, db, learner, admin, login, enrol, pack_course):
    enrol(learner, pack_course)
    login(client, learner)
    complete(client, db, pack_course)
    old = the_certificate(db).code
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, admin)
    page = f"/courses/{pack_course.slug}/certificates"
    done = client.post(f"/certificates/{old}/reissue",
                       data={"learner_name": "Nguyễn Văn Ân", "csrf_token": csrf_token(client, page)})
    assert done.status_code == 303
    new = the_certificate(db)
    assert new.code != old and new.learner_name == "Nguyễn Văn Ân"
    html = client.get(f"/verify/{old}").get_data(as_text=True)
    assert f"/verify/{new.code}" in html and "thay thế" in html
    assert client.post(f"/certificates/{old}/reissue", data={"csrf_token": csrf_token(client, page)}).status_code == 409


def test_the_api_verifies_lists_and_lets_staff_issue_revoke_and_reissue(client, db, learner, instructor, api_token,
                                                                        enrol, pack_course, make_user):
    enrol(learner, pack_course)
    teach(db, pack_course, instructor)
    staff = {"Authorization": f"Bearer {api_token(instructor)}"}
    own = {"Authorization": f"Bearer {api_token(learner)}"}
    url = f"/api/v1/courses/{pack_course.slug}/certificates"
    assert client.post(url, json={"user_id": learner.id}, headers=own).status_code == 403
    issued = client.post(url, json={"user_id": learner.id}, headers=staff)
    assert issued.status_code == 201
    code = issued.get_json()["code"]
    assert client.post(url, json={"user_id": learner.id}, headers=staff).status_code == 409
    assert [c["code"] for c in client.get("/api/v1/me/certificates", headers=own).get_json()["certificates"]] == [code]
    checked = client.get(f"/api/v1/certificates/verify/{code}").get_json()
    assert checked["status"] == "valid" and checked["learner_name"] == "Nguyễn Văn An"
    assert set(checked) == {"code", "display", "status", "learner_name", "course_title", "organisation",
                            "issued_on", "ended_on", "replaced_by"}
    other = {"Authorization": f"Bearer {api_token(make_user('learner'))}"}
    assert client.post(f"/api/v1/certificates/{code}/revoke", json={"reason": "x"}, headers=other).status_code == 404
    replaced = client.post(f"/api/v1/certificates/{code}/reissue", json={}, headers=staff)
    assert replaced.status_code == 201
    new_code = replaced.get_json()["code"]
    assert client.get(f"/api/v1/certificates/verify/{code}").get_json()["replaced_by"] == new_code
    revoked = client.post(f"/api/v1/certificates/{new_code}/revoke", json={"reason": "Sai"}, headers=staff)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert client.get(f"/api/v1/certificates/verify/{new_code}").get_json()["status"] == "revoked"
    assert client.get("/api/v1/me/certificates", headers=own).get_json()["certificates"] == []
    assert client.get(url, headers=own).status_code == 403


def test_pack_validate_names_each_bad_certificate_field(app, tmp_path):
    from elearn.packs.service import validate_path
    from elearn.packs.source import PackInvalid

    folder = write_pack(tmp_path / "bad", certificate="""\
  certificate:
    title: <b>GIẤY CHỨNG NHẬN</b>
    text: đã hoàn thành &amp; đạt
    hours: nhiều
    signatory: 42
    logo: bai.md
    colour: red
""")
    with app.app_context(), pytest.raises(PackInvalid) as refused:
        validate_path(app, folder)
    where = "pack.yaml: course.certificate"
    assert {str(error) for error in refused.value.errors} >= {
        f"{where}.title: phải là văn bản thường: không có thẻ HTML, thực thể HTML hay ký tự điều khiển",
        f"{where}.text: phải là văn bản thường: không có thẻ HTML, thực thể HTML hay ký tự điều khiển",
        f"{where}.hours: phải là số giờ lớn hơn 0 và không quá 10000",
        f"{where}.signatory: bắt buộc phải có nội dung",
        f"{where}.logo: phải là đường dẫn tới một tệp PNG hoặc JPEG trong gói",
        f"{where}.organisation: bắt buộc phải có nội dung",
    }
    assert any(str(error).startswith(f"{where}.colour: ") for error in refused.value.errors)
    with app.app_context():
        assert validate_path(app, write_pack(tmp_path / "good")).certificate["hours"] == 12.5
