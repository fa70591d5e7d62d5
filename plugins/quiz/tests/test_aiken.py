"""Moodle Aiken import."""

from __future__ import annotations

from textwrap import dedent

import pytest
from elearn_quiz.aiken import parse_aiken
from elearn_quiz.grading import grade
from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.plugins.lesson_type import ContentInvalid


def errors(text: str) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        parse_aiken(dedent(text), "bank.txt")
    return [str(e) for e in info.value.errors]


def test_good_file():
    questions = parse_aiken(
        dedent(
            """\
            Hợp tác xã được thành lập bởi ít nhất bao nhiêu thành viên?
            A. 3
            B) 5
            C. <b>7</b>
            ANSWER: B

            Cơ quan quyết định cao nhất của hợp tác xã?
            A. Đại hội thành viên
            B. Hội đồng quản trị
            answer: a
            Câu ba,
            hai dòng?
            A. Có
            B. Không
            ANSWER:A
            """
        ),
        "bank.txt",
    )
    assert [q.id for q in questions] == ["q1", "q2", "q3"]
    first = questions[0]
    assert first.type == "single"
    assert first.stem_html == "<p>Hợp tác xã được thành lập bởi ít nhất bao nhiêu thành viên?</p>\n"
    assert [(c.html, c.fraction) for c in first.choices] == [
        ("<p>3</p>\n", 0.0),
        ("<p>5</p>\n", 1.0),
        ("<p>&lt;b&gt;7&lt;/b&gt;</p>\n", 0.0),  # plain text, never HTML
    ]
    assert grade(first, first.choices[1].id).state == "correct"
    assert [c.fraction for c in questions[1].choices] == [1.0, 0.0]
    assert questions[2].stem_md == "Câu ba, hai dòng?"
    assert parse_aiken("", "x.txt") == []
    assert len(parse_aiken("\ufeffQ?\r\nA. a\r\nB. b\r\nANSWER: A\r\n", "x.txt")) == 1


def test_bad_file_reports_every_error_with_its_line():
    assert errors(
        """\
        Good?
        A. yes
        B. no
        ANSWER: A

        Missing answer letter?
        A. yes
        B. no
        ANSWER: C

        Out of order?
        A. yes
        C. no
        ANSWER: A

        ANSWER: A

        One option only?
        A. yes
        ANSWER: A

        No answer line?
        A. yes
        B. no
        Next question?
        A. x
        B. y
        ANSWER: B

        A. an option first
        B. b
        ANSWER: A

        Never finished?
        A. a
        """
    ) == [
        "bank.txt:9: ANSWER: 'C' is not one of the options A, B",
        "bank.txt:13: expected option B, found C",
        "bank.txt:16: ANSWER: without a question before it",
        "bank.txt:20: a question needs at least 2 options (A. ..., B. ...) first",
        "bank.txt:22: the question has no ANSWER: line",
        "bank.txt:30: an option without a question before it",
        "bank.txt:34: the question has no ANSWER: line",
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(
            st.sampled_from(["Q?", "A. a", "B) b", "C. c", "ANSWER: A", "ANSWER: B", "ANSWER:", "", "x", "A.", "\r"]),
            max_size=20,
        ).map("\n".join),
    )
)
def test_parse_aiken_only_returns_or_raises_content_invalid(text):
    try:
        questions = parse_aiken(text, "fuzz.txt")
    except ContentInvalid as exc:
        assert exc.errors and all(e.where.startswith("fuzz.txt:") for e in exc.errors)
        return
    for q in questions:
        assert q.type == "single" and len(q.choices) >= 2
        assert sum(c.fraction for c in q.choices) == 1
