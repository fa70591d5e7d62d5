"""The demo needs survey as a pack installs it (Vietnamese and English), the conformance checks every
lesson type passes, and anonymity fixed once answers exist: an upgrade that flips it is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.models import Course, Enrolment
from elearn.packs.service import install_path, validate_path
from elearn.packs.source import PackInvalid

PACK = Path(__file__).resolve().parents[3] / "content_packs" / "khao-sat-nhu-cau"


def test_the_survey_passes_the_lesson_type_conformance_checks(lesson_type_conformance):
    lesson_type_conformance("survey", form={"action": "submit", "page": "0", "asked": ["chu-de", "gop-y"],
                                            "q.chu-de": "lien-ket"},
                            json={"action": "submit", "answers": {"chu-de": "thuong-hieu"}})


def test_the_demo_survey_is_served_in_both_languages(app, db, make_user, client, login):
    install_path(app, PACK)
    course = db.scalar(select(Course).where(Course.pack_id == "khao-sat-nhu-cau"))
    lesson = course.modules[0].lessons[0]
    learner = make_user("learner")
    db.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.commit()
    login(client, learner)
    assert "Hợp tác xã hoạt động chủ yếu trong lĩnh vực nào?" in client.get(f"/lessons/{lesson.id}").get_data(
        as_text=True)
    client.post("/language", data={"lang": "en", "next": f"/lessons/{lesson.id}",
                                   "csrf_token": _token(client, f"/lessons/{lesson.id}")})
    english = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "What does your cooperative mainly do?" in english and "Services, trade" in english


def _token(client, path):
    from elearn.testing import csrf_token

    return csrf_token(client, path)


@pytest.fixture
def flipped(tmp_path):
    target = tmp_path / "khao-sat-nhu-cau"
    shutil.copytree(PACK, target)
    manifest = target / "pack.yaml"
    text = manifest.read_text(encoding="utf-8")
    named = text.replace("version: 1.0.0", "version: 1.1.0").replace(
        "questions: khao-sat/nhu-cau.yaml\n            anonymous: true", "questions: khao-sat/nhu-cau.yaml\n"
                                                                      "            anonymous: false")
    assert named != text.replace("version: 1.0.0", "version: 1.1.0")
    manifest.write_text(named, encoding="utf-8")
    return target


def test_an_upgrade_may_not_flip_anonymity_once_someone_answered(app, db, make_user, client, api_token, flipped):
    install_path(app, PACK)
    course = db.scalar(select(Course).where(Course.pack_id == "khao-sat-nhu-cau"))
    lesson = course.modules[0].lessons[0]
    # Before any answer the author may still change it.
    assert validate_path(app, flipped).version == "1.1.0"
    learner = make_user("learner")
    db.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.commit()
    sent = client.post(f"/api/v1/lessons/{lesson.id}/submissions", headers={"Authorization": f"Bearer "
                                                                                           f"{api_token(learner)}"},
                       json={"action": "submit", "answers": {
                           "linh-vuc": "dich-vu", "so-thanh-vien": 20, "nhan-hieu": "co",
                           "hop-dong-lien-ket": "khong", "chu-de": ["lien-ket"]}})
    assert sent.status_code == 201, sent.get_json()
    for attempt in (lambda: validate_path(app, flipped), lambda: install_path(app, flipped),
                    lambda: install_path(app, flipped, force=True)):
        with pytest.raises(PackInvalid) as refused:
            attempt()
        message = str(refused.value)
        assert "course.modules[0].lessons[0].content" in message and "ẩn danh" in message
    db.expire_all()
    assert db.get(type(lesson), lesson.id).content["anonymous"] is True
