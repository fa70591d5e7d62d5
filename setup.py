"""The demo's content packs go into the wheel as ``elearn/content_packs``.

They live at the top of the repository (``content_packs/``, where authors and the docs find them),
outside the ``elearn`` package, so package data cannot name them; this copies them into the built
package instead. An editable install needs no copy: ``elearn demo`` finds them in the checkout.
Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACKS = Path(__file__).resolve().parent / "content_packs"


class BuildWithPacks(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode and PACKS.is_dir():
            target = Path(self.build_lib) / "elearn" / "content_packs"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(PACKS, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildWithPacks})
