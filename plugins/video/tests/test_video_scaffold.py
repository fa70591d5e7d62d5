"""``elearn pack new`` writes a video lesson with its own small clip, captions in vi and en, and a question."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from elearn.cli import main
from elearn.testing import FAST_HASH


def test_pack_new_writes_a_served_video_lesson_with_its_files(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {"ELEARN_INSTANCE_PATH": str(instance), "ELEARN_DATABASE_URL": f"sqlite:///{instance}/e.sqlite3",
           "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH)}
    run = CliRunner().invoke
    folder = tmp_path / "goi-moi"
    assert run(main, ["pack", "new", str(folder)], env=env).exit_code == 0
    lesson = next(lesson for lesson in yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
                  ["course"]["modules"][0]["lessons"] if lesson["type"] == "video")
    content = lesson["content"]
    assert lesson["title"]["en"] and content["intro"]["en"]
    assert (folder / content["sources"][0]["file"]).read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # WebM
    assert {c["lang"] for c in content["captions"]} == {"vi", "en"}
    assert all((folder / c["file"]).read_text(encoding="utf-8").startswith("WEBVTT") for c in content["captions"])
    assert content["questions"][0]["question"]["stem"]["en"]
    validated = run(main, ["pack", "validate", str(folder)], env=env)
    assert validated.exit_code == 0 and "note:" not in validated.output, validated.output
