"""The question bank: the YAML inline format and the learner-safe view."""

from __future__ import annotations

import json

import pytest
from elearn_quiz.questions import (
    QUESTION_TYPES,
    Question,
    learner_safe,
    parse_number,
    parse_question,
)

from elearn.plugins.lesson_type import ContentError, ContentInvalid

SECRET = "BIMAT"  # planted in every answer, fraction-bearing field and feedback

EXAMPLES = {
    "single": {
        "type": "single",
        "stem": "Hợp tác xã là gì?",
        "choices": [
            {"text": "Tổ chức kinh tế tập thể", "correct": True, "feedback": f"Đúng {SECRET}"},
            {"text": "Doanh nghiệp tư nhân", "feedback": f"Sai {SECRET}"},
            {"text": "Cơ quan nhà nước", "fraction": 0.25},
        ],
    },
    "multiple": {
        "type": "multiple",
        "stem": "Nguyên tắc nào?",
        "choices": [
            {"text": "Tự nguyện", "fraction": 0.5, "feedback": SECRET},
            {"text": "Dân chủ", "fraction": 0.5},
            {"text": "Lợi nhuận", "fraction": -1, "feedback": SECRET},
        ],
    },
    "truefalse": {
        "type": "truefalse",
        "stem": "HTX có tư cách pháp nhân.",
        "correct": True,
        "feedback_true": SECRET,
        "feedback_false": SECRET,
    },
    "short": {"type": "short", "stem": "Viết tắt?", "answers": [SECRET, {"text": "htxvn", "feedback": SECRET}]},
    "numerical": {"type": "numerical", "stem": "Bao nhiêu?", "answers": [{"value": 987654, "tolerance": 13579}]},
    "matching": {
        "type": "matching",
        "stem": "Ghép",
        "pairs": [{"prompt": "Đại hội", "answer": "Quyết định"}, {"prompt": "Ban kiểm soát", "answer": "Giám sát"}],
    },
    "ordering": {"type": "ordering", "stem": "Sắp xếp", "items": ["Một", "Hai", "Ba", "Bốn"]},
    "essay": {"type": "essay", "stem": "Trình bày."},
}


def make(type_: str, **extra) -> Question:
    data = {"id": f"q-{type_}", "feedback": f"chung {SECRET}", **EXAMPLES[type_], **extra}
    return parse_question(data, "content.questions[0]")


def errors_of(data, where="q") -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        parse_question(data, where)
    return [str(e) for e in info.value.errors]


def test_every_type_has_an_example():
    assert set(EXAMPLES) == set(QUESTION_TYPES)
    for type_ in QUESTION_TYPES:
        assert make(type_).type == type_


def test_single_choice_is_parsed_and_rendered():
    q = make("single")
    assert q.id == "q-single"
    assert q.stem_html == "<p>Hợp tác xã là gì?</p>\n"
    assert [c.fraction for c in q.choices] == [1.0, 0.0, 0.25]
    assert q.choices[0].feedback_html == f"<p>Đúng {SECRET}</p>\n"
    assert q.general_feedback_html == f"<p>chung {SECRET}</p>\n"
    assert q.points == 1.0 and q.options.partial_credit


def test_choice_ids_depend_on_content_not_position():
    q = make("single")
    reordered = dict(EXAMPLES["single"], choices=list(reversed(EXAMPLES["single"]["choices"])))
    q2 = parse_question({"id": "x", **reordered}, "q")
    assert {c.id: c.html for c in q.choices} == {c.id: c.html for c in q2.choices}
    assert all(c.id.startswith("c") and len(c.id) == 11 for c in q.choices)


def test_duplicate_choice_texts_get_distinct_ids():
    q = parse_question(
        {"id": "d", "type": "single", "stem": "s", "choices": [{"text": "A", "correct": True}, {"text": "A"}]}, "q"
    )
    assert len({c.id for c in q.choices}) == 2


def test_markdown_is_sanitised_and_urls_resolved():
    q = parse_question(
        {"id": "m", "type": "essay", "stem": "![sơ đồ](media/a.png) <script>x</script> [x](javascript:alert(1))"},
        "q",
        resolve_url=lambda path: f"/media/packs/p/1/{path}",
    )
    assert 'src="/media/packs/p/1/media/a.png"' in q.stem_html
    assert "<script>" not in q.stem_html and 'href="javascript' not in q.stem_html


def test_resolve_url_errors_are_reported_at_the_field():
    def missing(path):
        raise ContentInvalid([ContentError("", "file not found")])

    assert parse_question({"id": "m", "type": "essay", "stem": "![a](nope.png)"}, "q").stem_html  # no resolver
    with pytest.raises(ContentInvalid) as info:
        parse_question({"id": "m", "type": "essay", "stem": "x\n\n![a](nope.png)"}, "c.q[1]", resolve_url=missing)
    assert [str(e) for e in info.value.errors] == ["c.q[1].stem: line 3: 'nope.png' file not found"]


def test_every_error_is_reported_with_its_path():
    msgs = errors_of(
        {
            "type": "multiple",
            "stem": "",
            "points": 0,
            "tags": [1],
            "options": {"partial_credit": "yes", "shuffle": True},
            "choices": [{"text": "a", "fraction": 2}, {"text": "", "colour": "red"}, "c"],
            "extra": 1,
        },
        "content.questions[3]",
    )
    p = "content.questions[3]"
    KNOWN_OPTIONS = "case_sensitive, ignore_diacritics, partial_credit, penalty_wrong"
    assert msgs == [
        f"{p}.extra: unknown field for a multiple question",
        f"{p}.id: required",
        f"{p}.stem: must not be empty",
        f"{p}.points: must be a number above 0 (at most 1000)",
        f"{p}.tags: must be a list of texts",
        f"{p}.options.partial_credit: must be true or false",
        f"{p}.options.shuffle: unknown option (known: {KNOWN_OPTIONS})",
        f"{p}.choices[0].fraction: must be a number from -1 to 1",
        f"{p}.choices[1].colour: unknown field",
        f"{p}.choices[1].text: must not be empty",
        f"{p}.choices[2]: must be a mapping {{text, correct or fraction, feedback}}",
        f"{p}.choices: the positive fractions must add up to at least 1",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id": "a", "type": "quiz", "stem": "s"}, "q.type: must be one of"),
        ({"id": "a", "type": "single", "stem": "s", "choices": [{"text": "a"}, {"text": "b"}]}, "one choice must be"),
        ({"id": "a", "type": "single", "stem": "s", "choices": [{"text": "a", "correct": True}]}, "at least 2"),
        (
            {"id": "a", "type": "single", "stem": "s", "choices": [{"text": "a", "fraction": -0.5}, {"text": "b"}]},
            "from 0 to 1",
        ),
        ({"id": "a", "type": "truefalse", "stem": "s", "correct": "yes"}, "q.correct: must be true or false"),
        ({"id": "a", "type": "short", "stem": "s", "answers": []}, "q.answers: must be a non-empty list"),
        ({"id": "a", "type": "short", "stem": "s", "answers": [{"text": "x", "fraction": 0.5}]}, "fully right"),
        ({"id": "a", "type": "numerical", "stem": "s", "answer": "abc"}, "q.answer: must be a number"),
        ({"id": "a", "type": "numerical", "stem": "s", "answer": 1, "tolerance": -1}, "must not be negative"),
        ({"id": "a", "type": "numerical", "stem": "s", "answers": [{"min": 5, "max": 1}]}, "must not be above max"),
        ({"id": "a", "type": "numerical", "stem": "s", "tolerance": 1, "answers": [1]}, "only goes with 'answer'"),
        ({"id": "a", "type": "matching", "stem": "s", "pairs": [{"prompt": "a", "answer": "b"}]}, "at least 2"),
        ({"id": "a", "type": "ordering", "stem": "s", "items": ["x"]}, "at least 2 items"),
        ({"id": "a", "type": "ordering", "stem": "s", "items": ["x", ""]}, "q.items[1]: must not be empty"),
        ({"id": "", "type": "essay", "stem": "s"}, "q.id: must be a non-empty text"),
        ({"id": "a", "type": "essay", "stem": ["s"]}, "q.stem: must be Markdown text"),
        ({"id": "a", "type": "essay", "stem": "s", "choices": []}, "q.choices: unknown field for a essay question"),
    ],
)
def test_invalid_questions(data, expected):
    assert any(expected in m for m in errors_of(data)), errors_of(data)


def test_not_a_mapping():
    assert errors_of(["x"], "w") == ["w: a question must be a mapping"]


def test_default_id_and_options_and_numerical_forms():
    q = parse_question(
        {
            "type": "numerical",
            "stem": "s",
            "answers": ["1,5", {"min": 10, "max": 20, "fraction": 0.5}],
            "points": 2,
            "tags": "luat",
            "options": {"partial_credit": False},
        },
        "q",
        default_id="auto-1",
    )
    assert q.id == "auto-1" and q.points == 2.0 and q.tags == ("luat",) and not q.options.partial_credit
    assert [(a.value, a.tolerance, a.fraction) for a in q.answers] == [(1.5, 0.0, 1.0), (15.0, 5.0, 0.5)]
    q = parse_question({"id": 7, "type": "numerical", "stem": "s", "answer": 20, "tolerance": 0.5}, "q")
    assert q.id == "7" and q.answers[0].value == 20 and q.answers[0].tolerance == 0.5


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.5", "1.5"), ("1,5", "1.5"), (" -2 ", "-2"), ("+3", "3"), ("1e3", "1E+3"), (".5", "0.5"), ("2.", "2")],
)
def test_parse_number_accepts(text, value):
    assert str(parse_number(text)) == value


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1.000,5", "1 000", "1/2", "__import__('os')", "nan", "inf", "0x10", "1e", "--1", "1e99999", "٣"],
)
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize("type_", QUESTION_TYPES)
@pytest.mark.parametrize("seed", [None, 1, "attempt-42"])
def test_learner_safe_never_leaks(type_, seed):
    q = make(type_)
    view = learner_safe(q, shuffle_seed=seed)
    dumped = json.dumps(view, ensure_ascii=False)
    assert SECRET not in dumped
    for word in ("fraction", "feedback", "correct", "tolerance", "answer_html", "987654", "13579", "htxvn"):
        assert word not in dumped.lower(), word
    assert view["id"] == q.id and view["type"] == type_ and view["stem_html"] == q.stem_html


def test_learner_safe_shapes():
    q = make("single")
    assert learner_safe(q)["choices"] == [{"id": c.id, "html": c.html} for c in q.choices]
    shuffled = {str(s): [c["id"] for c in learner_safe(q, s)["choices"]] for s in range(20)}
    assert len({tuple(v) for v in shuffled.values()}) > 1  # the seed changes the order
    assert learner_safe(q, 5) == learner_safe(q, 5)  # ...deterministically
    assert sorted(shuffled["0"]) == sorted(c.id for c in q.choices)

    m = make("matching")
    view = learner_safe(m, 3)
    assert sorted(p["id"] for p in view["prompts"]) == sorted(p.id for p in m.pairs)
    assert sorted(a["id"] for a in view["answers"]) == sorted(p.answer_id for p in m.pairs)
    assert {a["id"] for a in view["answers"]}.isdisjoint({p.id for p in m.pairs})

    o = make("ordering")
    for seed in (None, 0, 1, 2, 3, "x"):
        items = learner_safe(o, seed)["items"]
        assert sorted(i["id"] for i in items) == sorted(i.id for i in o.items)
        assert [i["id"] for i in items] != [i.id for i in o.items]  # never starts in the right order

    tf = learner_safe(make("truefalse"))
    assert [c["id"] for c in tf["choices"]] == ["true", "false"]


def test_ids_reveal_neither_the_matching_nor_the_order():
    one = make("matching")
    swapped = dict(EXAMPLES["matching"])
    swapped["pairs"] = [
        {"prompt": "Đại hội", "answer": "Giám sát"},
        {"prompt": "Ban kiểm soát", "answer": "Quyết định"},
    ]
    two = parse_question({"id": "x", **swapped}, "q")
    assert [p.id for p in one.pairs] == [p.id for p in two.pairs]  # prompt ids do not depend on the answers
    assert {p.answer_id for p in one.pairs} == {p.answer_id for p in two.pairs}
    o = make("ordering")
    reordered = parse_question({"id": "o", "type": "ordering", "stem": "s", "items": ["Bốn", "Ba", "Hai", "Một"]}, "q")
    assert sorted(i.id for i in o.items) == sorted(i.id for i in reordered.items)
