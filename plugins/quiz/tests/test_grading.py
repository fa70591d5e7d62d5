"""Grading every question type, and checking raw learner input."""

from __future__ import annotations

import pytest
from elearn_quiz.grading import Grade, grade, normalise_text, parse_response
from elearn_quiz.questions import parse_question


def q(**data):
    return parse_question({"id": "q", "stem": "Câu hỏi", **data}, "q")


def ids(question, *texts):
    by_text = {c.html: c.id for c in question.choices}
    return [by_text[f"<p>{t}</p>\n"] for t in texts]


def check(question, raw, fraction, state):
    result = grade(question, parse_response(question, raw))
    assert result.fraction == pytest.approx(fraction) if fraction is not None else result.fraction is None
    assert result.state == state
    return result


SINGLE = dict(
    type="single",
    feedback="Xem Điều 30.",
    choices=[
        {"text": "Đúng", "correct": True, "feedback": "Chính xác."},
        {"text": "Gần", "fraction": 0.5, "feedback": "Gần đúng."},
        {"text": "Sai"},
    ],
)


def test_single_choice():
    s = q(**SINGLE)
    right, near, wrong = ids(s, "Đúng", "Gần", "Sai")
    r = check(s, right, 1, "correct")
    assert r.feedback_html == ("<p>Chính xác.</p>\n", "<p>Xem Điều 30.</p>\n")
    assert check(s, near, 0.5, "partial").feedback_html[0] == "<p>Gần đúng.</p>\n"
    assert check(s, wrong, 0, "wrong").feedback_html == ("<p>Xem Điều 30.</p>\n",)
    assert check(s, None, 0, "blank") == Grade(0.0, ("<p>Xem Điều 30.</p>\n",), "blank")
    check(s, "", 0, "blank")


@pytest.mark.parametrize("raw", [["x"], 3, True, {"id": "x"}, "c000", "true"])
def test_single_choice_rejects_malformed_input(raw):
    with pytest.raises(ValueError, match="choice"):
        parse_response(q(**SINGLE), raw)


MULTI = dict(
    type="multiple",
    choices=[
        {"text": "A", "fraction": 0.5, "feedback": "fa"},
        {"text": "B", "fraction": 0.5},
        {"text": "C", "fraction": -1, "feedback": "fc"},
        {"text": "D"},
    ],
)


def test_multiple_choice_partial_and_negative_clamp():
    m = q(**MULTI)
    a, b, c, d = ids(m, "A", "B", "C", "D")
    check(m, [a, b], 1, "correct")
    check(m, [a], 0.5, "partial")
    check(m, [a, d], 0.5, "partial")  # a zero-fraction pick costs nothing by default
    check(m, [a, c], 0, "wrong")  # 0.5 - 1 clamps to 0
    check(m, [c], 0, "wrong")
    check(m, [a, b, c, d], 0, "wrong")  # everything picked: the penalty cancels the credit
    check(m, [], 0, "blank")
    check(m, None, 0, "blank")
    r = check(m, [c, a, a], 0, "wrong")  # duplicates collapse; feedback in authored order
    assert r.feedback_html == ("<p>fa</p>\n", "<p>fc</p>\n")
    assert parse_response(m, [d, a]) == [a, d]
    assert parse_response(m, a) == [a]  # a form with one box ticked


def test_multiple_choice_all_or_nothing_and_penalty_wrong():
    strict = q(**MULTI, options={"partial_credit": False})
    a, b, c, d = ids(strict, "A", "B", "C", "D")
    check(strict, [a, b], 1, "correct")
    check(strict, [a], 0, "wrong")
    check(strict, [a, b, d], 0, "wrong")

    plain = dict(type="multiple", choices=[{"text": t, "fraction": f} for t, f in [("A", 0.5), ("B", 0.5)]])
    plain["choices"] += [{"text": "C"}, {"text": "D"}]
    lenient = q(**plain)
    a, b, c, d = ids(lenient, "A", "B", "C", "D")
    check(lenient, [a, b, c, d], 1, "correct")  # without penalties, ticking everything wins
    penalised = q(**plain, options={"penalty_wrong": True})
    check(penalised, [a, b, c, d], 0, "wrong")  # each wrong pick costs 1/2
    check(penalised, [a, b, c], 0.5, "partial")
    check(penalised, [a, b], 1, "correct")


@pytest.mark.parametrize("raw", [[1], "nope", ["c000"], {"a": 1}, 5])
def test_multiple_choice_rejects_malformed_input(raw):
    with pytest.raises(ValueError):
        parse_response(q(**MULTI), raw)


def test_true_false():
    tf = q(type="truefalse", correct=False, feedback_true="Sai rồi.", feedback_false="Đúng.")
    r = check(tf, "false", 1, "correct")
    assert r.feedback_html == ("<p>Đúng.</p>\n",)
    check(tf, False, 1, "correct")
    assert check(tf, True, 0, "wrong").feedback_html == ("<p>Sai rồi.</p>\n",)
    check(tf, None, 0, "blank")
    for raw in ("yes", 1, ["true"]):
        with pytest.raises(ValueError):
            parse_response(tf, raw)


def test_short_answer():
    s = q(type="short", answers=["Hợp tác xã", {"text": "HTX", "fraction": 0.5, "feedback": "Viết đầy đủ."}])
    check(s, "Hợp tác xã", 1, "correct")
    check(s, "  hợp   TÁC xã ", 1, "correct")  # case and extra spaces do not matter
    check(s, "hop tac xa", 0, "wrong")  # diacritics do, unless ignore_diacritics
    assert check(s, "htx", 0.5, "partial").feedback_html == ("<p>Viết đầy đủ.</p>\n",)
    check(s, "", 0, "blank")
    check(s, "   ", 0, "blank")
    check(s, None, 0, "blank")
    # NFD input (as some keyboards send it) equals the NFC answer
    import unicodedata

    check(s, unicodedata.normalize("NFD", "Hợp tác xã"), 1, "correct")


def test_short_answer_case_sensitive_and_diacritics():
    cs = q(type="short", answers=["HTX"], options={"case_sensitive": True})
    check(cs, "HTX", 1, "correct")
    check(cs, "htx", 0, "wrong")
    loose = q(type="short", answers=["Hợp tác xã", "Đại hội"], options={"ignore_diacritics": True})
    check(loose, "hop tac xa", 1, "correct")
    check(loose, "HOP TAC XA", 1, "correct")
    check(loose, "Hợp tác xã", 1, "correct")
    check(loose, "dai hoi", 1, "correct")  # đ reads as d
    check(loose, "hop tac", 0, "wrong")
    both = q(type="short", answers=["Đại hội"], options={"ignore_diacritics": True, "case_sensitive": True})
    check(both, "Dai hoi", 1, "correct")
    check(both, "dai hoi", 0, "wrong")
    assert normalise_text("Đ đ Ợ", ignore_diacritics=True) == "d d o"


def test_short_answer_input():
    s = q(type="short", answers=["5"])
    check(s, 5, 1, "correct")
    for raw in (["5"], True, {"a": 1}, "x" * 1001):
        with pytest.raises(ValueError):
            parse_response(s, raw)


def test_numerical_tolerance_edges_are_inclusive():
    n = q(type="numerical", answers=[{"value": 1.5, "tolerance": 0.5}, {"value": 10, "tolerance": 1, "fraction": 0.5}])
    for raw in ("1", "1.0", "2", "1.5", "1,5", "1,75", 1, 2.0, "+1.1", "1e0", "0.1e1"):
        check(n, raw, 1, "correct")
    for raw in ("0.9999", "2.0001", "-1.5", "1e3"):
        check(n, raw, 0, "wrong")
    check(n, "9", 0.5, "partial")
    check(n, "11", 0.5, "partial")
    check(n, "", 0, "blank")
    check(n, None, 0, "blank")


def test_numerical_decimal_edges_do_not_suffer_from_floats():
    n = q(type="numerical", answers=[{"value": 0.3, "tolerance": 0.1}])
    check(n, "0.2", 1, "correct")  # 0.3 - 0.1 in floats is 0.19999999999999998
    check(n, "0.4", 1, "correct")
    check(n, "-2", 0, "wrong")
    exact = q(type="numerical", answer=-2)
    check(exact, "-2", 1, "correct")
    check(exact, "-2,0", 1, "correct")
    check(exact, "-2.0000001", 0, "wrong")


@pytest.mark.parametrize(
    "raw",
    [
        "__import__('os')",
        "__import__('os').system('id')",
        "1+1",
        "2*3",
        "1.000,5",
        "1 000",
        "nan",
        "inf",
        "1e99999",
        "abc",
        "0x1F",
        float("nan"),
        float("inf"),
        True,
        [1],
        {"v": 1},
        "9" * 100,
    ],
)
def test_numerical_rejects_malicious_or_malformed_input(raw):
    n = q(type="numerical", answer=1)
    with pytest.raises(ValueError) as info:
        parse_response(n, raw)
    assert "number" in str(info.value)


def test_matching():
    m = q(
        type="matching",
        pairs=[{"prompt": "A", "answer": "1"}, {"prompt": "B", "answer": "2"}, {"prompt": "C", "answer": "3"}],
        feedback="chung",
    )
    p = {pair.prompt_html: pair for pair in m.pairs}
    a, b, c = p["<p>A</p>\n"], p["<p>B</p>\n"], p["<p>C</p>\n"]
    right = {a.id: a.answer_id, b.id: b.answer_id, c.id: c.answer_id}
    assert check(m, right, 1, "correct").feedback_html == ("<p>chung</p>\n",)
    check(m, {a.id: a.answer_id, b.id: c.answer_id, c.id: b.answer_id}, 1 / 3, "partial")
    check(m, {a.id: a.answer_id, b.id: ""}, 1 / 3, "partial")  # an unanswered prompt is wrong
    check(m, {a.id: b.answer_id, b.id: a.answer_id}, 0, "wrong")
    check(m, {}, 0, "blank")
    check(m, None, 0, "blank")
    strict = q(
        type="matching",
        pairs=[{"prompt": "A", "answer": "1"}, {"prompt": "B", "answer": "2"}],
        options={"partial_credit": False},
    )
    s = {pair.prompt_html: pair for pair in strict.pairs}
    sa, sb = s["<p>A</p>\n"], s["<p>B</p>\n"]
    check(strict, {sa.id: sa.answer_id}, 0, "wrong")
    check(strict, {sa.id: sa.answer_id, sb.id: sb.answer_id}, 1, "correct")
    for raw in ([a.id], {"nope": a.answer_id}, {a.id: "nope"}, {a.id: 3}, {a.id: a.id}):
        with pytest.raises(ValueError):
            parse_response(m, raw)


def test_ordering():
    o = q(type="ordering", items=["Một", "Hai", "Ba", "Bốn"])
    one, two, three, four = (i.id for i in o.items)
    check(o, [one, two, three, four], 1, "correct")
    check(o, [one, two, four, three], 0.5, "partial")
    check(o, [four, three, two, one], 0, "wrong")
    check(o, [], 0, "blank")
    check(o, None, 0, "blank")
    strict = q(type="ordering", items=["Một", "Hai", "Ba"], options={"partial_credit": False})
    s1, s2, s3 = (i.id for i in strict.items)
    check(strict, [s1, s3, s2], 0, "wrong")
    check(strict, [s1, s2, s3], 1, "correct")
    for raw in ([one, two, three], [one, one, two, three], [one, two, three, "x"], "x", [1, 2, 3, 4]):
        with pytest.raises(ValueError):
            parse_response(o, raw)


def test_essay():
    e = q(type="essay", feedback="Tham khảo Điều 5.")
    r = check(e, "Hợp tác xã là...", None, "needs_grading")
    assert r.fraction is None and r.feedback_html == ("<p>Tham khảo Điều 5.</p>\n",)
    check(e, "   ", 0, "blank")
    check(e, None, 0, "blank")
    with pytest.raises(ValueError):
        parse_response(e, 5)
    with pytest.raises(ValueError):
        parse_response(e, "x" * 50_001)


def test_grades_are_within_range_for_every_subset():
    from itertools import combinations

    m = q(**MULTI)
    all_ids = [c.id for c in m.choices]
    for size in range(len(all_ids) + 1):
        for picked in combinations(all_ids, size):
            result = grade(m, parse_response(m, list(picked)))
            assert 0 <= result.fraction <= 1
            assert result.state in ("correct", "partial", "wrong", "blank")
