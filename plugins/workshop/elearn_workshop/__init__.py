"""The ``workshop`` lesson type: each cooperative builds its production and business plan
(phương án sản xuất kinh doanh) from a template in the pack, with its financial plan computed on
the server, reviewed by an instructor and, optionally, by peers, and exported as a PDF.

Registered through the ``elearn.plugins`` entry point like any other plugin. Its tables are
``x_workshop_*`` (Alembic branch ``workshop``); authoring is in docs/content-packs.md
("``workshop``").
"""

from elearn.plugin_api import hookimpl

ELEARN_PLUGIN_API = ">=1.2,<2"


@hookimpl
def elearn_lesson_types():
    from elearn_workshop.lesson import WorkshopLesson

    return [WorkshopLesson()]


@hookimpl
def elearn_blueprints():
    from elearn_workshop.views import bp

    return [bp]


@hookimpl
def elearn_api_blueprints():
    from elearn_workshop.api import api

    return [api]
