"""The plugin author's kit: ``elearn plugin new``, declarative content checks, and the fixtures
``elearn.testing`` adds for plugins (pack files, a plugin registered for one test, the conformance
checks of a lesson type).

The starter is generated into a temporary folder and "installed" as pip would (its folder and a
``.dist-info`` with its entry point on ``PYTHONPATH``); its own tests then run, unchanged, in
another pytest process: on SQLite, and on PostgreSQL when ``ELEARN_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, ClassVar

import pytest
from click.testing import CliRunner
from flask_babel import force_locale
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from elearn.cli import main
from elearn.plugin_api import ContentInvalid, LessonType, Outcome, Status, hookimpl
from elearn.scaffold import compile_catalogues
from elearn.testing import CHROMIUM, PG_ENV, install_dist, pack_files, postgres_test_url

ROOT = Path(__file__).resolve().parent.parent


def _new(name: str, parent):
    return CliRunner().invoke(main, ["plugin", "new", name, "--into", str(parent)])


def run_plugin_tests(project: Path, name: str, tmp_path: Path) -> str:
    """Run the tests of the plugin project in ``project`` (package ``elearn_<name>``, entry point
    ``name``) in another pytest process, the plugin "installed" as pip would; returns pytest's summary
    line. On PostgreSQL too when ``ELEARN_TEST_DATABASE_URL`` is set (a database of its own)."""
    site = tmp_path / "site-packages"
    install_dist(site, f"elearn_{name}", "0.1.0", {name: f"elearn_{name}"})
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "ELEARN_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(project)])
    postgres = postgres_test_url(f"plugin_{name}", empty=True)
    if postgres:
        env[PG_ENV] = postgres
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "-rs", "tests"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, summary
    if postgres and CHROMIUM.exists():
        assert "skipped" not in summary, run.stdout[-2000:]  # every test ran, on both databases
    return summary


def core_modules_imported(package: Path) -> set[str]:
    """The modules of elearn (not of the plugin's own ``elearn_<name>`` package) a plugin's code imports."""
    found = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found.update(name for name in names if name == "elearn" or name.startswith("elearn."))
    return found


def test_plugin_new_generates_a_package_whose_tests_pass_as_generated(tmp_path):
    made = _new("flashcards", tmp_path)
    assert made.exit_code == 0, made.output
    project = tmp_path / "elearn-flashcards"
    assert f"created {project}" in made.output
    package = project / "elearn_flashcards"
    assert 'ELEARN_PLUGIN_API = ">=1,<2"' in (package / "__init__.py").read_text()
    assert 'flashcards = "elearn_flashcards"' in (project / "pyproject.toml").read_text()
    # The catalogue is there and compiled, so `pybabel extract` and the Vietnamese work at once.
    assert (package / "translations/vi/LC_MESSAGES/messages.mo").is_file()
    assert core_modules_imported(package) == {"elearn.plugin_api"}
    run_plugin_tests(project, "flashcards", tmp_path)


def worked_example(guide: str, target: Path) -> None:
    """Write the guide's complete example (elearn-quickcheck) as its files, from its code blocks: each
    under a heading that names the file; the catalogue's translated part becomes the .po file."""
    example = guide[guide.index("## A complete example: elearn-quickcheck"):guide.index("### Trying it")]
    for found in re.finditer(r"^### `([^`]+)`[^\n]*\n(.*?)(?=^### |\Z)", example, re.M | re.S):
        path, blocks = found.group(1), re.findall(r"```[a-z+0-9]*\n(.*?)```", found.group(2), re.S)
        if path == "babel.cfg":
            path, blocks = "elearn_quickcheck/translations/vi/LC_MESSAGES/messages.po", blocks[1:]
            blocks = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n' + blocks[0]]
        if blocks:
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_text(blocks[0], encoding="utf-8")
    compile_catalogues(target / "elearn_quickcheck" / "translations")


def test_the_guides_worked_example_passes_its_tests_as_printed(tmp_path):
    """docs/plugins.md's elearn-quickcheck, copied out of the guide as a reader would, imports only
    elearn.plugin_api and passes the tests the guide prints for it."""
    project = tmp_path / "elearn-quickcheck"
    worked_example((ROOT / "docs" / "plugins.md").read_text(encoding="utf-8"), project)
    assert core_modules_imported(project / "elearn_quickcheck") == {"elearn.plugin_api"}
    summary = run_plugin_tests(project, "quickcheck", tmp_path)
    assert re.match(r"(4|8) passed", summary), summary  # its 4 tests, on SQLite (and PostgreSQL)


def test_plugin_new_refuses_a_bad_name_or_an_existing_folder(tmp_path):
    bad = _new("Flash-Cards", tmp_path)
    assert bad.exit_code == 1
    assert "'Flash-Cards' cannot be a plugin name" in bad.output
    assert list(tmp_path.iterdir()) == []

    taken = _new("quiz", tmp_path)
    assert taken.exit_code == 1
    assert "a plugin named 'quiz' is already installed: choose another name" in taken.output

    assert _new("cards", tmp_path).exit_code == 0
    again = _new("cards", tmp_path)
    assert again.exit_code == 1
    assert "elearn-cards already exists" in again.output


# -- declarative content checks -------------------------------------------------------------


class Deck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1)]
    cards: Annotated[list[dict[str, str]], Field(min_length=1)]
    limit: int = 10


class DeckLesson(LessonType):
    name = "deck"
    labels: ClassVar = {"vi": "Bộ thẻ", "en": "Deck"}
    template = "kit/deck.html"
    content_model = Deck

    def example_content(self) -> dict[str, Any]:
        return {"title": {"vi": "Thẻ", "en": "Cards"}, "cards": [{"front": "A", "back": "B"}]}

    def learner_view(self, ctx) -> dict[str, Any]:
        return {"title": ctx.content["title"], "cards": len(ctx.content["cards"]), "done": ctx.state.get("done", False)}

    def submit(self, ctx, data) -> Outcome:
        return Outcome(status=Status.COMPLETED, score=1.0, state={"done": True})


class ChattyDeckLesson(DeckLesson):
    """Counts other learners' progress one query per learner: what the conformance check must catch."""

    name = "chatty_deck"

    def learner_view(self, ctx) -> dict[str, Any]:
        from elearn.models import LessonProgress

        ids = ctx.db.scalars(select(LessonProgress.user_id).where(LessonProgress.lesson_id == ctx.lesson.id)).all()
        done = sum(ctx.db.scalar(select(func.count()).select_from(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id == ctx.lesson.id)) for user_id in ids)
        return {**super().learner_view(ctx), "done_by": done}


DECK_TEMPLATE = {"deck.html": "<p class='deck'>{{ view.title }}: {{ view.cards }}</p>"
                 "<form method='post' action='{{ url_for(\"learning.submit\", lesson_id=lesson.id) }}'>"
                 "<input type='hidden' name='csrf_token' value='{{ csrf_token() }}'><button>ok</button></form>"}


def _kit_plugin(*types: LessonType) -> SimpleNamespace:
    @hookimpl
    def elearn_lesson_types():
        return list(types)

    return SimpleNamespace(elearn_lesson_types=elearn_lesson_types)


def test_a_content_model_reports_every_problem_with_its_field_path(app):
    with app.test_request_context(), force_locale("en"), pytest.raises(ContentInvalid) as caught:
        DeckLesson().import_content({"title": "", "cards": [{"front": 1}], "limit": "3", "colour": "red"}, None)
    assert [str(error) for error in caught.value.errors] == [
        "title: must not be empty",
        "cards[0].front: must be text",
        "limit: must be a whole number",  # strict: YAML's "3" is text, not a number
        "colour: is not a field of this lesson type",
    ]
    with app.test_request_context(), force_locale("vi"), pytest.raises(ContentInvalid) as caught:
        DeckLesson().import_content({"title": "", "cards": []}, None)
    assert [str(error) for error in caught.value.errors] == [
        "title: không được để trống", "cards: phải có ít nhất 1 mục",  # an author on the admin page reads Vietnamese
    ]
    with app.test_request_context():
        assert DeckLesson().import_content({"title": "T", "cards": [{"a": "b"}]}, None) == {
            "title": "T", "cards": [{"a": "b"}], "limit": 10,
        }


def test_a_content_model_error_reaches_the_pack_author_with_its_place(app, register_plugin, tmp_path):
    from elearn.packs.service import validate_path

    register_plugin(_kit_plugin(DeckLesson()), name="kit", templates=DECK_TEMPLATE)
    pack = tmp_path / "bo-the"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "id: bo-the\nversion: 1.0.0\ntitle: {vi: Bộ thẻ}\ncourse:\n  slug: bo-the\n  modules:\n"
        "    - id: m1\n      title: {vi: Phần 1}\n      lessons:\n"
        "        - id: l1\n          type: deck\n          title: {vi: Bài 1}\n"
        "          content: {title: Thẻ, cards: [{front: 1}]}\n", encoding="utf-8")
    from elearn.packs.service import PackInvalid

    with app.app_context(), force_locale("en"), pytest.raises(PackInvalid) as caught:
        validate_path(app, pack)
    assert [str(e) for e in caught.value.errors] == [
        "pack.yaml: course.modules[0].lessons[0].content.cards[0].front: must be text",
    ]


# -- the fixtures -------------------------------------------------------------------------


def test_pack_files_from_a_dict_and_from_a_folder(tmp_path):
    (tmp_path / "bai").mkdir()
    (tmp_path / "bai/01.md").write_text("# Xin chào", encoding="utf-8")
    for files in (pack_files({"bai/01.md": "# Xin chào"}), pack_files(tmp_path)):
        assert files.read_text("bai/01.md") == "# Xin chào"
        assert files.media_url("bai/01.md") == "/media/packs/test-pack/1.0.0/bai/01.md"
        for refused in ("thieu.md", "../ngoai.md", "/etc/passwd"):
            with pytest.raises(ContentInvalid) as caught:
                files.read_text(refused)
            assert caught.value.errors[0].where == refused


def test_register_plugin_adds_a_lesson_type_to_this_test_only(app, register_plugin, make_lesson, learner, enrol,
                                                              login, client):
    info = register_plugin(_kit_plugin(DeckLesson()), name="kit", templates=DECK_TEMPLATE)
    assert info.lesson_types == ["deck"]
    lesson = make_lesson("deck", {"title": "Bộ một", "cards": [{"front": "A"}, {"front": "B"}]})
    enrol(learner, lesson.course)
    login(client, learner)
    assert "<p class='deck'>Bộ một: 2</p>" in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)


def test_register_plugin_fails_the_test_when_the_plugin_is_refused(app, register_plugin):
    @hookimpl
    def elearn_no_such_hook():
        return None

    with pytest.raises(AssertionError, match="implements unknown hooks: elearn_no_such_hook"):
        register_plugin(SimpleNamespace(elearn_no_such_hook=elearn_no_such_hook), name="typo")


def test_the_conformance_checks_pass_for_a_good_type(register_plugin, lesson_type_conformance):
    register_plugin(_kit_plugin(DeckLesson()), name="kit", templates=DECK_TEMPLATE)
    lesson = lesson_type_conformance("deck", form={}, json={})
    assert lesson.type_name == "deck"


def test_the_conformance_checks_catch_a_query_per_learner(register_plugin, lesson_type_conformance):
    register_plugin(_kit_plugin(ChattyDeckLesson()), name="kit", templates=DECK_TEMPLATE)
    with pytest.raises(AssertionError, match="once 3 more learners had submitted"):
        lesson_type_conformance("chatty_deck", form={}, json={})


def test_the_page_type_passes_the_conformance_checks(lesson_type_conformance):
    lesson_type_conformance("page", form={"read": "1"}, json={"read": True})
