"""A minimal graded lesson type for the benchmark: one question, one right answer.

It is not installed: ``run.py`` puts it on ``PYTHONPATH`` with a generated
``.dist-info`` folder, so it registers through the ``elearn.plugins`` entry
point like any installed plugin, for the benchmark's own instance only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from elearn import hookimpl
from elearn.models import Status
from elearn.plugins.lesson_type import LessonContext, LessonType, Outcome, SubmissionError


class BenchQuiz(LessonType):
    name = "bench_quiz"
    labels: ClassVar = {"vi": "Câu hỏi", "en": "Question"}
    template = "page/lesson.html"  # never rendered by the benchmark

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        return {"question": ctx.content["question"], "last": ctx.state.get("last")}

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        choice = data.get("choice")
        if not isinstance(choice, int):
            raise SubmissionError('Send {"choice": <number>}.')
        correct = choice == ctx.content["answer"]
        return Outcome(
            status=Status.COMPLETED if correct else Status.IN_PROGRESS,
            score=1.0 if correct else 0.0,
            state={"last": choice, "history": [*ctx.state.get("history", [])[-9:], choice]},
        )


@hookimpl
def elearn_lesson_types():
    return [BenchQuiz()]
