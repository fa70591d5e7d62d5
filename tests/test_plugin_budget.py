"""Slow plugins, greedy clients and runaway SQL cannot take the site down.

The slow lesson type (tests/fixtures/slow_lesson) "sleeps" on a clock the test moves, which is
also the clock of the plugin time budget: nothing here waits for real time, except where a real
server thread must hold a request (the per-client limit) and there the plugin waits until the
test lets it go.
"""

from __future__ import annotations

import json
import threading
import time
import types
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from elearn import hookimpl
from elearn.db import get_database
from elearn.models import Lesson, LessonProgress
from elearn.plugins.budget import CallBudget, PluginUnavailable
from elearn.plugins.lesson_type import NavItem
from elearn.plugins.manager import PluginRegistry
from elearn.testing import test_config as config_for

UNAVAILABLE_VI = "Bài học này tạm thời chưa mở được vì loại bài học của nó đang phản hồi quá chậm."
STYLESHEET = "elearn.css"
UNAVAILABLE_EN = "This lesson is temporarily unavailable because its lesson type is answering too slowly."


class Clock:
    """A monotonic clock the test moves: ``clock()`` is now, ``clock.advance(s)`` passes time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def app_config(database_url, tmp_path, slow_plugin):
    return config_for(database_url, tmp_path, CONCURRENT_REQUESTS_PER_CLIENT=2)


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    """The budget's clock, moved by the slow lesson's ``sleep`` too."""
    import elearn_slow_lesson

    clock = Clock()
    monkeypatch.setattr(app.extensions["elearn_plugins"].budget, "clock", clock)
    monkeypatch.setattr(elearn_slow_lesson, "sleep", clock.advance)
    return clock


@pytest.fixture
def lessons(make_course, learner, enrol):
    """A course of a slow lesson (it takes 10 s, twice the budget) and a page; the learner is enrolled."""
    course = make_course([("slow", {"seconds": 10}), ("page", {"text": "Điều lệ hợp tác xã"})])
    enrol(learner, course)
    return course.modules[0].lessons


# -- the budget on its own ---------------------------------------------------------------


def test_slow_calls_open_the_circuit_for_the_cool_down_then_one_more_slow_call_opens_it_again():
    clock = Clock()
    budget = CallBudget(budget=5, calls=3, window=60, cooldown=60, concurrent=4, clock=clock)
    calls = []

    def work(seconds):
        calls.append(seconds)
        clock.advance(seconds)
        return seconds

    assert budget.call("x", work, 1) == 1  # within budget: not counted
    for _ in range(2):
        budget.call("x", work, 6)
    budget.call("other", work, 6)  # another kind has its own circuit
    budget.call("x", work, 6)  # the third slow call within the window
    with pytest.raises(PluginUnavailable):
        budget.call("x", work, 1)
    assert calls == [1, 6, 6, 6, 6]
    assert budget.call("other", work, 1) == 1

    clock.advance(61)  # the cool-down is over: calls go through, on probation
    assert budget.call("x", work, 1) == 1
    budget.call("x", work, 6)  # fast calls ended the probation: one slow call is not enough
    assert budget.call("x", work, 1) == 1
    clock.advance(120)
    budget.call("x", work, 6)
    budget.call("x", work, 6)
    budget.call("x", work, 6)
    clock.advance(61)
    budget.call("x", work, 6)  # on probation again: the first slow call opens it at once
    with pytest.raises(PluginUnavailable):
        budget.call("x", work, 1)


def test_slow_calls_spread_wider_than_the_window_never_open_it():
    clock = Clock()
    budget = CallBudget(budget=5, calls=3, window=60, cooldown=60, concurrent=4, clock=clock)
    for _ in range(6):
        budget.call("x", clock.advance, 6)
        clock.advance(30)
    assert budget.call("x", lambda: "called") == "called"


def test_a_call_still_running_counts_as_slow_and_no_more_than_the_limit_run_at_once():
    """Hung calls open the circuit while they hang, and never take more than ``concurrent`` threads."""
    clock = Clock()
    budget = CallBudget(budget=5, calls=2, window=60, cooldown=60, concurrent=3, clock=clock, wait_for_slot=0)
    release = threading.Event()
    started = threading.Semaphore(0)

    def hang():
        started.release()
        release.wait()

    threads = [threading.Thread(target=budget.call, args=("x", hang)) for _ in range(3)]
    for thread in threads:
        thread.start()
        started.acquire()
    try:
        with pytest.raises(PluginUnavailable):  # three running: a fourth is refused
            budget.call("x", lambda: "called")
        clock.advance(6)
        with pytest.raises(PluginUnavailable):  # the hung calls are slow: the circuit opens
            budget.call("x", lambda: "called")
        release.set()
        for thread in threads:
            thread.join()
        with pytest.raises(PluginUnavailable):  # and stays open for the cool-down
            budget.call("x", lambda: "called")
    finally:
        release.set()
    clock.advance(61)
    assert budget.call("x", lambda: "called") == "called"


def test_a_call_beyond_the_limit_waits_for_one_that_ends_quickly():
    """Fast calls that collide under load are not refused: the next one waits for a slot."""
    budget = CallBudget(concurrent=1, wait_for_slot=60)
    release, started, waiting = threading.Event(), threading.Event(), threading.Event()
    results = []
    wait_for = budget._call_ended.wait_for

    def wait_for_a_slot(*args):
        waiting.set()
        return wait_for(*args)

    budget._call_ended.wait_for = wait_for_a_slot

    def first():
        started.set()
        release.wait()
        return "first"

    threads = [threading.Thread(target=lambda: results.append(budget.call("x", first)))]
    threads[0].start()
    started.wait()
    threads.append(threading.Thread(target=lambda: results.append(budget.call("x", lambda: "second"))))
    threads[1].start()
    waiting.wait()  # the second call waits for the first to end
    release.set()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["first", "second"]


def test_a_hook_over_its_budget_is_skipped_and_the_other_plugins_still_answer():
    clock = Clock()
    registry = PluginRegistry(CallBudget(budget=5, calls=2, window=60, cooldown=60, concurrent=4, clock=clock))
    called = []

    def plugin(name, seconds):
        module = types.ModuleType(name)

        @hookimpl
        def elearn_user_menu(user):
            called.append(name)
            clock.advance(seconds)
            return [NavItem(name, f"/{name}")]

        module.elearn_user_menu = elearn_user_menu
        return module

    registry.register("slowmenu", plugin("slowmenu", 10))
    registry.register("fastmenu", plugin("fastmenu", 0))
    user = types.SimpleNamespace(is_authenticated=True)
    for _ in range(2):
        assert sorted(item.label for item in registry.user_menu(user)) == ["fastmenu", "slowmenu"]
    called.clear()
    assert [item.label for item in registry.user_menu(user)] == ["fastmenu"]
    assert called == ["fastmenu"]


# -- what the learner sees ---------------------------------------------------------------


def test_a_lesson_type_over_its_budget_says_so_in_the_lesson_and_is_not_called_until_the_cool_down(
    app, client, login, learner, lessons, clock, api_token, caplog
):
    slow, page = lessons
    login(client, learner)
    for _ in range(2):
        assert "Done at last." in client.get(f"/lessons/{slow.id}").get_data(as_text=True)
    assert "more than its budget of 5 s" in caplog.text
    # The third slow call opens the circuit: the rest of the type's work (its template) is not done.
    assert UNAVAILABLE_VI in client.get(f"/lessons/{slow.id}").get_data(as_text=True)

    before = clock.now
    answer = client.get(f"/lessons/{slow.id}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200  # the lesson's own page, not an error page
    assert UNAVAILABLE_VI in html and "Done at last." not in html
    assert f'href="/lessons/{page.id}"' in html  # the way on to the next lesson is there
    assert clock.now == before  # the type was not called
    body = client.get(f"/api/v1/lessons/{slow.id}", headers={"Authorization": f"Bearer {api_token(learner)}",
                                                             "Accept-Language": "en"}).get_json()
    assert body["error"]["message"].startswith(UNAVAILABLE_EN) and "view" not in body
    assert "Điều lệ hợp tác xã" in client.get(f"/lessons/{page.id}").get_data(as_text=True)

    clock.advance(61)  # after the cool-down the type is called again; still slow, it rests again at once
    assert UNAVAILABLE_VI in client.get(f"/lessons/{slow.id}").get_data(as_text=True)
    assert clock.now == before + 61 + 10
    with get_database(app).transaction() as session:  # the type is fast again
        session.get(Lesson, slow.id).content = {"seconds": 1}
    clock.advance(61)
    assert "Done at last." in client.get(f"/lessons/{slow.id}").get_data(as_text=True)


def test_a_submission_to_a_resting_lesson_type_is_refused_with_503_and_nothing_is_stored(
    app, client, db, login, learner, lessons, clock, api_token
):
    slow, _page = lessons
    token = api_token(learner)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    for _ in range(3):
        assert client.get(f"/api/v1/lessons/{slow.id}", headers=headers).status_code == 200
    answer = client.post(f"/api/v1/lessons/{slow.id}/submissions", headers=headers, json={})
    assert answer.status_code == 503
    assert answer.get_json()["error"]["message"].startswith(UNAVAILABLE_EN)
    db.rollback()
    assert db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == slow.id)) is None


# -- too many requests at once from one client ------------------------------------------------


def test_a_client_with_too_many_requests_running_is_told_to_wait_and_others_are_not(
    app, site, make_course, make_user, enrol, api_token, tmp_path
):
    signals = tmp_path / "signals"
    signals.mkdir()
    course = make_course([("slow", {"seconds": 30, "signal_dir": str(signals)}), ("page", {"text": "Điều lệ"})])
    slow, page = course.modules[0].lessons
    greedy, other = make_user(), make_user()
    for user in (greedy, other):
        enrol(user, course)
    greedy_token, other_token = api_token(greedy), api_token(other)
    holding = [threading.Thread(target=get, args=(f"{site}/api/v1/lessons/{slow.id}", greedy_token)) for _ in range(2)]
    for thread in holding:
        thread.start()
    try:
        while len(list(signals.glob("entered-*"))) < 2:
            time.sleep(0.01)
        refused = get(f"{site}/api/v1/lessons/{page.id}", greedy_token)
        refused_page = get(f"{site}/", greedy_token)
        answered = get(f"{site}/api/v1/lessons/{page.id}", other_token)
        stylesheet = get(f"{site}/static/{STYLESHEET}", greedy_token)  # files load in parallel: not counted
    finally:
        (signals / "release").touch()
        for thread in holding:
            thread.join()

    assert refused[0] == 429
    assert json.loads(refused[1])["error"]["message"] == (
        "Bạn đang gửi quá nhiều yêu cầu cùng lúc. Vui lòng đợi các yêu cầu trước xong rồi thử lại.")
    assert refused_page[0] == 429 and "Bạn đang gửi quá nhiều yêu cầu cùng lúc" in refused_page[1]
    assert answered[0] == 200
    assert stylesheet[0] == 200
    assert get(f"{site}/api/v1/lessons/{page.id}", greedy_token)[0] == 200  # once they have finished


def get(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# -- runaway SQL on a served site -----------------------------------------------------------------


@pytest.fixture
def served_database(app):
    """The app's database as ``elearn serve`` sets it up, with statements cut after 0.3 s. Ask for it
    before any fixture that opens a connection (``db``): the engine is rebuilt."""
    database = get_database(app)
    database.configure_for_serving(pool_size=2, statement_timeout=0.3)
    return database


def test_on_a_served_site_a_runaway_query_is_cut_and_the_lesson_says_its_type_failed(
    served_database, client, login, learner, make_course, enrol, caplog
):
    course = make_course([("slow", {"sql": True}), ("page", {"text": "Điều lệ hợp tác xã"})])
    enrol(learner, course)
    runaway, page = course.modules[0].lessons
    login(client, learner)
    answer = client.get(f"/lessons/{runaway.id}")
    assert answer.status_code == 200
    assert "vì loại bài học của nó bị lỗi" in answer.get_data(as_text=True)
    assert "failed to show lesson" in caplog.text
    assert "Điều lệ hợp tác xã" in client.get(f"/lessons/{page.id}").get_data(as_text=True)


def test_the_statement_limit_cuts_statements_not_the_commit_of_a_long_request(served_database):
    from elearn_slow_lesson import RUNAWAY_SQL

    database = served_database
    with database.session(write=True) as session, pytest.raises(OperationalError):
        session.execute(text(RUNAWAY_SQL)).scalar()
    with database.session(write=True) as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS x_budget_probe (n integer)"))
        session.execute(text("INSERT INTO x_budget_probe VALUES (1)"))
        time.sleep(0.4)  # the request's Python work after its last statement
        session.commit()
    with database.session() as session:
        assert session.scalar(text("SELECT count(*) FROM x_budget_probe")) == 1
        session.execute(text("DROP TABLE x_budget_probe"))
        session.commit()
