"""The learner's path through the web pages, end to end through the test client."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from elearn.clock import utcnow
from elearn.models import Enrolment, Lesson, LessonProgress, Status
from elearn.testing import csrf_token, fresh, lesson_ids


def enrol_through_page(client, slug: str):
    return client.post(f"/courses/{slug}/enrol", data={"csrf_token": csrf_token(client, f"/courses/{slug}")})


def mark_read(client, lesson_id: int):
    return client.post(
        f"/lessons/{lesson_id}/submit",
        data={"read": "1", "csrf_token": csrf_token(client, f"/lessons/{lesson_id}")},
    )


def pager(html: str) -> tuple[int | None, int | None]:
    """The lesson ids the previous and next links of a lesson page point to."""
    found: dict[str, int] = {}
    for tag in re.findall(r"<a\b[^>]*>", html):
        rel = re.search(r'\brel="(prev|next)"', tag)
        href = re.search(r'\bhref="/lessons/(\d+)"', tag)
        if rel and href:
            assert rel.group(1) not in found, f"two {rel.group(1)} links"
            found[rel.group(1)] = int(href.group(1))
    return found.get("prev"), found.get("next")


def dashboard_card(client, slug: str) -> str:
    page = client.get("/me")
    assert page.status_code == 200
    for card in re.findall(r'<li class="card">(.*?)</li>', page.get_data(as_text=True), re.S):
        if f'href="/courses/{slug}"' in card:
            return card
    raise AssertionError(f"no card for {slug} on the dashboard")


def progress_percent(html: str) -> int:
    found = re.search(r'role="progressbar"[^>]*aria-valuenow="(\d+)"', html)
    assert found, "no progress bar"
    return int(found.group(1))


def test_a_learner_goes_from_the_catalogue_to_a_completed_course(client, db, learner, login, make_course):
    course = make_course(title="Quản lý hợp tác xã", modules=2)
    slug, course_id, user_id = course.slug, course.id, learner.id
    ids = lesson_ids(db, course)
    assert len(ids) == 3

    catalogue = client.get("/")
    assert catalogue.status_code == 200
    assert "Quản lý hợp tác xã" in catalogue.get_data(as_text=True)
    assert f'href="/courses/{slug}"' in catalogue.get_data(as_text=True)

    page = client.get(f"/courses/{slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Quản lý hợp tác xã" in html
    assert all(title in html for title in ("Bài 1", "Bài 2", "Bài 3"))

    login(client, learner)
    enrolled = enrol_through_page(client, slug)
    assert enrolled.status_code == 303
    assert enrolled.headers["Location"] == f"/courses/{slug}"
    assert fresh(db).scalar(select(Enrolment).where(Enrolment.user_id == user_id)).course_id == course_id

    # The course page now links every lesson.
    html = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert all(f'href="/lessons/{lesson_id}"' in html for lesson_id in ids)

    # The dashboard shows the course at 0 % with the first lesson next.
    card = dashboard_card(client, slug)
    assert progress_percent(card) == 0
    assert f'href="/lessons/{ids[0]}"' in card

    for index, lesson_id in enumerate(ids):
        lesson_page = client.get(f"/lessons/{lesson_id}")
        assert lesson_page.status_code == 200
        html = lesson_page.get_data(as_text=True)
        assert f"Bài {index + 1}" in html  # the page's text, from the content
        expected_previous = ids[index - 1] if index > 0 else None
        expected_next = ids[index + 1] if index + 1 < len(ids) else None
        assert pager(html) == (expected_previous, expected_next)
        assert f'action="/lessons/{lesson_id}/submit"' in html

        done = mark_read(client, lesson_id)
        assert done.status_code == 303
        assert urlsplit(done.headers["Location"]).path == f"/lessons/{lesson_id}", "back to the lesson"
        progress = fresh(db).scalar(
            select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
        )
        assert progress.status == Status.COMPLETED
        assert progress.completed_at is not None
        # Once read, the page no longer offers the button.
        assert f'action="/lessons/{lesson_id}/submit"' not in client.get(f"/lessons/{lesson_id}").get_data(
            as_text=True
        )

        enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == user_id))
        if index + 1 < len(ids):
            assert enrolment.completed_at is None, "the course is not complete before its last lesson"
            card = dashboard_card(client, slug)
            assert progress_percent(card) == round((index + 1) * 100 / len(ids))
            assert f'href="/lessons/{ids[index + 1]}"' in card, "the dashboard points to the next lesson"
        else:
            assert enrolment.completed_at is not None

    card = dashboard_card(client, slug)
    assert progress_percent(card) == 100
    assert "/lessons/" not in card, "nothing left to do: no next lesson"
    assert 'class="notice success"' in card, "the dashboard says the course is completed"
    db.commit()


def test_marking_a_page_read_twice_changes_nothing(client, db, learner, login, make_course, enrol):
    course = make_course()
    enrol(learner, course)
    first = lesson_ids(db, course)[0]
    login(client, learner)
    assert mark_read(client, first).status_code == 303
    before = fresh(db).scalar(select(LessonProgress).where(LessonProgress.lesson_id == first))
    completed_at, attempts = before.completed_at, before.attempts
    assert mark_read(client, first).status_code == 303
    after = fresh(db).scalar(select(LessonProgress).where(LessonProgress.lesson_id == first))
    assert after.status == Status.COMPLETED
    assert (after.completed_at, after.attempts) == (completed_at, attempts)
    db.commit()


def test_a_form_without_read_does_not_complete_the_page(client, db, learner, login, make_course, enrol):
    course = make_course()
    enrol(learner, course)
    first = lesson_ids(db, course)[0]
    login(client, learner)
    response = client.post(f"/lessons/{first}/submit", data={"csrf_token": csrf_token(client, f"/lessons/{first}")})
    assert response.status_code == 400
    assert fresh(db).scalar(select(LessonProgress)) is None
    db.commit()


def test_enrolling_twice_is_harmless(client, db, learner, login, make_course):
    course = make_course()
    slug, user_id = course.slug, learner.id
    first = lesson_ids(db, course)[0]
    login(client, learner)
    assert enrol_through_page(client, slug).status_code == 303
    assert mark_read(client, first).status_code == 303
    again = enrol_through_page(client, slug)
    assert again.status_code == 303
    assert again.headers["Location"] == f"/courses/{slug}"
    fresh(db)
    assert len(db.scalars(select(Enrolment).where(Enrolment.user_id == user_id)).all()) == 1
    progress = db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == first))
    assert progress.status == Status.COMPLETED, "enrolling again keeps the progress made"
    db.commit()


def test_enrolling_needs_a_login(client, db, make_course):
    course = make_course()
    response = client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")
    assert fresh(db).scalar(select(Enrolment)) is None
    db.commit()


def test_an_anonymous_visitor_sees_the_outline_but_no_lesson_links(client, db, make_course):
    course = make_course()
    ids = lesson_ids(db, course)
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Bài 1" in html
    assert not any(f'href="/lessons/{lesson_id}"' in html for lesson_id in ids)
    response = client.get(f"/lessons/{ids[0]}")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


def test_a_learner_who_is_not_enrolled_gets_403_on_a_lesson(client, db, learner, make_user, login, make_course, enrol):
    course = make_course()
    other = make_user()
    enrol(other, course)
    first = lesson_ids(db, course)[0]
    login(client, learner)
    response = client.get(f"/lessons/{first}")
    assert response.status_code == 403
    assert "Bài 1</p>" not in response.get_data(as_text=True), "the lesson's text is not shown"
    # Nor can they submit to it.
    submitted = client.post(f"/lessons/{first}/submit", data={"read": "1", "csrf_token": csrf_token(client, "/")})
    assert submitted.status_code == 403
    assert fresh(db).scalar(select(LessonProgress)) is None
    db.commit()


def test_an_unpublished_course_is_404_for_learners(client, db, learner, login, make_course, enrol):
    hidden = make_course(published=False, title="Khoá học nháp")
    enrol(learner, hidden)  # even an enrolment made before it was unpublished opens nothing
    first = lesson_ids(db, hidden)[0]
    login(client, learner)
    assert "Khoá học nháp" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/courses/{hidden.slug}").status_code == 404
    assert client.get(f"/lessons/{first}").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"/courses/{hidden.slug}/enrol", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/lessons/{first}/submit", data={"read": "1", "csrf_token": token}).status_code == 404
    assert fresh(db).scalar(select(LessonProgress)) is None
    db.commit()


def test_an_unknown_course_is_404(client, learner, login):
    assert client.get("/courses/no-such-course").status_code == 404
    login(client, learner)
    assert client.get("/lessons/999999").status_code == 404


def test_a_retired_lesson_is_not_in_the_outline(client, db, learner, login, make_course, enrol):
    course = make_course()
    slug = course.slug
    enrol(learner, course)
    ids = lesson_ids(db, course)
    db.get(Lesson, ids[1]).retired_at = utcnow()
    db.commit()
    login(client, learner)

    html = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert f'href="/lessons/{ids[1]}"' not in html
    assert "Bài 2" not in html
    assert client.get(f"/lessons/{ids[1]}").status_code == 404

    # Its neighbours link to each other.
    assert pager(client.get(f"/lessons/{ids[0]}").get_data(as_text=True)) == (None, ids[2])
    assert pager(client.get(f"/lessons/{ids[2]}").get_data(as_text=True)) == (ids[0], None)

    # The course completes without it.
    mark_read(client, ids[0])
    mark_read(client, ids[2])
    assert fresh(db).scalar(select(Enrolment)).completed_at is not None
    assert progress_percent(dashboard_card(client, slug)) == 100
    db.commit()


def test_a_lesson_of_a_type_not_installed_shows_an_error_and_the_course_still_works(
    client, db, learner, login, make_course, enrol
):
    course = make_course([("page", {"text": "Mở đầu"}), ("no_such_type", {"x": 1}), ("page", {"text": "Kết thúc"})])
    slug = course.slug
    enrol(learner, course)
    ids = lesson_ids(db, course)
    login(client, learner)

    broken = client.get(f"/lessons/{ids[1]}")
    assert broken.status_code == 200
    html = broken.get_data(as_text=True)
    assert 'role="alert"' in html
    assert "no_such_type" in html, "the error names the missing lesson type"
    assert pager(html) == (ids[0], ids[2]), "the learner can move on"

    token = csrf_token(client, f"/lessons/{ids[0]}")
    refused = client.post(f"/lessons/{ids[1]}/submit", data={"read": "1", "csrf_token": token})
    assert refused.status_code == 409

    for lesson_id, text in ((ids[0], "Mở đầu"), (ids[2], "Kết thúc")):
        assert text in client.get(f"/lessons/{lesson_id}").get_data(as_text=True)
        assert mark_read(client, lesson_id).status_code == 303
    fresh(db)
    statuses = dict(db.execute(select(LessonProgress.lesson_id, LessonProgress.status)).all())
    assert statuses == {ids[0]: Status.COMPLETED, ids[2]: Status.COMPLETED}
    assert client.get(f"/courses/{slug}").status_code == 200
    card = dashboard_card(client, slug)
    assert f'href="/lessons/{ids[1]}"' in card, "the missing-type lesson is still what is left"
    db.commit()


def test_the_catalogue_lists_only_published_courses_with_their_titles(client, make_course):
    make_course(title="Kế toán hợp tác xã")
    make_course(title="Bản nháp bí mật", published=False)
    html = client.get("/").get_data(as_text=True)
    assert "Kế toán hợp tác xã" in html
    assert "Bản nháp bí mật" not in html


def test_the_dashboard_needs_a_login(client):
    response = client.get("/me")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


def test_the_dashboard_lists_only_my_courses(client, learner, login, make_course, enrol):
    mine = make_course(title="Khoá của tôi")
    make_course(title="Khoá khác")
    enrol(learner, mine)
    login(client, learner)
    html = client.get("/me").get_data(as_text=True)
    assert "Khoá của tôi" in html
    assert "Khoá khác" not in html
    assert "Khoá khác" in client.get("/").get_data(as_text=True)
