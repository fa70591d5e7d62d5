"""The admin page of content packs: what is installed, and uploading a pack as a .zip.

The upload goes through exactly what ``elearn pack install`` does (``service.install_path``):
the same zip safety limits, the same validation, all of it installed or nothing. The file is
saved under a name we choose in a fresh temporary folder and deleted afterwards.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import func, select
from wtforms import BooleanField

from elearn.admin.views import bp
from elearn.db import db_session
from elearn.models import Course, InstalledPack, Lesson, User
from elearn.packs.source import visible


class PackUploadForm(FlaskForm):
    pack = FileField(
        _l("Pack file (.zip)"),
        validators=[
            FileRequired(message=_l("Choose a .zip file to upload.")),
            FileAllowed(["zip"], message=_l("The pack must be a .zip file.")),
        ],
    )
    force = BooleanField(
        _l("Install even if the version is older than the installed one"),
        description=_l("Only to go back to an earlier version after a mistake."),
    )


@bp.route("/packs", methods=["GET", "POST"])
def packs():
    form = PackUploadForm()
    errors: list = []
    report = None
    uploaded = None
    if form.validate_on_submit():
        uploaded = _shown_name(form.pack.data.filename)
        errors, report = _install_upload(form, uploaded)
    return render_template(
        "admin/packs.html",
        form=form,
        packs=_installed(),
        errors=errors,
        report=report,
        uploaded=uploaded,
        titles=_lesson_titles(report) if report is not None else {},
        max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
    )


def _shown_name(filename: str | None) -> str:
    """The uploaded file's name as the person knows it (``hop-tac-xa.zip``), for messages only:
    the file is saved under a name we choose. Any folder part a browser sends is dropped."""
    return visible((filename or "").replace("\\", "/").rsplit("/", 1)[-1]) or "upload.zip"


def _install_upload(form: PackUploadForm, uploaded: str):
    """Install the uploaded zip; returns (errors, report), one of them empty."""
    from elearn.packs.installer import PackRefused
    from elearn.packs.service import install_path
    from elearn.packs.source import PackInvalid
    from elearn.plugins.lesson_type import ContentError

    with tempfile.TemporaryDirectory(prefix="elearn-upload-") as folder:
        path = Path(folder) / "upload.zip"  # never the name the browser sent
        form.pack.data.save(path)
        # Who installs it, for the audit log, read before the commit below (which expires current_user).
        actor = User(id=current_user.id, name=current_user.name)
        # The service writes in its own transaction: end the request's one first, or on SQLite
        # its write lock (a POST begins IMMEDIATE) would make the install wait for it forever.
        db_session().commit()
        try:
            report = install_path(current_app._get_current_object(), path, force=bool(form.force.data),
                                  label=uploaded, actor=actor)
        except PackInvalid as exc:
            return list(exc.errors), None
        except PackRefused as exc:
            message = exc.message
            if exc.option == "force":  # the page's checkbox, not the command line's --force
                message = _("%(reason)s. To install it anyway, tick “%(box)s” and upload the file again.",
                            reason=exc.message, box=form.force.label.text)
            return [ContentError(uploaded, message)], None
    current_app.logger.info("pack %s %s installed from the admin page", report.pack_id, report.version)
    return [], report


def _lesson_titles(report) -> dict[str, Lesson]:
    """The lessons the report names, by id (key), for their titles: one query."""
    keys = [*report.added, *report.changed, *report.retired]
    if not keys:
        return {}
    lessons = db_session().scalars(
        select(Lesson).join(Course, Course.id == Lesson.course_id)
        .where(Course.pack_id == report.pack_id, Lesson.key.in_(keys))
    )
    return {lesson.key: lesson for lesson in lessons}


def _installed() -> list[dict]:
    db = db_session()
    lessons = dict(
        db.execute(
            select(Course.pack_id, func.count(Lesson.id))
            .join(Lesson, Lesson.course_id == Course.id)
            .where(Course.pack_id.is_not(None), Lesson.retired_at.is_(None))
            .group_by(Course.pack_id)
        ).all()
    )
    rows = db.execute(
        select(InstalledPack, Course).outerjoin(Course, Course.pack_id == InstalledPack.id).order_by(InstalledPack.id)
    ).all()
    return [{"pack": pack, "course": course, "lessons": lessons.get(pack.id, 0)} for pack, course in rows]
