"""The built-in ``page`` lesson type: Markdown in, safe HTML out, completed when marked as read."""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

import pytest
from elearn_page.lesson import PageLesson

from elearn.models import LessonProgress, Status
from elearn.packs.files import FolderFiles
from elearn.packs.manifest import PackInvalid, load_pack
from elearn.plugins.lesson_type import ContentInvalid
from elearn.testing import csrf_token

HOSTILE = dedent(
    """\
    # Luật Hợp tác xã

    Hợp tác xã là **tổ chức kinh tế tập thể**.

    - tự nguyện
    - dân chủ

    | Quỹ | Tỷ lệ |
    |-----|-------|
    | Đầu tư phát triển | 20 % |

    [Văn bản luật](https://vanban.chinhphu.vn/luat-htx)

    <script>alert("raw script")</script>

    <img src="x.png" onerror="alert('raw img')">

    <b onclick="alert('raw b')">raw bold</b>

    [click me](javascript:alert('link'))

    [or me](JaVaScRiPt:alert('mixed case'))

    ![pixel](javascript:alert('image'))

    [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
    """
)

EXPECTED_TAGS = {"h1", "p", "strong", "ul", "li", "div", "table", "thead", "tbody", "tr", "th", "td", "a"}


def body_of(html: str) -> str:
    found = re.search(r'<div class="page-text"[^>]*>(.*?)</div>\s*(?:<p class="notice|<form|</article>)', html, re.S)
    assert found, "no page text on the lesson page"
    return found.group(1)


@pytest.fixture
def reader(db, learner, enrol, login, client):
    """The learner, English-speaking, enrolled in the lesson's course and logged in."""

    def open_lesson(lesson):
        learner.locale = "en"
        db.commit()
        enrol(learner, lesson.course)
        login(client, learner)
        return client.get(f"/lessons/{lesson.id}")

    return open_lesson


def progress_of(app, user, lesson) -> LessonProgress | None:
    from sqlalchemy import select

    from elearn.db import get_database

    with get_database(app).session() as session:
        return session.scalar(
            select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        )


# -- rendering --------------------------------------------------------------------------


def test_markdown_is_rendered_and_nothing_in_it_can_run(make_lesson, reader, client, api_token, learner, app):
    lesson = make_lesson("page", {"text": HOSTILE})
    page = reader(lesson)
    assert page.status_code == 200
    body = body_of(page.get_data(as_text=True))

    # What the author meant is there...
    assert "<h1>Luật Hợp tác xã</h1>" in body
    assert "<strong>tổ chức kinh tế tập thể</strong>" in body
    assert "<li>tự nguyện</li>" in body
    assert "<td>Đầu tư phát triển</td>" in body
    # A wide table scrolls inside its own focusable, labelled region on a phone.
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Quỹ, Tỷ lệ"><table>' in body
    assert '<a href="https://vanban.chinhphu.vn/luat-htx" rel="noopener noreferrer nofollow">Văn bản luật</a>' in body

    # ...and raw HTML is shown as text, never as markup.
    assert "&lt;script&gt;" in body and "&lt;b onclick=" in body
    tags = re.findall(r"<\s*([a-zA-Z0-9]+)([^>]*)>", body)
    assert {name.lower() for name, _attrs in tags} <= EXPECTED_TAGS
    attributes = " ".join(attrs for _name, attrs in tags)
    assert "onerror" not in attributes and "onclick" not in attributes
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', attributes)
    assert hrefs == ["https://vanban.chinhphu.vn/luat-htx"], "only the http(s) link survives as a link"

    # The API hands out the same sanitised HTML.
    view = client.get(f"/api/v1/lessons/{lesson.id}", headers={"Authorization": f"Bearer {api_token(learner)}"})
    assert view.get_json()["view"]["html"] == lesson.content["html"]
    assert "<script" not in view.get_json()["view"]["html"]


def test_the_markdown_is_rendered_once_when_imported():
    stored = PageLesson().import_content({"text": "*một* <i>hai</i>"}, FolderFiles(Path(".")))
    assert stored == {"markdown": "*một* <i>hai</i>", "html": "<p><em>một</em> &lt;i&gt;hai&lt;/i&gt;</p>\n"}


# -- import errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        ({}, [": give either 'text' or 'file'"]),
        ({"text": "a", "file": "a.md"}, [": give either 'text' or 'file'"]),
        ({"text": "a", "colour": "red", "author": "An"}, ["author: unknown field", "colour: unknown field"]),
        ({"texte": "typo"}, ["texte: unknown field", ": give either 'text' or 'file'"]),
        ({"text": ["not", "text"]}, ["text: must be Markdown text"]),
        ({"file": 42}, ["file: must be a path inside the pack"]),
        ({"file": "lessons/none.md"}, ["file: 'lessons/none.md' file not found in the pack"]),
        ({"file": "../secret.md"}, ["file: '../secret.md' must be a relative path inside the pack"]),
        ({"text": "x" * 200_001}, ["text: longer than 200000 characters"]),
    ],
)
def test_import_reports_every_content_error_with_its_field(tmp_path, content, errors):
    (tmp_path / "secret.md").write_text("outside")
    pack = tmp_path / "pack"
    pack.mkdir()
    with pytest.raises(ContentInvalid) as caught:
        PageLesson().import_content(content, FolderFiles(pack))
    assert [f"{e.where}: {e.message}" for e in caught.value.errors] == errors


def test_a_file_in_the_pack_is_read_and_rendered(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "a.md").write_text("## Đại hội\n", encoding="utf-8")
    stored = PageLesson().import_content({"file": "lessons/a.md"}, FolderFiles(tmp_path))
    assert stored["html"] == "<h2>Đại hội</h2>\n"


def test_import_errors_reach_the_pack_author_with_the_lesson_path(tmp_path):
    (tmp_path / "pack.yaml").write_text(
        dedent(
            """\
            id: trang
            version: 1.0.0
            title: {vi: Trang}
            course:
              modules:
                - id: m1
                  title: {vi: Phần 1}
                  lessons:
                    - {id: a, type: page, title: {vi: A}, content: {}}
                    - {id: b, type: page, title: {vi: B}, content: {text: ok, extra: 1}}
                    - {id: c, type: page, title: {vi: C}, content: {file: nowhere.md}}
            """
        )
    )
    with pytest.raises(PackInvalid) as caught:
        load_pack(tmp_path, {"page": PageLesson()})
    where = "pack.yaml: course.modules[0].lessons"
    assert [str(e) for e in caught.value.errors] == [
        f"{where}[0].content: give either 'text' or 'file'",
        f"{where}[1].content.extra: unknown field",
        f"{where}[2].content.file: 'nowhere.md' file not found in the pack",
    ]


# -- marking as read --------------------------------------------------------------------


def test_marking_as_read_completes_the_lesson(app, make_course, reader, client, learner, api_token):
    course = make_course([("page", {"text": "Một"}), ("page", {"text": "Hai"})])
    first, second = course.modules[0].lessons
    page = reader(first)
    assert "I have read this page" in page.get_data(as_text=True)
    assert progress_of(app, learner, first) is None

    sent = client.post(
        f"/lessons/{first.id}/submit", data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{first.id}")}
    )
    assert sent.status_code == 303
    after = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Marked as read." in after
    assert "You have read this page." in after
    assert "I have read this page" not in after
    done = progress_of(app, learner, first)
    assert (done.status, done.attempts) == (Status.COMPLETED, 1)
    assert done.completed_at is not None

    # Marking it again through the API keeps it completed and is not a new attempt.
    auth = {"Authorization": f"Bearer {api_token(learner)}"}
    again = client.post(f"/api/v1/lessons/{first.id}/submissions", json={"read": True}, headers=auth)
    assert again.status_code == 201
    assert again.get_json()["progress"]["status"] == "completed"
    assert progress_of(app, learner, first).attempts == 1

    # The last page completes the course.
    last = client.post(
        f"/lessons/{second.id}/submit", data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{second.id}")}
    )
    assert "Congratulations! You have completed the course." in client.get(last.headers["Location"]).get_data(
        as_text=True
    )


@pytest.mark.parametrize("body", [{"read": False}, {"read": "yes"}, {}, {"read": True, "extra": 1}])
def test_only_read_true_marks_a_page(app, make_lesson, enrol, learner, client, api_token, body):
    lesson = make_lesson("page", {"text": "Một"})
    enrol(learner, lesson.course)
    refused = client.post(
        f"/api/v1/lessons/{lesson.id}/submissions", json=body, headers={"Authorization": f"Bearer {api_token(learner)}"}
    )
    assert refused.status_code == 400
    assert '{"read": true}' in refused.get_json()["error"]["message"]
    assert progress_of(app, learner, lesson) is None


def test_an_unticked_form_does_not_mark_the_page(app, make_lesson, reader, client, learner):
    lesson = make_lesson("page", {"text": "Một"})
    reader(lesson)
    refused = client.post(
        f"/lessons/{lesson.id}/submit", data={"csrf_token": csrf_token(client, f"/lessons/{lesson.id}")}
    )
    assert refused.status_code == 400
    assert progress_of(app, learner, lesson) is None
