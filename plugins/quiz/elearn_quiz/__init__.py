"""The ``quiz`` lesson type: an assessment engine learners can trust.

Registered through the ``elearn.plugins`` entry point like any other plugin.
"""

from elearn.plugin_api import hookimpl

ELEARN_PLUGIN_API = ">=1,<2"


@hookimpl
def elearn_lesson_types():
    from elearn_quiz.lesson import QuizLesson

    return [QuizLesson()]


@hookimpl
def elearn_blueprints():
    from elearn_quiz.views import bp

    return [bp]


@hookimpl
def elearn_report_columns(course, db):
    """A score column per quiz lesson: the course report and the gradebook show the quiz's scores."""
    from elearn_quiz.scores import score_columns

    return score_columns(db, course)


@hookimpl
def elearn_question_kinds():
    """The quiz's automatically graded questions, for other lessons to ask (a video's pauses)."""
    from elearn_quiz.embedded import QuizQuestions

    return [QuizQuestions()]
