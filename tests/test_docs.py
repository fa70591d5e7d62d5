"""The documentation stays true to the code: hooks, the LessonType contract, fixtures, CLI commands."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import click
import pytest

from elearn import testing
from elearn.cli import main as cli
from elearn.plugins import hookspecs
from elearn.plugins.lesson_type import LessonType

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PLUGINS_GUIDE = ROOT / "docs" / "plugins.md"
DOCS_WITH_COMMANDS = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]

FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```", re.S | re.M)
SHELL = {"", "sh", "bash", "shell", "console", "text"}  # fences that hold commands, not Python or YAML
INLINE = re.compile(r"`([^`\n]+)`")
# "elearn" as a command (also ".venv/bin/elearn"), then the words that may name a subcommand.
COMMAND = re.compile(r"(?:^|[\s/(])elearn((?: [a-z][a-z0-9-]*)+)")


def hooks() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(function)
        for name, function in vars(hookspecs).items()
        if callable(function) and hasattr(function, "elearn_spec")
    }


def code_in(path: Path) -> list[str]:
    """The shell code blocks and the inline code spans of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    blocks = [code for language, code in FENCE.findall(text) if language.strip() in SHELL]
    return blocks + INLINE.findall(FENCE.sub("", text))


def commands_named(path: Path) -> set[tuple[str, ...]]:
    """Every ``elearn <command> [<subcommand>]`` in the code of ``path``, as a tuple of words."""
    found = set()
    for code in code_in(path):
        for match in COMMAND.finditer(code):
            found.add(tuple(match.group(1).split()))
    return found


def resolve(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The command path ``words`` starts with, or None when it names no command."""
    command: click.Command = cli
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group):
            break  # the rest are arguments
        if word not in command.commands:
            return None
        command = command.commands[word]
        path.append(word)
    return tuple(path) if not isinstance(command, click.Group) else None


def leaf_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += leaf_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_hookspecs_are_found():
    assert "elearn_lesson_types" in hooks()


def test_every_hook_has_a_section_in_the_plugin_guide():
    guide = PLUGINS_GUIDE.read_text(encoding="utf-8")
    missing = []
    for name, signature in hooks().items():
        heading = f"### {name}({', '.join(signature.parameters)})"
        if not re.search(rf"^{re.escape(heading)}\s*$", guide, re.M):
            missing.append(heading)
    assert not missing, f"docs/plugins.md lacks a section for these hooks: {missing}"


def test_the_plugin_guide_documents_no_hook_that_does_not_exist():
    guide = PLUGINS_GUIDE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^### (elearn_\w+)\(", guide, re.M))
    assert documented <= set(hooks()), f"not hooks in elearn.plugins.hookspecs: {documented - set(hooks())}"


def test_every_part_of_the_lesson_type_contract_is_documented():
    guide = PLUGINS_GUIDE.read_text(encoding="utf-8")
    members = [name for name in [*inspect.get_annotations(LessonType), *vars(LessonType)] if not name.startswith("_")]
    missing = [name for name in dict.fromkeys(members) if not re.search(rf"^#### `{name}[`(]", guide, re.M)]
    assert not missing, f"docs/plugins.md has no '#### `name`' section for these LessonType members: {missing}"


def test_every_testing_fixture_is_documented():
    tree = ast.parse(Path(testing.__file__).read_text(encoding="utf-8"))
    fixtures = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and any("pytest.fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
    ]
    assert "app" in fixtures
    guide = PLUGINS_GUIDE.read_text(encoding="utf-8")
    missing = [name for name in fixtures if not re.search(rf"`{name}[`(]", guide)]
    assert not missing, f"docs/plugins.md does not mention these elearn.testing fixtures: {missing}"


@pytest.mark.parametrize("path", DOCS_WITH_COMMANDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_elearn_command_named_in_the_docs_exists(path):
    named = commands_named(path)
    unknown = sorted(" ".join(words) for words in named if resolve(words) is None)
    assert not unknown, f"{path.name} names commands that `elearn` does not have: {unknown}"


def test_the_readme_names_the_quick_start_commands():
    named = {resolve(words) for words in commands_named(README)}
    assert {("demo",), ("db", "upgrade")} <= named


def test_the_readme_lists_every_command():
    named = {resolve(words) for words in commands_named(README)}
    missing = [" ".join(path) for path in leaf_commands() if path not in named]
    assert not missing, f"README.md does not document these commands: {missing}"
