"""Moodle GIFT import and export."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from elearn_quiz.gift import parse_gift, to_gift
from elearn_quiz.grading import grade, parse_response
from elearn_quiz.questions import Question, learner_safe, parse_question
from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.plugins.lesson_type import ContentError, ContentInvalid

VARIED = Path(__file__).parent / "data" / "varied.gift"


def parse(text: str) -> list[Question]:
    return parse_gift(dedent(text), "bank.gift")


def one(text: str) -> Question:
    (question,) = parse(text)
    return question


def errors(text: str) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        parse(text)
    return [str(e) for e in info.value.errors]


def by_html(question: Question) -> dict[str, str]:
    return {c.html: c.id for c in question.choices}


@pytest.fixture(scope="module")
def varied() -> dict[str, Question]:
    questions = parse_gift(VARIED.read_text(encoding="utf-8"), "varied.gift")
    return {q.id: q for q in questions}


def test_varied_file_parses_to_the_expected_questions(varied):
    assert list(varied) == [
        "von-gop",
        "nguyen-tac",
        "dung-sai",
        "sai",
        "viet-tat",
        "ghep",
        "so-thanh-vien",
        "ty-le",
        "lai-suat",
        "dien-tu",
        "tu-luan",
        "thoat",
        "plain-mc",
    ]
    assert {k: q.type for k, q in varied.items()} == {
        "von-gop": "single",
        "nguyen-tac": "multiple",
        "dung-sai": "truefalse",
        "sai": "truefalse",
        "viet-tat": "short",
        "ghep": "matching",
        "so-thanh-vien": "numerical",
        "ty-le": "numerical",
        "lai-suat": "numerical",
        "dien-tu": "short",
        "tu-luan": "essay",
        "thoat": "single",
        "plain-mc": "single",
    }


def test_varied_multiple_choice_with_feedback_and_category(varied):
    q = varied["von-gop"]
    assert (
        q.stem_html == "<p>Thành viên hợp tác xã góp vốn <strong>tối đa</strong> bao nhiêu phần trăm vốn điều lệ?</p>\n"
    )
    assert [(c.html, c.fraction, c.feedback_html) for c in q.choices] == [
        ("<p>20%</p>\n", 1.0, "<p>Đúng: Luật HTX 2023.</p>\n"),
        ("<p>50%</p>\n", 0.0, "<p>Quá cao.</p>\n"),
        ("<p>10%</p>\n", 0.0, ""),
    ]
    assert q.general_feedback_html == "<p>Xem Điều 30 Luật Hợp tác xã.</p>\n"
    assert q.tags == ("Luật HTX", "chuong-1")  # $CATEGORY without $course$/, then // [tag:]
    m = varied["nguyen-tac"]
    assert [c.fraction for c in m.choices] == [0.5, 0.5, -1.0]
    assert m.choices[2].feedback_html == "<p>Không phải.</p>\n"


def test_varied_true_false(varied):
    t = varied["dung-sai"]
    assert [(c.id, c.fraction, c.feedback_html) for c in t.choices] == [
        ("true", 1.0, "<p>Chính xác!</p>\n"),  # {T#if wrong#if right}
        ("false", 0.0, "<p>Sai rồi.</p>\n"),
    ]
    assert [(c.id, c.fraction) for c in varied["sai"].choices] == [("true", 0.0), ("false", 1.0)]


def test_varied_short_matching_numerical(varied):
    s = varied["viet-tat"]
    assert [(a.text, a.fraction, a.feedback_html) for a in s.answers] == [
        ("HTX", 1.0, ""),
        ("H.T.X", 0.5, "<p>Gần đúng.</p>\n"),
    ]
    assert s.general_feedback_html == "<p>Viết hoa.</p>\n"
    g = varied["ghep"]
    assert [(p.prompt_html, p.answer_html) for p in g.pairs] == [
        ("<p>Đại hội thành viên</p>\n", "<p>Cơ quan quyết định cao nhất</p>\n"),
        ("<p>Hội đồng quản trị</p>\n", "<p>Cơ quan quản lý</p>\n"),
        ("<p>Ban kiểm soát</p>\n", "<p>Cơ quan giám sát</p>\n"),
    ]
    assert [(a.value, a.tolerance, a.fraction) for a in varied["so-thanh-vien"].answers] == [(5.0, 0.0, 1.0)]
    assert [(a.value, a.tolerance) for a in varied["ty-le"].answers] == [(20.0, 10.0)]
    assert [(a.value, a.tolerance, a.fraction, a.feedback_html) for a in varied["lai-suat"].answers] == [
        (7.5, 0.5, 1.0, "<p>Chính xác.</p>\n"),
        (7.5, 2.0, 0.5, "<p>Gần đúng.</p>\n"),
    ]
    assert grade(varied["ty-le"], "30").state == "correct"
    assert grade(varied["lai-suat"], "9").fraction == 0.5


def test_varied_missing_word_essay_escapes_formats(varied):
    d = varied["dien-tu"]
    assert d.stem_html == "<p>Hợp tác xã do ít nhất _____ thành viên thành lập.</p>\n"
    assert [a.text for a in d.answers] == ["5", "năm"]
    e = varied["tu-luan"]  # [id:] wins over the title; [points:]; [plain] escapes HTML
    assert (e.points, e.tags) == (5.0, ("Tự luận",))
    assert e.stem_html == "<p>Trình bày vai trò của &lt;Ban kiểm soát&gt;.</p>\n"
    t = varied["thoat"]
    assert t.stem_html == "<p>Ký tự đặc biệt: ~ = # { } : </p>"
    assert [(c.html, c.fraction) for c in t.choices] == [("a=b", 1.0), ("c#d", 0.0)]
    assert [c.html for c in varied["plain-mc"].choices] == ["<p>đúng</p>\n", "<p>sai</p>\n"]
    assert varied["plain-mc"].stem_html == "<p>Chọn 1 &lt; 2:</p>\n"


def test_html_format_is_sanitised():
    q = one("[html]<p onclick='x()'>Hỏi <script>alert(1)</script><a href='javascript:x'>a</a></p> {}")
    assert "script" not in q.stem_html and "onclick" not in q.stem_html and "javascript" not in q.stem_html


def test_markdown_urls_are_resolved():
    (q,) = parse_gift("![sơ đồ](media/a.png) {}", "b.gift", resolve_url=lambda p: f"/m/{p}")
    assert 'src="/m/media/a.png"' in q.stem_html

    def missing(path):
        raise ContentInvalid([ContentError("", "file not found")])

    with pytest.raises(ContentInvalid) as info:
        parse_gift("a {}\n\n![x](b.png) {}", "b.gift", resolve_url=missing)
    assert [str(e) for e in info.value.errors] == ["b.gift:3: line 1: 'b.png' file not found"]


def test_gift_details():
    assert one("Q {=a =b}").type == "short"
    assert one("Q {=only}").answers[0].text == "only"
    assert one("Q {TRUE}").choices[0].fraction == 1
    assert one("Q {F}").choices[1].fraction == 1
    assert one("Q {#2}").answers[0].tolerance == 0
    assert one("Q {#-1,5:0.5}").answers[0].value == -1.5
    single_partial = one("Q {=a ~%50%b ~c}")
    assert single_partial.type == "single" and [c.fraction for c in single_partial.choices] == [1, 0.5, 0]
    assert one("Q {~%100%a ~b}").type == "multiple"
    multi_line = one(
        """\
        ::t1:: Câu
        nhiều dòng {
          =a
          ~b
        }
        """
    )
    assert multi_line.id == "t1" and multi_line.stem_html == "<p>Câu\nnhiều dòng</p>\n"
    numbered = parse("A {}\n\nDescription only.\n\nB {}\n")
    assert [q.id for q in numbered] == ["q1", "q2"]
    assert one("// [option:case_sensitive] [option:no_partial_credit]\nQ {=HTX}").options.case_sensitive
    assert one("Q\\n2 {}").stem_md == "Q\n2"
    assert one("Q {=a\\\\b}").answers[0].text == "a\\b"
    assert parse("// only a comment\n\n$CATEGORY: x\n") == []


def test_error_line_numbers_and_all_errors_at_once():
    text = """\
        // header

        ::ok:: Fine {=a ~b}

        ::bad1:: Never closed {=a ~b

        ::bad2:: Weights {~%abc%a ~b}

        Fine again {#1..5}

        ::bad3::
        Numeric {#x:1}

        Too many {=a} blocks {=b}

        ::dup:: A {}

        ::dup:: B {}
        """
    assert errors(text) == [
        "bank.gift:5: the answer block '{' is never closed with '}'",
        "bank.gift:7: a weight must look like %50% or %-100%",
        "bank.gift:11: 'x' is not a number",
        "bank.gift:14: only one answer block per question is supported",
        "bank.gift:18: question id 'dup' is used twice",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Q {~a ~b}", "the positive fractions must add up to at least 1"),
        ("Q {=a}}", "one answer block"),
        ("Q }", "'}' without '{'"),
        ("Q {a ~b}", "unexpected 'a' in the answer block"),
        ("Q {=a -> 1 = -> 2}", "matching distractors"),
        ("Q {=a -> 1}", "at least 2 pairs"),
        ("Q {=a -> 1 =b}", "every matching answer needs"),
        ("Q {=a -> 1#fb =b -> 2}", "no per-answer feedback"),
        ("Q {T#a#b#c}", "at most two feedbacks"),
        ("Q {T ~a}", "unexpected 'T' in the answer block"),
        ("Q {T#~a}", "takes no"),
        ("Q {=%50%a}", "needs one answer worth 100%"),
        ("Q {=%-50%a =b}", "negative weight"),
        ("Q {=a ~%-50%b}", "negative weights need"),
        ("Q {=a ~%150%b}", "outside -100%..100%"),
        ("Q {#5..1}", "min must not be above max"),
        ("Q {#1:-1}", "tolerance must not be negative"),
        ("Q {#~1}", "'~' is not allowed"),
        ("Q {#=%50%1}", "needs one answer worth 100%"),
        ("::unterminated Q {}", "no closing '::'"),
        ("[latex]Q {}", "unknown format [latex]"),
        ("::t:: {}", "the question has no text"),
        ("Q {=a {b}", "'{' inside an answer block"),
        ("Q {=a ~}", "an empty choice"),
        ("Q {=}", "an empty short answer"),
        ("// [points:abc]\nQ {}", "[points:abc] is not a number"),
        ("// [points:0]\nQ {}", "must be above 0"),
        ("// [option:shuffle]\nQ {}", "unknown [option:shuffle]"),
        ("Q {=a ~b ~%-100%c}", "negative weights need"),
    ],
)
def test_malformed_questions(text, message):
    (error,) = errors(text)
    assert error.startswith("bank.gift:1: ") or error.startswith("bank.gift:2: ")
    assert message in error, error


def sample_responses(q: Question) -> list:
    """A spread of responses covering right, wrong, partial and blank answers."""
    if q.type in ("single", "truefalse"):
        return [None, *[c.id for c in q.choices]]
    if q.type == "multiple":
        return [
            [],
            *[[c.id] for c in q.choices],
            [c.id for c in q.choices],
            [c.id for c in q.choices if c.fraction > 0],
        ]
    if q.type == "short":
        return ["", "sai", *[a.text for a in q.answers], *[a.text.lower() for a in q.answers]]
    if q.type == "numerical":
        out = [""]
        for a in q.answers:
            out += [repr(a.value), repr(a.value + a.tolerance), repr(a.value - a.tolerance - 0.001)]
        return out
    if q.type == "matching":
        view = learner_safe(q, 1)
        answer_ids = [a["id"] for a in view["answers"]]
        right = {p.id: p.answer_id for p in q.pairs}
        rotated = {p.id: answer_ids[(answer_ids.index(p.answer_id) + 1) % len(answer_ids)] for p in q.pairs}
        return [{}, right, rotated, dict(list(right.items())[:1])]
    if q.type == "ordering":
        ids = [i.id for i in q.items]
        return [[], ids, list(reversed(ids))]
    return ["", "Bài luận"]


def assert_grades_the_same(original: list[Question], again: list[Question]) -> None:
    assert [q.id for q in again] == [q.id for q in original]
    for before, after in zip(original, again, strict=True):
        assert (after.type, after.points, after.tags, after.options) == (
            before.type,
            before.points,
            before.tags,
            before.options,
        )
        assert after.stem_html.strip() == before.stem_html.strip()
        for response in sample_responses(before):
            g1 = grade(before, parse_response(before, response))
            g2 = grade(after, parse_response(after, response))
            assert g1.state == g2.state, (before.id, response)
            assert g1.fraction == pytest.approx(g2.fraction) if g1.fraction is not None else g2.fraction is None
            assert len(g1.feedback_html) == len(g2.feedback_html)


def test_round_trip_of_the_varied_file(varied):
    original = list(varied.values())
    exported = to_gift(original)
    assert_grades_the_same(original, parse_gift(exported, "export.gift"))
    assert to_gift(parse_gift(exported, "export.gift")) == exported  # stable after one trip


def test_round_trip_of_yaml_questions_with_options():
    yaml_questions = [
        parse_question(
            {
                "id": "m:1",
                "type": "multiple",
                "stem": "Chọn {các} ý # đúng",
                "points": 2.5,
                "tags": ["a b"],
                "options": {"penalty_wrong": True, "partial_credit": False},
                "choices": [
                    {"text": "x = 1", "correct": True, "feedback": "~ok~"},
                    {"text": "y", "fraction": 1 / 3},
                    {"text": "z"},
                ],
            },
            "q",
        ),
        parse_question(
            {
                "id": "s",
                "type": "short",
                "stem": "s\n\n```\ncode\n\n\nblock\n```",
                "answers": ["Hợp tác xã", {"text": "a=b#c", "fraction": 0.5}],
                "options": {"ignore_diacritics": True, "case_sensitive": True},
            },
            "q",
        ),
        parse_question({"id": "tf", "type": "truefalse", "stem": "t", "correct": False, "feedback_true": "x"}, "q"),
        parse_question({"id": "n", "type": "numerical", "stem": "n", "answers": [{"min": -1e-5, "max": 1e6}]}, "q"),
    ]
    assert_grades_the_same(yaml_questions, parse_gift(to_gift(yaml_questions), "x.gift"))


def test_ordering_cannot_be_exported():
    o = parse_question({"id": "o", "type": "ordering", "stem": "s", "items": ["a", "b"]}, "q")
    with pytest.raises(ValueError, match="ordering"):
        to_gift([o])
    assert to_gift([]) == ""


GIFT_ALPHABET = st.sampled_from([*"{}=~#:%->\\.$[]/ \n\tTFab1-5,.e_", "::", "//", "####", "$CATEGORY:", "->"])


ANSWER_TOKENS = st.sampled_from(
    ["=", "~", "a", "b", " ", "%50%", "%-100%", "%100%", "#", "->", "T", "F", "1", ":", "..", "5", "####", "\\="]
)
QUESTIONS = st.builds(
    lambda prefix, inner, after: f"{prefix}Câu hỏi {{{inner}}}{after}",
    st.sampled_from(["", "::t::", "[html]", "[plain]", "// [points:2]\n", "::t::[markdown]"]),
    st.lists(ANSWER_TOKENS, max_size=12).map("".join),
    st.sampled_from(["", " tiếp.", "\n"]),
)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(GIFT_ALPHABET, max_size=60).map("".join),
        st.lists(QUESTIONS, min_size=1, max_size=3).map("\n\n".join),
    )
)
def test_parse_gift_only_returns_or_raises_content_invalid(text):
    try:
        questions = parse_gift(text, "fuzz.gift")
    except ContentInvalid as exc:
        assert exc.errors and all(e.where.startswith("fuzz.gift") for e in exc.errors)
        return
    for q in questions:
        learner_safe(q, 1)
        for response in sample_responses(q):
            grade(q, parse_response(q, response))
        if q.type != "ordering":
            assert_grades_the_same([q], parse_gift(to_gift([q]), "again.gift"))
