"""The ``video`` lesson type: a video that works on a weak connection and counts what was really watched.

Registered through the ``elearn.plugins`` entry point like any other plugin. Its tables are
``x_video_*`` (Alembic branch ``video``); authoring is in docs/content-packs.md ("``video``").
"""

from elearn.plugin_api import hookimpl

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
