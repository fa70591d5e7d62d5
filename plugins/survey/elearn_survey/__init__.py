"""The ``survey`` lesson type: questionnaires from the pack, answered page by page, with results
for the course's instructors.

Registered through the ``elearn.plugins`` entry point like any other plugin. Its tables are
``x_survey_*`` (Alembic branch ``survey``); authoring is in docs/content-packs.md ("``survey``").
"""

from elearn.plugin_api import hookimpl

ELEARN_PLUGIN_API = ">=1.2,<2"


@hookimpl
def elearn_lesson_types():
    from elearn_survey.lesson import SurveyLesson

    return [SurveyLesson()]


@hookimpl
def elearn_blueprints():
    from elearn_survey.views import bp

    return [bp]


@hookimpl
def elearn_api_blueprints():
    from elearn_survey.api import api

    return [api]
