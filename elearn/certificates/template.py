"""A course's certificate, as its pack describes it (``course.certificate`` in ``pack.yaml``).

Only plain text and one image: the wording is printed as written, never read as HTML or
Markdown, and text that looks like markup is refused so an author sees the mistake at once
(``elearn pack validate``). The logo must be a PNG or JPEG file of the pack. A course whose pack
has this key gets a certificate on completion by itself; instructors may issue one by hand in
any course. See docs/content-packs.md, "Certificates".
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from elearn.plugins.lesson_type import ContentInvalid

FIELDS = ("title", "text", "organisation", "hours", "signatory", "logo")
TEXT_LIMITS = {"title": 120, "text": 300, "organisation": 200, "signatory": 200}
MAX_HOURS = 10_000
MAX_LOGO_BYTES = 1024 * 1024
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]|&[A-Za-z#][A-Za-z0-9]*;")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def image_kind(data: bytes) -> str | None:
    """``png`` or ``jpg`` from the file's first bytes (whatever its name says), else None."""
    return next((kind for magic, kind in IMAGE_MAGIC.items() if data.startswith(magic)), None)


def check_template(check, value: Any, files) -> dict[str, Any] | None:
    """The checked ``course.certificate`` mapping; each problem is reported through ``check`` (the
    manifest's checker) under ``course.certificate.<field>``. ``files`` are the pack's files."""
    if value is None:
        return None
    where = "course.certificate"
    found = check.mapping(value, where)
    template: dict[str, Any] = {}
    for key in found:
        if key not in FIELDS:
            check.error(f"{where}.{key}", _("unknown field (use %(allowed)s)",
                                            allowed=", ".join(f"'{name}'" for name in FIELDS)))
    if "organisation" not in found:
        check.error(f"{where}.organisation", _("is required text"))
    for key, limit in TEXT_LIMITS.items():
        if key not in found:
            continue
        text = found[key]
        if not isinstance(text, str) or not text.strip():
            check.error(f"{where}.{key}", _("is required text"))
        elif len(text) > limit:
            check.error(f"{where}.{key}", _("is longer than %(num)d characters", num=limit))
        elif _MARKUP.search(text) or _CONTROL.search(text):
            check.error(f"{where}.{key}", _("must be plain text: no HTML tags, entities or control characters"))
        else:
            template[key] = text.strip()
    if "hours" in found:
        hours = found["hours"]
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= MAX_HOURS:
            check.error(f"{where}.hours", _("must be a number of hours between 0 and %(num)d", num=MAX_HOURS))
        else:
            template["hours"] = hours
    if "logo" in found:
        template_logo = _logo(check, found["logo"], files, f"{where}.logo")
        if template_logo:
            template["logo"] = template_logo
    return template


def _logo(check, path: Any, files, where: str) -> str | None:
    if not isinstance(path, str) or not path.strip():
        check.error(where, _("must be the path of a PNG or JPEG file in the pack"))
        return None
    try:
        full = files.resolve(path)
    except ContentInvalid as exc:
        for error in exc.errors:
            check.error(where, f"{error.where}: {error.message}")
        return None
    if full.stat().st_size > MAX_LOGO_BYTES:
        check.error(where, _("larger than %(size)s", size=_("%(num)d MB", num=1)))
        return None
    if image_kind(full.read_bytes()[:8]) is None:
        check.error(where, _("must be the path of a PNG or JPEG file in the pack"))
        return None
    return path
