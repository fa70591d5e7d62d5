"""The JSON API under /api/v1: tokens, courses, enrolment, lessons, submissions, progress, OpenAPI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn.clock import utcnow
from elearn.models import ApiToken, Enrolment, Lesson, LessonProgress, Status
from elearn.testing import TEST_PASSWORD, fresh, lesson_ids


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_message(response) -> str:
    """Every API error is JSON: {"error": {"message": "..."}} with a non-empty message."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"}, body
    message = body["error"]["message"]
    assert isinstance(message, str)
    assert message.strip()
    return message


def count(db, model) -> int:
    return fresh(db).scalar(select(func.count()).select_from(model))


# -- tokens ----------------------------------------------------------------------


def test_a_token_is_issued_for_good_credentials(client, db, learner):
    response = client.post("/api/v1/auth/token", json={"email": learner.email, "password": TEST_PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    assert body["expires_at"]
    # Only a hash is stored, never the token itself.
    stored = fresh(db).scalar(select(ApiToken.token_hash))
    assert stored is not None
    assert body["token"] not in stored
    db.commit()
    me = client.get("/api/v1/me/progress", headers=bearer(body["token"]))
    assert me.status_code == 200


def test_the_email_is_matched_without_regard_to_case(client, learner):
    response = client.post(
        "/api/v1/auth/token", json={"email": "  " + learner.email.upper(), "password": TEST_PASSWORD}
    )
    assert response.status_code == 201


def test_wrong_password_and_unknown_email_get_the_same_401(client, db, learner):
    wrong = client.post("/api/v1/auth/token", json={"email": learner.email, "password": "not the password"})
    unknown = client.post("/api/v1/auth/token", json={"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert error_message(wrong) == error_message(unknown)
    assert wrong.get_json() == unknown.get_json()
    assert count(db, ApiToken) == 0
    db.commit()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"data": "email=a@example.org&password=x"}, id="form-encoded"),
        pytest.param({"data": "{not json", "content_type": "application/json"}, id="broken-json"),
        pytest.param({"json": ["an@example.org", TEST_PASSWORD]}, id="json-array"),
        pytest.param({"json": "an@example.org"}, id="json-string"),
        pytest.param({"json": None}, id="json-null"),
        pytest.param({"json": {}}, id="empty-object"),
        pytest.param({"json": {"email": "an@example.org"}}, id="no-password"),
        pytest.param({"json": {"password": TEST_PASSWORD}}, id="no-email"),
        pytest.param({"json": {"email": 5, "password": TEST_PASSWORD}}, id="email-not-string"),
        pytest.param({"json": {"email": "an@example.org", "password": ["x"]}}, id="password-not-string"),
        pytest.param({"json": {"email": "", "password": ""}}, id="empty-strings"),
    ],
)
def test_bad_token_requests_are_400(client, db, learner, body):
    response = client.post("/api/v1/auth/token", **body)
    assert response.status_code == 400
    error_message(response)
    assert count(db, ApiToken) == 0
    db.commit()


def test_deleting_the_token_revokes_it_and_only_it(client, learner, api_token):
    first, second = api_token(learner), api_token(learner)
    assert client.get("/api/v1/me/progress", headers=bearer(first)).status_code == 200
    revoked = client.delete("/api/v1/auth/token", headers=bearer(first))
    assert revoked.status_code == 204
    after = client.get("/api/v1/me/progress", headers=bearer(first))
    assert after.status_code == 401
    error_message(after)
    assert client.delete("/api/v1/auth/token", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/me/progress", headers=bearer(second)).status_code == 200


def test_deleting_a_token_needs_one(client):
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 401
    error_message(response)


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-real-token", "Bearer " + "x" * 43, "bearer nonsense"],
)
def test_an_invalid_token_is_401_even_where_none_is_needed(client, make_course, header):
    make_course()
    for path in ("/api/v1/courses", "/api/v1/me/progress"):
        response = client.get(path, headers={"Authorization": header})
        assert response.status_code == 401, path
        error_message(response)


def test_an_expired_token_is_401(client, db, learner, api_token):
    token = api_token(learner)
    row = fresh(db).scalar(select(ApiToken))
    row.expires_at = utcnow().replace(year=2000)
    db.commit()
    response = client.get("/api/v1/me/progress", headers=bearer(token))
    assert response.status_code == 401
    error_message(response)


def test_a_browser_session_does_not_authorise_the_api(client, learner, login):
    login(client, learner)
    assert client.get("/me").status_code == 200
    response = client.get("/api/v1/me/progress")
    assert response.status_code == 401
    error_message(response)


def test_a_token_of_a_deactivated_account_stops_working(client, db, learner, api_token):
    token = api_token(learner)
    fresh(db).get(type(learner), learner.id).is_active = False
    db.commit()
    assert client.get("/api/v1/me/progress", headers=bearer(token)).status_code == 401


# -- courses ---------------------------------------------------------------------


def test_the_catalogue_for_an_anonymous_caller(client, make_course):
    make_course(slug="ke-toan", title="Kế toán")
    make_course(slug="nhap", title="Bản nháp", published=False)
    response = client.get("/api/v1/courses")
    assert response.status_code == 200
    courses = response.get_json()["courses"]
    assert [c["slug"] for c in courses] == ["ke-toan"]
    course = courses[0]
    assert course["title"] == "Kế toán"
    assert course["lessons"] == 3
    assert course["enrolled"] is False
    assert "progress" not in course
    assert course["url"] == "/api/v1/courses/ke-toan"


def test_the_catalogue_with_a_token_shows_my_progress(client, db, learner, api_token, make_course, enrol):
    mine = make_course(slug="cua-toi")
    make_course(slug="khac")
    enrol(learner, mine)
    first = lesson_ids(db, mine)[0]
    token = api_token(learner)
    client.post(f"/api/v1/lessons/{first}/submissions", json={"read": True}, headers=bearer(token))
    courses = {c["slug"]: c for c in client.get("/api/v1/courses", headers=bearer(token)).get_json()["courses"]}
    assert courses["khac"]["enrolled"] is False
    assert "progress" not in courses["khac"]
    progress = courses["cua-toi"]["progress"]
    assert courses["cua-toi"]["enrolled"] is True
    assert progress["completed_lessons"] == 1
    assert progress["fraction"] == pytest.approx(1 / 3, abs=1e-3)
    assert progress["completed_at"] is None
    assert progress["next_lesson"]["id"] == lesson_ids(db, mine)[1]


def test_one_course_with_its_outline(client, db, make_course):
    course = make_course(slug="hop-tac-xa", modules=2)
    ids = lesson_ids(db, course)
    response = client.get("/api/v1/courses/hop-tac-xa")
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == "hop-tac-xa"
    assert body["can_enrol"] is False, "an anonymous caller cannot enrol"
    assert [m["key"] for m in body["modules"]] == ["m1", "m2"]
    listed = [lesson["id"] for module in body["modules"] for lesson in module["lessons"]]
    assert sorted(listed) == sorted(ids)
    assert body["modules"][0]["lessons"][0]["status"] == "not_started"


def test_an_unknown_or_unpublished_course_is_404(client, learner, api_token, make_course):
    make_course(slug="nhap", published=False)
    token = api_token(learner)
    for slug in ("khong-co", "nhap"):
        for headers in ({}, bearer(token)):
            response = client.get(f"/api/v1/courses/{slug}", headers=headers)
            assert response.status_code == 404
            error_message(response)


def test_a_retired_lesson_is_not_in_the_course(client, db, make_course):
    course = make_course(slug="co-bai-cu")
    ids = lesson_ids(db, course)
    db.get(Lesson, ids[0]).retired_at = utcnow()
    db.commit()
    body = client.get("/api/v1/courses/co-bai-cu").get_json()
    listed = [lesson["id"] for module in body["modules"] for lesson in module["lessons"]]
    assert listed == ids[1:]
    assert client.get("/api/v1/courses").get_json()["courses"][0]["lessons"] == 2


# -- enrolment -------------------------------------------------------------------


def test_enrolling_is_201_then_200(client, db, learner, api_token, make_course):
    make_course(slug="dang-ky")
    token = api_token(learner)
    first = client.post("/api/v1/courses/dang-ky/enrol", headers=bearer(token))
    assert first.status_code == 201
    assert first.get_json()["enrolled"] is True
    assert first.get_json()["progress"]["completed_lessons"] == 0
    again = client.post("/api/v1/courses/dang-ky/enrol", headers=bearer(token))
    assert again.status_code == 200
    assert again.get_json()["progress"]["enrolled_at"] == first.get_json()["progress"]["enrolled_at"]
    assert count(db, Enrolment) == 1
    db.commit()


def test_enrolling_needs_a_token_and_a_published_course(client, db, learner, api_token, make_course):
    make_course(slug="mo")
    make_course(slug="nhap", published=False)
    anonymous = client.post("/api/v1/courses/mo/enrol")
    assert anonymous.status_code == 401
    error_message(anonymous)
    token = api_token(learner)
    for slug in ("nhap", "khong-co"):
        response = client.post(f"/api/v1/courses/{slug}/enrol", headers=bearer(token))
        assert response.status_code == 404
        error_message(response)
    assert count(db, Enrolment) == 0
    db.commit()


# -- lessons ---------------------------------------------------------------------

LESSON_KEYS = {
    "id", "key", "type", "title", "content_language", "course", "progress", "can_submit", "previous", "next", "view"
}


def test_a_lesson_for_an_enrolled_learner(client, db, learner, api_token, make_course, enrol):
    course = make_course([("page", {"text": "**Xin chào**"}), ("page", {"text": "Hai"}), ("page", {"text": "Ba"})])
    enrol(learner, course)
    ids = lesson_ids(db, course)
    token = api_token(learner)
    response = client.get(f"/api/v1/lessons/{ids[1]}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == LESSON_KEYS
    assert body["id"] == ids[1]
    assert body["type"] == "page"
    assert body["can_submit"] is True
    assert body["course"]["slug"] == course.slug
    assert body["previous"]["id"] == ids[0]
    assert body["next"]["id"] == ids[2]
    assert body["progress"]["status"] == "not_started"
    assert set(body["view"]) == {"html", "read"}
    assert "Hai" in body["view"]["html"]
    assert body["view"]["read"] is False

    first = client.get(f"/api/v1/lessons/{ids[0]}", headers=bearer(token)).get_json()
    assert "<strong>Xin chào</strong>" in first["view"]["html"]
    assert first["previous"] is None


def test_a_lesson_shows_nothing_the_learner_may_not_see(client, db, learner, make_user, api_token, make_course, enrol):
    course = make_course([("page", {"text": "Một"}), ("page", {"text": "Bí mật đã gỡ"}), ("page", {"text": "Ba"})])
    enrol(learner, course)
    classmate = make_user()
    enrol(classmate, course)
    ids = lesson_ids(db, course)
    db.get(Lesson, ids[1]).retired_at = utcnow()
    db.commit()
    classmate_token = api_token(classmate)
    client.post(f"/api/v1/lessons/{ids[0]}/submissions", json={"read": True}, headers=bearer(classmate_token))

    token = api_token(learner)
    response = client.get(f"/api/v1/lessons/{ids[0]}", headers=bearer(token))
    body = response.get_json()
    text = response.get_data(as_text=True)
    assert set(body) == LESSON_KEYS
    assert set(body["view"]) == {"html", "read"}, "the view is the type's learner view, not the stored content"
    assert "markdown" not in text
    assert body["progress"]["status"] == "not_started", "a classmate's progress is not mine"
    assert body["view"]["read"] is False
    assert body["next"]["id"] == ids[2], "the retired lesson is skipped"
    assert "Bí mật đã gỡ" not in text

    retired = client.get(f"/api/v1/lessons/{ids[1]}", headers=bearer(token))
    assert retired.status_code == 404
    error_message(retired)
    assert "Bí mật đã gỡ" not in retired.get_data(as_text=True)


def test_a_lesson_needs_a_token(client, db, make_course):
    first = lesson_ids(db, make_course())[0]
    response = client.get(f"/api/v1/lessons/{first}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert "Bài 1" not in response.get_data(as_text=True)
    error_message(response)


def test_a_lesson_is_403_when_not_enrolled_and_404_when_unknown(client, db, learner, api_token, make_course):
    first = lesson_ids(db, make_course([("page", {"text": "Nội dung riêng"})]))[0]
    token = api_token(learner)
    forbidden = client.get(f"/api/v1/lessons/{first}", headers=bearer(token))
    assert forbidden.status_code == 403
    assert "Nội dung riêng" not in forbidden.get_data(as_text=True)
    error_message(forbidden)
    unknown = client.get("/api/v1/lessons/999999", headers=bearer(token))
    assert unknown.status_code == 404
    error_message(unknown)


def test_a_lesson_of_an_unpublished_course_is_404_even_if_enrolled(client, db, learner, api_token, make_course, enrol):
    course = make_course(published=False)
    enrol(learner, course)
    first = lesson_ids(db, course)[0]
    response = client.get(f"/api/v1/lessons/{first}", headers=bearer(api_token(learner)))
    assert response.status_code == 404
    error_message(response)


def test_a_lesson_of_a_missing_type_gives_an_error_not_a_view(client, db, learner, api_token, make_course, enrol):
    course = make_course([("no_such_type", {"secret": "answer"})])
    enrol(learner, course)
    first = lesson_ids(db, course)[0]
    token = api_token(learner)
    response = client.get(f"/api/v1/lessons/{first}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert "view" not in body
    assert "no_such_type" in body["error"]["message"]
    assert "answer" not in response.get_data(as_text=True)
    submitted = client.post(f"/api/v1/lessons/{first}/submissions", json={"read": True}, headers=bearer(token))
    assert submitted.status_code == 409
    error_message(submitted)


# -- submissions -----------------------------------------------------------------


def test_reading_a_page_completes_it_and_the_course(client, db, learner, api_token, make_course, enrol):
    course = make_course([("page", {"text": "Một"}), ("page", {"text": "Hai"})])
    enrol(learner, course)
    ids = lesson_ids(db, course)
    token = api_token(learner)

    first = client.post(f"/api/v1/lessons/{ids[0]}/submissions", json={"read": True}, headers=bearer(token))
    assert first.status_code == 201
    body = first.get_json()
    assert body["progress"]["status"] == "completed"
    assert body["progress"]["completed_at"]
    assert body["progress"]["attempts"] == 1
    assert body["course_completed"] is False
    assert isinstance(body["message"], str)

    lesson = client.get(f"/api/v1/lessons/{ids[0]}", headers=bearer(token)).get_json()
    assert lesson["view"]["read"] is True
    assert lesson["progress"]["status"] == "completed"

    last = client.post(f"/api/v1/lessons/{ids[1]}/submissions", json={"read": True}, headers=bearer(token))
    assert last.status_code == 201
    assert last.get_json()["course_completed"] is True
    enrolment = fresh(db).scalar(select(Enrolment))
    assert enrolment.completed_at is not None
    db.commit()

    again = client.post(f"/api/v1/lessons/{ids[1]}/submissions", json={"read": True}, headers=bearer(token))
    assert again.status_code == 201
    assert again.get_json()["course_completed"] is False, "a course completes once"
    assert again.get_json()["progress"]["attempts"] == 1, "reading again is not a new attempt"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"json": {"read": False}}, id="read-false"),
        pytest.param({"json": {"read": "true"}}, id="read-string"),
        pytest.param({"json": {"read": 1}}, id="read-one"),
        pytest.param({"json": {}}, id="empty-object"),
        pytest.param({"json": {"read": True, "extra": 1}}, id="extra-field"),
        pytest.param({"json": [{"read": True}]}, id="json-array"),
        pytest.param({"json": True}, id="json-true"),
        pytest.param({"json": None}, id="json-null"),
        pytest.param({"data": "read=true"}, id="form-encoded"),
        pytest.param({"data": "{read: true", "content_type": "application/json"}, id="broken-json"),
    ],
)
def test_bad_submissions_are_400_and_write_nothing(client, db, learner, api_token, make_course, enrol, body):
    course = make_course()
    enrol(learner, course)
    first = lesson_ids(db, course)[0]
    token = api_token(learner)
    response = client.post(f"/api/v1/lessons/{first}/submissions", headers=bearer(token), **body)
    assert response.status_code == 400
    error_message(response)
    assert count(db, LessonProgress) == 0
    assert fresh(db).scalar(select(Enrolment)).completed_at is None
    db.commit()


def test_submissions_need_a_token_an_enrolment_and_a_lesson(client, db, learner, instructor, api_token, make_course):
    first = lesson_ids(db, make_course())[0]
    anonymous = client.post(f"/api/v1/lessons/{first}/submissions", json={"read": True})
    assert anonymous.status_code == 401
    error_message(anonymous)
    token = api_token(learner)
    not_enrolled = client.post(f"/api/v1/lessons/{first}/submissions", json={"read": True}, headers=bearer(token))
    assert not_enrolled.status_code == 403
    error_message(not_enrolled)
    unknown = client.post("/api/v1/lessons/999999/submissions", json={"read": True}, headers=bearer(token))
    assert unknown.status_code == 404
    error_message(unknown)
    assert count(db, LessonProgress) == 0
    db.commit()


def test_a_retired_lesson_takes_no_submission(client, db, learner, api_token, make_course, enrol):
    course = make_course()
    enrol(learner, course)
    first = lesson_ids(db, course)[0]
    db.get(Lesson, first).retired_at = utcnow()
    db.commit()
    token = api_token(learner)
    response = client.post(f"/api/v1/lessons/{first}/submissions", json={"read": True}, headers=bearer(token))
    assert response.status_code == 404
    error_message(response)
    assert count(db, LessonProgress) == 0
    db.commit()


# -- my progress -----------------------------------------------------------------


def test_my_progress_lists_my_courses_with_the_next_lesson(client, db, learner, api_token, make_course, enrol):
    started = make_course(slug="dang-hoc")
    make_course(slug="chua-dang-ky")
    enrol(learner, started)
    ids = lesson_ids(db, started)
    token = api_token(learner)
    empty_next = client.get("/api/v1/me/progress", headers=bearer(token)).get_json()["courses"][0]
    assert empty_next["progress"]["next_lesson"]["id"] == ids[0]

    client.post(f"/api/v1/lessons/{ids[0]}/submissions", json={"read": True}, headers=bearer(token))
    response = client.get("/api/v1/me/progress", headers=bearer(token))
    assert response.status_code == 200
    courses = response.get_json()["courses"]
    assert [c["slug"] for c in courses] == ["dang-hoc"]
    progress = courses[0]["progress"]
    assert progress["completed_lessons"] == 1
    assert progress["next_lesson"]["id"] == ids[1]
    assert progress["next_lesson"]["status"] == "not_started"

    for lesson_id in ids[1:]:
        client.post(f"/api/v1/lessons/{lesson_id}/submissions", json={"read": True}, headers=bearer(token))
    done = client.get("/api/v1/me/progress", headers=bearer(token)).get_json()["courses"][0]["progress"]
    assert done["fraction"] == 1
    assert done["completed_at"] is not None
    assert done["next_lesson"] is None
    assert fresh(db).scalar(select(func.count()).where(LessonProgress.status == Status.COMPLETED)) == 3
    db.commit()


def test_my_progress_needs_a_token(client):
    response = client.get("/api/v1/me/progress")
    assert response.status_code == 401
    error_message(response)


# -- errors and the OpenAPI document ---------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/xyz"),
        ("post", "/api/v1/xyz"),
        ("get", "/api/v1/lessons/abc"),
        ("get", "/api/v1/courses/x/y/z"),
        ("get", "/api/v1/auth/token"),
        ("put", "/api/v1/courses"),
        ("delete", "/api/v1/courses/x"),
    ],
)
def test_errors_outside_the_routes_are_json_too(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code in (404, 405)
    error_message(response)


def test_a_wrong_method_says_which_methods_are_allowed(client):
    response = client.put("/api/v1/courses")
    assert response.status_code == 405
    error_message(response)
    assert "GET" in {m.strip() for m in response.headers["Allow"].split(",")}
    token = client.get("/api/v1/auth/token")
    assert {"POST", "DELETE"} <= {m.strip() for m in token.headers["Allow"].split(",")}


def _app_api_routes(app) -> dict[str, set[str]]:
    """The /api/v1 routes Flask serves, in OpenAPI notation, with their methods."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def _resolve(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_openapi_document_describes_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()

    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert document["servers"] == [{"url": "/api/v1"}]

    served = _app_api_routes(app)
    served.pop("/openapi.json")  # the document does not describe itself
    documented = {
        path: {key for key in item if key in {"get", "put", "post", "delete", "patch"}}
        for path, item in document["paths"].items()
    }
    assert documented == served

    schemes = document["components"]["securitySchemes"]
    for path, item in document["paths"].items():
        parameters = {p["name"] for p in item.get("parameters", [])}
        assert parameters == set(re.findall(r"{([^}]+)}", path)), path
        for method in documented[path]:
            operation = item[method]
            assert operation["summary"]
            assert operation["responses"], (path, method)
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5]\d\d", status), (path, method, status)
            for requirement in operation.get("security", document["security"]):
                assert set(requirement) <= set(schemes)
    for ref in _refs(document):
        _resolve(document, ref)  # every $ref points at something


def test_the_openapi_document_matches_what_the_api_does(client, learner):
    document = client.get("/api/v1/openapi.json").get_json()
    public = {
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and operation.get("security", document["security"]) == []
    }
    assert public == {("/auth/token", "post"), ("/auth/register", "post"), ("/auth/sign-in-code", "post"),
                      ("/auth/password-reset", "post"), ("/courses", "get"), ("/courses/{slug}", "get"),
                      ("/certificates/verify/{code}", "get")}  # anyone may check a certificate
    token_post = document["paths"]["/auth/token"]["post"]
    assert "201" in token_post["responses"]
    assert {"400", "401"} <= set(token_post["responses"])
    assert "201" in document["paths"]["/lessons/{lesson_id}/submissions"]["post"]["responses"]


def test_the_openapi_document_has_the_page_submission_schema(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    schema = _resolve(document, document["components"]["schemas"]["Submission_page"]["$ref"])
    model = app.extensions["elearn_plugins"].lesson_types["page"].submission_model
    assert schema == model.model_json_schema(), "the page type's own model, as the endpoint validates with"
    assert schema["required"] == ["read"]
    assert schema["additionalProperties"] is False
    body = document["paths"]["/lessons/{lesson_id}/submissions"]["post"]["requestBody"]
    refs = list(_refs(body))
    assert "#/components/schemas/Submission_page" in refs


# -- the contract: what the document promises, the API does -----------------------------


def _json_body_operations(document: dict) -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


@pytest.mark.parametrize("body", [pytest.param([], id="array"), pytest.param("x", id="string"),
                                  pytest.param(None, id="null"), pytest.param(7, id="number")])
def test_every_json_body_that_is_not_an_object_is_a_400(app, client, db, learner, api_token, make_course, enrol,
                                                        body):
    course = make_course([("page", {"text": "Một"}), ("discussion", {"case": "Tình huống."})], slug="khoa")
    enrol(learner, course)
    page, discussion = lesson_ids(db, course)
    headers = bearer(api_token(learner))
    document = client.get("/api/v1/openapi.json").get_json()
    operations = _json_body_operations(document)
    assert len(operations) >= 12, "every operation that takes a body describes it"
    for path, method in operations:
        lesson = discussion if path.startswith("/x/discussion") else page
        url = path.replace("{lesson_id}", str(lesson)).replace("{slug}", "khoa").replace("{group_set}", "track")
        url = re.sub(r"{[a-z_]+}", "1", url)  # other ids, and numbers such as a video question's
        response = client.open(f"/api/v1{url}", method=method.upper(), json=body, headers=headers)
        assert response.status_code == 400, (method, path, response.get_json())
        error_message(response)


def test_a_field_refused_by_the_model_is_named_in_the_callers_language(client, db, learner, api_token, make_course,
                                                                       enrol):
    course = make_course()
    enrol(learner, course)
    url = f"/api/v1/lessons/{lesson_ids(db, course)[0]}/submissions"
    headers = bearer(api_token(learner))
    vietnamese = client.post(url, json={"read": False}, headers=headers)
    assert error_message(vietnamese) == '“read” phải là một trong các giá trị: true. Ví dụ: {"read": true}'
    english = client.post(url, json={"read": True, "extra": 1}, headers={**headers, "Accept-Language": "en"})
    assert error_message(english) == '“extra” is not a field of this request. For example: {"read": true}'


def test_revoking_a_token_answers_204_with_no_content_type(client, learner, api_token):
    response = client.delete("/api/v1/auth/token", headers=bearer(api_token(learner)))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers, "a 204 has no content, so no content type (it was text/html)"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/lessons/2147483648"),
        ("post", "/api/v1/lessons/9223372036854775808/submissions"),
        ("post", "/api/v1/x/discussion/lessons/2147483648/threads"),  # GET .../threads exists: it was a 405
        ("delete", "/api/v1/courses/x/groups/1/members/2147483648"),  # PUT exists: it was a 405
    ],
)
def test_an_id_past_the_range_names_nothing_whatever_the_method(client, learner, api_token, method, path):
    response = getattr(client, method)(path, json={}, headers=bearer(api_token(learner)))
    assert response.status_code == 404
    error_message(response)


def test_path_ids_are_bounded_in_the_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    ids = [p for item in document["paths"].values() for p in item["parameters"] if p["name"].endswith("_id")]
    assert ids
    for parameter in ids:
        assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2147483647}, parameter


def test_every_operation_documents_the_401_of_a_bad_token(client):
    """Even the public ones: a token that is sent must be good (see the 401 tests above)."""
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert "401" in operation["responses"], (method, path)
                for status, answer in operation["responses"].items():
                    if status == "204":
                        assert "content" not in answer
                    else:
                        assert list(answer["content"]) == ["application/json"], (method, path, status)


def test_an_answer_its_operation_does_not_declare_fails_the_tests(app, client):
    """``API_CHECK_RESPONSES`` (on in tests): every API answer is checked against its declaration."""
    from flask import jsonify

    from elearn.api.models import Token
    from elearn.contract import ContractBroken, operation

    @operation(responses={200: Token}, public=True)
    def drifted():
        """Answers a field its model does not have"""
        return jsonify(token="t", token_type="Bearer", expires_at="2026-01-01T00:00:00+00:00", extra=1)

    @operation(responses={200: Token}, public=True)
    def undeclared():
        """Answers a status it does not declare"""
        return jsonify(error={"message": "x"}), 409

    app.add_url_rule("/api/v1/drifted", view_func=drifted)
    app.add_url_rule("/api/v1/undeclared", view_func=undeclared)
    with pytest.raises(ContractBroken, match="outside its model"):
        client.get("/api/v1/drifted")
    with pytest.raises(ContractBroken, match="409, not declared"):
        client.get("/api/v1/undeclared")
