"""The files of installed content packs (images, audio, documents), at versioned URLs.

``/media/packs/<pack_id>/<version>/<path>`` serves ``<instance>/media/packs/<pack_id>/<version>/<path>``,
the copy the installer keeps of every installed pack version. The version is part of the URL,
so a file never changes at its address and browsers may keep it for a year. Any version
folder that exists is served, as long as the pack is installed (the installer removes a
replaced version's folder once the upgrade has committed).

Only types that cannot run code on our origin are shown inline; anything else (a pack could
hold ``.html`` or ``.js``) is sent as a download. SVG, which may carry script, gets a
sandboxing Content-Security-Policy of its own, so it is inert even when opened directly.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.security import safe_join

from elearn.db import db_session
from elearn.models import InstalledPack

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600

# Shown in the page (img, audio, video, a PDF viewer); every other file is a download.
INLINE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".pdf": "application/pdf",
}
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def media_folder(*parts: str) -> Path:
    """``<instance>/media/<parts...>`` of the current app: where a plugin keeps the files it stores
    (uploads), e.g. ``media_folder("discussion", str(lesson_id))``. Everything under
    ``<instance>/media`` is in every backup (``elearn backup``) and comes back with a restore;
    files kept anywhere else do not. Names starting with a dot are left out of backups (use them
    for half-written files)."""
    return Path(current_app.instance_path, "media", *parts)


@bp.get("/media/packs/<pack_id>/<version>/<path:filename>")
def pack_file(pack_id: str, version: str, filename: str):
    from elearn.packs.service import media_root

    if db_session().get(InstalledPack, pack_id) is None:
        abort(404)
    root = media_root(current_app)
    folder = safe_join(str(root), pack_id, version)
    if folder is None or "\\" in filename or not (root / pack_id / version).is_dir():
        abort(404)
    full = safe_join(folder, filename)
    if full is None:
        abort(404)
    # safe_join checks the names; a link inside the copy must not lead out of it either.
    resolved = (root / pack_id / version / filename).resolve()
    if not resolved.is_relative_to((root / pack_id / version).resolve()) or not resolved.is_file():
        abort(404)
    suffix = PurePosixPath(filename).suffix.lower()
    mimetype = INLINE_TYPES.get(suffix)
    response = send_from_directory(
        folder,
        filename,
        mimetype=mimetype or "application/octet-stream",
        as_attachment=mimetype is None,
        max_age=ONE_YEAR,
    )
    response.cache_control.public = True
    response.cache_control.immutable = True
    if suffix == ".svg":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
