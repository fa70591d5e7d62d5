"""The survey plugin's fixtures: a course with the sample needs survey (survey_samples.py), and answering it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from survey_samples import SURVEY, SURVEY_EN, content

from elearn.testing import pack_files


@pytest.fixture
def files():
    return pack_files({"khao-sat.yaml": SURVEY, "khao-sat.en.yaml": SURVEY_EN})


@pytest.fixture
def survey(app, db, make_course, make_user, enrol, files):
    """``survey(**settings)``: a course with the needs survey, learners Lan and Minh, and its instructor."""
    from elearn.models import CourseInstructor

    def make(**settings):
        course = make_course([("survey", content(**settings))], files=files)
        lesson = course.modules[0].lessons[0]
        lan, minh = make_user("learner", name="Lan"), make_user("learner", name="Minh")
        teacher = make_user("instructor", name="Cô Mai")
        enrol(lan, course)
        enrol(minh, course)
        db.add(CourseInstructor(course_id=course.id, user_id=teacher.id))
        db.commit()
        return SimpleNamespace(course=course, lesson=lesson, lan=lan, minh=minh, teacher=teacher)

    return make


@pytest.fixture
def answer(client, api_token):
    """``answer(user, lesson, answers, action="submit")``: one submission through the API."""
    def send(user, lesson, answers, action="submit", **extra):
        return client.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"action": action, "answers": answers,
                                                                             **extra},
                           headers={"Authorization": f"Bearer {api_token(user)}"})

    return send
