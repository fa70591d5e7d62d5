"""A quiz in another language: the Vietnamese questions with the translation's texts.

Learners' answers name question, choice, answer and item ids, and grading reads fractions,
so a translation keeps every id and every grading rule of the Vietnamese (canonical) quiz
and takes only its texts: stems, choices, matching sides, ordering items, feedback. A
learner who switches language mid-attempt keeps their answers, and an answer is worth the
same in both languages.

The translation must have the same questions in the same order, each of the same type and
points with the same number of choices (numerical answers, pairs, items), and the same right
answers; otherwise ``ContentInvalid`` says where it differs. Short answers are what a learner
types, so a translation gives its own (``cooperative`` for ``hợp tác xã``), as many as it needs:
grading accepts the answers of every language, in every language (``accepting``), so a learner
who types the Vietnamese answer on the English page is still right.
"""

from __future__ import annotations

from dataclasses import replace

from elearn.plugin_api import ContentError, ContentInvalid
from elearn_quiz.questions import Item, Pair, Question


def accepting(question: Question, other: Question) -> Question:
    """``question`` whose short answers also accept ``other``'s (its version in another language).

    ``grade`` takes the best fraction of the answers that match, so the score does not depend on which
    language's answers come first; the feedback is the first best match's, ``question``'s own when it matched.
    """
    if question.type != "short" or other.type != "short":
        return question
    known = {(a.text, a.wildcard) for a in question.answers}
    extra = tuple(a for a in other.answers if (a.text, a.wildcard) not in known)
    return replace(question, answers=question.answers + extra)


def translate_questions(canonical: list[Question], translated: list[Question], source: str) -> list[Question]:
    """The canonical questions with the texts of ``translated``; ``source`` (``questions``, ``gift``) names
    them in errors: ``gift[2].choices[1]`` is the second choice of the third question."""
    if len(translated) != len(canonical):
        raise ContentInvalid([ContentError(source, f"has {len(translated)} questions and the Vietnamese "
                                                   f"{len(canonical)}: give the same questions in the same order")])
    errors: list[ContentError] = []
    result = []
    for index, (ours, theirs) in enumerate(zip(canonical, translated, strict=True)):
        problems: list[ContentError] = []
        result.append(_translate(ours, theirs, f"{source}[{index}]", problems))
        errors.extend(problems)
    if errors:
        raise ContentInvalid(errors)
    return result


def _translate(ours: Question, theirs: Question, where: str, problems: list[ContentError]) -> Question:
    def differs(field: str, message: str) -> None:
        problems.append(ContentError(f"{where}.{field}" if field else where, f"question {ours.id!r}: {message}"))

    def counts(field: str, found: int, wanted: int, what: str) -> bool:
        if found != wanted:
            differs(field, f"has {found} {what} and the Vietnamese {wanted}: give the same {what} in the same order")
        return found == wanted

    if theirs.type != ours.type:
        differs("type", f"is a {theirs.type} question here and a {ours.type} question in Vietnamese")
        return ours
    if theirs.points != ours.points:
        differs("points", f"is worth {theirs.points:g} here and {ours.points:g} in Vietnamese")
    if theirs.options != ours.options:
        differs("options", "must be the same in every language")
    texts = {"stem_md": theirs.stem_md, "stem_html": theirs.stem_html,
             "general_feedback_html": theirs.general_feedback_html}
    if ours.type in ("single", "multiple", "truefalse"):
        if counts("choices", len(theirs.choices), len(ours.choices), "choices"):
            for index, (mine, other) in enumerate(zip(ours.choices, theirs.choices, strict=True)):
                if other.fraction != mine.fraction:
                    differs(f"choices[{index}]", f"is worth {other.fraction:.0%} here and {mine.fraction:.0%} in "
                                                 "Vietnamese: the right answers must be the same")
            texts["choices"] = tuple(replace(mine, html=other.html, feedback_html=other.feedback_html)
                                     for mine, other in zip(ours.choices, theirs.choices, strict=True))
    elif ours.type == "short":
        texts["answers"] = theirs.answers  # what a learner types in this language (see ``accepting``)
    elif ours.type == "numerical":
        if counts("answers", len(theirs.answers), len(ours.answers), "answers"):
            for index, (mine, other) in enumerate(zip(ours.answers, theirs.answers, strict=True)):
                if (other.value, other.tolerance, other.fraction, other.catch_all) != \
                        (mine.value, mine.tolerance, mine.fraction, mine.catch_all):
                    differs(f"answers[{index}]", "is not the Vietnamese answer: the numbers, tolerances and "
                                                 "fractions must be the same")
            texts["answers"] = tuple(replace(mine, feedback_html=other.feedback_html)
                                     for mine, other in zip(ours.answers, theirs.answers, strict=True))
    elif ours.type == "matching":
        if counts("pairs", len(theirs.pairs), len(ours.pairs), "pairs") and \
                counts("distractors", len(theirs.distractors), len(ours.distractors), "extra answers"):
            if _shared_answers(ours.pairs) != _shared_answers(theirs.pairs):
                differs("pairs", "prompts share an answer in one language and not in the other")
            texts["pairs"] = tuple(Pair(mine.id, other.prompt_html, other.answer_html, answer_key=mine.answer_id)
                                   for mine, other in zip(ours.pairs, theirs.pairs, strict=True))
            texts["distractors"], texts["distractor_ids"] = theirs.distractors, ours.distractor_keys()
    elif ours.type == "ordering" and counts("items", len(theirs.items), len(ours.items), "items"):
        texts["items"] = tuple(Item(mine.id, other.html) for mine, other in zip(ours.items, theirs.items, strict=True))
    return replace(ours, **texts)


def _shared_answers(pairs: tuple[Pair, ...]) -> list[int]:
    """For each pair, the index of the first pair with the same answer: how the prompts share answers."""
    first: dict[str, int] = {}
    return [first.setdefault(p.answer_id, index) for index, p in enumerate(pairs)]

