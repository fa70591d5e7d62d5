"""The grades made of the reviews, with numbers worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from elearn_workshop.peer.grades import assessment_grades, combine_grade, lesson_score
from elearn_workshop.peer.rubric import parse_rubric
from elearn_workshop.template import Grading

RUBRIC, _ = parse_rubric([
    {"key": "thi-truong", "title": "Market", "weight": 2,
     "levels": [{"points": p, "label": str(p)} for p in (0, 1, 2, 3, 4)]},
    {"key": "von", "title": "Money", "levels": [{"points": p, "label": str(p)} for p in (0, 5, 10)]},
])


def review(market, money):
    return {"thi-truong": market, "von": money}


def test_a_plans_grade_weighs_the_marks_it_has():
    weights = Grading(instructor=60, peer=30, self_=10)
    peers = [D("70"), D("75"), D("90")]  # mean 78.333…
    assert combine_grade(D("80"), peers, D("60"), weights) == D("77.50")  # 48 + 23.5 + 6
    assert combine_grade(None, peers, D("60"), weights) == D("73.75")  # (30 × 78.333… + 10 × 60) / 40
    assert combine_grade(D("80"), [], None, weights) == D("80.00")
    assert combine_grade(None, [], None, weights) is None


def test_a_mark_without_weight_does_not_make_a_grade():
    weights = Grading(instructor=100)
    assert combine_grade(None, [D("90")], D("100"), weights) is None
    assert combine_grade(D("55.5"), [D("90")], D("100"), weights) == D("55.50")


def test_a_plans_grade_rounds_half_up():
    assert combine_grade(D("80.01"), [D("80")], None, Grading(instructor=50, peer=50)) == D("80.01")  # 80.005


def test_reviews_near_the_consensus_get_more():
    reviews = {
        1: {11: review(4, 10), 12: review(2, 5), 13: review(3, 10)},  # in %: (100, 100), (50, 50), (75, 100)
        2: {11: review(4, 10), 14: review(0, 0)},
        3: {12: review(0, 0)},  # one review: nothing to compare with
    }
    # Plan 1's consensus is (75, 83.33…); distances (2 × |x − 75| + |y − 83.33…|) / 3 are
    # 22.22… for 11, 27.77… for 12 and 5.55… for 13; plan 2's is (50, 50), 50 from each.
    assert assessment_grades(reviews, RUBRIC, 5) == {11: D("63.89"), 12: D("72.22"), 13: D("94.44"), 14: D("50.00")}
    # strictness 10 doubles the distance (plan 2: 100 − 100 = 0), strictness 1 takes a fifth of it
    assert assessment_grades(reviews, RUBRIC, 10) == {11: D("27.78"), 12: D("44.44"), 13: D("88.89"), 14: D("0.00")}
    assert assessment_grades(reviews, RUBRIC, 1) == {11: D("92.78"), 12: D("94.44"), 13: D("98.89"), 14: D("90.00")}


def test_reviewers_who_agree_all_get_100_and_a_lone_review_no_mark():
    reviews = {1: {11: review(3, 5), 12: review(3, 5)}, 2: {13: review(1, 0)}}
    assert assessment_grades(reviews, RUBRIC, 10) == {11: D("100.00"), 12: D("100.00")}


def test_a_review_missing_a_criterion_is_refused():
    with pytest.raises(ValueError, match="von"):
        assessment_grades({1: {11: {"thi-truong": 2}, 12: review(1, 5)}}, RUBRIC, 5)


def test_the_lesson_score_weighs_the_grade_for_assessment():
    assert lesson_score(D("80"), D("60"), 20) == D("76.00")  # 0.8 × 80 + 0.2 × 60
    assert lesson_score(D("80"), None, 20) == D("80.00")
    assert lesson_score(None, D("60"), 20) == D("60.00")
    assert lesson_score(D("80"), D("60"), 0) == D("80.00")
    assert lesson_score(None, D("60"), 0) is None
    assert lesson_score(D("70.125"), D("0"), 0) == D("70.13")
