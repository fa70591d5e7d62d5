"""Concurrent writers wait for each other instead of failing or losing updates."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from elearn.models import Enrolment, LessonProgress
from elearn.testing import test_config

THREADS = 8


@pytest.fixture
def app_config(database_url, tmp_path):
    """One learner's THREADS requests at once: more than a client may have running by default."""
    return test_config(database_url, tmp_path, CONCURRENT_REQUESTS_PER_CLIENT=THREADS)


def test_concurrent_submissions_all_land(app, db, learner, make_course, api_token):
    course = make_course([("page", {"text": f"Bài {i}"}) for i in range(THREADS)])
    token = api_token(learner)
    headers = {"Authorization": f"Bearer {token}"}
    lesson_ids = [lesson.id for lesson in course.modules[0].lessons]
    assert app.test_client().post(f"/api/v1/courses/{course.slug}/enrol", headers=headers).status_code == 201

    def submit(lesson_id):
        # Every thread reads (enrolment, progress) before it writes: on SQLite the
        # transaction must take the write lock up front or one of them fails.
        response = app.test_client().post(f"/api/v1/lessons/{lesson_id}/submissions", headers=headers,
                                          json={"read": True})
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(submit, lesson_ids))

    assert [status for status, _body in results] == [201] * THREADS, results
    assert sum(body["course_completed"] for _status, body in results) == 1
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    rows = db.scalars(select(LessonProgress).where(LessonProgress.user_id == learner.id)).all()
    assert sorted(row.lesson_id for row in rows) == sorted(lesson_ids)
    assert all(row.status == "completed" and row.attempts == 1 for row in rows)
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.completed_at is not None


def test_same_lesson_submitted_at_once_keeps_one_progress_row(app, db, learner, make_course, api_token):
    course = make_course([("page", {"text": "Một bài"})])
    token = api_token(learner)
    headers = {"Authorization": f"Bearer {token}"}
    lesson_id = course.modules[0].lessons[0].id
    app.test_client().post(f"/api/v1/courses/{course.slug}/enrol", headers=headers)

    def submit(_):
        return app.test_client().post(f"/api/v1/lessons/{lesson_id}/submissions", headers=headers,
                                      json={"read": True}).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(submit, range(THREADS)))

    assert statuses == [201] * THREADS
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    rows = db.scalars(select(LessonProgress).where(LessonProgress.lesson_id == lesson_id)).all()
    assert len(rows) == 1
    # Marking a page read again is not a new attempt.
    assert rows[0].attempts == 1


def test_enrolling_twice_at_once_makes_one_enrolment(app, db, learner, make_course, api_token):
    course = make_course()
    headers = {"Authorization": f"Bearer {api_token(learner)}"}

    def enrol(_):
        return app.test_client().post(f"/api/v1/courses/{course.slug}/enrol", headers=headers).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(enrol, range(4)))

    assert statuses.count(201) >= 1 and set(statuses) <= {200, 201}
    db.rollback()  # end the test's read snapshot to see what the requests wrote
    assert len(db.scalars(select(Enrolment).where(Enrolment.user_id == learner.id)).all()) == 1
