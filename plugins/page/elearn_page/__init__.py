"""The ``page`` lesson type: a Markdown text page, completed when marked read.

Registered through the ``elearn.plugins`` entry point like any other plugin.
"""

from elearn.plugin_api import hookimpl
from elearn_page.lesson import PageLesson

ELEARN_PLUGIN_API = ">=1,<2"


@hookimpl
def elearn_lesson_types():
    return [PageLesson()]
