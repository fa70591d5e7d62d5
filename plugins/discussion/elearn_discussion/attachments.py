"""Files instructors upload to a case: kept under ``<instance>/media/discussion/<lesson id>/``
with random names, listed with the case, and served only to people who may see the lesson.

Only document, image, audio and video types are accepted. As for packs' media, types that
cannot run code on our origin are shown inline and everything else is a download; an SVG gets
a sandboxing Content-Security-Policy of its own.
"""

from __future__ import annotations

import secrets
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app, send_from_directory, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from elearn.plugin_api import INLINE_TYPES, SVG_POLICY, fail, media_folder, utcnow
from elearn_discussion.access import Viewer
from elearn_discussion.models import Attachment
from elearn_discussion.moderation import log

DOWNLOAD_TYPES = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp", ".txt", ".csv"}
ALLOWED = set(INLINE_TYPES) | DOWNLOAD_TYPES
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def folder(lesson_id: int) -> Path:
    """Under the instance's media folder, so backups hold the documents."""
    return media_folder("discussion", str(lesson_id))


def of_lesson(db: Session, lesson_id: int) -> list[Attachment]:
    return list(db.scalars(select(Attachment).where(Attachment.lesson_id == lesson_id).order_by(Attachment.id)))


def described(row: Attachment) -> dict[str, Any]:
    """An uploaded document as the lesson view and the API show it."""
    return {"title": row.title, "id": row.id, "size": row.size,
            "url": url_for("discussion.attachment", lesson_id=row.lesson_id, attachment_id=row.id,
                           filename=row.filename)}


def upload(db: Session, viewer: Viewer, file: FileStorage | None, title: object) -> Attachment:
    """Store the file, its row and the audit-log entry; the caller commits (and calls ``discard``
    if that fails)."""
    if not viewer.is_staff:
        fail(403, _("Only the instructors of this course can add documents to the case."))
    if file is None or not file.filename:
        fail(400, _("Choose a file to upload."))
    suffix = PurePosixPath(file.filename).suffix.lower()
    if suffix not in ALLOWED:
        fail(400, _("This type of file cannot be attached. Use a PDF, an office document, an image, "
                    "a sound or a video."))
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        fail(400, _("Give the document a title (at most 200 characters)."))
    limit = current_app.config.get("DISCUSSION_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        fail(400, _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if not data:
        fail(400, _("The file is empty."))
    target = folder(viewer.lesson.id)
    target.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + suffix
    (target / stored).write_bytes(data)
    name = secure_filename(file.filename) or f"file{suffix}"
    row = Attachment(lesson_id=viewer.lesson.id, title=" ".join(title.split()), filename=name, stored_name=stored,
                     size=len(data), uploaded_by=viewer.user.id, created_at=utcnow())
    db.add(row)
    db.flush()
    log(db, viewer, "attach", reason=row.title, file=row.filename)
    return row


def discard(row: Attachment) -> None:
    (folder(row.lesson_id) / row.stored_name).unlink(missing_ok=True)


def remove(db: Session, viewer: Viewer, attachment_id: int) -> Attachment:
    """Delete the row and log it; the caller commits, then ``discard``s the file."""
    if not viewer.is_staff:
        fail(403, _("Only the instructors of this course can remove documents."))
    row = db.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                             Attachment.lesson_id == viewer.lesson.id))
    if row is None:
        fail(404, _("This document does not exist."))
    db.delete(row)
    log(db, viewer, "detach", reason=row.title, file=row.filename)
    return row


def send(db: Session, viewer: Viewer, attachment_id: int):
    row = db.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                             Attachment.lesson_id == viewer.lesson.id))
    if row is None or not (folder(row.lesson_id) / row.stored_name).is_file():
        fail(404, _("This document does not exist."))
    suffix = PurePosixPath(row.stored_name).suffix
    mimetype = INLINE_TYPES.get(suffix)
    response = send_from_directory(folder(row.lesson_id), row.stored_name,
                                   mimetype=mimetype or "application/octet-stream",
                                   as_attachment=mimetype is None, download_name=row.filename, max_age=86400)
    response.cache_control.public = False  # only for people who may see the lesson
    response.cache_control.private = True
    if suffix == ".svg":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
