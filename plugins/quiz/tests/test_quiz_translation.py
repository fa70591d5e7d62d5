"""The quiz in English: the Vietnamese quiz's ids and grading with the English texts.

A translation that is not the same quiz is refused with field paths; grading is the same in
both languages; a learner who switches language mid-attempt keeps their answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from elearn_quiz.lesson import QuizLesson, question_from_json

from elearn.packs.files import FolderFiles
from elearn.packs.localise import import_lesson
from elearn.plugins.lesson_type import ContentInvalid

QUIZ = QuizLesson()
LANGUAGES = ["vi", "en"]

GIFT_VI = """\
::a:: Mỗi thành viên có mấy phiếu? {=Một phiếu #Đúng. ~Theo vốn góp #Chưa đúng.}

::b:: Đại hội thành viên là cơ quan cao nhất. {T}

::c:: Ghép cơ quan với việc của nó. {
  =Đại hội -> Quyết định
  =Ban kiểm soát -> Giám sát
  = -> Du lịch
}
"""

GIFT_EN = """\
::a:: How many votes does each member have? {=One vote #Right. ~By capital #Not quite.}

::b:: The members' general meeting is the highest body. {T}

::c:: Match each body with its work. {
  =General meeting -> Decides
  =Supervisory board -> Oversees
  = -> Tourism
}
"""


def gift_quiz(tmp_path: Path, english: str | None) -> tuple[dict, dict]:
    (tmp_path / "q").mkdir(exist_ok=True)
    (tmp_path / "q/kiem-tra.gift").write_text(GIFT_VI, encoding="utf-8")
    if english is not None:
        (tmp_path / "q/kiem-tra.en.gift").write_text(english, encoding="utf-8")
    return import_lesson(QUIZ, {"gift": "q/kiem-tra.gift"}, FolderFiles(tmp_path, "p", "1.0.0"), LANGUAGES)


def refusal(tmp_path: Path, english: str) -> dict[str, str]:
    with pytest.raises(ContentInvalid) as caught:
        gift_quiz(tmp_path, english)
    return {e.where: e.message for e in caught.value.errors}


def test_a_gift_file_has_its_english_beside_it_with_the_vietnamese_ids(tmp_path):
    canonical, translations = gift_quiz(tmp_path, GIFT_EN)
    english = translations["en"]
    assert english["settings"] == canonical["settings"]
    for ours, theirs in zip(canonical["questions"], english["questions"], strict=True):
        vi, en = question_from_json(ours), question_from_json(theirs)
        assert (en.id, en.type, en.points) == (vi.id, vi.type, vi.points)
        assert [(c.id, c.fraction) for c in en.choices] == [(c.id, c.fraction) for c in vi.choices]
        assert [p.id for p in en.pairs] == [p.id for p in vi.pairs]
        assert [p.answer_id for p in en.pairs] == [p.answer_id for p in vi.pairs]
        assert list(en.matching_answers()) == list(vi.matching_answers())  # distractors too
    a, _b, c = (question_from_json(q) for q in english["questions"])
    assert "How many votes" in a.stem_html and "Right." in a.choices[0].feedback_html
    assert "Tourism" in c.matching_answers()[question_from_json(canonical["questions"][2]).distractor_keys()[0]]


def test_a_quiz_without_english_is_stored_as_before(tmp_path):
    canonical, translations = gift_quiz(tmp_path, None)
    assert translations == {}
    matching = canonical["questions"][2]
    assert "distractor_ids" not in matching
    assert all(set(pair) == {"id", "prompt_html", "answer_html"} for pair in matching["pairs"])


def test_an_english_quiz_with_another_number_of_questions_is_refused(tmp_path):
    english = GIFT_EN.split("\n\n::b::")[0] + "\n"
    assert refusal(tmp_path, english) == {
        "gift": "in English: has 1 questions and the Vietnamese 3: give the same questions in the same order"
    }


def test_an_english_question_with_another_right_answer_or_shape_is_refused_where_it_differs(tmp_path):
    english = (GIFT_EN.replace("{=One vote #Right. ~By capital #Not quite.}", "{~One vote =By capital}")
               .replace("{T}", "{=yes ~no}")
               .replace("  = -> Tourism\n", ""))
    found = refusal(tmp_path, english)
    assert set(found) == {"gift[0].choices[0]", "gift[0].choices[1]", "gift[1].type", "gift[2].distractors"}
    assert found["gift[0].choices[0]"] == ("in English: question 'a': is worth 0% here and 100% in Vietnamese: "
                                           "the right answers must be the same")
    assert "is a single question here and a truefalse question in Vietnamese" in found["gift[1].type"]


def test_an_english_question_with_more_choices_is_refused(tmp_path):
    found = refusal(tmp_path, GIFT_EN.replace("~By capital #Not quite.}", "~By capital ~By age}"))
    assert found == {"gift[0].choices": "in English: question 'a': has 3 choices and the Vietnamese 2: "
                                        "give the same choices in the same order"}


def test_a_mistake_in_the_english_file_names_that_file(tmp_path):
    found = refusal(tmp_path, GIFT_EN.replace("{T}", "{T} {F}"))
    [(where, message)] = found.items()
    assert where == "gift" and message.startswith("in English: q/kiem-tra.en.gift:3")


def test_english_per_field_cannot_change_what_a_question_is_worth():
    content = {
        "questions": [
            {"id": "t", "type": "truefalse", "stem": {"vi": "Đúng?", "en": "True?"},
             "correct": {"vi": True, "en": False}},
            {"id": "n", "type": "numerical", "stem": "Bao nhiêu?", "answer": {"vi": 5, "en": 6}},
            {"id": "s", "type": "single", "stem": "Một?", "points": {"vi": 1, "en": 2},
             "choices": [{"text": "A", "correct": True}, {"text": "B"}]},
        ],
        "settings": {"pass_mark": {"vi": 0.5, "en": 0.8}},
    }
    with pytest.raises(ContentInvalid) as caught:
        import_lesson(QUIZ, content, None, LANGUAGES)
    assert {e.where for e in caught.value.errors} == {"settings"}  # the settings first: nothing else is compared
    del content["settings"]
    with pytest.raises(ContentInvalid) as caught:
        import_lesson(QUIZ, content, None, LANGUAGES)
    assert {e.where for e in caught.value.errors} == {
        "questions[0].choices[0]", "questions[0].choices[1]", "questions[1].answers[0]", "questions[2].points",
    }


# -- taking the quiz in two languages ------------------------------------------------------

CONTENT = {
    "intro": {"vi": "Kiểm tra cuối khoá.", "en": "End-of-course check."},
    "questions": [
        {"id": "q1", "type": "single",
         "stem": {"vi": "Mỗi thành viên có mấy phiếu?", "en": "How many votes does each member have?"},
         "feedback": {"vi": "Một thành viên, một phiếu.", "en": "One member, one vote."},
         "choices": [{"text": {"vi": "Một phiếu", "en": "One vote"}, "correct": True,
                      "feedback": {"vi": "Đúng.", "en": "Right."}},
                     {"text": {"vi": "Theo vốn góp", "en": "By capital"}}]},
        {"id": "q2", "type": "short",
         "stem": {"vi": "Tổ chức kinh tế tập thể này gọi là gì?", "en": "What is this collective organisation called?"},
         "answers": {"vi": ["hợp tác xã", {"text": "HTX", "fraction": 0.5}],
                     "en": ["cooperative", {"text": "co-op", "fraction": 0.5}]}},
        {"id": "q3", "type": "matching", "stem": {"vi": "Ghép", "en": "Match"},
         "pairs": [{"prompt": {"vi": "Đại hội", "en": "General meeting"},
                    "answer": {"vi": "Quyết định", "en": "Decides"}},
                   {"prompt": {"vi": "Ban kiểm soát", "en": "Supervisory board"},
                    "answer": {"vi": "Giám sát", "en": "Oversees"}}]},
        {"id": "q4", "type": "ordering", "stem": {"vi": "Thứ tự", "en": "In order"},
         "items": [{"vi": "Sáng lập", "en": "Founders"}, {"vi": "Hội nghị", "en": "Meeting"},
                   {"vi": "Đăng ký", "en": "Registration"}]},
        {"id": "q5", "type": "numerical",
         "stem": {"vi": "Tối thiểu mấy thành viên?", "en": "At least how many members?"},
         "answers": [{"value": 5, "feedback": {"vi": "Đúng: 5.", "en": "Right: 5."}}]},
    ],
    "settings": {"review": "immediately", "shuffle_options": True},
}
RIGHT = {"vi": {"q1": "Một phiếu", "q3": ["Quyết định", "Giám sát"], "q4": ["Sáng lập", "Hội nghị", "Đăng ký"]},
         "en": {"q1": "One vote", "q3": ["Decides", "Oversees"], "q4": ["Founders", "Meeting", "Registration"]}}
PROMPTS = {"vi": ["Đại hội", "Ban kiểm soát"], "en": ["General meeting", "Supervisory board"]}


@pytest.fixture
def quiz(app, make_lesson, make_user, enrol, client, api_token):
    lesson = make_lesson("quiz", CONTENT)

    class Learner:
        def __init__(self) -> None:
            user = make_user()
            enrol(user, lesson.course)
            self.token = api_token(user)
            self.seq = 0

        def headers(self, language: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {self.token}", "Accept-Language": language}

        def view(self, language: str) -> dict:
            body = client.get(f"/api/v1/lessons/{lesson.id}", headers=self.headers(language)).get_json()
            assert body["content_language"] == language
            return body["view"]

        def send(self, language: str, **body):
            if body.get("action") in ("save", "submit"):
                self.seq += 1
                body["seq"] = self.seq
            response = client.post(f"/api/v1/lessons/{lesson.id}/submissions", json=body,
                                   headers=self.headers(language))
            assert response.status_code == 201, response.get_json()
            return response.get_json()

    return Learner


def text(html: str) -> str:
    return html.strip().removeprefix("<p>").removesuffix("</p>")


def answers_from(questions: list[dict], language: str, short: str) -> dict:
    """The right answers, found by their texts in ``language`` (as a learner reading it would)."""
    by_id = {q["id"]: q for q in questions}
    right = RIGHT[language]
    choice = next(c["id"] for c in by_id["q1"]["choices"] if text(c["html"]) == right["q1"])
    prompts = {text(p["html"]): p["id"] for p in by_id["q3"]["prompts"]}
    answer_ids = {text(a["html"]): a["id"] for a in by_id["q3"]["answers"]}
    matching = {prompts[p]: answer_ids[a] for p, a in zip(PROMPTS[language], right["q3"], strict=True)}
    items = {text(i["html"]): i["id"] for i in by_id["q4"]["items"]}
    return {"q1": choice, "q2": short, "q3": matching, "q4": [items[t] for t in right["q4"]], "q5": "5"}


def test_an_attempt_goes_on_in_english_with_the_answers_given_in_vietnamese(quiz):
    learner = quiz()
    learner.send("vi", action="start")
    vietnamese = learner.view("vi")["attempt"]["questions"]
    assert "Mỗi thành viên có mấy phiếu?" in vietnamese[0]["stem_html"]
    given = answers_from(vietnamese, "vi", "hợp tác xã")
    learner.send("vi", action="save", answers={"q1": given["q1"], "q3": given["q3"]})

    english = learner.view("en")["attempt"]["questions"]
    assert "How many votes does each member have?" in english[0]["stem_html"]
    by_id = {q["id"]: q for q in english}
    assert by_id["q1"]["answer"] == given["q1"] and by_id["q3"]["answer"] == given["q3"]
    assert answers_from(english, "en", "cooperative") == {**given, "q2": "cooperative"}, \
        "the same choices, answers and items in English, under the same ids"
    learner.send("en", action="save", answers={"q2": "hợp tác xã", "q4": given["q4"], "q5": "5"})
    result = learner.send("en", action="submit")
    assert result["progress"]["score"] == 1.0

    review = {q["id"]: q for q in learner.view("en")["review"]["questions"]}
    assert review["q1"]["feedback_html"] == "<p>Right.</p>\n<p>One member, one vote.</p>\n"
    assert review["q5"]["feedback_html"] == "<p>Right: 5.</p>\n"
    assert set(review["q2"]["right_answer"]) == {"cooperative", "hợp tác xã"}
    vietnamese_review = {q["id"]: q for q in learner.view("vi")["review"]["questions"]}
    assert vietnamese_review["q1"]["feedback_html"] == "<p>Đúng.</p>\n<p>Một thành viên, một phiếu.</p>\n"


@pytest.mark.parametrize(("short", "fraction"), [("cooperative", 1.0), ("hợp tác xã", 1.0), ("co-op", 0.5),
                                                 ("HTX", 0.5), ("công ty", 0.0)])
def test_grading_is_the_same_in_both_languages(quiz, short, fraction):
    scores = {}
    for language in ("vi", "en"):
        learner = quiz()
        learner.send(language, action="start")
        answers = answers_from(learner.view(language)["attempt"]["questions"], language, short)
        learner.send(language, action="submit", answers=answers)
        review = {q["id"]: q for q in learner.view(language)["review"]["questions"]}
        scores[language] = (review["q2"]["fraction"], [q["fraction"] for q in review.values()])
    assert scores["vi"] == scores["en"]
    assert scores["vi"][0] == fraction
