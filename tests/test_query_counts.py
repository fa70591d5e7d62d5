"""The learner's pages issue a fixed, small number of SQL statements, however much content there is.

Each page is measured twice for a learner enrolled in every course (and the
catalogue and a course page for a visitor): with one course of one lesson,
then with 50 courses of 50 lessons (some completed).
The counts must be equal (no query per course or per lesson) and at most
``LIMIT``.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from elearn.clock import utcnow
from elearn.models import Course, Enrolment, Lesson, LessonProgress, Module, Status

LIMIT = 6


def build(db, user, courses: int, lessons: int) -> tuple[str, int]:
    """``courses`` courses of ``lessons`` lessons in two modules, the user enrolled in all and done with some.

    Rows are inserted in bulk: building 2,500 lessons one ORM object at a time would be the slow part.
    Returns the slug of the last course and the id of a lesson in its middle.
    """
    now = utcnow()
    course_ids = db.scalars(
        insert(Course).returning(Course.id, sort_by_parameter_order=True),
        [
            {
                "slug": f"khoa-{c}",
                "title_vi": f"Khoá {c}",
                "title_en": f"Course {c}",
                "summary_vi": "Tóm tắt",
                "summary_en": "",
                "is_published": True,
                "created_at": now,
            }
            for c in range(courses)
        ],
    ).all()
    module_rows = [
        {"course_id": course_id, "key": f"m{m}", "position": m, "title_vi": f"Phần {m}", "title_en": ""}
        for course_id in course_ids
        for m in range(2)
    ]
    module_ids = db.scalars(insert(Module).returning(Module.id, sort_by_parameter_order=True), module_rows).all()
    lesson_rows = [
        {
            "course_id": module["course_id"],
            "module_id": module_id,
            "key": f"l{i}",
            "position": i,
            "type_name": "page",
            "title_vi": f"Bài {i}",
            "title_en": "",
            "content": {"markdown": f"Bài {i}", "html": f"<p>Bài {i}</p>"},
        }
        for module, module_id in zip(module_rows, module_ids, strict=True)
        for i in range(module["position"], lessons, 2)
    ]
    lesson_ids = db.scalars(insert(Lesson).returning(Lesson.id, sort_by_parameter_order=True), lesson_rows).all()
    db.execute(
        insert(Enrolment),
        [{"user_id": user.id, "course_id": course_id, "enrolled_at": now} for course_id in course_ids],
    )
    done = lesson_ids[::3]
    if done:
        db.execute(
            insert(LessonProgress),
            [
                {
                    "user_id": user.id,
                    "lesson_id": lesson_id,
                    "status": Status.COMPLETED,
                    "attempts": 1,
                    "state": {},
                    "started_at": now,
                    "completed_at": now,
                    "updated_at": now,
                }
                for lesson_id in done
            ],
        )
    db.commit()
    last = course_ids[-1]
    in_last = [lid for lid, row in zip(lesson_ids, lesson_rows, strict=True) if row["course_id"] == last]
    return f"khoa-{courses - 1}", in_last[len(in_last) // 2]


def clear(db) -> None:
    for model in (LessonProgress, Enrolment, Lesson, Module, Course):
        db.execute(delete(model))
    db.commit()


def measure(client, anonymous, count_queries, slug: str, lesson_id: int) -> dict[str, int]:
    urls = {
        "dashboard": (client, "/me"),
        "catalogue": (client, "/"),
        "course": (client, f"/courses/{slug}"),
        "lesson": (client, f"/lessons/{lesson_id}"),
        "anonymous catalogue": (anonymous, "/"),
        "anonymous course": (anonymous, f"/courses/{slug}"),
    }
    counts = {}
    for page, (browser, url) in urls.items():
        with count_queries() as counted:
            response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[page] = counted.n
    return counts


def test_pages_issue_the_same_few_queries_for_1_or_2500_lessons(app, client, login, learner, db, count_queries):
    login(client, learner)
    anonymous = app.test_client()

    small = measure(client, anonymous, count_queries, *build(db, learner, courses=1, lessons=1))
    clear(db)
    slug, lesson_id = build(db, learner, courses=50, lessons=50)
    large = measure(client, anonymous, count_queries, slug, lesson_id)

    assert large == small, "a page runs a query per course or per lesson"
    assert all(n <= LIMIT for n in large.values()), large

    # The large world really is on the pages (50 courses, 50 lessons each, progress shown).
    dashboard = client.get("/me").get_data(as_text=True)
    assert dashboard.count('class="card"') == 50
    assert db.scalar(select(Lesson.id).where(Lesson.id == lesson_id)) == lesson_id
    course_page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert course_page.count('href="/lessons/') >= 50
