"""State by scope: the core keeps plugins' JSON documents apart and refuses a write that would lose
another's change (elearn/state.py, offered as ``elearn.plugin_api.StateDocument``).

Each test runs on SQLite and, when configured, PostgreSQL. Writes go through their own write
sessions, as two requests would.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import pytest
from flask import jsonify
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select

from elearn.db import db_session, get_database
from elearn.models import Course, CourseGroup, PluginState, User
from elearn.plugin_api import (
    Integral,
    RequestModel,
    ResponseModel,
    Scope,
    StaleState,
    StateDocument,
    StateInvalid,
    Versioned,
    operation,
)
from elearn.security import csrf


class Plan(BaseModel):
    courses: list[str] = []
    hours_a_week: int = Field(default=2, ge=1, le=40)


PLAN = StateDocument("survey", Scope.LEARNER, "plan", model=Plan)
NOTES = StateDocument("survey", Scope.LEARNER_COURSE, "notes")


@pytest.fixture
def write(app, db):
    """``with write() as session:`` a write transaction of its own, committed at the end."""
    return get_database(app).transaction


@pytest.fixture
def world(db, make_user, make_course):
    """Two learners, two courses (one lesson each), a group in each course."""
    a, b = make_user(), make_user()
    c1, c2 = make_course([("page", {"text": "Một"})]), make_course([("page", {"text": "Hai"})])
    g1 = CourseGroup(course_id=c1.id, group_set="track", key="phuong", title_vi="Phường")
    g2 = CourseGroup(course_id=c2.id, group_set="track", key="xa", title_vi="Xã")
    db.add_all([g1, g2])
    db.commit()
    return {"a": a, "b": b, "c1": c1, "c2": c2, "l1": c1.modules[0].lessons[0], "l2": c2.modules[0].lessons[0],
            "g1": g1, "g2": g2}


def subjects(world, first: bool) -> dict[Scope, dict]:
    """For each scope, the keyword arguments naming one document (first or second of the world)."""
    user, course, lesson, group = (
        (world["a"], world["c1"], world["l1"], world["g1"]) if first
        else (world["b"], world["c2"], world["l2"], world["g2"])
    )
    return {
        Scope.LESSON: {"lesson": lesson},
        Scope.LEARNER_LESSON: {"user": user, "lesson": lesson},
        Scope.LEARNER_COURSE: {"user": user, "course": course},
        Scope.LEARNER: {"user": user},
        Scope.GROUP: {"group": group},
    }


def test_a_document_is_missing_until_written_and_each_write_raises_its_version(db, write, learner):
    assert PLAN.get(db, user=learner) == (None, 0)
    with write() as session:
        assert PLAN.put(session, Plan(courses=["ke-toan"]), expected_version=0, user=learner) == 1
    db.rollback()
    plan, version = PLAN.get(db, user=learner)
    assert (plan, version) == (Plan(courses=["ke-toan"]), 1)
    with write() as session:
        plan.courses.append("thue")
        assert PLAN.put(session, plan, expected_version=version, user=learner.id) == 2
    db.rollback()
    assert PLAN.get(db, user=learner) == Versioned(Plan(courses=["ke-toan", "thue"]), 2)


@pytest.mark.parametrize("scope", list(Scope), ids=lambda s: s.value)
def test_each_scope_keeps_its_documents_to_its_subject_and_its_plugin(db, write, world, scope):
    mine = StateDocument("survey", scope, "doc")
    theirs = StateDocument("other_plugin", scope, "doc")
    first, second = subjects(world, True)[scope], subjects(world, False)[scope]
    with write() as session:
        mine.put(session, {"who": "first"}, expected_version=0, **first)
    db.rollback()

    assert mine.get(db, **first) == ({"who": "first"}, 1)
    # Another learner, lesson, course or group sees nothing of it; nor does another plugin, or
    # another document of the same plugin.
    assert mine.get(db, **second) == (None, 0)
    assert theirs.get(db, **first) == (None, 0)
    assert StateDocument("survey", scope, "other-doc").get(db, **first) == (None, 0)
    # Another plugin's first write under the same name is its own document, not a conflict.
    with write() as session:
        assert theirs.put(session, {"who": "theirs"}, expected_version=0, **first) == 1
    db.rollback()
    assert mine.get(db, **first) == ({"who": "first"}, 1)


def test_a_learner_across_the_site_and_in_a_course_are_different_documents(db, write, world):
    site_wide = StateDocument("survey", Scope.LEARNER, "plan")
    with write() as session:
        site_wide.put(session, {"all": True}, expected_version=0, user=world["a"])
        NOTES.put(session, {"c1": True}, expected_version=0, user=world["a"], course=world["c1"])
    db.rollback()
    assert site_wide.get(db, user=world["a"]).data == {"all": True}
    assert NOTES.get(db, user=world["a"], course=world["c1"]).data == {"c1": True}
    assert NOTES.get(db, user=world["a"], course=world["c2"]) == (None, 0)
    assert NOTES.get(db, user=world["b"], course=world["c1"]) == (None, 0)


def test_a_write_from_a_stale_version_is_refused_and_the_newer_document_kept(app, db, write, learner):
    with write() as session:
        PLAN.put(session, Plan(courses=["a"]), expected_version=0, user=learner)
    # Two tabs read version 1; the first saves, the second saves what it read.
    database = get_database(app)
    with database.session() as first_tab, database.session() as second_tab:
        _plan, read_by_first = PLAN.get(first_tab, user=learner)
        _plan, read_by_second = PLAN.get(second_tab, user=learner)
    with write() as session:
        assert PLAN.put(session, Plan(courses=["first"]), expected_version=read_by_first, user=learner) == 2
    with pytest.raises(StaleState) as refused, write() as session:
        PLAN.put(session, Plan(courses=["second"]), expected_version=read_by_second, user=learner)
    assert (refused.value.expected, refused.value.current, refused.value.code) == (1, 2, 409)
    assert "'plan' of plugin 'survey'" in str(refused.value)
    db.rollback()
    assert PLAN.get(db, user=learner) == (Plan(courses=["first"]), 2)


def test_a_first_write_over_an_existing_document_is_stale(db, write, learner):
    with write() as session:
        PLAN.put(session, Plan(), expected_version=0, user=learner)
    with pytest.raises(StaleState) as refused, write() as session:
        PLAN.put(session, Plan(courses=["late"]), expected_version=0, user=learner)
    assert (refused.value.expected, refused.value.current) == (0, 1)
    # And a version that was never reached is as stale as an old one.
    with pytest.raises(StaleState), write() as session:
        PLAN.put(session, Plan(courses=["future"]), expected_version=7, user=learner)
    db.rollback()
    assert PLAN.get(db, user=learner) == (Plan(), 1)


@pytest.mark.parametrize("read", [0, 1], ids=["first-write", "update"])
def test_two_writers_at_once_from_the_same_version_cannot_both_win(app, db, write, learner, read):
    """The second writer waits for the first one's transaction, then finds the version gone."""
    if read:
        with write() as session:
            PLAN.put(session, Plan(), expected_version=0, user=learner)
    first_wrote, second_done = threading.Event(), threading.Event()

    def second_writer():
        first_wrote.wait(10)
        try:
            with app.app_context(), write() as session:
                return PLAN.put(session, Plan(courses=["second"]), expected_version=read, user=learner)
        except StaleState as exc:
            return exc
        finally:
            second_done.set()

    with ThreadPoolExecutor(1) as pool:
        with write() as session:
            assert PLAN.put(session, Plan(courses=["first"]), expected_version=read, user=learner) == read + 1
            future = pool.submit(second_writer)
            first_wrote.set()
            # The first transaction is still open: the second writer must be waiting for it.
            time.sleep(0.5)
            assert not second_done.is_set()
        outcome = future.result(timeout=30)

    assert isinstance(outcome, StaleState), outcome
    assert outcome.current == read + 1
    db.rollback()
    assert PLAN.get(db, user=learner) == (Plan(courses=["first"]), read + 1)
    assert db.scalar(select(func.count()).select_from(PluginState)) == 1


def test_a_model_refuses_data_that_does_not_fit_and_names_the_field(db, write, learner):
    with pytest.raises(StateInvalid) as refused, write() as session:
        PLAN.put(session, {"courses": ["ke-toan"], "hours_a_week": 0}, expected_version=0, user=learner)
    assert "'plan' of plugin 'survey': hours_a_week:" in str(refused.value)
    assert refused.value.errors[0]["loc"] == ("hours_a_week",)
    assert refused.value.code == 400
    with pytest.raises(StateInvalid, match=r"courses\.0: Input should be a valid string"), write() as session:
        PLAN.put(session, {"courses": [3]}, expected_version=0, user=learner)
    db.rollback()
    assert PLAN.get(db, user=learner) == (None, 0)


def test_without_a_model_a_document_must_still_be_a_small_json_object(db, write, learner, make_course):
    course = make_course()
    for bad, reason in [(["a list"], "JSON object"), ({"when": object()}, "not JSON"),
                        ({"big": "x" * 300_000}, "more than the")]:
        with pytest.raises(StateInvalid, match=reason), write() as session:
            NOTES.put(session, bad, expected_version=0, user=learner, course=course)
    db.rollback()
    assert NOTES.get(db, user=learner, course=course) == (None, 0)


def test_a_document_is_named_by_exactly_what_its_scope_needs(db, write, learner, make_course):
    course = make_course()
    with pytest.raises(TypeError, match="identified by user=, course="):
        NOTES.get(db, user=learner)
    with pytest.raises(TypeError, match="identified by user="):
        PLAN.get(db, user=learner, course=course)
    with pytest.raises(TypeError, match="user= must be a user or its id"):
        PLAN.get(db, user="an@example.org")
    with pytest.raises(TypeError, match="expected_version"), write() as session:
        PLAN.put(session, Plan(), expected_version=None, user=learner)
    with pytest.raises(RuntimeError, match="write request"):
        PLAN.put(db, Plan(), expected_version=0, user=learner)  # the test's read session
    with pytest.raises(ValueError, match="entry point name"):
        StateDocument("no spaces please", Scope.LEARNER, "plan")


def test_deleting_a_user_a_course_or_a_group_deletes_their_documents(db, write, world):
    with write() as session:
        for first in (True, False):
            for scope, subject in subjects(world, first).items():
                StateDocument("survey", scope, "doc").put(session, {"n": 1}, expected_version=0, **subject)

    def left() -> dict[str, int]:
        db.rollback()
        rows = db.execute(select(PluginState.scope, func.count()).group_by(PluginState.scope)).all()
        return {scope: n for scope, n in rows}

    assert left() == {"lesson": 2, "learner_lesson": 2, "learner_course": 2, "learner": 2, "group": 2}
    with write() as session:  # the database's ON DELETE CASCADE, not the ORM's
        session.execute(delete(User).where(User.id == world["a"].id))
    assert left() == {"lesson": 2, "learner_lesson": 1, "learner_course": 1, "learner": 1, "group": 2}
    with write() as session:
        session.execute(delete(CourseGroup).where(CourseGroup.id == world["g2"].id))
    assert left() == {"lesson": 2, "learner_lesson": 1, "learner_course": 1, "learner": 1, "group": 1}
    with write() as session:
        session.execute(delete(Course).where(Course.id == world["c2"].id))
    # Learner b's documents in course 2 went with it; b's own, site-wide, stays.
    assert left() == {"lesson": 1, "learner": 1, "group": 1}


class SavePlanBody(RequestModel):
    plan: dict[str, Any]  # checked by PLAN's model in put, not here: that is what is tested
    version: Annotated[int, Field(ge=0), Integral]


class Saved(ResponseModel):
    version: int


@pytest.fixture
def save_plan_route(app, learner):
    """An API view as a plugin writes one (docs/plugins.md): it lets the state's refusals through."""

    @operation(body=SavePlanBody, responses={200: Saved}, errors=(409,))
    def save_plan(body: SavePlanBody):
        version = PLAN.put(db_session(), body.plan, expected_version=body.version, user=learner)
        db_session().commit()
        return jsonify(version=version)

    app.add_url_rule("/api/v1/x-survey/plan", "x_survey_plan", csrf.exempt(save_plan), methods=["PUT"])


def test_the_api_answers_a_stale_write_409_and_a_misfit_400_with_a_sentence(app, db, learner, save_plan_route):
    client = app.test_client()
    english = {"Accept-Language": "en"}
    saved = client.put("/api/v1/x-survey/plan", json={"plan": {"courses": ["a"]}, "version": 0}, headers=english)
    assert (saved.status_code, saved.get_json()) == (200, {"version": 1})

    stale = client.put("/api/v1/x-survey/plan", json={"plan": {"courses": ["b"]}, "version": 0}, headers=english)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["message"].startswith("Someone else changed this in the meantime.")
    vietnamese = client.put("/api/v1/x-survey/plan", json={"plan": {}, "version": 0}, headers={"Accept-Language": "vi"})
    assert vietnamese.status_code == 409
    assert vietnamese.get_json()["error"]["message"].startswith("Người khác vừa thay đổi nội dung này.")

    misfit = client.put("/api/v1/x-survey/plan", json={"plan": {"hours_a_week": 99}, "version": 1}, headers=english)
    assert misfit.status_code == 400
    assert misfit.get_json()["error"]["message"] == "“hours_a_week” must be at most 40."
    db.rollback()
    assert PLAN.get(db, user=learner) == (Plan(courses=["a"]), 1)
