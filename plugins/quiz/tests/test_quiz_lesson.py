"""The quiz lesson type: content checking, storage of questions, and the HTML flow without JavaScript."""

from __future__ import annotations

import re

import pytest
from elearn_quiz.lesson import QuizLesson, question_from_json, question_to_json
from elearn_quiz.models import QuizAnswerStep, QuizAttempt
from elearn_quiz.questions import parse_question
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from elearn.models import LessonProgress, Status
from elearn.packs.localise import import_lesson
from elearn.plugins.lesson_type import ContentError, ContentInvalid
from elearn.testing import csrf_token

QUIZ = QuizLesson()

ALL_TYPES = [
    {"id": "s", "type": "single", "stem": "Một?", "feedback": "Chung",
     "choices": [{"text": "A", "correct": True, "feedback": "Đúng A"}, {"text": "B"}]},
    {"id": "m", "type": "multiple", "stem": "Nhiều?",
     "choices": [{"text": "A", "fraction": 0.5}, {"text": "B", "fraction": 0.5}, {"text": "C", "fraction": -1}]},
    {"id": "t", "type": "truefalse", "stem": "Đúng không?", "correct": False, "feedback_true": "Không"},
    {"id": "sh", "type": "short", "stem": "Viết tắt?", "answers": ["HTX", {"text": "hợp tác", "fraction": 0.5}]},
    {"id": "n", "type": "numerical", "stem": "Bao nhiêu?", "answer": 20, "tolerance": 0.5},
    {"id": "ma", "type": "matching", "stem": "Ghép",
     "pairs": [{"prompt": "Một", "answer": "1"}, {"prompt": "Hai", "answer": "2"}]},
    {"id": "o", "type": "ordering", "stem": "Sắp xếp", "items": ["Đầu", "Giữa", "Cuối"]},
    {"id": "e", "type": "essay", "stem": "Viết một đoạn"},
]


class Files:
    """Pack files held in memory."""

    def __init__(self, **texts: str) -> None:
        self.texts = texts

    def read_text(self, path: str) -> str:
        if path not in self.texts:
            raise ContentInvalid([ContentError(path, "file not found")])
        return self.texts[path]

    def media_url(self, path: str) -> str:
        return f"/media/packs/test/1/{path}"


def wheres(caught) -> set[str]:
    return {e.where for e in caught.value.errors}


def test_plugin_is_loaded(app):
    registry = app.extensions["elearn_plugins"]
    assert registry.plugins["quiz"].lesson_types == ["quiz"]
    assert "quiz" not in registry.failed


def test_example_content_imports():
    stored, translations = import_lesson(QUIZ, QUIZ.example_content(), Files(), ["vi", "en"])
    assert [q["id"] for q in stored["questions"]] == ["q1", "q2"]
    assert stored["settings"]["attempts_allowed"] == 3
    assert stored["settings"]["grading_method"] == "highest"
    assert [q["id"] for q in translations["en"]["questions"]] == ["q1", "q2"]
    assert "One vote" in translations["en"]["questions"][0]["choices"][0]["html"]


@pytest.mark.parametrize("data", ALL_TYPES, ids=[q["type"] for q in ALL_TYPES])
def test_questions_survive_the_json_round_trip(data):
    import json

    question = parse_question(data, "q")
    stored = json.loads(json.dumps(question_to_json(question)))
    assert question_from_json(stored) == question


def test_every_error_is_reported_with_its_field_path():
    raw = {
        "questions": [
            {"id": "a", "type": "truefalse", "stem": "?", "correct": True},
            {"id": "a", "type": "truefalse", "stem": "?", "correct": True},
            {"id": "c", "type": "bogus", "stem": "?"},
            {"id": "d", "type": "single", "stem": "?", "choices": [{"text": "x"}, {"text": "y"}]},
        ],
        "settings": {
            "pass_mark": 2, "attempts_allowed": -1, "grading_method": "best", "review": "sometimes",
            "completion": "done", "shuffle_questions": "yes", "time_limit_minutes": 1.5, "colour": "red",
            "draw": {"count": 9, "tags": ["luat"]},
        },
        "extra": 1,
    }
    with pytest.raises(ContentInvalid) as caught:
        QUIZ.import_content(raw, Files())
    found = wheres(caught)
    assert {"extra", "questions[3].choices", "questions[2].type", "questions[1].id"} <= found
    assert {f"settings.{k}" for k in ("pass_mark", "attempts_allowed", "grading_method", "review", "completion",
                                      "shuffle_questions", "time_limit_minutes", "colour")} <= found


def test_draw_needs_a_large_enough_pool():
    questions = [
        {"id": f"q{i}", "type": "truefalse", "stem": f"Câu {i}", "correct": True, "tags": ["luat"] if i < 2 else []}
        for i in range(4)
    ]
    with pytest.raises(ContentInvalid) as caught:
        QUIZ.import_content({"questions": questions, "settings": {"draw": {"count": 3, "tags": ["luat"]}}}, Files())
    assert wheres(caught) == {"settings.draw.count"}
    stored = QUIZ.import_content({"questions": questions, "settings": {"draw": {"count": 2, "tags": ["luat"]}}},
                                 Files())
    assert stored["settings"]["draw"] == {"count": 2, "tags": ["luat"]}


def test_exactly_one_source_of_questions():
    with pytest.raises(ContentInvalid) as caught:
        QUIZ.import_content({"questions": ALL_TYPES[:1], "gift": "q.gift"}, Files())
    assert "" in wheres(caught)
    with pytest.raises(ContentInvalid) as caught:
        QUIZ.import_content({}, Files())
    assert "" in wheres(caught)


def test_questions_from_a_gift_file_and_a_missing_file():
    gift = "::g1:: Hợp tác xã có tư cách pháp nhân không? {T}\n\n::g2:: Số thành viên tối thiểu? {#5}\n"
    stored = QUIZ.import_content({"gift": "cau-hoi.gift"}, Files(**{"cau-hoi.gift": gift}))
    assert len(stored["questions"]) == 2
    assert {q["type"] for q in stored["questions"]} == {"truefalse", "numerical"}
    with pytest.raises(ContentInvalid) as caught:
        QUIZ.import_content({"gift": "khong-co.gift"}, Files())
    assert wheres(caught) == {"gift"}


def test_questions_from_an_aiken_file():
    aiken = "Cơ quan cao nhất của hợp tác xã?\nA. Hội đồng quản trị\nB. Đại hội thành viên\nANSWER: B\n"
    stored = QUIZ.import_content({"aiken": "cau-hoi.txt"}, Files(**{"cau-hoi.txt": aiken}))
    assert [q["type"] for q in stored["questions"]] == ["single"]


def test_import_is_deterministic():
    raw = {"questions": ALL_TYPES, "settings": {"shuffle_options": True}}
    assert QUIZ.import_content(raw, Files()) == QUIZ.import_content(raw, Files())


def test_parse_form_maps_fields_to_the_json_shape():
    form = MultiDict(
        [("csrf_token", "x"), ("action", "save"), ("seq", "3"), ("attempt", "1"), ("q.s", "c1"), ("q.sh", "  "),
         ("qm.m", ""), ("qm.m", "c2"), ("qm.m", "c3"), ("qp.ma.p1", "m1"), ("qp.ma.p2", ""),
         ("qo.o.i2", "1"), ("qo.o.i1", "3"), ("qo.o.i3", "2")]
    )
    assert QUIZ.parse_form(form) == {
        "action": "save",
        "seq": 3,
        "attempt": 1,
        "answers": {"s": "c1", "m": ["c2", "c3"], "ma": {"p1": "m1"}, "o": ["i2", "i3", "i1"]},
    }
    assert QUIZ.parse_form(MultiDict([("action", "start")])) == {"action": "start"}
    assert QUIZ.parse_form(MultiDict([("action", "save"), ("autosave", "1")])) == {
        "action": "save", "answers": {}, "quiet": True
    }


# -- the HTML flow -------------------------------------------------------------------------


CONTENT = {
    "intro": "Bài kiểm tra về **Luật Hợp tác xã**.",
    "questions": [
        {"id": "q1", "type": "single", "stem": "Mỗi thành viên có mấy phiếu?",
         "choices": [{"text": "Một phiếu", "correct": True, "feedback": "Một người, một phiếu."},
                     {"text": "Theo vốn góp", "feedback": "Không theo vốn góp."}]},
        {"id": "q2", "type": "short", "stem": "Viết tắt của hợp tác xã?", "answers": ["HTX"],
         "feedback": "HTX là viết tắt."},
    ],
    "settings": {"pass_mark": 0.5, "attempts_allowed": 2, "review": "after_attempt"},
}


def post(client, lesson, **fields):
    token = csrf_token(client, f"/lessons/{lesson.id}")
    return client.post(f"/lessons/{lesson.id}/submit", data={"csrf_token": token, **fields})


def choice_id(page: str, text: str) -> str:
    found = re.search(r'name="q\.q1" value="([^"]+)"\s*(?:checked)?>\s*<p>' + re.escape(text), page)
    assert found, page
    return found.group(1)


def test_the_whole_quiz_works_without_javascript(app, db, make_lesson, learner, enrol, login, client):
    lesson = make_lesson("quiz", CONTENT)
    enrol(learner, lesson.course)
    login(client, learner)
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Luật Hợp tác xã" in page and 'value="start"' in page
    assert "quiz.js" in page and "<script>" not in page

    assert post(client, lesson, action="start").status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Mỗi thành viên có mấy phiếu?" in page and 'name="seq" value="1"' in page
    right = choice_id(page, "Một phiếu")

    autosaved = post(client, lesson, action="save", seq="1", attempt="1", autosave="1", **{"q.q1": right})
    assert autosaved.status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert f'value="{right}"\n              checked' in page or f'value="{right}" checked' in re.sub(r"\s+", " ", page)
    assert 'name="seq" value="2"' in page
    assert "Các câu trả lời của bạn đã được lưu." not in page  # an autosave flashes nothing

    done = post(client, lesson, action="submit", seq="2", attempt="1", **{"q.q2": "htx"})
    assert done.status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Một người, một phiếu." in page and "HTX là viết tắt." in page  # review after the attempt
    assert "100%" in page
    db.expire_all()
    progress = db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert (progress.status, progress.score, progress.attempts) == (Status.COMPLETED, 1.0, 1)
    attempt = db.scalar(select(QuizAttempt).where(QuizAttempt.lesson_id == lesson.id))
    assert (attempt.state, attempt.open_key, attempt.marks, attempt.max_marks) == ("finished", None, 2.0, 2.0)
    steps = db.scalars(select(QuizAnswerStep).where(QuizAnswerStep.attempt_id == attempt.id)).all()
    assert sorted((s.question_id, s.seq) for s in steps) == [("q1", 1), ("q2", 2)]
    assert post(client, lesson, action="save", seq="3", attempt="1", **{"q.q2": "x"}).status_code == 409


def test_staff_preview_shows_the_quiz_but_no_form(app, make_lesson, admin, login, client):
    lesson = make_lesson("quiz", CONTENT)
    login(client, admin)
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Luật Hợp tác xã" in page and 'value="start"' not in page


def test_static_files_are_served(app, client):
    for name in ("quiz.js", "quiz.css"):
        with client.get(f"/static/x/quiz/{name}") as served:
            assert served.status_code == 200


def test_matching_and_ordering_through_the_form(app, db, make_lesson, learner, enrol, login, client, api_token):
    content = {"questions": [q for q in ALL_TYPES if q["type"] in ("matching", "ordering")]}
    lesson = make_lesson("quiz", content)
    enrol(learner, lesson.course)
    login(client, learner)
    assert post(client, lesson, action="start").status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    view = client.get(f"/api/v1/lessons/{lesson.id}",
                      headers={"Authorization": f"Bearer {api_token(learner)}"}).get_json()["view"]
    questions = {q["id"]: q for q in view["attempt"]["questions"]}
    fields = {"action": "submit", "seq": "1", "attempt": "1"}
    answer_of = {a["html"].strip(): a["id"] for a in questions["ma"]["answers"]}
    for prompt in questions["ma"]["prompts"]:
        name = f"qp.ma.{prompt['id']}"
        assert f'name="{name}"' in page
        fields[name] = answer_of["<p>1</p>" if "Một" in prompt["html"] else "<p>2</p>"]
    authored = ["<p>Đầu</p>", "<p>Giữa</p>", "<p>Cuối</p>"]
    for item in questions["o"]["items"]:
        name = f"qo.o.{item['id']}"
        assert f'name="{name}"' in page
        fields[name] = str(authored.index(item["html"].strip()) + 1)
    assert post(client, lesson, **fields).status_code == 303
    db.expire_all()
    attempt = db.scalar(select(QuizAttempt).where(QuizAttempt.lesson_id == lesson.id))
    assert attempt.fraction == 1.0
    assert {qid: r["state"] for qid, r in attempt.result["questions"].items()} == {"ma": "correct", "o": "correct"}


MOODLE_GIFT = """\
$CATEGORY: $course$/top/Quản trị

::ghep:: Ghép cơ quan với vai trò. {
  =Đại hội thành viên -> Quyết định cao nhất
  =Ban kiểm soát -> Giám sát
  = -> Bán tài sản không chia
}

::viet-tat:: Viết tắt của Hội đồng quản trị? {=HĐQT =%0%*#Chưa đúng: viết là HĐQT.}

::so:: Hợp tác xã có ít nhất bao nhiêu thành viên? {#5~#Ít nhất 05 thành viên.}
"""


def test_a_moodle_gift_quiz_through_the_form(app, db, make_lesson, learner, enrol, login, client, api_token):
    """Stored in the database and taken as a learner: the distractor is offered, wrong answers get Moodle's feedback."""
    lesson = make_lesson("quiz", CONTENT)
    lesson.content = QUIZ.import_content({"gift": "q.gift"}, Files(**{"q.gift": MOODLE_GIFT}))
    db.commit()
    enrol(learner, lesson.course)
    login(client, learner)
    assert post(client, lesson, action="start").status_code == 303
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    view = client.get(f"/api/v1/lessons/{lesson.id}",
                      headers={"Authorization": f"Bearer {api_token(learner)}"}).get_json()["view"]
    matching = next(q for q in view["attempt"]["questions"] if q["id"] == "ghep")
    answer_of = {a["html"].strip(): a["id"] for a in matching["answers"]}
    assert set(answer_of) == {"<p>Quyết định cao nhất</p>", "<p>Giám sát</p>", "<p>Bán tài sản không chia</p>"}
    assert page.count(f'value="{answer_of["<p>Bán tài sản không chia</p>"]}"') == 2  # offered for both prompts
    fields = {"action": "submit", "seq": "1", "attempt": "1", "q.viet-tat": "BKS", "q.so": "3"}
    for prompt in matching["prompts"]:
        right = "<p>Quyết định cao nhất</p>" if "Đại hội" in prompt["html"] else "<p>Bán tài sản không chia</p>"
        fields[f"qp.ghep.{prompt['id']}"] = answer_of[right]
    assert post(client, lesson, **fields).status_code == 303
    db.expire_all()
    attempt = db.scalar(select(QuizAttempt).where(QuizAttempt.lesson_id == lesson.id))
    assert {qid: r["state"] for qid, r in attempt.result["questions"].items()} == {
        "ghep": "partial", "viet-tat": "wrong", "so": "wrong",
    }
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Chưa đúng: viết là HĐQT." in page and "Ít nhất 05 thành viên." in page


def test_pack_validate_names_the_file_and_line_of_an_unsupported_gift_question(tmp_path):
    import json

    from click.testing import CliRunner

    from elearn.cli import main
    from elearn.testing import FAST_HASH

    pack = tmp_path / "pack"
    (pack / "cau-hoi").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: gift-moodle\nversion: 1.0.0\ntitle: {vi: Câu hỏi Moodle}\ncourse:\n  modules:\n    - id: m1\n"
        "      title: {vi: Phần 1}\n      lessons:\n        - id: kiem-tra\n          type: quiz\n"
        "          title: {vi: Kiểm tra}\n          content:\n            gift: cau-hoi/moodle.gift\n",
        encoding="utf-8",
    )
    (pack / "cau-hoi" / "moodle.gift").write_bytes(
        "\ufeff// Moodle\r\n\r\n::a:: Ghép {=a -> 1 = -> 3 =b -> 2}\r\n\r\n::b:: Câu {=x ~%-50%y}\r\n".encode()
    )
    env = {"ELEARN_INSTANCE_PATH": str(tmp_path / "instance"), "ELEARN_DATABASE_URL": "sqlite://",
           "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH)}
    result = CliRunner().invoke(main, ["pack", "validate", str(pack)], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "error: pack.yaml: course.modules[0].lessons[0].content.gift: cau-hoi/moodle.gift:5: "
        "negative weights need a multiple-choice question (only '~' answers)"
    )
    assert "1 error(s)" in result.stderr  # the matching question with a distractor is fine
