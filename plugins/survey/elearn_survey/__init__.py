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


@hookimpl
def elearn_dashboard_panels(user, db):
    """The open polls (``poll: true`` surveys), for every signed-in user: vote, then see the figures."""
    from elearn.plugin_api import current_locale
    from elearn_survey.polls import panels

    return panels(db, user, current_locale())
