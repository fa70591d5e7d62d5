"""The boundary between the core and the plugins, read from the source (AST), not trusted.

- A plugin's package imports from ``elearn`` only through ``elearn.plugin_api``: the core may be
  reorganised freely behind it.
- The core never imports a plugin: every lesson type reaches it through the entry points.
- No plugin writes a learner's progress: the core alone does (``elearn/learning/progress.py``),
  so its rules (a completed lesson stays completed, the course completed with its last lesson,
  the progress hook called) hold whoever decided the outcome.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_PACKAGES = sorted(p for p in (ROOT / "plugins").glob("*/elearn_*") if p.is_dir())
PROGRESS_FIELDS = {"status", "score", "attempts", "state", "started_at", "completed_at", "updated_at"}


def sources(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_there_are_plugins_to_check():
    assert {p.name for p in PLUGIN_PACKAGES} >= {"elearn_page", "elearn_quiz", "elearn_discussion"}


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=lambda p: p.name)
def test_a_plugin_imports_elearn_only_through_the_plugin_api(package):
    crossing = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path, tree in sources(package)
        for line, module in imported_modules(tree)
        if (module == "elearn" or module.startswith("elearn.")) and module != "elearn.plugin_api"
    ]
    assert crossing == []


def test_the_core_imports_no_plugin():
    plugin_modules = {p.name for p in PLUGIN_PACKAGES}
    crossing = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path, tree in sources(ROOT / "elearn")
        for line, module in imported_modules(tree)
        if module.split(".")[0] in plugin_modules
    ]
    assert crossing == []


def progress_writes(tree: ast.AST):
    """Assignments to a progress field of something called ``progress`` (``ctx.progress.status =``,
    ``row.progress.score +=``, ``progress.completed_at =``), and any use of the ORM class."""
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in PROGRESS_FIELDS:
                owner = target.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if "progress" in name.lower():
                    yield node.lineno, ast.unparse(target)
        if isinstance(node, ast.Name) and node.id == "LessonProgress":
            yield node.lineno, "LessonProgress"


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=lambda p: p.name)
def test_no_plugin_writes_a_learners_progress(package):
    found = [f"{path.relative_to(ROOT)}:{line} {what}" for path, tree in sources(package)
             for line, what in progress_writes(tree)]
    assert found == []


def test_the_progress_check_sees_a_write():
    """The check above is not blind: a plugin line that writes progress is caught."""
    tree = ast.parse("def submit(ctx):\n    ctx.progress.status = 'completed'\n    row.progress.score += 1\n")
    assert [what for _line, what in progress_writes(tree)] == ["ctx.progress.status", "row.progress.score"]
