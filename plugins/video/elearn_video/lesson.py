"""The ``video`` lesson type: the pack's renditions, captions and transcript, read once at import.

Everything a page needs is worked out when the pack is installed (caption files parsed into the
transcript, each file's place in the pack's stored copy), so serving the lesson reads no file.
What was watched is kept by ``watching`` in the plugin's own table; completion is recorded from
there through ``record_outcome``, never here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from flask import url_for
from flask_babel import gettext as _
from pydantic import ConfigDict, Field

from elearn.plugin_api import (
    ContentError,
    ContentInvalid,
    JsonTrue,
    LessonContext,
    LessonType,
    NavItem,
    Outcome,
    PackFiles,
    RequestModel,
    Status,
    SubmissionError,
    render_markdown,
)
from elearn_video import points, vtt

VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}
AUDIO_TYPES = {".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}
CAPTION_LANGUAGES = ("vi", "en")
DEFAULT_THRESHOLD = 0.9
MAX_DURATION = 12 * 3600
LABEL = re.compile(r"^[\w .-]{1,20}$")
FIELDS = {"intro", "duration", "sources", "embed", "captions", "completion_threshold", "allow_download", "poster",
          "questions", "audio"}
MAX_INTRO = 4000


class VideoSubmission(RequestModel):
    """Say an external (embedded) video was watched: only for a lesson without files of its own,
    whose watching the server cannot see."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"watched": True}]})

    watched: JsonTrue = Field(description="The learner watched the external video.")


def pixels(label: str) -> int:
    """The height a label names (``360p`` → 360), for ordering renditions; 0 when it names none."""
    found = re.search(r"\d+", label)
    return int(found.group()) if found else 0


def _stored_file(files: PackFiles, field: str, path: Any, errors: list[ContentError]) -> dict[str, str] | None:
    """Where the installed copy of a pack file is (pack id, version, path), from its media URL:
    the plugin serves it itself, to the lesson's people only."""
    if not isinstance(path, str):
        errors.append(ContentError(field, "must be a path inside the pack"))
        return None
    try:
        url = files.media_url(path)
    except ContentInvalid as exc:
        errors.extend(ContentError(field, f"{path!r} {error.message}") for error in exc.errors)
        return None
    parts = [unquote(part) for part in urlsplit(url).path.split("/")[3:]]
    return {"pack": parts[0], "version": parts[1], "path": "/".join(parts[2:])}


def clock(seconds: float) -> str:
    """``75.2`` → ``1:15``; ``3725`` → ``1:02:05``: how a transcript names a moment."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class VideoLesson(LessonType):
    name = "video"
    labels: ClassVar = {"vi": "Video", "en": "Video"}
    template = "video/lesson.html"
    submission_model = VideoSubmission

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        """Check the sources, captions and settings (docs/content-packs.md, "video"), every problem at once.

        Caption files are parsed here: a bad one is reported as ``captions.vi: media/a.vi.vtt:12: ...``.
        """
        errors = [ContentError(key, "unknown field") for key in sorted(set(raw) - FIELDS)]
        sources, captions = [], []
        duration = raw.get("duration")
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration <= MAX_DURATION:
            errors.append(ContentError("duration", f"must be the video's length in seconds (0 to {MAX_DURATION})"))
        raw_sources = raw.get("sources", [])
        if not isinstance(raw_sources, list):
            errors.append(ContentError("sources", "must be a list of {file, label}"))
            raw_sources = []
        for n, source in enumerate(raw_sources):
            where = f"sources[{n}]"
            if not isinstance(source, Mapping) or set(source) - {"file", "label"} or "file" not in source:
                errors.append(ContentError(where, "must be {file, label}"))
                continue
            label = source.get("label", f"{n + 1}")
            if not isinstance(label, str) or not LABEL.match(label):
                errors.append(ContentError(f"{where}.label", "must be a short name such as 360p"))
                continue
            suffix = PurePosixPath(str(source["file"])).suffix.lower()
            if suffix not in VIDEO_TYPES:
                errors.append(ContentError(f"{where}.file", "must be an .mp4 or .webm file"))
                continue
            stored = _stored_file(files, f"{where}.file", source["file"], errors)
            if stored:
                sources.append({**stored, "label": label, "type": VIDEO_TYPES[suffix]})
        if len({source["label"] for source in sources}) != len(sources):
            errors.append(ContentError("sources", "each rendition needs its own label"))
        embed = raw.get("embed")
        if embed is not None and (not isinstance(embed, str) or not embed.startswith("https://") or len(embed) > 500):
            errors.append(ContentError("embed", "must be an https:// address"))
        if not raw_sources and embed is None:
            errors.append(ContentError("", "give 'sources' (files of the pack), 'embed' (an external video), or both"))
        # A list, not {vi: ..., en: ...}: a pack's {vi, en} maps are texts per language to the core.
        raw_captions = raw.get("captions", [])
        if not isinstance(raw_captions, list):
            errors.append(ContentError("captions", "must be a list of {lang, file}"))
            raw_captions = []
        for n, caption in enumerate(raw_captions):
            where = f"captions[{n}]"
            if not isinstance(caption, Mapping) or set(caption) != {"lang", "file"} \
                    or caption["lang"] not in CAPTION_LANGUAGES:
                errors.append(ContentError(where, "must be {lang: vi or en, file: a .vtt file}"))
                continue
            lang, path = caption["lang"], caption["file"]
            stored = _stored_file(files, f"{where}.file", path, errors)
            if stored is None:
                continue
            try:
                cues = vtt.parse(files.read_text(path))
            except vtt.VttError as exc:
                errors.extend(ContentError(f"{where}.file", f"{path}:{line}: {message}")
                              for line, message in exc.problems)
                continue
            captions.append({**stored, "lang": lang, "cues": [[c.start, c.end, c.text] for c in cues]})
        if len({c["lang"] for c in captions}) != len(captions):
            errors.append(ContentError("captions", "one caption file per language"))
        threshold = raw.get("completion_threshold", DEFAULT_THRESHOLD)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
            errors.append(ContentError("completion_threshold", "must be a share of the video, above 0 and at most 1"))
        allow_download = raw.get("allow_download", False)
        if not isinstance(allow_download, bool):
            errors.append(ContentError("allow_download", "must be true or false"))
        intro = raw.get("intro", "")
        if not isinstance(intro, str) or len(intro) > MAX_INTRO:
            errors.append(ContentError("intro", f"must be Markdown text of at most {MAX_INTRO} characters"))
            intro = ""
        poster = None
        if raw.get("poster") is not None:
            poster = _stored_file(files, "poster", raw["poster"], errors)
        audio = None
        if raw.get("audio") is not None:
            suffix = PurePosixPath(str(raw["audio"])).suffix.lower()
            if suffix not in AUDIO_TYPES:
                errors.append(ContentError("audio", "must be an .m4a, .mp3 or .ogg file"))
            else:
                audio = _stored_file(files, "audio", raw["audio"], errors)
                if audio:
                    audio["type"] = AUDIO_TYPES[suffix]
        questions = points.import_points(raw.get("questions"), duration, files, errors)
        if errors:
            raise ContentInvalid(errors)
        return {"intro_html": render_markdown(intro) if intro.strip() else "",
                "duration": float(duration), "sources": sources, "embed": embed, "captions": captions,
                "completion_threshold": float(threshold), "allow_download": allow_download, "poster": poster,
                "questions": questions, "audio": audio}

    def example_content(self) -> dict[str, Any]:
        """An external video only: content alone cannot ship a video file (``example_lesson`` does)."""
        return {"intro": {"vi": "Xem video, rồi trả lời câu hỏi ở bài sau.",
                          "en": "Watch the video, then answer the questions in the next lesson."},
                "duration": 60, "embed": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"}

    def example_lesson(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        """For ``elearn pack new``: a 5-second clip of the pack's own with vi and en captions and a
        question at 0:04 (asked when a plugin offers questions, such as the quiz)."""
        folder = Path(__file__).parent / "example"
        files = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in sorted(folder.rglob("*")) if path.is_file()}
        content = {
            "intro": {"vi": "Xem video ngắn này; video dừng lại để hỏi một câu.",
                      "en": "Watch this short video; it stops to ask a question."},
            "duration": 4.6,
            "sources": [{"file": "media/vi-du-240p.webm", "label": "240p"}],
            "captions": [{"lang": "vi", "file": "media/vi-du.vi.vtt"}, {"lang": "en", "file": "media/vi-du.en.vtt"}],
            "completion_threshold": 0.9,
            "allow_download": True,
            "questions": [{"at": 4, "question": {
                "type": "truefalse", "correct": True,
                "stem": {"vi": "Bạn có thể thay video này bằng video của mình?",
                         "en": "Can you replace this video with your own?"}}}],
        }
        return content, files

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        from elearn_video import jobs, watching

        content = ctx.content
        lesson_id = ctx.lesson.id
        prefs = watching.preferences(ctx.db, ctx.user)
        watch = watching.progress_of(ctx.db, ctx.user.id, lesson_id)
        sources = [{"label": s["label"], "type": s["type"],
                    "url": url_for("video.media", lesson_id=lesson_id, kind="source", index=n)}
                   for n, s in enumerate(content["sources"])]
        made = jobs.derived(ctx.db, ctx.lesson) if sources else {}
        sources += [{"label": r["label"], "type": "video/webm",
                     "url": url_for("video.media", lesson_id=lesson_id, kind="rendition", index=n)}
                    for n, r in enumerate(made.get("renditions", []))]
        ordered = watching.order_sources(sources, prefs)
        captions = [{"lang": c["lang"], "url": url_for("video.media", lesson_id=lesson_id, kind="caption", index=n),
                     "cues": [{"start": s, "end": e, "text": t, "at": clock(s)} for s, e, t in c["cues"]]}
                    for n, c in enumerate(content["captions"])]
        shipped = content.get("audio")
        audio = ({"url": url_for("video.media", lesson_id=lesson_id, kind="audio", index=0), "type": shipped["type"]}
                 if shipped else
                 {"url": url_for("video.media", lesson_id=lesson_id, kind="made-audio", index=0), "type": "audio/mp4"}
                 if made.get("audio") else None)
        mode = prefs["mode"]
        if mode == "listen" and audio is None:
            mode = "read"  # no audio rendition (yet): the transcript
        poster = (url_for("video.media", lesson_id=lesson_id, kind="poster", index=0) if content.get("poster")
                  else url_for("video.media", lesson_id=lesson_id, kind="made-poster", index=0) if made else None)
        asked = content.get("questions", [])
        answered = points.answers_of(ctx.db, ctx.user, ctx.lesson) if asked and ctx.can_submit else {}
        return {
            "intro_html": content.get("intro_html", ""),
            "duration": content["duration"],
            "sources": ordered,
            "embed": content["embed"],
            "captions": captions,
            "poster": poster,
            "allow_download": content["allow_download"],
            "completion_threshold": content["completion_threshold"],
            "data_saver": prefs["data_saver"],
            "mode": mode,
            "chosen_mode": prefs["mode"],
            "audio": audio,
            "quality": prefs["quality"],
            "watched_share": watch["watched_share"],
            "position": watch["position"],
            "completed": ctx.progress.status == Status.COMPLETED,
            "questions": [{**point, "moment": clock(point["at"])} for point in points.learner_points(asked, answered)],
        }

    def instructor_links(self, lesson) -> list[NavItem]:
        return [NavItem(_("Who watched this video"), url_for("video.watched_report", lesson_id=lesson.id))]

    def parse_form(self, form) -> dict[str, Any]:
        return {"watched": form.get("watched") == "1"}

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        """Only an external video is completed by the learner's word; a video served here is
        completed by what the server saw watched (``watching.record_batch``)."""
        if ctx.content["sources"]:
            raise SubmissionError(_("This video is completed by watching it."), status=409)
        if data.get("watched") is not True:
            raise SubmissionError(_('Send {"watched": true} once you have watched the video.'))
        first_time = ctx.progress.status != Status.COMPLETED
        return Outcome(status=Status.COMPLETED, message=_("Marked as watched."), counts_as_attempt=first_time)
