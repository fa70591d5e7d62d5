"""A video with questions on a site where no plugin offers questions: it plays, the questions are skipped,
and ``elearn pack validate`` tells the author so."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from elearn.cli import main
from elearn.testing import FAST_HASH, test_config

QUESTION = {"at": 5, "question": {"type": "truefalse", "stem": "Một người một phiếu?", "correct": True}}


@pytest.fixture
def app_config(database_url, tmp_path):
    return test_config(database_url, tmp_path, PLUGINS=["page", "video"])


def test_the_video_works_without_the_quiz_and_asks_nothing(app, video, signed_in, client, api_token):
    assert "quiz" not in app.extensions["elearn_plugins"].plugins
    site = video(questions=[QUESTION])
    assert site.lesson.content["questions"] == []
    page = signed_in(site.lan).get(f"/lessons/{site.lesson.id}")
    assert page.status_code == 200
    assert "<video" in page.get_data(as_text=True) and 'id="video-questions"' not in page.get_data(as_text=True)
    answered = client.post(f"/api/v1/x/video/lessons/{site.lesson.id}/questions/0/answer", json={"answer": "true"},
                           headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    assert answered.status_code == 404


@pytest.mark.parametrize("plugins", [["page", "video"], None], ids=["without-quiz", "with-quiz"])
def test_validate_notes_the_skipped_questions_only_without_a_plugin_asking_them(pack, tmp_path, plugins):
    folder = pack.write(tmp_path / "pack")
    lesson = {"id": "xem-video", "type": "video", "title": {"vi": "Xem video", "en": "Watch"},
              "content": {**pack.CONTENT, "questions": [QUESTION]}}
    (folder / "pack.yaml").write_text(yaml.safe_dump({
        "id": "video-pack", "version": "1.0.0", "title": {"vi": "Gói", "en": "Pack"},
        "course": {"slug": "goi-video", "modules": [{"id": "m", "title": {"vi": "M", "en": "M"},
                                                      "lessons": [lesson]}]}}, allow_unicode=True), encoding="utf-8")
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {"ELEARN_INSTANCE_PATH": str(instance), "ELEARN_DATABASE_URL": f"sqlite:///{instance}/e.sqlite3",
           "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH)}
    if plugins is not None:
        env["ELEARN_PLUGINS"] = json.dumps(plugins)
    result = CliRunner().invoke(main, ["pack", "validate", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    assert "video-pack 1.0.0: valid" in result.output
    noted = "note: xem-video: questions: skipped: no installed plugin offers questions"
    assert (noted in result.output) == (plugins is not None), result.output
