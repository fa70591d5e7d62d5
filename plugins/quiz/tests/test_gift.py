"""Moodle GIFT import and export."""

from __future__ import annotations

import dataclasses
import re
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
    (q,) = parse_gift("[markdown]![sơ đồ](media/a.png) {}", "b.gift", resolve_url=lambda p: f"/m/{p}")
    assert 'src="/m/media/a.png"' in q.stem_html

    def missing(path):
        raise ContentInvalid([ContentError("", "file not found")])

    with pytest.raises(ContentInvalid) as info:
        parse_gift("a {}\n\n[markdown]![x](b.png) {}", "b.gift", resolve_url=missing)
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
    assert multi_line.id == "t1" and multi_line.stem_html == "<p>Câu<br>\nnhiều dòng</p>\n"
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
        ("Q {=a -> 1 = -> 2}", "at least 2 pairs"),  # a distractor is no pair
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
        ("Q {#~1}", "'~' only starts the feedback for any other number"),
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
    ["=", "~", "a", "b", " ", "%50%", "%-100%", "%100%", "#", "->", "T", "F", "1", ":", "..", "5", "####", "\\=",
     "*", "\\*", "%0%", "~#", "[html]", "[plain]", "[x]", "<b>", "= -> "]
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


# --- GIFT as Moodle writes it -------------------------------------------------------------------------
# Three files written for these tests: every construct of Moodle's "GIFT format" documentation page
# (English), a hand-written Vietnamese bank with CRLF line ends, and a file as Moodle's exporter writes
# it (UTF-8 BOM, [html] everywhere, escaped '=' and ':' inside HTML, "// question:" comments).

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict[str, Question]:
    return {q.id: q for q in parse_gift((DATA / name).read_text(encoding="utf-8"), name)}


@pytest.fixture(scope="module")
def docs() -> dict[str, Question]:
    return load("moodle-docs.gift")


@pytest.fixture(scope="module")
def bank() -> dict[str, Question]:
    return load("quan-tri-htx.gift")


@pytest.fixture(scope="module")
def exported() -> dict[str, Question]:
    return load("moodle-export.gift")


def answered(q: Question, raw) -> tuple[str, float | None, tuple[str, ...]]:
    g = grade(q, parse_response(q, raw))
    return g.state, g.fraction, g.feedback_html


def test_every_question_of_the_three_files_imports_with_its_type(docs, bank, exported):
    assert {k: q.type for k, q in docs.items()} == {
        "tf-true": "truefalse", "tf-word": "truefalse", "tf-feedback": "truefalse",
        "mc-feedback": "single", "mc-lines": "single", "missing-word": "short", "missing-choice": "single",
        "short-weights": "short", "short-wildcard": "short", "matching": "matching",
        "num-tolerance": "numerical", "num-range": "numerical", "num-weights": "numerical",
        "num-wrong": "numerical", "num-right-wrong": "numerical", "multi": "multiple",
        "essay": "essay", "essay-feedback": "essay", "general: feedback": "short", "escapes": "single",
        "not-markdown": "single", "fmt-markdown": "single", "fmt-html": "single", "fmt-plain": "truefalse",
        "fmt-moodle": "short",
    }  # the description "You can use your pencil..." is skipped
    assert {k: q.type for k, q in bank.items()} == {
        "dh-quyen": "single", "dh-hop": "short", "dh-ty-le": "numerical", "hdqt-nhiem-ky": "numerical",
        "hdqt-ghep": "matching", "hdqt-viet-tat": "short", "quy-dung-sai": "truefalse",
        "quy-nhieu": "multiple", "quy-bao-cao": "essay", "quy-phan-phoi": "single",
    }
    assert {k: q.type for k, q in exported.items()} == {
        "Vốn góp tối đa": "single", "HĐQT": "short", "Số thành viên": "numerical", "Ghép cơ quan": "matching",
        "Tư cách pháp nhân": "truefalse", "Nhiều đáp án": "multiple", "Bài luận": "essay",
        "Moodle auto-format": "single",
    }


def test_the_files_really_have_crlf_and_a_bom():
    assert b"\r\n" in (DATA / "quan-tri-htx.gift").read_bytes()
    assert (DATA / "moodle-export.gift").read_bytes().startswith(b"\xef\xbb\xbf")


def test_docs_true_false_choice_and_missing_word(docs):
    assert docs["tf-true"].stem_html == "<p>1+1=2</p>\n"
    assert [(c.id, c.fraction) for c in docs["tf-true"].choices] == [("true", 1.0), ("false", 0.0)]
    assert [(c.id, c.fraction) for c in docs["tf-word"].choices] == [("true", 0.0), ("false", 1.0)]
    assert [(c.id, c.feedback_html) for c in docs["tf-feedback"].choices] == [
        ("true", "<p>Yes: about once a month.</p>\n"),  # {TRUE#if wrong#if right}
        ("false", "<p>No, it really does.</p>\n"),
    ]
    mc = docs["mc-feedback"]
    assert [(c.html, c.fraction, c.feedback_html) for c in mc.choices] == [
        ("<p>yellow</p>\n", 1.0, "<p>right; good!</p>\n"),
        ("<p>red</p>\n", 0.0, "<p>wrong, it's yellow</p>\n"),
        ("<p>blue</p>\n", 0.0, "<p>wrong, it's yellow</p>\n"),
    ]
    assert [c.fraction for c in docs["mc-lines"].choices] == [0.0, 1.0, 0.0, 0.0]
    assert docs["missing-word"].stem_html == "<p>Two plus _____ equals four.</p>\n"
    assert [a.text for a in docs["missing-word"].answers] == ["two", "2"]
    assert docs["missing-choice"].stem_html == (
        "<p>The American holiday of Thanksgiving is celebrated on the _____ Thursday of November.</p>\n"
    )
    multi = docs["multi"]
    assert [(c.html, c.fraction) for c in multi.choices] == [
        ("<p>No one</p>\n", -1.0),
        ("<p>Grant</p>\n", 0.5),
        ("<p>Grant's wife</p>\n", 0.5),
        ("<p>Grant's father</p>\n", -1.0),
    ]
    by = by_html(multi)
    assert answered(multi, [by["<p>Grant</p>\n"], by["<p>Grant's wife</p>\n"]])[:2] == ("correct", 1.0)
    assert answered(multi, [by["<p>Grant</p>\n"], by["<p>No one</p>\n"]])[:2] == ("wrong", 0.0)


def test_short_answer_weights_wildcards_and_the_catch_all_feedback(docs):
    q = docs["short-weights"]
    assert [(a.text, a.fraction, a.wildcard) for a in q.answers] == [
        ("Grant", 1.0, False),
        ("Ulysses S. Grant", 1.0, False),
        ("Ulysses Grant", 0.5, False),
        ("*", 0.0, True),
    ]
    catch_all = "<p>Nobody else is buried there.</p>\n"
    assert answered(q, "grant") == ("correct", 1.0, ())
    assert answered(q, "Ulysses Grant") == ("partial", 0.5, ("<p>Half credit: give the middle initial.</p>\n",))
    assert answered(q, "Lincoln") == ("wrong", 0.0, (catch_all,))  # any other answer: 0, with its feedback
    w = docs["short-wildcard"]
    assert answered(w, "saturn")[:2] == ("correct", 1.0)
    assert answered(w, "Planet SATURN, of course")[:2] == ("correct", 1.0)
    assert answered(w, "Jupiter")[:2] == ("partial", 0.5)
    assert answered(w, "Mars")[:2] == ("wrong", 0.0)


def test_matching_distractors_are_offered_for_every_prompt(docs, bank):
    q = docs["matching"]
    assert [(p.prompt_html, p.answer_html) for p in q.pairs] == [
        ("<p>cat</p>\n", "<p>cat food</p>\n"),
        ("<p>dog</p>\n", "<p>dog food</p>\n"),
    ]
    assert q.distractors == ("<p>bird seed</p>\n",)
    view = learner_safe(q, 7)
    offered = {a["html"]: a["id"] for a in view["answers"]}
    assert set(offered) == {"<p>cat food</p>\n", "<p>dog food</p>\n", "<p>bird seed</p>\n"}
    cat, dog = (p.id for p in q.pairs)
    right = {cat: offered["<p>cat food</p>\n"], dog: offered["<p>dog food</p>\n"]}
    assert answered(q, right)[:2] == ("correct", 1.0)
    assert answered(q, {**right, dog: offered["<p>bird seed</p>\n"]})[:2] == ("partial", 0.5)
    g = bank["hdqt-ghep"]
    assert len(g.pairs) == 3
    assert g.distractors == ("Quyết định mức góp vốn của từng thành viên", "Bán tài sản không chia")
    assert len(learner_safe(g, 1)["answers"]) == 5


def test_numerical_tolerance_range_weights_and_the_wrong_answer_feedback(docs, bank):
    def spec(q):
        return [(a.value, a.tolerance, a.fraction, a.catch_all) for a in q.answers]

    assert spec(docs["num-tolerance"]) == spec(docs["num-range"]) == [(3.0, 2.0, 1.0, False)]
    assert [(a.value, a.tolerance, a.fraction, a.feedback_html) for a in docs["num-weights"].answers] == [
        (1822.0, 0.0, 1.0, "<p>Correct! Full credit.</p>\n"),
        (1822.0, 2.0, 0.5, "<p>He was born in 1822. Half credit for being close.</p>\n"),
    ]
    assert answered(docs["num-weights"], "1821")[:2] == ("partial", 0.5)
    wrong = docs["num-wrong"]  # {#3:2~#Completely wrong}
    assert spec(wrong) == [(3.0, 2.0, 1.0, False), (0.0, 0.0, 0.0, True)]
    assert answered(wrong, "4") == ("correct", 1.0, ())
    assert answered(wrong, "9") == ("wrong", 0.0, ("<p>Completely wrong</p>\n",))
    hexagon = docs["num-right-wrong"]  # {#=6:0#Right ~#...}
    assert answered(hexagon, "6") == ("correct", 1.0, ("<p>Right</p>\n",))
    assert answered(hexagon, "7,5") == ("wrong", 0.0, ("<p>A hexagon has six sides.</p>\n",))
    t = bank["dh-ty-le"]
    assert answered(t, "70")[:3] == ("partial", 0.5, ("<p>Gần đúng.</p>\n",))
    assert answered(t, "20") == ("wrong", 0.0, ("<p>Xem lại Điều 75.</p>\n",))
    assert answered(bank["hdqt-nhiem-ky"], "4")[2] == ("<p>Nhiệm kỳ tối đa là 05 năm.</p>\n",)


def test_essay_description_general_feedback_titles_and_escapes(docs):
    assert docs["essay"].stem_html == "<p>Write a short biography of Dag Hammarskjöld.</p>\n"
    assert docs["essay-feedback"].general_feedback_html == "<p>Rayleigh scattering.</p>\n"
    g = docs["general: feedback"]  # a title with an escaped colon
    assert [a.text for a in g.answers] == ["eight", "8"]
    assert g.general_feedback_html == "<p>Spiders are arachnids, not insects.</p>\n"
    assert answered(g, "8")[2] == ("<p>Spiders are arachnids, not insects.</p>\n",)
    e = docs["escapes"]
    assert e.stem_html == "<p>Which answer equals {1}: a~b, c=d or #3?<br>\nPick one.</p>\n"
    assert [(c.html, c.fraction, c.feedback_html) for c in e.choices] == [
        ("<p>#3</p>\n", 1.0, ""),
        ("<p>a~b</p>\n", 0.0, ""),
        ("<p>c=d</p>\n", 0.0, "<p>no {}</p>\n"),
    ]


def test_text_without_a_format_is_moodle_auto_format_not_markdown(docs, bank):
    # '\#' at the start stayed a hash (Markdown made it an empty heading); "1." is no list, ** no bold;
    # HTML is allowed as in Moodle, but sanitised: <b> is kept, <script> goes with its content.
    assert docs["not-markdown"].stem_html == "<p># of members: 1. **not bold** <b>kept</b> </p>\n"
    assert bank["quy-phan-phoi"].stem_html == (
        "<p>Thu nhập của hợp tác xã sau thuế phân phối # trước hết cho _____ theo điều lệ.</p>\n"
    )
    assert bank["quy-bao-cao"].stem_html == (
        "<p>Trình bày cách hợp tác xã của anh/chị trích lập các quỹ<br>\nnăm vừa qua.</p>\n"
    )
    assert one("Q\\nhai <em>dòng</em> {}").stem_html == "<p>Q<br>\nhai <em>dòng</em></p>\n"
    assert one("<ul>\n<li>một</li>\n<li>hai</li>\n</ul> {}").stem_html == "<ul>\n<li>một</li>\n<li>hai</li>\n</ul>\n"


def test_format_prefixes_on_the_question_text_answers_and_feedback(docs):
    m = docs["fmt-markdown"]
    assert m.stem_html == (
        "<p>The <em>American holiday of Thanksgiving</em> is celebrated on the _____ Thursday of November.</p>\n"
    )
    assert [(c.html, c.feedback_html) for c in m.choices] == [
        ("<p>second</p>\n", ""),  # the question's [markdown]
        ("<p>third</p>\n", ""),
        ("<p>&lt;fourth&gt;</p>\n", '<em>Yes</em><img src="x">'),  # [plain] choice, [html] feedback, sanitised
    ]
    h = docs["fmt-html"]
    assert h.stem_html == "<p>Which is <strong>bold</strong>?</p>"
    assert [c.html for c in h.choices] == ["<p>**this**</p>\n", "<p><strong>that</strong></p>\n"]
    p = docs["fmt-plain"]
    assert p.stem_html == "<p>Is 1 &lt; 2 &amp; 3 &gt; 2?</p>\n"
    assert [(c.id, c.feedback_html) for c in p.choices] == [
        ("true", "<p>&lt;i&gt;Right&lt;/i&gt;</p>\n"),  # the question's [plain]
        ("false", "<p>It <em>is</em> true.</p>"),  # its own [html]
    ]
    s = docs["fmt-moodle"]
    assert s.stem_html == "<p>Line one<br>\nline two</p>\n"
    assert [(a.text, a.feedback_html) for a in s.answers] == [("[x]", "<p><strong>well done</strong></p>\n")]
    for q in docs.values():  # never left as literal text
        texts = [q.stem_html, q.general_feedback_html, *(c.html + c.feedback_html for c in q.choices)]
        texts += [a.feedback_html for a in q.answers] + [p.prompt_html + p.answer_html for p in q.pairs]
        assert not [t for t in texts if re.search(r"\[(html|moodle|plain|markdown)\]", t)], q.id


def test_categories_become_one_tag_per_level(docs, bank, exported):
    assert docs["tf-true"].tags == ("GIFT docs", "GIFT docs/Basics")
    assert docs["essay"].tags == ("GIFT docs", "GIFT docs/Text")
    assert bank["dh-quyen"].tags == ("Quản trị", "Quản trị/Đại hội thành viên", "on-tap")
    assert bank["hdqt-ghep"].tags == ("Quản trị", "Quản trị/Hội đồng quản trị")
    assert bank["quy-nhieu"].tags == ("Tài chính",)
    assert exported["HĐQT"].tags == ("Default for HTX 101",)
    assert exported["Ghép cơ quan"].tags == ("Default for HTX 101", "Default for HTX 101/Kỳ 2024/2025")  # '//'
    assert parse("$CATEGORY: $course$/top\n\nQ {}")[0].tags == ()
    assert parse("$CATEGORY: Luật HTX\n\nQ {}")[0].tags == ("Luật HTX",)


def test_a_draw_from_a_category_takes_its_subcategories():
    from elearn_quiz.lesson import QuizLesson
    from test_quiz_lesson import Files

    files = Files(**{"q.gift": (DATA / "quan-tri-htx.gift").read_text(encoding="utf-8")})

    def content(count: int) -> dict:
        return {"gift": "q.gift", "settings": {"draw": {"count": count, "tags": ["Quản trị"]}}}

    assert QuizLesson().import_content(content(6), files)["settings"]["draw"] == {"count": 6, "tags": ["Quản trị"]}
    with pytest.raises(ContentInvalid) as info:
        QuizLesson().import_content(content(7), files)
    assert [e.message for e in info.value.errors] == ["7 questions wanted but the pool has only 6"]


def test_moodle_export_file(exported):
    v = exported["Vốn góp tối đa"]  # dir\="ltr" style\="text-align\: left;" read back, then sanitised away
    assert v.stem_html == "<p>Một thành viên góp vốn <strong>tối đa</strong> bao nhiêu phần trăm vốn điều lệ?</p>"
    assert [(c.html, c.fraction, c.feedback_html) for c in v.choices] == [
        ("<p>20%</p>", 1.0, "<p>Đúng.</p>"),
        ("<p>30%</p>", 0.0, "<p>Quá cao.</p>"),
        ("<p>25%</p>", 0.25, ""),
    ]
    assert v.general_feedback_html == "<p>Xem Điều 30.</p>"
    s = exported["HĐQT"]  # Moodle writes "=%100%answer#" with an empty feedback
    assert [(a.text, a.fraction, a.feedback_html, a.wildcard) for a in s.answers] == [
        ("HĐQT", 1.0, "", False),
        ("HDQT", 0.5, "<p>Thiếu chữ Đ.</p>", False),
        ("*", 0.0, "<p>Chưa đúng.</p>", True),
    ]
    assert answered(s, "Ban kiểm soát") == ("wrong", 0.0, ("<p>Chưa đúng.</p>",))
    n = exported["Số thành viên"]
    assert [(a.value, a.tolerance, a.fraction, a.catch_all) for a in n.answers] == [
        (5.0, 0.0, 1.0, False),
        (5.0, 1.0, 0.5, False),
        (0.0, 0.0, 0.0, True),
    ]
    assert answered(n, "12") == ("wrong", 0.0, ("<p>Ít nhất 05 thành viên.</p>",))
    m = exported["Ghép cơ quan"]
    assert [(p.prompt_html, p.answer_html) for p in m.pairs] == [
        ("<p>Đại hội thành viên</p>", "Quyết định cao nhất"),
        ("<p>Ban kiểm soát</p>", "Giám sát"),
    ]
    assert m.distractors == ("Điều hành hằng ngày",)
    t = exported["Tư cách pháp nhân"]
    assert [(c.id, c.fraction, c.feedback_html) for c in t.choices] == [
        ("true", 1.0, "<p>Đúng.</p>"),
        ("false", 0.0, "<p>Có chứ.</p>"),
    ]
    assert t.general_feedback_html == "<p>Điều 4.</p>"
    assert sum(c.fraction for c in exported["Nhiều đáp án"].choices if c.fraction > 0) == pytest.approx(1, abs=1e-6)
    assert exported["Bài luận"].general_feedback_html == "<p>Giảng viên chấm tay.</p>"
    a = exported["Moodle auto-format"]
    assert a.stem_html == "<p>Dòng một<br>\ndòng <em>hai</em></p>\n"
    assert a.choices[0].feedback_html == "<p><strong>Đúng</strong></p>\n"


def answers_of(q: Question) -> tuple:
    """What a question accepts, with HTML compared without its outer whitespace (as the export writes it)."""
    answers = [dataclasses.replace(a, feedback_html=a.feedback_html.strip()) for a in q.answers]
    return tuple(d.strip() for d in q.distractors), answers


@pytest.mark.parametrize("name", ["moodle-docs.gift", "quan-tri-htx.gift", "moodle-export.gift"])
def test_the_moodle_files_round_trip_through_export_and_storage(name):
    from elearn_quiz.lesson import question_from_json, question_to_json

    original = list(load(name).values())
    again = parse_gift(to_gift(original), "export.gift")
    assert_grades_the_same(original, again)
    assert [answers_of(q) for q in again] == [answers_of(q) for q in original]
    assert [question_from_json(question_to_json(q)) for q in original] == original


def test_questions_stored_before_distractors_still_load():
    from elearn_quiz.lesson import question_from_json, question_to_json

    q = one("Ghép {=a -> 1 =b -> 2}")
    stored = question_to_json(q)
    del stored["distractors"]
    for answer in stored["answers"]:
        answer.pop("wildcard", None)
    assert question_from_json(stored) == q
    short = question_to_json(one("Q {=HTX}"))
    short["answers"][0].pop("wildcard")
    assert question_from_json(short).answers[0].wildcard is False


def test_literal_and_wildcard_stars_in_short_answers():
    q = one("Q {=5\\*3 =%50%a\\*b*}")
    assert [(a.text, a.wildcard) for a in q.answers] == [("5*3", False), ("a\\*b*", True)]
    assert answered(q, "5*3")[:2] == ("correct", 1.0)
    assert answered(q, "513")[:2] == ("wrong", 0.0)
    assert answered(q, "a*bcd")[:2] == ("partial", 0.5)
    assert answered(q, "axbcd")[:2] == ("wrong", 0.0)
    assert to_gift([q]).count("5\\*3") == 1  # exported escaped, so it comes back literal
    ends = one("Q {=ab*ba}")  # the start and the end may not overlap
    states = [answered(ends, text)[0] for text in ("abba", "ab-ba", "aba", "abx")]
    assert states == ["correct", "correct", "wrong", "wrong"]
    hop = one("// [option:ignore_diacritics]\nQ {=hợp tác*}")
    assert answered(hop, "Hop tac xa")[:2] == ("correct", 1.0)


def test_moodle_constructs_left_unsupported_are_errors_with_the_line():
    text = """\
        // from Moodle

        Single choice with a penalty {=a ~%-50%b}

        Pair feedback {=a -> 1 =b -> 2#fb}

        Numbers {#3 ~%50%#half}

        Numbers {#3 ~#x ~#y}

        Only the catch-all {#=*#any}

        [tex]Unknown format {}

        Choice {=[a] one ~two}
        """
    assert errors(text) == [
        "bank.gift:3: negative weights need a multiple-choice question (only '~' answers)",
        "bank.gift:5: matching answers take no per-answer feedback",
        "bank.gift:7: in a numerical block '~' only starts the feedback for any other number: ~#feedback",
        "bank.gift:9: a numerical block takes one '~#feedback' for any other number",
        "bank.gift:11: a numerical question needs one answer worth 100% (a number, not '*')",
        "bank.gift:13: unknown format [tex] (known: moodle, html, plain, markdown; write [moodle][tex] "
        "for a text that starts with [tex])",
        "bank.gift:15: unknown format [a] (known: moodle, html, plain, markdown; write [moodle][a] "
        "for a text that starts with [a])",
    ]
    assert [c.html for c in one("Choice {=[moodle][a] one ~two}").choices] == ["<p>[a] one</p>\n", "<p>two</p>\n"]
