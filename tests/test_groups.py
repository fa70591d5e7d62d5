"""Course groups: one group per learner and set, who may manage them, the page and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from werkzeug.exceptions import HTTPException

from elearn.groups import service
from elearn.models import CourseGroup, CourseGroupSet, CourseInstructor, Enrolment, GroupMember
from elearn.testing import csrf_token, fresh


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def course(make_course, instructor, db):
    made = make_course(slug="hop-tac-xa")
    db.add(CourseInstructor(course_id=made.id, user_id=instructor.id))
    db.commit()
    return made


@pytest.fixture
def tracks(db, course):
    """The course split by ``track``: urban ward and rural commune."""
    urban = service.create_group(db, course, "track", "urban", "Phường", "Urban ward")
    rural = service.create_group(db, course, "track", "rural", "Xã", "Rural commune")
    db.commit()
    return urban, rural


def members(db, group_set: str = "track") -> list[tuple[int, int]]:
    return (
        fresh(db)
        .execute(select(GroupMember.user_id, GroupMember.group_id).where(GroupMember.group_set == group_set))
        .all()
    )


def refused(call) -> int:
    with pytest.raises(HTTPException) as caught:
        call()
    return caught.value.code


# -- the rules -------------------------------------------------------------------


def test_a_learner_is_in_one_group_per_set_and_moving_replaces(db, course, tracks, learner, enrol):
    urban, rural = tracks
    district = service.create_group(db, course, "district", "ba-vi", "Ba Vì")
    enrol(learner, course)
    service.assign(db, course, learner, urban)
    service.assign(db, course, learner, urban)  # again: harmless
    service.assign(db, course, learner, district)
    db.commit()
    assert members(db) == [(learner.id, urban.id)]

    service.assign(db, course, learner, rural)
    db.commit()
    assert members(db) == [(learner.id, rural.id)]
    assert service.user_group_ids(db, learner.id, course.id) == {"track": rural.id, "district": district.id}

    assert service.unassign(db, course, learner, rural) is True
    assert service.unassign(db, course, learner, rural) is False
    db.commit()
    assert service.user_group_ids(db, learner.id, course.id) == {"district": district.id}


def test_only_enrolled_learners_join_a_group(db, course, tracks, learner):
    assert refused(lambda: service.assign(db, course, learner, tracks[0])) == 409
    assert members(db) == []


@pytest.mark.parametrize(
    ("group_set", "key", "title"),
    [
        ("Track", "urban", "Phường"),
        ("track", "có dấu", "Phường"),
        ("", "urban", "Phường"),
        ("t" * 51, "urban", "Phường"),
        ("track", "k" * 101, "Phường"),
        ("track", "urban", " "),
        ("track", "urban", "x" * 301),
    ],
)
def test_bad_sets_keys_and_titles_are_refused(db, course, group_set, key, title):
    assert refused(lambda: service.create_group(db, course, group_set, key, title)) == 400


def test_a_duplicate_group_is_a_conflict(db, course, tracks):
    assert refused(lambda: service.create_group(db, course, "track", "urban", "Lần nữa")) == 409
    db.commit()
    assert fresh(db).scalar(select(func.count()).select_from(CourseGroup)) == 2


def test_a_group_of_another_course_is_not_found(db, course, tracks, make_course, learner, enrol):
    other = make_course()
    enrol(learner, other)
    assert refused(lambda: service.assign(db, other, learner, tracks[0])) == 404
    assert refused(lambda: service.get_group(db, other, tracks[0].id)) == 404


# -- the instructors' page ---------------------------------------------------------


def test_the_page_lists_sets_groups_and_members(client, db, course, tracks, instructor, learner, enrol, login):
    enrol(learner, course)
    service.assign(db, course, learner, tracks[1])
    db.commit()
    login(client, instructor)
    page = client.get("/courses/hop-tac-xa/groups").get_data(as_text=True)
    assert "track" in page
    assert "Phường" in page and "Xã" in page
    assert "Nguyễn Văn An" in page
    assert 'name="csrf_token"' in page
    assert "/courses/hop-tac-xa/groups" in client.get("/courses/hop-tac-xa").get_data(as_text=True)


def test_an_instructor_creates_assigns_moves_and_removes(client, db, course, instructor, learner, enrol, login):
    enrol(learner, course)
    login(client, instructor)
    path = "/courses/hop-tac-xa/groups"
    token = csrf_token(client, path)
    for key, title in (("urban", "Phường"), ("rural", "Xã")):
        form = {"csrf_token": token, "group_set": "track", "key": key, "title_vi": title, "title_en": ""}
        response = client.post(path, data=form)
        assert response.status_code == 303
    urban, rural = fresh(db).scalars(select(CourseGroup).order_by(CourseGroup.id)).all()
    assert (urban.key, urban.title_vi, rural.key) == ("urban", "Phường", "rural")

    for group in (urban, rural):
        form = {"csrf_token": token, "user_id": learner.id, "group_id": group.id}
        assert client.post(f"{path}/members", data=form).status_code == 303
    assert members(db) == [(learner.id, rural.id)]

    form = {"csrf_token": token, "user_id": learner.id, "group_id": urban.id}
    client.post(f"{path}/members/remove", data=form)  # not in it any more: the move stands
    assert members(db) == [(learner.id, rural.id)]
    form["group_id"] = rural.id
    response = client.post(f"{path}/members/remove", data=form, follow_redirects=True)
    assert "Nguyễn Văn An không còn ở nhóm" in response.get_data(as_text=True)
    assert members(db) == []


def test_a_refused_form_comes_back_with_the_reason(client, db, course, tracks, instructor, make_user, login):
    outsider = make_user("learner", "dung@example.org", "Phạm Dũng")
    login(client, instructor)
    path = "/courses/hop-tac-xa/groups"
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={"csrf_token": token, "group_set": "track", "key": "urban", "title_vi": "Lại"},
        follow_redirects=True,
    )
    assert "đã có nhóm “urban”" in response.get_data(as_text=True)
    response = client.post(
        f"{path}/members",
        data={"csrf_token": token, "user_id": outsider.id, "group_id": tracks[0].id},
        follow_redirects=True,
    )
    assert "Phạm Dũng chưa đăng ký học khoá này" in response.get_data(as_text=True)
    assert members(db) == []


def test_a_form_without_csrf_token_is_refused(client, db, course, instructor, login):
    login(client, instructor)
    response = client.post("/courses/hop-tac-xa/groups", data={"group_set": "track", "key": "a", "title_vi": "A"})
    assert response.status_code == 400
    assert fresh(db).scalar(select(func.count()).select_from(CourseGroup)) == 0


def test_who_may_open_the_page(client, db, course, learner, enrol, make_user, make_course, login, admin):
    path = "/courses/hop-tac-xa/groups"
    response = client.get(path)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")

    enrol(learner, course)
    login(client, learner)
    assert client.get(path).status_code == 403
    assert "/groups" not in client.get("/courses/hop-tac-xa").get_data(as_text=True)
    assert client.get("/courses/no-such-course/groups").status_code == 404

    other_teacher = make_user("instructor")
    other = make_course()
    db.add(CourseInstructor(course_id=other.id, user_id=other_teacher.id))
    db.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, other_teacher)
    assert client.get(path).status_code == 403
    assert client.get(f"/courses/{other.slug}/groups").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, admin)
    assert client.get(path).status_code == 200


def test_a_learner_cannot_post_the_forms(client, db, course, tracks, learner, enrol, login):
    enrol(learner, course)
    login(client, learner)
    token = csrf_token(client, "/me")
    form = {"csrf_token": token, "user_id": learner.id, "group_id": tracks[0].id}
    assert client.post("/courses/hop-tac-xa/groups/members", data=form).status_code == 403
    form = {"csrf_token": token, "group_set": "track", "key": "mine", "title_vi": "Của tôi"}
    assert client.post("/courses/hop-tac-xa/groups", data=form).status_code == 403
    assert members(db) == []


def test_the_page_runs_as_many_queries_with_2_or_30_members(
    client, db, course, tracks, instructor, make_user, enrol, login, count_queries
):
    login(client, instructor)

    def fill(n: int) -> int:
        for i in range(n):
            user = make_user("learner")
            enrol(user, course)
            service.assign(db, course, user, tracks[i % 2])
        db.commit()
        with count_queries() as counted:
            response = client.get("/courses/hop-tac-xa/groups")
        assert response.status_code == 200
        return counted.n

    small = fill(2)
    large = fill(28)
    assert len(members(db)) == 30
    assert small == large
    assert small <= 7  # user, course, enrolment, instructor, groups, members, enrolled learners


# -- the API ----------------------------------------------------------------------


def test_staff_see_every_group_with_members_by_id_and_name(
    client, db, course, tracks, instructor, learner, enrol, api_token
):
    enrol(learner, course)
    service.assign(db, course, learner, tracks[0])
    db.commit()
    response = client.get("/api/v1/courses/hop-tac-xa/groups", headers=bearer(api_token(instructor)))
    assert response.status_code == 200
    groups = response.get_json()["groups"]
    assert [(g["group_set"], g["key"]) for g in groups] == [("track", "urban"), ("track", "rural")]
    assert groups[0]["members"] == [{"id": learner.id, "name": "Nguyễn Văn An"}]
    assert groups[0]["member_count"] == 1
    assert groups[1]["members"] == []


def test_a_learner_sees_only_their_own_groups(client, db, course, tracks, learner, make_user, enrol, api_token):
    classmate = make_user("learner")
    for user, group in ((learner, tracks[0]), (classmate, tracks[1])):
        enrol(user, course)
        service.assign(db, course, user, group)
    db.commit()
    response = client.get("/api/v1/courses/hop-tac-xa/groups", headers=bearer(api_token(learner)))
    assert response.status_code == 200
    assert response.get_json() == {"groups": [{"group_set": "track", "key": "urban", "title": "Phường"}]}


def test_the_api_creates_assigns_and_removes(client, db, course, instructor, learner, enrol, api_token):
    enrol(learner, course)
    headers = bearer(api_token(instructor))
    base = "/api/v1/courses/hop-tac-xa/groups"
    response = client.post(base, json={"group_set": "track", "key": "urban", "title_vi": "Phường"}, headers=headers)
    assert response.status_code == 201
    group_id = response.get_json()["id"]
    again = client.post(base, json={"group_set": "track", "key": "urban", "title_vi": "Phường"}, headers=headers)
    assert again.status_code == 409

    response = client.put(f"{base}/{group_id}/members/{learner.id}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["group_id"] == group_id
    assert client.put(f"{base}/{group_id}/members/{learner.id}", headers=headers).status_code == 200
    assert members(db) == [(learner.id, group_id)]

    assert client.delete(f"{base}/{group_id}/members/{learner.id}", headers=headers).status_code == 204
    assert client.delete(f"{base}/{group_id}/members/{learner.id}", headers=headers).status_code == 204
    assert members(db) == []
    assert client.put(f"{base}/{group_id + 99}/members/{learner.id}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [None, [], {"group_set": 1, "key": "a", "title_vi": "A"}, {"group_set": "Track", "key": "a", "title_vi": "A"}],
)
def test_bad_json_is_a_400_with_a_message(client, course, instructor, api_token, body):
    headers = bearer(api_token(instructor))
    if body is None:
        response = client.post(
            "/api/v1/courses/hop-tac-xa/groups", data="{not json", headers=headers, content_type="application/json"
        )
    else:
        response = client.post("/api/v1/courses/hop-tac-xa/groups", json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_the_api_refuses_learners_strangers_and_anonymous(
    client, db, course, tracks, learner, make_user, enrol, api_token
):
    base = "/api/v1/courses/hop-tac-xa/groups"
    put = f"{base}/{tracks[0].id}/members/{learner.id}"
    anonymous = [client.get(base), client.post(base, json={}), client.put(put), client.delete(put)]
    assert [r.status_code for r in anonymous] == [401, 401, 401, 401]

    enrol(learner, course)
    headers = bearer(api_token(learner))
    assert client.post(base, json={"group_set": "t", "key": "a", "title_vi": "A"}, headers=headers).status_code == 403
    assert client.put(put, headers=headers).status_code == 403
    assert client.delete(put, headers=headers).status_code == 403
    assert members(db) == []

    stranger = bearer(api_token(make_user("learner")))
    assert client.get(base, headers=stranger).status_code == 403
    other_teacher = make_user("instructor")
    assert client.get(base, headers=bearer(api_token(other_teacher))).status_code == 403
    assert client.get("/api/v1/courses/no-such-course/groups", headers=stranger).status_code == 404


# -- learners choosing their group --------------------------------------------------


@pytest.fixture
def chosen_tracks(db, course, tracks):
    """The ``track`` set, now one where learners choose their own group."""
    service.set_learners_choose(db, course, "track", True)
    db.commit()
    return tracks


def test_a_new_set_is_placed_by_instructors_until_they_let_learners_choose(db, course, tracks, learner, enrol):
    enrol(learner, course)
    assert refused(lambda: service.choose_group(db, course, learner, tracks[0])) == 403
    service.set_learners_choose(db, course, "track", True)
    service.choose_group(db, course, learner, tracks[0])
    service.choose_group(db, course, learner, tracks[1])
    db.commit()
    assert members(db) == [(learner.id, tracks[1].id)]
    assert refused(lambda: service.set_learners_choose(db, course, "no-such-set", True)) == 404


def test_the_instructor_toggles_a_set_on_the_page(client, db, course, tracks, instructor, login):
    login(client, instructor)
    path = "/courses/hop-tac-xa/groups"
    assert "Giảng viên xếp học viên vào nhóm trong cách chia nhóm này." in client.get(path).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, path), "group_set": "track", "learners_choose": "1"}
    response = client.post(f"{path}/sets", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Từ nay học viên tự chọn nhóm" in page and "Để giảng viên xếp nhóm" in page
    assert fresh(db).scalar(select(CourseGroupSet.learners_choose)) is True
    form["learners_choose"] = "0"
    assert client.post(f"{path}/sets", data=form).status_code == 303
    assert fresh(db).scalar(select(CourseGroupSet.learners_choose)) is False


def test_a_learner_chooses_on_the_course_page(client, db, course, chosen_tracks, learner, enrol, login):
    urban, rural = chosen_tracks
    enrol(learner, course)
    login(client, learner)
    page = client.get("/courses/hop-tac-xa").get_data(as_text=True)
    assert "Nhóm của bạn — track:" in page and "— chưa chọn —" in page
    token = csrf_token(client, "/courses/hop-tac-xa")
    for group in (urban, rural):
        response = client.post("/courses/hop-tac-xa/my-groups", data={"csrf_token": token, "group_id": group.id})
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/courses/hop-tac-xa")
    assert members(db) == [(learner.id, rural.id)]
    page = client.get("/courses/hop-tac-xa").get_data(as_text=True)
    assert f'<option value="{rural.id}" selected>' in page
    assert "— chưa chọn —" not in page
    assert client.post("/courses/hop-tac-xa/my-groups", data={"group_id": urban.id}).status_code == 400  # no CSRF


def test_the_form_refuses_an_instructor_placed_set_and_the_not_enrolled(
    client, db, course, tracks, learner, enrol, login
):
    login(client, learner)
    enrol(learner, course)
    assert "Chọn nhóm" not in client.get("/courses/hop-tac-xa").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, "/courses/hop-tac-xa"), "group_id": tracks[0].id}
    response = client.post("/courses/hop-tac-xa/my-groups", data=form, follow_redirects=True)
    assert "Trong cách chia nhóm này, giảng viên xếp học viên vào nhóm." in response.get_data(as_text=True)

    service.set_learners_choose(db, course, "track", True)
    db.execute(delete(Enrolment))
    db.commit()
    response = client.post("/courses/hop-tac-xa/my-groups", data=form, follow_redirects=True)
    assert "chưa đăng ký học khoá này" in response.get_data(as_text=True)
    assert members(db) == []


def test_the_course_page_costs_one_query_more_with_choosable_sets(
    client, db, course, tracks, learner, enrol, login, count_queries
):
    enrol(learner, course)
    login(client, learner)

    def count() -> int:
        with count_queries() as counted:
            assert client.get("/courses/hop-tac-xa").status_code == 200
        return counted.n

    placed = count()  # instructor-placed sets are not on the learner's page
    service.set_learners_choose(db, course, "track", True)
    db.commit()
    assert count() == placed + 1


def test_a_learner_chooses_through_the_api(client, db, course, chosen_tracks, learner, make_user, enrol, api_token):
    urban, rural = chosen_tracks
    district = service.create_group(db, course, "district", "ba-vi", "Ba Vì")
    db.commit()
    path = "/api/v1/courses/hop-tac-xa/my-groups"
    headers = bearer(api_token(learner))
    assert client.put(f"{path}/track", json={"group_id": urban.id}, headers=headers).status_code == 409
    enrol(learner, course)
    response = client.put(f"{path}/track", json={"group_id": rural.id}, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {
        "user_id": learner.id,
        "group_id": rural.id,
        "group_set": "track",
        "key": "rural",
        "title": "Xã",
    }
    assert client.put(f"{path}/district", json={"group_id": district.id}, headers=headers).status_code == 403
    assert client.put(f"{path}/district", json={"group_id": rural.id}, headers=headers).status_code == 404
    assert client.put(f"{path}/track", json={"group_id": rural.id + 99}, headers=headers).status_code == 404
    for body in ({}, {"group_id": "1"}, {"group_id": True}, []):
        response = client.put(f"{path}/track", json=body, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"]["message"]
    assert client.put(f"{path}/track", json={"group_id": urban.id}).status_code == 401
    assert members(db) == [(learner.id, rural.id)]


def test_a_group_id_is_a_json_number_from_1_to_2147483647(
    client, db, course, chosen_tracks, learner, enrol, api_token
):
    """JSON has one kind of number: 3.0 names group 3. Past the ids' range is a 400 naming the field
    (it was a database error, a 500, on PostgreSQL), never a lookup."""
    urban, _rural = chosen_tracks
    enrol(learner, course)
    path, headers = "/api/v1/courses/hop-tac-xa/my-groups/track", bearer(api_token(learner))
    chosen = client.put(path, json={"group_id": float(urban.id)}, headers=headers)
    assert chosen.status_code == 200, chosen.get_json()
    assert chosen.get_json()["group_id"] == urban.id
    for too_big in (2**31, 2**63, 10**30):
        refused = client.put(path, json={"group_id": too_big}, headers=headers)
        assert refused.status_code == 400
        assert refused.get_json()["error"]["message"] == "“group_id” không được lớn hơn 2147483647."
    for not_an_id in (0, -1, 1.5):
        refused = client.put(path, json={"group_id": not_an_id}, headers=headers)
        assert refused.status_code == 400
        assert "“group_id”" in refused.get_json()["error"]["message"]
    assert members(db) == [(learner.id, urban.id)]
