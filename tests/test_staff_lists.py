"""Staff lists stay small and cheap however many people there are: the admin users page and the
groups pages show a page of people at a time, with a filter, in the same number of queries for 10
people as for 1,000."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import insert, select

from elearn.clock import utcnow
from elearn.groups import service
from elearn.models import CourseInstructor, Enrolment, GroupMember, Role, User


def add_people(db, count: int, start: int = 0, role: Role = Role.LEARNER) -> list[int]:
    """``count`` accounts in bulk (hashing a thousand passwords would be the slow part)."""
    now = utcnow()
    ids = db.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {"email": f"hv{n:04d}@example.org", "name": f"Học viên {n:04d}", "password_hash": "x", "role": role,
             "is_active": True, "created_at": now}
            for n in range(start, start + count)
        ],
    ).all()
    db.commit()
    return list(ids)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_users_page_costs_the_same_queries_for_10_or_1000_accounts(client, db, admin, login, count_queries):
    login(client, admin)

    def measure() -> tuple[int, int, str]:
        with count_queries() as counted:
            response = client.get("/admin/users")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return counted.n, len(re.findall(r'<select name="role" id="role-\d', page)), page

    add_people(db, 9)
    small, rows, _page = measure()
    assert rows == 10
    add_people(db, 990, start=9)
    large, rows, page = measure()
    assert (small, rows) == (large, 50)
    assert 'rel="next"' in page and "Trang 1 / 20" in page and "Tài khoản 1–50 trong tổng số 1000." in page
    assert len(page.encode()) < 60_000  # fifty people, whatever the number of accounts


def test_the_users_page_filters_by_name_email_and_role(client, db, admin, instructor, login):
    add_people(db, 120)
    login(client, admin)
    found = text_of(client.get("/admin/users?q=0042"))
    assert "Học viên 0042" in found and "Học viên 0043" not in found
    assert "hv0007@example.org" in text_of(client.get("/admin/users?q=HV0007@example"))
    staff = text_of(client.get("/admin/users?role=instructor"))
    assert "Trần Thị Bình (giảng viên)" in staff and "hv0001@example.org" not in staff
    second = text_of(client.get("/admin/users?page=2&q=Học viên"))
    assert "Học viên 0050" in second and "Học viên 0049" not in second
    # The pager keeps the filter.
    assert "q=H%E1%BB%8Dc+vi%C3%AAn&amp;page=3" in client.get("/admin/users?page=2&q=Học viên").get_data(as_text=True)
    # A role change from a filtered page comes back to it.
    target = db.scalar(select(User).where(User.email == "hv0042@example.org"))
    db.commit()
    page = client.get("/admin/users?q=0042").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/users/{target.id}/role",
                           data={"role": "learner", "csrf_token": token, "next": "/admin/users?q=0042"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users?q=0042"


@pytest.fixture
def course(make_course, instructor, db):
    made = make_course(slug="hop-tac-xa")
    db.add(CourseInstructor(course_id=made.id, user_id=instructor.id))
    db.commit()
    return made


@pytest.fixture
def tracks(db, course):
    urban = service.create_group(db, course, "track", "urban", "Phường", "Urban ward")
    rural = service.create_group(db, course, "track", "rural", "Xã", "Rural commune")
    service.ensure_group_set(db, course, "track").title_vi = "Địa bàn"
    db.commit()
    return urban, rural


def fill(db, course, group, count: int, start: int) -> None:
    ids = add_people(db, count, start)
    now = utcnow()
    db.execute(insert(Enrolment), [{"user_id": i, "course_id": course.id, "enrolled_at": now} for i in ids])
    db.execute(insert(GroupMember), [
        {"group_id": group.id, "user_id": i, "course_id": course.id, "group_set": group.group_set, "added_at": now}
        for i in ids
    ])
    db.commit()


def test_the_groups_pages_cost_the_same_queries_for_10_or_1000_members(
    client, db, course, tracks, instructor, login, count_queries
):
    urban, _rural = tracks
    login(client, instructor)

    def measure(path: str) -> tuple[int, str]:
        with count_queries() as counted:
            response = client.get(path)
        assert response.status_code == 200
        return counted.n, text_of(response)

    group_page = f"/courses/hop-tac-xa/groups/{urban.id}"
    fill(db, course, urban, 10, 0)
    small, page = measure("/courses/hop-tac-xa/groups")
    small_group, _ = measure(group_page)
    fill(db, course, urban, 990, 10)
    large, page = measure("/courses/hop-tac-xa/groups")
    large_group, group_html = measure(group_page)
    assert (small, small_group) == (large, large_group)
    assert small <= 7
    # The groups page: the first ten members, a link to all of them, twenty learners to place.
    members = page[page.index("<h3>Phường"):page.index("<h3>Xã")]
    assert members.count("Gỡ bỏ") == 10 and "Xem cả 1000 thành viên của nhóm “Phường”" in members
    assert page.count('name="group_id" id="assign-') == 20
    assert len(page.encode()) < 40_000
    # The group's own page: fifty by fifty, with a filter.
    assert group_html.count("Gỡ bỏ") == 50, group_html
    assert "Trang 1 / 20" in group_html and "1000 thành viên." in group_html
    found = text_of(client.get(f"{group_page}?q=0999"))
    assert "Học viên 0999" in found and "Học viên 0998" not in found


def test_the_groups_page_shows_set_titles_not_keys(client, db, course, tracks, instructor, login):
    login(client, instructor)
    page = text_of(client.get("/courses/hop-tac-xa/groups"))
    assert "Cách chia: Địa bàn" in page and "Cách chia: track" not in page
    assert "(urban" not in page and "track: Phường" not in page


def test_a_remove_button_is_named_by_its_visible_word_first(client, db, course, tracks, instructor, learner, enrol,
                                                           login):
    enrol(learner, course)
    service.assign(db, course, learner, tracks[0])
    db.commit()
    login(client, instructor)
    page = client.get("/courses/hop-tac-xa/groups").get_data(as_text=True)
    button = re.search(r'<button class="small">Gỡ bỏ(.*?)</button>', page, re.S)
    assert button and "Nguyễn Văn An" in button.group(1) and "aria-label" not in button.group(0)
