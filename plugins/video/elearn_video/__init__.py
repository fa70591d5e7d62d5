"""The ``video`` lesson type: a video that works on a weak connection and counts what was really watched.

Registered through the ``elearn.plugins`` entry point like any other plugin. Its tables are
``x_video_*`` (Alembic branch ``video``); authoring is in docs/content-packs.md ("``video``").
"""

from elearn.plugin_api import FileLimit, Setting, hookimpl, plugin_setting

ELEARN_PLUGIN_API = ">=1,<2"


@hookimpl
def elearn_lesson_types():
    from elearn_video.lesson import VideoLesson

    return [VideoLesson()]


@hookimpl
def elearn_blueprints():
    from elearn_video.views import bp

    return [bp]


@hookimpl
def elearn_api_blueprints():
    from elearn_video.api import api

    return [api]


@hookimpl
def elearn_tasks():
    """``video.prepare``: lower renditions, a poster and the duration with ffmpeg (elearn_video.jobs)."""
    from elearn_video.jobs import TASKS

    return TASKS


@hookimpl
def elearn_settings():
    return [Setting("max_file_mb", int, default=500,
                    help="Largest video or sound file of a content pack, in MB",
                    check=_positive),
            Setting("accel_redirect", str, default="",
                    help="nginx: the internal location mapped to <instance>/media/ (/_media/); "
                         "video files are then sent by nginx with X-Accel-Redirect")]


def _positive(value: int) -> None:
    if value < 1:
        raise ValueError("must be at least 1")


@hookimpl
def elearn_pack_file_limits():
    """Videos and their sound may be far larger than the 5 MB other pack files get."""
    from elearn_video.lesson import AUDIO_TYPES, VIDEO_TYPES

    return [FileLimit((*VIDEO_TYPES, *AUDIO_TYPES), plugin_setting("video", "max_file_mb") * 1024 * 1024)]
