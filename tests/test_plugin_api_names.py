"""The plugin API's names are versioned and documented: a plugin written for 1.x keeps working.

``tests/plugin_api_names.json`` records the names of each released version. Within a major version
a name is only ever added (a minor release); removing or renaming one needs a major release. Each
name is also listed in the module's docstring and in docs/plugins.md, so a newcomer finds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from packaging.version import Version

import elearn.plugin_api as api

ROOT = Path(__file__).resolve().parent.parent
RECORD = json.loads((ROOT / "tests" / "plugin_api_names.json").read_text(encoding="utf-8"))


def test_this_version_is_recorded_with_exactly_its_names():
    assert api.API_VERSION in RECORD, (
        f"plugin API {api.API_VERSION} is not in tests/plugin_api_names.json: record its names")
    recorded = set(RECORD[api.API_VERSION])
    names = set(api.__all__)
    assert not names - recorded, (
        f"names added without a new version: {sorted(names - recorded)}; raise API_VERSION's minor number "
        "(elearn/plugins/api_version.py) and record the new version's names")
    assert not recorded - names, f"names of {api.API_VERSION} removed: {sorted(recorded - names)}"


def test_no_name_of_an_earlier_version_of_the_same_major_is_gone():
    current = Version(api.API_VERSION)
    for version, names in RECORD.items():
        if Version(version).major == current.major and Version(version) < current:
            gone = set(names) - set(api.__all__)
            assert not gone, f"{sorted(gone)} of plugin API {version} are gone: that needs a major version"


def test_every_name_is_importable_and_documented():
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name in api.__all__:
        getattr(api, name)
        in_docstring = re.search(rf"``{name}\b", api.__doc__) or name == "API_VERSION"
        assert in_docstring, f"{name} is not in plugin_api's docstring"
        assert re.search(rf"`{name}`", guide), f"{name} is not in docs/plugins.md"
