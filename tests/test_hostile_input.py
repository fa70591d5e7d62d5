"""Hostile input reaching every route: NUL characters and ids too large for the database.

PostgreSQL text cannot hold a NUL and its INTEGER ids stop at 2,147,483,647; file paths cannot
hold a NUL either. Each of these used to be a 500 (and, in a quiz save, a lost answer). The
core handles them once, for every view (``elearn.requests``): NULs in what the user sends become
U+FFFD, NULs in a URL path and ids out of range name no page. The sweep below sends such input
to every rule of the app, core and plugins alike, as each kind of user.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, PathConverter

from elearn.models import CourseInstructor
from elearn.testing import csrf_token, fresh, test_config

NUL = "\x00"
HUGE_IDS = [2**31, 2**63, 2**64]
QUIZ = {
    "questions": [{"id": "q1", "type": "short", "stem": "Tên cơ quan cao nhất?", "answers": ["Đại hội thành viên"]}],
    "settings": {"review": "immediately"},
}
DISCUSSION = {"case": "Đại hội vắng một nửa thành viên.", "questions": ["Nên làm gì?"]}


@pytest.fixture
def course(make_course, learner, instructor, enrol, db):
    course = make_course([("page", {"text": "Bài đọc"}), ("quiz", QUIZ), ("discussion", DISCUSSION)])
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.commit()
    enrol(learner, course)
    return course


def lesson_of(course, type_name):
    return next(lesson for lesson in course.modules[0].lessons if lesson.type_name == type_name)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the cases the attack run found ------------------------------------------------------------


def test_a_quiz_answer_with_a_nul_is_kept_through_the_api_and_the_form(app, client, login, learner, course,
                                                                      api_token):
    lesson = lesson_of(course, "quiz")
    auth = bearer(api_token(learner))
    api = app.test_client()
    assert api.post(f"/api/v1/lessons/{lesson.id}/submissions", json={"action": "start"}, headers=auth).status_code \
        == 201
    saved = api.post(f"/api/v1/lessons/{lesson.id}/submissions",
                     json={"action": "save", "seq": 1, "answers": {"q1": "Đại hội\u0000 thành viên"}}, headers=auth)
    assert saved.status_code == 201, saved.get_json()
    answer = api.get(f"/api/v1/lessons/{lesson.id}", headers=auth).get_json()["view"]["attempt"]["questions"][0]
    assert answer["answer"] == "Đại hội\ufffd thành viên"

    login(client, learner)
    form = client.post(f"/lessons/{lesson.id}/submit", data={
        "csrf_token": csrf_token(client, f"/lessons/{lesson.id}"), "action": "save", "seq": "2", "attempt": "1",
        "q.q1": "Ban\x00 kiểm soát",
    })
    assert form.status_code == 303
    answer = api.get(f"/api/v1/lessons/{lesson.id}", headers=auth).get_json()["view"]["attempt"]["questions"][0]
    assert answer["answer"] == "Ban\ufffd kiểm soát"


def test_a_login_email_with_a_nul_is_just_a_wrong_login(client, learner):
    api = client.post("/api/v1/auth/token", json={"email": f"an{NUL}@example.org", "password": "x"})
    assert api.status_code == 401 and api.get_json()["error"]["message"]
    form = client.post("/login", data={"login": f"an{NUL}@example.org", "password": "x",
                                       "csrf_token": csrf_token(client, "/login")})
    assert form.status_code in (200, 401)


def test_a_group_title_with_a_nul_is_stored_visibly(app, client, course, instructor, api_token, db):
    from elearn.models import CourseGroup

    made = client.post(f"/api/v1/courses/{course.slug}/groups", headers=bearer(api_token(instructor)),
                       json={"group_set": "track", "key": "xa", "title_vi": f"Xã{NUL} miền núi"})
    assert made.status_code == 201, made.get_json()
    assert fresh(db).scalar(select(CourseGroup.title_vi)) == "Xã\ufffd miền núi"


@pytest.mark.parametrize("path", [
    "/courses/re%00l", "/api/v1/courses/re%00l", "/media/packs/p%00/1.0.0/a.png", "/media/packs/p/1.0.0/a%00.png",
    "/static/elearn%00.css", "/static/x/quiz/quiz%00.js",
])
def test_a_url_path_with_a_nul_names_no_page(client, course, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("number", HUGE_IDS)
def test_an_id_too_large_for_the_database_names_no_page(client, login, learner, course, api_token, number):
    auth = bearer(api_token(learner))
    assert client.get(f"/api/v1/lessons/{number}", headers=auth).status_code == 404
    login(client, learner)
    assert client.get(f"/lessons/{number}").status_code == 404


# -- the sweep: every rule of the app, as every kind of user ------------------------------------

# Field names the app's JSON bodies and forms use, each given a NUL in its text.
FIELDS = ["email", "password", "name", "title", "body", "reason", "comment", "action", "key", "group_set",
          "title_vi", "title_en", "lang", "next", "q.q1", "current", "confirm", "text", "role", "slug"]


@pytest.fixture
def app_config(database_url, tmp_path):
    # The forms are reached with a NUL in every field; CSRF has tests of its own.
    return test_config(database_url, tmp_path, WTF_CSRF_ENABLED=False)


def arguments(rule, course, lesson_id):
    """Values for a rule's parameters: real ones, then each parameter in turn made hostile
    (a NUL in a text segment, an id too large for the database)."""
    base, hostile = {}, {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            base[name], hostile[name] = lesson_id, HUGE_IDS[:2]
        elif name == "slug":
            base[name], hostile[name] = course.slug, [f"re{NUL}l"]
        elif isinstance(converter, PathConverter):
            base[name], hostile[name] = "x", [f"media{NUL}/a.png"]
        else:
            base[name], hostile[name] = "x", [f"x{NUL}y"]
    return [base] + [{**base, name: value} for name, values in hostile.items() for value in values]


def url_for_rule(rule, values) -> str:
    """The rule's path with each ``<converter:name>`` replaced by its (percent-encoded) value."""
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: quote(str(values[m.group(1)]), safe="/"), rule.rule)


def test_no_route_answers_500_to_nul_text_or_huge_ids(app, course, learner, instructor, admin, api_token, login):
    lesson_ids = [lesson.id for lesson in course.modules[0].lessons]
    token = {user.id: api_token(user) for user in (learner, instructor)}
    clients = {"anonymous": (app.test_client(), {})}
    for user in (learner, instructor, admin):
        browser = app.test_client()
        login(browser, user)
        clients[user.email] = (browser, bearer(token[user.id]) if user.id in token else {})
    body = {field: f"a{NUL}b" for field in FIELDS}
    crashed = []
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.endpoint in ("auth.logout", "api.revoke"):  # would end the session or token the sweep goes on with
            methods = []
        for values in arguments(rule, course, lesson_ids[0]):
            url = url_for_rule(rule, values) + f"?page=1{quote(NUL)}&q={quote(NUL)}"
            for who, (client, headers) in clients.items():
                for method in methods:
                    if rule.rule.startswith("/api/"):
                        answer = client.open(url, method=method, json=body, headers=headers)
                    else:
                        answer = client.open(url, method=method, data=body)
                    if answer.status_code >= 500:
                        crashed.append(f"{method} {url} as {who}: {answer.status_code}")
    assert crashed == []
