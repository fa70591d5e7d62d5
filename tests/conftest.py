"""The shared fixtures live in ``elearn.testing`` (a pytest plugin that plugin authors use too)."""

from pathlib import Path

import pytest

from elearn.testing import install_dist

SLOW_PLUGIN = Path(__file__).resolve().parent / "fixtures" / "slow_lesson"


@pytest.fixture
def slow_plugin(tmp_path, monkeypatch) -> list[str]:
    """tests/fixtures/slow_lesson installed, as pip would: its folder and a dist-info on ``sys.path``;
    returns those folders (for another process's PYTHONPATH). It has no tables: the shared test
    databases serve."""
    site = tmp_path / "site-packages"
    install_dist(site, "elearn_slow_lesson", "1.0", {"slow_lesson": "elearn_slow_lesson"})
    folders = [str(site), str(SLOW_PLUGIN)]
    for folder in reversed(folders):
        monkeypatch.syspath_prepend(folder)
    return folders
