"""Lower renditions, an audio-only rendition, a poster and the duration, made with ffmpeg on the job queue.

The audio rendition (AAC, mono, 32 kbit/s: about 240 KB a minute) is what a learner in "listen"
mode gets instead of any video.

An instructor starts it from the report page (or the API); the request only queues it. The job is
idempotent: its key is the lesson and pack version, each file is written under a dot-name and
renamed when complete, and a file already there is kept, so a job killed half-way and run again
leaves one set of renditions. Without ffmpeg the video plays from the files as shipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from elearn.plugin_api import JobError, Lesson, Scope, StateDocument, Task, enqueue, fail, media_folder
from elearn_video.lesson import pixels

TARGETS = (240, 360)
FORMATS = {".webm": ["-f", "webm"], ".jpg": ["-f", "image2"], ".m4a": ["-f", "mp4", "-movflags", "+faststart"]}
DERIVED = StateDocument("video", Scope.LESSON, "derived")


def ffmpeg_missing() -> bool:
    return shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None


def folder_of(content: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Where the files derived from the lesson's largest rendition go (one folder per pack version)."""
    largest = max(content["sources"], key=lambda s: pixels(s["label"]))
    return media_folder("video", largest["pack"], largest["version"], largest["path"] + ".derived"), largest


def derived(db, lesson) -> dict[str, Any]:
    """What the job made for this lesson's current files ({} before it ran)."""
    found = DERIVED.get(db, lesson=lesson).data or {}
    return found if found.get("from") == _source_key(lesson.content) else {}


def _source_key(content: dict[str, Any]) -> str | None:
    if not content.get("sources"):
        return None
    _folder, largest = folder_of(content)
    return f"{largest['pack']}/{largest['version']}/{largest['path']}"


def start(db, lesson, user):
    """Queue the job for the lesson's current files; the same job while one is queued or done."""
    if not lesson.content.get("sources"):
        fail(409, _("This video has no files of its own to prepare."))
    return enqueue("video.prepare", {"lesson_id": lesson.id}, key=f"{lesson.id}:{_source_key(lesson.content)}",
                   user=user, db=db)


def _make(out: Path, command: list[str]) -> None:
    """Run ffmpeg into a dot-file beside ``out`` and rename it: ``out`` exists only when complete."""
    if out.exists():
        return
    part = out.with_name(f".{out.name}.part")
    subprocess.run([*command, *FORMATS[out.suffix], "-y", str(part)],
                   check=True, capture_output=True, timeout=3600)
    os.replace(part, out)


def prepare(job, lesson_id: int) -> dict[str, Any]:
    if ffmpeg_missing():
        raise JobError(_("ffmpeg is not installed on the server: the video plays from the files as shipped."))
    lesson = job.db.get(Lesson, lesson_id)
    if lesson is None or lesson.type_name != "video" or not lesson.content.get("sources"):
        raise JobError(_("This video has no files of its own to prepare."))
    content = lesson.content
    folder, largest = folder_of(content)
    source = media_folder("packs", largest["pack"], largest["version"], largest["path"])
    folder.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type",
                            "-of", "json", str(source)], check=True, capture_output=True, timeout=120)
    probed = json.loads(probe.stdout)
    duration = float(probed["format"]["duration"])
    have = {pixels(s["label"]) for s in content["sources"]}
    renditions = []
    for height in TARGETS:
        if height >= pixels(largest["label"]) or height in have:
            continue
        out = folder / f"{height}p.webm"
        _make(out, ["ffmpeg", "-loglevel", "error", "-i", str(source), "-vf", f"scale=-2:{height}",
                    "-c:v", "libvpx", "-b:v", f"{height * 1}k", "-c:a", "libvorbis", "-b:a", "48k"])
        renditions.append({"label": f"{height}p", "file": out.name})
    poster = folder / "poster.jpg"
    _make(poster, ["ffmpeg", "-loglevel", "error", "-ss", f"{min(1.0, duration / 2):.2f}", "-i", str(source),
                   "-frames:v", "1"])
    audio = None
    if any(stream.get("codec_type") == "audio" for stream in probed.get("streams", [])):
        audio = folder / "audio.m4a"
        _make(audio, ["ffmpeg", "-loglevel", "error", "-i", str(source), "-vn", "-ac", "1",
                      "-c:a", "aac", "-b:a", "32k"])
    made = {"from": _source_key(content), "renditions": renditions, "poster": poster.name,
            "audio": audio.name if audio else None, "duration": round(duration, 3)}
    current = DERIVED.get(job.db, lesson=lesson)
    DERIVED.put(job.db, made, expected_version=current.version, lesson=lesson)
    return made


TASKS = [Task("prepare", prepare, retries=2, retry_delay=30,
              description="Lower renditions, sound only, a poster and the duration of a video, with ffmpeg")]
