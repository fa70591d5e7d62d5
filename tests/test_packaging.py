"""A plain install (a wheel, not the editable checkout) carries what ``elearn demo`` and ``elearn plugin
new`` need, and the demo says which packs it used.

The wheel is built here and its listing checked; ``.ci/run`` goes further and installs it in a fresh
virtualenv, then sets the demo up from it in another folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from elearn import cli
from elearn.testing import FAST_HASH

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_demo_packs_the_starter_and_the_migrations(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("elearn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {path.relative_to(ROOT).as_posix() for path in (ROOT / "content_packs").rglob("*") if path.is_file()}
    assert shipped and {f"elearn/{name}" for name in shipped} <= names
    assert "elearn/scaffold/plugin/__package__/lesson.py.tmpl" in names
    assert "elearn/migrations/versions/0001_core_schema.py" in names
    assert "elearn_quiz/migrations/versions/quiz_0001_attempts.py" in names
    assert "elearn/translations/vi/LC_MESSAGES/messages.mo" in names
    assert {"elearn/pdf/fonts/DejaVuSans.ttf", "elearn/pdf/fonts/DejaVuSans-Bold.ttf",
            "elearn/pdf/fonts/LICENSE.txt", "elearn/certificates/service.py"} <= names, "the PDFs' font and its licence"


def test_demo_uses_the_packs_inside_the_installed_package_first(tmp_path, monkeypatch):
    inside = tmp_path / "site-packages/elearn/content_packs"
    inside.mkdir(parents=True)
    monkeypatch.setattr(cli, "SHIPPED_PACKS", inside)
    assert cli.default_packs() == inside
    monkeypatch.setattr(cli, "SHIPPED_PACKS", tmp_path / "not-there")
    assert cli.default_packs() == ROOT / "content_packs"  # the checkout's, for an editable install
    monkeypatch.setattr(cli, "CHECKOUT_PACKS", tmp_path / "not-there-either")
    assert cli.default_packs() is None


def _demo(tmp_path, *args: str):
    env = {"ELEARN_INSTANCE_PATH": str(tmp_path / "instance"),
           "ELEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
           "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH)}
    (tmp_path / "instance").mkdir(exist_ok=True)
    return CliRunner().invoke(cli.main, ["demo", "--no-serve", *args], env=env)


def test_demo_says_which_packs_it_installs(tmp_path):
    made = _demo(tmp_path)
    assert made.exit_code == 0, made.output
    lines = made.output.splitlines()
    assert lines[0] == f"packs from {ROOT / 'content_packs'}"
    assert lines[1].startswith("created the database: applied ")
    assert "pack hop-tac-xa-co-ban 1.0.0: installed" in lines


def test_demo_takes_another_packs_folder_and_says_when_it_holds_none(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    made = _demo(tmp_path, "--packs", str(empty))
    assert made.exit_code == 0, made.output
    assert f"packs from {empty}" in made.output
    assert f"warning: no pack in {empty} (a pack is a folder with a pack.yaml)" in made.output

    monkeypatch.setattr(cli, "SHIPPED_PACKS", tmp_path / "not-there")
    monkeypatch.setattr(cli, "CHECKOUT_PACKS", tmp_path / "not-there-either")
    refused = _demo(tmp_path)
    assert refused.exit_code == 1
    assert "this installation of elearn has no demo packs: give a folder with --packs DIR" in refused.output
