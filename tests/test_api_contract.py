"""The OpenAPI document is the API's contract: schemathesis checks the live API against it.

A live test server (the ``site`` fixture) on SQLite with a small seeded course (a page, a quiz
and a grouped discussion with a thread, a reply and a notification; an enrolled learner in a
group; the course's instructor) is fuzzed by schemathesis' own runner (``schemathesis run``,
in-process), three times: as the learner, as the instructor and anonymously. Every check runs
(``--checks all``) except those listed in ``EXCLUDED_CHECKS`` with the reason; any 5xx, any
status, content type, header or body the document does not declare, any body the document allows
that is refused (or the reverse) fails the test. Generation is seeded and bounded (``PLAN``
cases per operation in the fuzzing phase), so a run is repeatable.

Known ids of the dataset are offered to the generator as dictionaries (half of the path and body
ids are drawn from them), so the cases reach real lessons, threads and posts, not only 404s.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from click.testing import CliRunner
from openapi_spec_validator import validate
from schemathesis.cli import schemathesis as schemathesis_cli

from elearn.api.openapi import openapi_document
from elearn.models import CourseGroup, CourseGroupSet, CourseInstructor, GroupMember, User
from elearn.testing import database_for, test_config

SEED = 20260301
# Phases and cases per operation in the fuzzing phase, by role; the coverage phase adds its own boundary
# and negative cases (about 35 per operation and role, whatever the number here). Measured on the
# 2-core machine with 76 operations: the coverage phase costs a role ~30 s of CPU and 8 fuzzing cases
# per operation as much again, so the three runs are the largest part of the suite's time; their
# budget is about 150 s of CPU in CI. An anonymous caller is refused (401) by nearly every
# operation, and every operation's 401 is checked in tests/test_api.py, so it gets no coverage phase
# and few cases. ``ELEARN_FUZZ_PLAN=examples,coverage,fuzzing:200`` fuzzes harder by hand.
PLAN = {"learner": ("examples,coverage,fuzzing", 10), "instructor": ("examples,coverage,fuzzing", 6),
        "anonymous": ("examples,fuzzing", 4)}
# Checks that are wrong for this API, and why. Everything else in ``--checks all`` runs.
EXCLUDED_CHECKS: dict[str, str] = {}
# Operations whose well-formed bodies can still be refused with 400 for what the document cannot
# say, with the reason: the check ``positive_data_acceptance`` allows a 400 there too.
BODY_DEPENDS_ON_THE_RESOURCE: dict[str, str] = {
    "/lessons/{lesson_id}/submissions": "the body's shape is the lesson type's (a page takes {read}, a quiz "
    "{action, answers}), and the path does not say which type the lesson is; a quiz's answers must name its "
    "questions and choices",
    "/x/discussion/lessons/{lesson_id}/participants/{user_id}": "the marks must name the discussion's rubric "
    "criteria, each within its points: the rubric is the lesson's content",
    "/auth/register": "the phone number must be one that exists, and one of phone, username and e-mail must be "
    "given (and none another account's)",
    "/me/profile": "the phone number must be one that exists (libphonenumber's rules for each country) and the "
    "cooperative one of the site's",
    "/x/discussion/lessons/{lesson_id}/attachments": "the file's type is read from its name, which a multipart "
    "schema cannot constrain",
    "/courses/{slug}/report": "group_by must name a groupable column of the course's report, and the columns are "
    "what the course's plugins give (a group set per course, a plugin's own): the document cannot list them",
    "/x/workshop/reviews/{review_id}": "the assessment must name the rubric's criteria and one of each one's "
    "levels: the rubric is the lesson's content",
    "/x/video/lessons/{lesson_id}/watched/beacon": "navigator.sendBeacon's body is text/plain JSON carrying the "
    "page's CSRF token, for the browser's session: the document cannot describe it (apps use .../watched)",
}

QUIZ = {
    "questions": [
        {"id": "q1", "type": "single", "stem": "Mấy phiếu?", "choices": [{"text": "Một", "correct": True},
                                                                        {"text": "Hai"}]},
        {"id": "q2", "type": "short", "stem": "Cơ quan cao nhất?", "answers": ["Đại hội"]},
    ],
    "settings": {"attempts_allowed": 0},
}
DISCUSSION = {
    "case": "Hợp tác xã A có 120 thành viên nhưng chỉ 40 người đến dự đại hội.",
    "questions": ["Vì sao?"],
    "settings": {"group_set": "track", "rubric": [{"id": "depth", "title": "Chiều sâu", "points": 4}]},
}
WORKSHOP = {
    "group_set": "track",
    "sections": [{"key": "htx", "title": "Hợp tác xã", "fields": [
        {"key": "ten", "label": "Tên", "required": True}, {"key": "von", "label": "Vốn góp", "kind": "money"},
        {"key": "ke-hoach", "label": "Thu chi", "kind": "finance"}]}],
    "rubric": [{"key": "ro-rang", "title": "Rõ ràng", "levels": [{"points": 0, "label": "Chưa"},
                                                                {"points": 2, "label": "Rõ"}]}],
    "self_assessment": True,
    "grading": {"instructor": 50, "self": 50},
}


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    """SQLite only: the contract is the code's, not the database's (PostgreSQL runs the other API tests)."""
    return database_for("sqlite", _migrated_databases, tmp_path)


@pytest.fixture
def app_config(database_url, tmp_path) -> dict[str, Any]:
    # The fuzzer posts far faster than anyone may: the posting limit would answer 429 to nearly all.
    return test_config(database_url, tmp_path, DISCUSSION_POST_LIMITS="100000/minute")


@pytest.fixture
def dataset(app, db, client, make_course, make_user, enrol):
    """The seeded course, its people, and the ids a generator should know (by parameter name)."""
    from elearn.auth.sessions import issue_token

    course = make_course([("page", {"text": "# Bài đọc"}), ("quiz", QUIZ), ("discussion", DISCUSSION),
                          ("workshop", WORKSHOP)], slug="hop-tac-xa")
    page, quiz, discussion, workshop = (lesson.id for lesson in course.modules[0].lessons)
    learner, classmate = make_user("learner"), make_user("learner")
    instructor = make_user("instructor")
    for person in (learner, classmate):
        enrol(person, course)
    db.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
    db.add(CourseGroupSet(course_id=course.id, name="track", learners_choose=True))
    groups = [CourseGroup(course_id=course.id, group_set="track", key=key, title_vi=key) for key in ("rural", "urban")]
    db.add_all(groups)
    db.flush()
    for person in (learner, classmate):
        db.add(GroupMember(group_id=groups[0].id, user_id=person.id, course_id=course.id, group_set="track"))
    tokens = {}
    for role, person in (("learner", learner), ("instructor", instructor), ("classmate", classmate)):
        tokens[role], _row = issue_token(db, person)
    db.commit()

    def call(role: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = client.open(f"/api/v1/x/discussion{path}", method=method, json=body,
                               headers={"Authorization": f"Bearer {tokens[role]}"})
        assert response.status_code < 300, response.get_json()
        return response.get_json()

    opening = call("learner", "POST", f"/lessons/{discussion}/threads", {"title": "Vì sao?", "body": "Ý kiến."})["post"]
    replied = call("instructor", "POST", f"/lessons/{discussion}/threads/{opening['thread_id']}/posts",
                   {"body": "Trả lời.", "parent_id": opening["id"]})["post"]
    other = call("classmate", "POST", f"/lessons/{discussion}/threads/{opening['thread_id']}/posts",
                 {"body": "Đồng ý."})["post"]
    handed_in = client.post(f"/api/v1/lessons/{workshop}/submissions", json={
        "action": "submit", "base": 0, "sections": {"htx": {"ten": "HTX Tân Phú", "von": "1.000.000"}}},
        headers={"Authorization": f"Bearer {tokens['learner']}"}).get_json()
    assert handed_in["result"]["handed_in"], handed_in
    plan_id = None
    for plan in client.get(f"/api/v1/x/workshop/lessons/{workshop}/plans",
                           headers={"Authorization": f"Bearer {tokens['instructor']}"}).get_json()["plans"]:
        plan_id = plan["id"]
    call_workshop = client.post(f"/api/v1/x/workshop/plans/{plan_id}/reviews", json={"kind": "instructor"},
                                headers={"Authorization": f"Bearer {tokens['instructor']}"}).get_json()
    review_id = call_workshop["review"]["id"]
    lessons = [page, quiz, discussion, workshop]
    posts = [opening["id"], replied["id"], other["id"]]
    users = [learner.id, classmate.id, instructor.id]
    known = {
        "path.lesson_id": lessons, "body.lesson_id": lessons,
        "path.slug": [course.slug],
        "path.group_set": ["track"],
        "path.group_id": [g.id for g in groups], "body.group_id": [g.id for g in groups],
        "path.user_id": users,
        "path.thread_id": [opening["thread_id"]],
        "path.post_id": posts, "body.parent_id": posts, "body.quote_id": posts,
        "path.plan_id": [plan_id], "path.review_id": [review_id],
    }
    return {"tokens": tokens, "users": {"learner": learner.id, "instructor": instructor.id}, "known": known}


def _config(path: Path, known: dict[str, list[Any]]) -> Path:
    """The run's schemathesis.toml: the dataset's ids as dictionaries, and the per-operation
    allowances of ``BODY_DEPENDS_ON_THE_RESOURCE``."""
    lines = []
    for name, values in known.items():
        lines += [f'[dictionaries."{name}"]', f"values = {json.dumps(values)}"]
    lines.append("[parameters]")
    lines += [f'"{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in known]
    for operation_path in BODY_DEPENDS_ON_THE_RESOURCE:
        lines += ["[[operations]]", f'include-path = "{operation_path}"',
                  "checks.positive_data_acceptance.expected-statuses = "
                  '["2xx", "400", "401", "403", "404", "409", "429"]']
    path.write_text("\n".join(lines) + "\n")
    return path


def _fuzz(site: str, config: Path, phases: str, examples: int, token: str | None, fresh_token) -> tuple[int, str]:
    """One ``schemathesis run`` against the live server; the exit code and the report."""
    from schemathesis import auths

    if token is not None:

        @schemathesis.auth(refresh_interval=None)
        class RoleToken:
            """The role's token; ``DELETE /auth/token`` revokes a fresh one of its own each time, so
            the fuzzer never signs the role out in the middle of the run."""

            def get(self, case, context):
                return fresh_token() if (case.method, case.path) == ("DELETE", "/auth/token") else token

            def set(self, case, data, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    excluded = ["--exclude-checks", ",".join(EXCLUDED_CHECKS)] if EXCLUDED_CHECKS else []
    try:
        result = CliRunner().invoke(schemathesis_cli, [
            "--config-file", str(config), "run", f"{site}/api/v1/openapi.json",
            "--checks", "all", *excluded, "--phases", phases, "--max-examples", str(examples),
            "--seed", str(SEED), "--generation-database", "none", "--workers", "1", "--no-color",
            "--max-failures", "20", "--request-timeout", "30",
            # How fast cases are generated says nothing about the API, and on a busy machine it fails.
            "--suppress-health-check", "too_slow",
        ])
    finally:
        auths.unregister()
    return result.exit_code, result.output


@pytest.mark.parametrize("role", ["learner", "instructor", "anonymous"])
def test_the_api_keeps_its_contract(app, db, site, dataset, tmp_path, monkeypatch, role):
    from elearn.auth.sessions import issue_token
    from elearn.db import get_database

    def fresh_token() -> str:
        with app.app_context(), get_database(app).session() as session:
            secret, _row = issue_token(session, session.get(User, dataset["users"][role]))
            session.commit()
        return secret

    monkeypatch.chdir(tmp_path)  # schemathesis keeps a cache in the working directory
    config = _config(tmp_path / "schemathesis.toml", dataset["known"])
    phases, examples = os.environ["ELEARN_FUZZ_PLAN"].split(":") if "ELEARN_FUZZ_PLAN" in os.environ else PLAN[role]
    code, report = _fuzz(site, config, phases, int(examples), dataset["tokens"].get(role), fresh_token)
    print(report)
    assert code == 0, report


def test_the_document_is_valid_openapi_3_1(app):
    with app.app_context():
        document = openapi_document(app)
    validate(document)  # raises on anything OpenAPI 3.1 (and its JSON Schema dialect) does not allow
    assert document["openapi"] == "3.1.0"
