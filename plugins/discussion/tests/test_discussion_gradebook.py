"""A discussion graded by a rubric gives its participation scores to the core's gradebook (a report
column naming the lesson); a discussion without a rubric is not graded there."""

from __future__ import annotations

import re

from elearn_discussion.models import Participation


def gradebook_rows(client, course) -> tuple[str, dict[str, str]]:
    page = client.get(f"/courses/{course.slug}/gradebook").get_data(as_text=True)
    return page, {m[0]: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m[1])).strip()
                  for m in re.findall(r'<tr data-learner="(\d+)">(.*?)</tr>', page, re.S)}


def test_the_rubric_score_is_the_course_grade(client, db, login, discussion):
    site = discussion(rubric=[{"id": "analysis", "title": "Phân tích", "points": 10}])
    db.add(Participation(lesson_id=site.lesson.id, user_id=site.alice.id, marks={"analysis": 7}, score=0.7))
    db.commit()
    login(client, site.teacher)
    page, rows = gradebook_rows(client, site.course)
    assert rows[str(site.alice.id)].count("70%") == 2  # the lesson's score, and the grade it makes
    assert "trọng số 100%" in page  # the only graded lesson
    assert rows[str(site.bob.id)].startswith("Bình Trần 0%") and "—" in rows[str(site.bob.id)]


def test_a_discussion_without_a_rubric_is_not_graded(client, db, login, discussion):
    site = discussion()
    login(client, site.teacher)
    page, rows = gradebook_rows(client, site.course)
    assert "%" not in rows[str(site.alice.id)]  # no score, and no grade: "—"
    assert "trọng số 100%" not in page  # no lesson weighs in a grade
