"""The survey file is checked at ``elearn pack validate``: every problem with its file and line."""

from __future__ import annotations

import pytest
from elearn_survey import definition, logic
from hypothesis import given, settings
from hypothesis import strategies as st
from survey_samples import SURVEY

from elearn.plugin_api import ContentInvalid


def problems(text: str) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        definition.parse(text, "khao-sat.yaml")
    return [str(e) for e in caught.value.errors]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_the_sample_survey_is_read_with_every_kind(app):
    with app.test_request_context():
        survey = definition.parse(SURVEY, "khao-sat.yaml")
    assert [q["kind"] for q in survey["questions"]] == [
        "single", "multiple", "numeric", "single", "longtext", "likert", "rating", "ranking", "text"]
    assert [p["questions"] for p in survey["pages"]][1] == ["nhan-hieu", "vi-sao", "hai-long"]


def test_an_unknown_question_in_a_condition_is_named_at_its_line(app):
    text = SURVEY.replace("{question: nhan-hieu, answer: chua}", "{question: nhan-hieu-x, answer: chua}")
    with app.test_request_context():
        found = problems(text)
    assert found == [f"khao-sat.yaml:{line_of(text, 'nhan-hieu-x')}: no question has the id 'nhan-hieu-x'"]


def test_a_condition_on_an_answer_the_question_does_not_have_is_refused(app):
    text = SURVEY.replace("answer: [nong-nghiep, dich-vu]", "answer: [nong-nghiep, lam-nghiep]")
    with app.test_request_context():
        assert problems(text) == [f"khao-sat.yaml:{line_of(text, 'lam-nghiep')}: "
                                  "'lam-nghiep' is not an answer of 'linh-vuc'"]


def test_conditions_in_a_circle_are_refused_as_a_circle(app):
    text = SURVEY.replace("        required: true\n        other: true",
                          "        required: true\n        other: true\n        show_if: {question: vi-sao, answer: x}")
    text = text.replace("      - id: vi-sao\n        type: longtext", "      - id: vi-sao\n        type: single\n"
                        "        options: [{id: x, text: X}, {id: y, text: Y}]")
    with app.test_request_context():
        found = problems(text)
    assert any("go round in a circle: linh-vuc → vi-sao → nhan-hieu → linh-vuc" in p for p in found), found
    assert all(p.startswith("khao-sat.yaml:") for p in found)


def test_a_condition_on_a_later_question_is_refused(app):
    text = SURVEY.replace("      - id: gop-y\n        type: text",
                          "      - id: gop-y\n        type: text\n        show_if: {question: linh-vuc, answer: other}")
    text = text.replace("        show_if: {question: linh-vuc, answer: nong-nghiep}",
                        "        show_if: {question: danh-gia, answer: 5}")
    with app.test_request_context():
        assert problems(text) == [f"khao-sat.yaml:{line_of(text, 'question: danh-gia')}: "
                                  "'danh-gia' must come before the question that depends on it"]


@pytest.mark.parametrize(("change", "message"), [
    (("type: rating", "type: stars"), "must be one of: single, multiple"),
    (("min: 7", "min: 70000"), "give min and max, min below max"),
    (("- {id: rau, text: Rau}", "- {id: lua, text: Rau}"), "the id 'lua' is used twice"),
    (("- {id: rau, text: Rau}", "- {id: other, text: Rau}"), "write other: true instead"),
    (("        low: Kém", "        low: Kém\n        colour: red"), "'colour' is not a field of a rating question"),
    (("id: gop-y", "id: linh-vuc"), "the question id 'linh-vuc' is used twice"),
    (("  - id: uu-tien\n", "  - id: uu-tien\n    id2: x\n"), "'id2' is not a field of a page"),
    (("pages:\n", "pages:\n  &a\n"), "anchors"),
])
def test_each_mistake_is_reported_at_its_line(app, change, message):
    text = SURVEY.replace(*change)
    assert text != SURVEY
    with app.test_request_context():
        found = problems(text)
    assert any(message in p for p in found), found
    assert all(p.startswith("khao-sat.yaml:") and p.split(":")[1].isdigit() for p in found), found


def test_broken_yaml_gives_its_line(app):
    with app.test_request_context():
        assert problems("pages:\n  - id: a\n    questions: [\n")[0].startswith("khao-sat.yaml:4: not valid YAML")


# -- conditions over random graphs ---------------------------------------------------------

@st.composite
def graphs(draw):
    """A survey of single questions (answers a/b) each required or not, each perhaps shown only when one
    earlier question was answered a or b; and some answers."""
    count = draw(st.integers(1, 8))
    questions = []
    for n in range(count):
        condition = []
        if n and draw(st.booleans()):
            condition = [{"question": f"q{draw(st.integers(0, n - 1))}", "answer": [draw(st.sampled_from("ab"))]}]
        questions.append({"id": f"q{n}", "kind": "single", "page": 0, "required": draw(st.booleans()),
                          "show_if": condition, "other": False,
                          "options": [{"id": "a", "html": "A"}, {"id": "b", "html": "B"}]})
    answers = {q["id"]: draw(st.sampled_from("ab")) for q in questions if draw(st.booleans())}
    return {"pages": [{"id": "p", "questions": [q["id"] for q in questions]}], "questions": questions}, answers


def shown_by_hand(survey, answers) -> set[str]:
    """Visibility from its definition, by recursion: shown when every condition's question is shown
    and was answered with one of the condition's answers."""
    questions = {q["id"]: q for q in survey["questions"]}

    def shown(qid: str) -> bool:
        return all(shown(c["question"]) and answers.get(c["question"]) in c["answer"]
                   for c in questions[qid]["show_if"])

    return {qid for qid in questions if shown(qid)}


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_a_response_is_complete_exactly_when_every_required_shown_question_is_answered(case):
    survey, answers = case
    kept, _others = logic.prune(survey, answers, {})
    shown = shown_by_hand(survey, kept)
    assert logic.visible(survey, kept) == shown
    assert set(kept) <= shown  # no answer to a hidden question is kept
    complete = all(qid in kept for qid in shown if next(q for q in survey["questions"] if q["id"] == qid)["required"])
    assert (logic.missing(survey, kept) == []) == complete
