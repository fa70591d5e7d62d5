"""HTML routes under ``/x/video``: the lesson's files (to its people only, with HTTP Range) and
the learner's data-saver choice. The page itself is the core's lesson page (``lesson.html``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, RequestedRangeNotSatisfiable

from elearn.plugin_api import (
    INLINE_TYPES,
    current_locale,
    db_session,
    fail,
    flash_refusal,
    format_when,
    learner_lesson,
    lesson_to_teach,
    media_folder,
    plugin_setting,
    safe_next,
)
from elearn_video import jobs, points, report, watching

bp = Blueprint("video", __name__)

ONE_YEAR = 365 * 24 * 3600
KINDS = ("source", "caption", "poster", "audio", "rendition", "made-poster", "made-audio")


def stored_file(db, lesson, kind: str, index: int) -> tuple[Path, str] | None:
    """The folder and name of the file a media URL names: looked up in the lesson's stored content
    (or what the ffmpeg job made for it), so no part of the request's path reaches the file system."""
    content = lesson.content
    if kind in ("rendition", "made-poster", "made-audio"):
        made = jobs.derived(db, lesson)
        if not made:
            return None
        folder = jobs.folder_of(content)[0]
        if kind in ("made-poster", "made-audio"):
            name = made.get("poster" if kind == "made-poster" else "audio")
            return (folder, name) if index == 0 and name else None
        renditions = made["renditions"]
        return (folder, renditions[index]["file"]) if 0 <= index < len(renditions) else None
    if kind in ("poster", "audio"):
        found = content.get(kind) if index == 0 else None
    else:
        items = content["sources"] if kind == "source" else content["captions"]
        found = items[index] if 0 <= index < len(items) else None
    return None if found is None else (media_folder("packs", found["pack"], found["version"]), found["path"])


@bp.get("/lessons/<int:lesson_id>/media/<kind>/<int:index>")
def media(lesson_id: int, kind: str, index: int):
    """A rendition, caption file or poster of the lesson, for the people who may see it (anyone
    else: 404, as if it were not there). Served by werkzeug's conditional ``send_file`` (Range →
    206, a range past the end → 416, ``If-Range``, ETag, 304), cached a year in the browser only
    (``private``: a shared cache must not hand it to someone else); ``?download=1`` when the pack
    allows downloading."""
    from flask import send_from_directory

    if kind not in KINDS:
        abort(404)
    try:
        known = learner_lesson(db_session(), current_user, lesson_id, "video")
    except HTTPException as exc:
        if exc.code in (401, 403):
            abort(404)
        raise
    content = known.lesson.content
    found = stored_file(db_session(), known.lesson, kind, index)
    if found is None:
        abort(404)
    folder, name = found
    download = request.args.get("download") == "1"
    downloadable = kind in ("source", "rendition", "audio", "made-audio") and content["allow_download"]
    if download and not downloadable and kind != "caption":
        abort(404)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    mimetype = INLINE_TYPES.get(suffix, "application/octet-stream")
    if prefix := plugin_setting("video", "accel_redirect"):
        return _handed_to_front_server(prefix, folder / name, mimetype, download)
    try:
        response = send_from_directory(folder, name,
                                       mimetype=mimetype, as_attachment=download, conditional=True, etag=True,
                                       max_age=ONE_YEAR)
    except RequestedRangeNotSatisfiable as exc:
        # Answered here, not by the site's error page, which would drop "Content-Range: bytes */<size>":
        # the player reads the file's size from it.
        return current_app.response_class(status=416, headers={"Content-Range": f"bytes */{exc.length}"})
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _handed_to_front_server(prefix: str, path: Path, mimetype: str, download: bool) -> Response:
    """The file sent by nginx (``X-Accel-Redirect``: the permission checked here, the bytes, ranges
    and conditional requests done there): ``prefix`` is the ``internal`` location that maps to
    ``<instance>/media/`` (plugins/video/README.md, "Serving large files")."""
    if not path.is_file():
        abort(404)
    relative = path.relative_to(media_folder()).as_posix()
    response = current_app.response_class(status=200, mimetype=mimetype)
    response.headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(relative)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.max_age = ONE_YEAR
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{quote(path.name)}"'
    return response


@bp.post("/preferences")
@login_required
def preferences():
    """The data-saver form of every video page: lightest rendition first, or the one picked; and
    how to follow videos on a weak line: watch, listen (audio only) or read (the transcript)."""
    db = db_session()
    try:
        quality = request.form.get("quality") or None
        if quality is not None and len(quality) > 20:
            fail(400, _("Pick one of the video's renditions."))
        mode = request.form.get("mode") or "video"
        if mode not in watching.MODES:
            fail(400, _("Pick watch, listen or read."))
        watching.set_preferences(db, current_user, request.form.get("data_saver") == "1", quality, mode)
        db.commit()
    except HTTPException as exc:
        db.rollback()
        flash_refusal(exc, (400, 409))
    return redirect(safe_next(request.form.get("next"), url_for("learning.dashboard")), code=303)


@bp.post("/lessons/<int:lesson_id>/questions/<int:index>")
@login_required
def answer(lesson_id: int, index: int):
    """The form of one question of the video (the page lists them below the video, and its script
    shows each when the video reaches its moment and posts it here in the background, asking for
    JSON). Graded on the server by the plugin offering the question; one answer per question."""
    db = db_session()
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        known = learner_lesson(db, current_user, lesson_id, "video", for_submit=True)
        content = known.lesson.content_for(current_locale())
        point, kind = points.point_of(content, index)
        result = points.answer(db, known, content, index, kind.parse_form(point["question"], request.form, "answer"))
        db.commit()
    except HTTPException as exc:
        db.rollback()
        if wants_json:
            raise
        flash_refusal(exc, (400, 409))
        return redirect(url_for("learning.lesson", lesson_id=lesson_id, _anchor=f"video-q-{index}"), code=303)
    if wants_json:
        return jsonify(result)
    flash(_("Right.") if result["correct"] else _("Not quite: see the feedback under the question."),
          "success" if result["correct"] else "info")
    return redirect(url_for("learning.lesson", lesson_id=lesson_id, _anchor=f"video-q-{index}"), code=303)


def _taught(lesson_id: int):
    db = db_session()
    return db, lesson_to_teach(db, current_user, lesson_id, "video",
                               _("Only the course's instructors see who watched this video."))


@bp.get("/lessons/<int:lesson_id>/report")
def watched_report(lesson_id: int):
    """Who watched how much (50 learners a page) and where viewers drop off."""
    db, lesson = _taught(lesson_id)
    found = report.learners(db, lesson, request.args.get("page"))
    made = jobs.derived(db, lesson) if lesson.content["sources"] else None
    return render_template("video/report.html", lesson=lesson, found=found, chart=report.drop_off(db, lesson),
                           format_when=format_when, made=made, ffmpeg_missing=jobs.ffmpeg_missing())


@bp.post("/lessons/<int:lesson_id>/prepare")
@login_required
def prepare(lesson_id: int):
    """Queue the ffmpeg job (lower renditions, poster, duration); the page does not wait for it."""
    db, lesson = _taught(lesson_id)
    try:
        jobs.start(db, lesson, current_user)
        db.commit()
        flash(_("The video is being prepared in the background."))
    except HTTPException as exc:
        db.rollback()
        flash_refusal(exc, (409,))
    return redirect(url_for("video.watched_report", lesson_id=lesson_id), code=303)


@bp.get("/lessons/<int:lesson_id>/report.csv")
def watched_csv(lesson_id: int):
    db, lesson = _taught(lesson_id)
    headers = [_("Learner"), _("Email"), _("Watched (%)"), _("Position (s)"), _("Last watched (UTC)")]
    return Response(report.rows_csv(db, lesson, headers), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="video-{lesson.id}-watched.csv"'})
