"""The shared fixtures live in ``elearn.testing`` (a pytest plugin that plugin authors use too)."""

from pathlib import Path

import pytest

from elearn.testing import install_dist

SLOW_PLUGIN = Path(__file__).resolve().parent / "fixtures" / "slow_lesson"
JOB_PLUGIN = Path(__file__).resolve().parent / "fixtures" / "job_plugin"


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


@pytest.fixture
def jobs_plugin(tmp_path, monkeypatch) -> None:
    """tests/fixtures/job_plugin installed, as pip would (the plugin ``jobdemo``); no tables."""
    site = tmp_path / "site-packages-jobs"
    install_dist(site, "elearn_jobdemo", "1.0", {"jobdemo": "elearn_jobdemo"})
    monkeypatch.syspath_prepend(str(JOB_PLUGIN))
    monkeypatch.syspath_prepend(str(site))
