"""The plugin API's version, and the check that refuses a plugin written for another one.

Kept apart from ``elearn.plugin_api`` so the plugin manager can check a plugin's
``ELEARN_PLUGIN_API`` before anything of the public API has to be imported.
"""

from __future__ import annotations

from types import ModuleType

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

API_VERSION = "1.3.0"


def api_mismatch(module: ModuleType) -> str | None:
    """Why ``module`` cannot be loaded by this elearn, or None when it can (or says nothing)."""
    wanted = getattr(module, "ELEARN_PLUGIN_API", None)
    if wanted is None:
        return None
    try:
        accepted = SpecifierSet(str(wanted))
    except InvalidSpecifier:
        return f"declares ELEARN_PLUGIN_API = {wanted!r}, which is not a version specifier such as '>=1,<2'"
    if Version(API_VERSION) in accepted:
        return None
    return f"needs plugin API {wanted}; this elearn offers {API_VERSION}"
