"""``elearn plugin new NAME``: a lesson-type package that works, and passes its tests, as written.

The files are in ``plugin/`` with ``.tmpl`` after their names (so neither ruff nor pytest takes
them for the core's own code); ``${name}``-style placeholders are filled with ``string.Template``,
and ``__package__`` in a path becomes the package's name. The Vietnamese catalogue is compiled
as it is written, so the generated plugin is translated from its first run.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

FILES = Path(__file__).resolve().parent / "plugin"
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class ScaffoldError(ValueError):
    """The plugin cannot be generated (a bad name, a folder already there); the message says why."""


def check_name(name: str) -> None:
    """A plugin name is its entry point's name and its package's suffix: lower-case ASCII letters,
    digits and ``_``, starting with a letter (it prefixes templates, URLs and table names)."""
    if not NAME.fullmatch(name) or keyword.iskeyword(name) or name.endswith("_"):
        raise ScaffoldError(
            f"{name!r} cannot be a plugin name: use lower-case letters, digits and _, starting with a letter "
            "(at most 40 characters), e.g. flashcards"
        )


def placeholders(name: str) -> dict[str, str]:
    words = name.split("_")
    title = " ".join(words).capitalize()
    return {
        "name": name,
        "package": f"elearn_{name}",
        "project": f"elearn-{name.replace('_', '-')}",
        "classname": "".join(word.capitalize() for word in words) + "Lesson",
        "title": title,
    }


def generate(name: str, parent: Path) -> Path:
    """Write the plugin's project into ``parent / "elearn-<name>"``; returns that folder.

    Refused (``ScaffoldError``) for a bad name or when the folder exists: nothing is overwritten.
    """
    check_name(name)
    values = placeholders(name)
    target = Path(parent) / values["project"]
    if target.exists():
        raise ScaffoldError(f"{target} already exists: choose another name or folder")
    for source in sorted(FILES.rglob("*.tmpl")):
        relative = source.relative_to(FILES).as_posix().removesuffix(".tmpl").replace("__package__", values["package"])
        relative = relative.replace("__name__", name)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    compile_catalogues(target / values["package"] / "translations")
    return target


def compile_catalogues(folder: Path) -> None:
    """``pybabel compile``, done here so the generated plugin is in Vietnamese at once."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalogue = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue)
