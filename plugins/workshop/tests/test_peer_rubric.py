"""The pack's rubric is checked with every problem at its field, and a reviewer's marks are read
from the API or a page's form into a score out of 100."""

from __future__ import annotations

from decimal import Decimal

import pytest
from elearn_workshop.peer.rubric import parse_assessment, parse_rubric, rubric_problems
from werkzeug.datastructures import MultiDict

MARKET = {"key": "thi-truong", "title": "The market is known", "section": "thi-truong", "weight": 2,
          "levels": [{"points": 0, "label": "Missing"}, {"points": 2, "label": "Named"},
                     {"points": 4, "label": "Counted", "description": "Buyers and quantities are given"}]}
MONEY = {"key": "von", "title": "The money adds up",
         "levels": [{"points": 3, "label": "Good"}, {"points": 1, "label": "Weak"}]}


def rubric():
    found, problems = parse_rubric([MARKET, MONEY])
    assert problems == []
    return found


def test_a_good_rubric_is_read_with_its_levels_in_order_and_its_maximum():
    found = rubric()
    market, money = found.criteria
    assert (market.key, market.section, market.weight, market.max_points) == ("thi-truong", "thi-truong", 2, 4)
    assert [level.label for level in money.levels] == ["Weak", "Good"]  # sorted by points
    assert money.weight == 1 and money.section is None
    assert found.max_points == 2 * 4 + 3


@pytest.mark.parametrize(("raw", "expected"), [
    ("not a list", [("rubric", "must be a list of criteria")]),
    ([{**MONEY, "levels": MONEY["levels"][:1]}], [("rubric.0.levels", "give 2 to 6 levels")]),
    ([MARKET, {**MONEY, "levels": [{"points": 1, "label": "A"}, {"points": 1, "label": "B"}]}],
     [("rubric.1.levels.1.points", "another level has 1 points")]),
    ([{**MONEY, "levels": [{"points": -1, "label": "A"}, {"points": True, "label": "B"}]}],
     [("rubric.0.levels.0.points", "a whole number from 0 to 100"),
      ("rubric.0.levels.1.points", "a whole number from 0 to 100")]),
    ([{**MONEY, "weight": 0}], [("rubric.0.weight", "a whole number from 1 to 100")]),
    ([{**MONEY, "key": "Vốn"}], [("rubric.0.key", "lower-case letters, digits and hyphens")]),
    ([{**MONEY, "key": "comment"}], [("rubric.0.key", "'comment' is the overall comment's: choose another key")]),
    ([MONEY, MONEY], [("rubric.1.key", "the key 'von' is used twice")]),
    ([{**MONEY, "title": "  "}], [("rubric.0.title", "give a text")]),
    ([{**MONEY, "points": 3}], [("rubric.0.points", "unknown field")]),
    ([{**MONEY, "levels": [{"points": 0, "label": "A"}, {"points": 2}]}], [("rubric.0.levels.1.label", "give a text")]),
])
def test_every_problem_is_said_at_its_field(raw, expected):
    found, problems = parse_rubric(raw)
    assert found is None
    assert problems == expected
    assert rubric_problems(raw) == expected


def test_a_criterion_anchored_to_a_section_the_template_lacks_is_refused():
    assert rubric_problems([MARKET], "content.rubric", sections={"von"}) == [
        ("content.rubric.0.section", "no section has the key 'thi-truong'")]
    assert rubric_problems([MARKET], sections={"thi-truong"}) == []


def test_no_criteria_is_no_rubric():
    assert parse_rubric([]) == (None, [])


def test_an_assessment_from_the_api_scores_weighted_points_out_of_100():
    found = rubric()
    assessment, errors = parse_assessment(found, {"thi-truong": {"level": 2, "comment": " Count the buyers.\r\n"},
                                                  "von": {"level": 3}, "comment": "A clear plan."})
    assert errors == {}
    assert assessment.levels == {"thi-truong": 2, "von": 3}
    assert assessment.score == Decimal("63.64")  # (2×2 + 3) / 11 × 100 = 63.636…
    assert assessment.as_json() == {"thi-truong": {"level": 2, "comment": "Count the buyers."},
                                    "von": {"level": 3, "comment": ""}, "comment": "A clear plan."}
    again, _ = parse_assessment(found, assessment.as_json())
    assert again == assessment


def test_the_score_rounds_half_up_and_spans_0_to_100():
    found = rubric()
    lowest, _ = parse_assessment(found, {"thi-truong": {"level": 0}, "von": {"level": 1}})
    highest, _ = parse_assessment(found, {"thi-truong": {"level": 4}, "von": {"level": 3}})
    assert lowest.score == Decimal("9.09")  # the weakest money level still has 1 point of 11
    assert highest.score == Decimal("100.00")
    eighths, _ = parse_rubric([{"key": "a", "title": "A", "levels": [{"points": 0, "label": "no"},
                                                                      {"points": 1, "label": "some"},
                                                                      {"points": 100, "label": "all"}]},
                               {"key": "b", "title": "B", "weight": 7, "levels": [{"points": 0, "label": "no"},
                                                                                  {"points": 100, "label": "all"}]}])
    little, _ = parse_assessment(eighths, {"a": {"level": 1}, "b": {"level": 0}})
    assert little.score == Decimal("0.13")  # 1 / 800 = 0.125 %: half up, not to the even 0.12


def test_an_assessment_from_a_form_reads_the_typed_levels():
    form = MultiDict({"csrf_token": "x", "c.thi-truong.level": "4", "c.thi-truong.comment": "Good survey.",
                      "c.von.level": "1", "comment": ""})
    assessment, errors = parse_assessment(rubric(), form)
    assert errors == {}
    assert assessment.levels == {"thi-truong": 4, "von": 1}
    assert assessment.marks[0][1].comment == "Good survey."
    assert assessment.score == Decimal("81.82")  # (8 + 1) / 11


def test_every_criterion_needs_one_of_its_levels_and_comments_have_a_limit():
    found = rubric()
    assessment, errors = parse_assessment(found, {"c.thi-truong.level": "3", "c.von.comment": "x" * 2001,
                                                  "comment": "y" * 2001})
    assert assessment is None
    assert errors == {"thi-truong": "Choose one of the levels.", "von": "Choose a level.",
                      "comment": "At most 2000 characters."}
    assert parse_assessment(found, {"von": {"level": 3, "comment": "x" * 2001}})[1] == {
        "thi-truong": "Choose a level.", "von": "At most 2000 characters."}
    assert parse_assessment(found, {"thi-truong": {"level": True}, "von": 3})[1] == {
        "thi-truong": "Choose one of the levels.", "von": "Give the level and a comment."}
    assert parse_assessment(found, {"c.thi-truong.level": "²", "c.von.level": "-1"})[1] == {
        "thi-truong": "Choose one of the levels.", "von": "Choose one of the levels."}
