"""The reports: the gradebook (learners × lessons with status and score, the course grade by the
pack's weights, filters, paging, downloads without formulas), the progress report at every level of
the organisation tree, stalled learners and their reminders, and who may read each (pages, API, CSV
and XLSX alike), all against hand-counted fixtures.

Scores come from a test plugin's report columns that name a lesson (``ReportColumn.lesson_id``):
the core knows no lesson type. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from elearn.clock import utcnow
from elearn.models import (
    AdminUnit,
    Cooperative,
    CooperativeKind,
    CourseInstructor,
    Enrolment,
    GroupMember,
    InstalledPack,
    LearnerProfile,
    LessonProgress,
    Position,
    StaffArea,
    Status,
    UnitLevel,
    User,
)
from elearn.organisations.service import place
from elearn.plugins.hookspecs import hookimpl
from elearn.plugins.surfaces import ReportColumn
from elearn.reports.weights import GradedLesson, PackWeights, course_grade, effective_weights

# Scores the test plugin gives, by (learner email, lesson key).
SCORES: dict[tuple[str, str], float] = {}


def scoring_plugin():
    """A "lesson type" plugin scoring lessons l1 and l3 of every course, from ``SCORES``."""

    def values_for(key):
        def values(db, course, user_ids):
            emails = {user.id: user.email for user in db.query(User).filter(User.id.in_(user_ids))}
            return {uid: SCORES[(email, key)] for uid, email in emails.items() if (email, key) in SCORES}

        return values

    @hookimpl
    def elearn_report_columns(course, db):
        lessons = {lesson.key: lesson for module in course.modules for lesson in module.lessons}
        return [ReportColumn(f"score:{key}", f"Điểm {key}", values_for(key), groupable=False,
                             lesson_id=lessons[key].id) for key in ("l1", "l3") if key in lessons]

    return SimpleNamespace(elearn_report_columns=elearn_report_columns)


@pytest.fixture
def tree(db):
    province = AdminUnit(code="11", name="Tỉnh Điện Biên", level=UnitLevel.PROVINCE)
    db.add(province)
    db.flush()
    units = {"province": province}
    for key, code, name, level, parent in [
        ("a", "A", "Khu vực A", UnitLevel.AREA, "province"),
        ("b", "B", "Khu vực B", UnitLevel.AREA, "province"),
        ("ward_a", "A-P1", "Phường Một", UnitLevel.WARD, "a"),
        ("commune_a", "A-X1", "Xã Hai", UnitLevel.COMMUNE, "a"),
        ("commune_b", "B-X1", "Xã Ba", UnitLevel.COMMUNE, "b"),
    ]:
        unit = AdminUnit(code=code, name=name, level=level)
        place(unit, units[parent])
        db.add(unit)
        db.flush()
        units[key] = unit
    for key, number, unit in [("coop_ward_a", "R-1", "ward_a"), ("coop_a", "R-2", "commune_a"),
                              ("coop_b", "R-3", "commune_b")]:
        coop = Cooperative(name=f"HTX {number}", kind=CooperativeKind.AGRICULTURAL, registration_number=number,
                           unit_id=units[unit].id)
        db.add(coop)
        db.flush()
        units[key] = coop
    db.commit()
    return units


@pytest.fixture
def school(app, db, tree, make_course, make_user, register_plugin):
    """A course of four lessons in two modules (l1, l3 in m1; l2, l4 in m2); l1 and l3 are scored.

    Learners: An (ward of area A, director), Bình (commune of area A, member), Cường (area B, member),
    Dũng (no profile). An completed l1 and l3; Bình is in progress on l1."""
    register_plugin(scoring_plugin(), name="scorer")
    course = make_course([("page", {"text": f"Bài {i}"}) for i in range(1, 5)], modules=2, title="Kế toán HTX")
    people = {}
    for key, name, coop, position in [("an", "Nguyễn Văn An", "coop_ward_a", Position.DIRECTOR),
                                      ("binh", "Trần Thị Bình", "coop_a", Position.MEMBER),
                                      ("cuong", "Lê Cường", "coop_b", Position.MEMBER),
                                      ("dung", "Phạm Dũng", None, None)]:
        user = make_user("learner", f"{key}@example.org", name)
        people[key] = user
        db.add(Enrolment(user_id=user.id, course_id=course.id))
        if coop:
            db.add(LearnerProfile(user_id=user.id, cooperative_id=tree[coop].id, position=position))
    lessons = {lesson.key: lesson for module in course.modules for lesson in module.lessons}
    now = utcnow()
    for who, key, status, score in [("an", "l1", Status.COMPLETED, 1.0), ("an", "l3", Status.COMPLETED, 0.5),
                                    ("binh", "l1", Status.IN_PROGRESS, 0.25)]:
        db.add(LessonProgress(user_id=people[who].id, lesson_id=lessons[key].id, status=status, attempts=1,
                              score=score, state={}, started_at=now, updated_at=now))
    db.commit()
    SCORES.clear()
    SCORES.update({("an@example.org", "l1"): 1.0, ("an@example.org", "l3"): 0.5,
                   ("binh@example.org", "l1"): 0.25})
    return SimpleNamespace(course=course, people=people, lessons=lessons)


def rows_of(page: str) -> dict[str, str]:
    """Each learner row of the gradebook page, by learner id: its text, squeezed."""
    found = {}
    for learner, body in re.findall(r'<tr data-learner="(\d+)">(.*?)</tr>', page, re.S):
        found[learner] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
    return found


# -- the grade -------------------------------------------------------------------------------


def test_weights_default_to_equal_and_follow_modules_and_lessons():
    graded = [GradedLesson(1, "l1", "m1"), GradedLesson(2, "l2", "m1"), GradedLesson(3, "l3", "m2")]
    equal = effective_weights(graded, PackWeights({}, {}))
    assert equal == {1: 1.0, 2: 1.0, 3: 1.0}
    assert course_grade({1: 1.0, 2: 0.5}, equal) == pytest.approx(0.5)  # l3 not tried counts 0
    # Module m2 weighs 3, m1 1 (shared by l1 and l2, l2 counting double in it).
    weighed = effective_weights(graded, PackWeights({"m1": 1, "m2": 3}, {"l2": 2}))
    assert weighed == pytest.approx({1: 1 / 3, 2: 2 / 3, 3: 3.0})
    assert course_grade({1: 1.0, 2: 0.0, 3: 1.0}, weighed) == pytest.approx((1 / 3 + 3) / 4)
    assert course_grade({}, {}) is None


def test_the_gradebook_shows_statuses_scores_and_the_weighted_grade(client, login, admin, school, db):
    login(client, admin)
    page = client.get(f"/courses/{school.course.slug}/gradebook").get_data(as_text=True)
    rows = rows_of(page)
    an, binh, dung = (rows[str(school.people[k].id)] for k in ("an", "binh", "dung"))
    assert an.startswith("Nguyễn Văn An HTX R-1 75%")  # (100% + 50%) / 2
    assert "100%" in an and "50%" in an
    assert binh.startswith("Trần Thị Bình HTX R-2 13%") or binh.startswith("Trần Thị Bình HTX R-2 12%")
    assert "Phạm Dũng 0%" in dung
    # Two graded lessons of equal weight: each 50% of the grade.
    assert page.count("trọng số 50%") == 2 or page.count("weight 50%") == 2

    # The pack gives module m2 (l2, l4: not graded) no say; l3 (in m1) weighs 4.
    school.course.pack_id = "ke-toan"
    db.add(InstalledPack(id="ke-toan", version="1.0.0", manifest={"course": {"modules": [
        {"id": "m1", "lessons": [{"id": "l1"}, {"id": "l3", "weight": 4}]},
        {"id": "m2", "weight": 5, "lessons": [{"id": "l2"}, {"id": "l4"}]}]}}))
    db.commit()
    rows = rows_of(client.get(f"/courses/{school.course.slug}/gradebook").get_data(as_text=True))
    assert rows[str(school.people["an"].id)].startswith("Nguyễn Văn An HTX R-1 60%")  # (1 + 4 × 0.5) / 5


def test_filters_narrow_the_learners_and_sorting_orders_them(client, login, admin, school, tree, db):
    login(client, admin)
    url = f"/courses/{school.course.slug}/gradebook"
    people = school.people

    def shown(query: str) -> set[str]:
        return {key for key, user in people.items()
                if f'data-learner="{user.id}"' in client.get(url + query).get_data(as_text=True)}

    assert shown("") == {"an", "binh", "cuong", "dung"}
    assert shown(f"?unit={tree['a'].id}") == {"an", "binh"}
    assert shown(f"?unit={tree['province'].id}") == {"an", "binh", "cuong"}
    assert shown(f"?cooperative={tree['coop_b'].id}") == {"cuong"}
    assert shown("?track=urban") == {"an"}
    assert shown("?track=rural") == {"binh", "cuong"}
    assert shown("?position=member") == {"binh", "cuong"}
    from elearn.models import CourseGroup

    group = CourseGroup(course_id=school.course.id, group_set="track", key="g1", title_vi="Nhóm 1")
    db.add(group)
    db.flush()
    db.add(GroupMember(course_id=school.course.id, group_set="track", group_id=group.id, user_id=people["dung"].id))
    db.commit()
    assert shown(f"?group={group.id}") == {"dung"}

    page = client.get(url + "?sort=-name").get_data(as_text=True)
    order = [m for m in re.findall(r'data-learner="(\d+)"', page)]
    names = {str(user.id): user.name for user in people.values()}
    assert [names[i] for i in order] == sorted(names.values(), reverse=True)
    for bad in ("?track=moon", "?sort=grade; drop", "?unit=abc", "?format=pdf"):
        assert client.get(url + bad).status_code == 400


def test_the_gradebook_is_paged(client, login, admin, school, make_user, db, monkeypatch):
    import elearn.reports.gradebook

    monkeypatch.setattr(elearn.reports.gradebook, "PAGE_SIZE", 3)
    login(client, admin)
    url = f"/courses/{school.course.slug}/gradebook"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert len(rows_of(first)) == 3 and len(rows_of(second)) == 1
    assert 'rel="next"' in first


def test_downloads_have_every_learner_and_no_formula(client, login, admin, school, db):
    school.people["dung"].name = '=HYPERLINK("http://evil.example","x")'
    db.commit()
    login(client, admin)
    url = f"/courses/{school.course.slug}/gradebook"
    csv = client.get(url + "?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    assert "Nguyễn Văn An" in text and "75.0" in text

    xlsx = client.get(url + "?format=xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    evil = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s"  # text, not a formula
    assert any(cell.value == 75.0 for cell in cells)


# -- who may read it -------------------------------------------------------------------------


@pytest.fixture
def readers(make_user, db, school, tree):
    teacher = make_user("instructor", "gv@example.org", "Giảng viên")
    db.add(CourseInstructor(course_id=school.course.id, user_id=teacher.id))
    staff_a = make_user("instructor", "kv-a@example.org", "Cán bộ khu vực A")
    db.add(StaffArea(user_id=staff_a.id, unit_id=tree["a"].id))
    other = make_user("instructor", "khac@example.org", "Giảng viên khác")
    db.commit()
    return SimpleNamespace(teacher=teacher, staff_a=staff_a, other=other)


def test_each_kind_of_user_sees_what_the_rules_allow(app, client, login, school, readers, admin, api_token):
    url = f"/courses/{school.course.slug}/gradebook"
    people = school.people
    everyone = {"an", "binh", "cuong", "dung"}
    for user, expected in [(admin, everyone), (readers.teacher, everyone), (readers.staff_a, {"an", "binh"})]:
        reader = app.test_client()
        login(reader, user)
        for query in ("", "?format=csv"):
            body = reader.get(url + query).get_data().decode("utf-8-sig")
            seen = {key for key, person in people.items() if person.name in body}
            assert seen == expected, (user.email, query)
        token = api_token(user)
        found = client.get(f"/api/v1{url}", headers={"Authorization": f"Bearer {token}"}).get_json()
        assert {row["learner"]["name"] for row in found["items"]} == {people[k].name for k in expected}
    for user, status in [(readers.other, 403), (people["an"], 403)]:
        reader = app.test_client()
        login(reader, user)
        assert reader.get(url).status_code == status
        assert reader.get(url + "?format=xlsx").status_code == status
        token = api_token(user)
        assert client.get(f"/api/v1{url}", headers={"Authorization": f"Bearer {token}"}).status_code == status
    assert client.get(f"/api/v1{url}").status_code == 401


def test_area_staff_cannot_widen_their_reach_with_a_filter(client, login, school, readers, tree):
    login(client, readers.staff_a)
    url = f"/courses/{school.course.slug}/gradebook"
    for query in (f"?unit={tree['b'].id}", f"?cooperative={tree['coop_b'].id}", f"?unit={tree['province'].id}"):
        assert school.people["cuong"].name not in client.get(url + query).get_data(as_text=True)


def test_a_learner_sees_only_their_own_grades(client, login, school, api_token):
    an = school.people["an"]
    login(client, an)
    dashboard = client.get("/me").get_data(as_text=True)
    assert 'href="/me/grades"' in dashboard
    page = client.get("/me/grades").get_data(as_text=True)
    assert "Kế toán HTX" in page and "75%" in page
    assert "Trần Thị Bình" not in page and "25%" not in page
    token = api_token(an)
    body = client.get("/api/v1/me/grades", headers={"Authorization": f"Bearer {token}"}).get_json()
    (course,) = body["courses"]
    assert course["grade"] == pytest.approx(0.75)
    assert {lesson["key"]: lesson["score"] for lesson in course["lessons"]} == {
        "l1": 1.0, "l3": 0.5, "l2": None, "l4": None}


# -- cost ------------------------------------------------------------------------------------


def test_a_gradebook_page_costs_the_same_statements_for_4_or_300_learners(
    client, login, admin, school, db, count_queries
):
    login(client, admin)
    url = f"/courses/{school.course.slug}/gradebook"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    now = utcnow()
    ids = db.scalars(insert(User).returning(User.id),
        [{"email": f"hv{i}@example.org", "name": f"Học viên {i:03d}", "password_hash": "x", "role": "learner",
          "is_active": True, "created_at": now} for i in range(300)]).all()
    db.execute(insert(Enrolment), [{"user_id": i, "course_id": school.course.id, "enrolled_at": now} for i in ids])
    lesson = school.lessons["l1"]
    db.execute(insert(LessonProgress), [{"user_id": i, "lesson_id": lesson.id, "status": Status.COMPLETED,
                                         "attempts": 1, "state": {}, "updated_at": now} for i in ids])
    db.commit()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(rows_of(page)) == 50
    assert many.n == few.n, many.statements
    with count_queries() as export:
        assert client.get(url + "?format=csv").get_data().decode("utf-8-sig").count("\n") == 305
    assert export.n <= few.n


# -- progress across courses -----------------------------------------------------------------

SENT: list[tuple[str, list[str]]] = []


class RecordingChannel:
    """A notification channel (an SMS gateway, say) that records what it was handed."""

    name = "recording"

    def send(self, user, notification):
        SENT.append((notification.kind, [user.email]))


@pytest.fixture
def programme(school, readers, make_course, db, register_plugin):
    """A second course K2 (An completed it in 10 days; Cường enrolled), a programme of K1 and K2 with
    a cohort of An and Bình; everyone enrolled 30 days ago. Bình last worked 20 days ago; An tried l2
    twice without completing it (today)."""
    register_plugin(SimpleNamespace(elearn_notification_channels=hookimpl(lambda: [RecordingChannel()])),
                    name="sms_test")
    from elearn.models import Cohort, CohortMember, Programme, ProgrammeCourse

    second = make_course([("page", {"text": "Một"})], title="Quản trị HTX")
    now = utcnow()
    month_ago, people = now - timedelta(days=30), school.people
    db.add(Enrolment(user_id=people["an"].id, course_id=second.id, enrolled_at=month_ago,
                     completed_at=month_ago + timedelta(days=10)))
    db.add(Enrolment(user_id=people["cuong"].id, course_id=second.id, enrolled_at=month_ago))
    for enrolment in db.query(Enrolment).filter(Enrolment.course_id == school.course.id):
        enrolment.enrolled_at = month_ago
    binh_l1 = db.query(LessonProgress).filter_by(user_id=people["binh"].id).one()
    binh_l1.updated_at = now - timedelta(days=20)
    db.add(LessonProgress(user_id=people["an"].id, lesson_id=school.lessons["l2"].id, status=Status.IN_PROGRESS,
                          attempts=2, state={}, updated_at=now))
    plan = Programme(title_vi="Chương trình 2026")
    db.add(plan)
    db.flush()
    db.add_all([ProgrammeCourse(programme_id=plan.id, course_id=school.course.id, position=0),
                ProgrammeCourse(programme_id=plan.id, course_id=second.id, position=1)])
    cohort = Cohort(programme_id=plan.id, name="Lớp 2026")
    db.add(cohort)
    db.flush()
    db.add_all([CohortMember(cohort_id=cohort.id, user_id=people[k].id) for k in ("an", "binh")])
    db.commit()
    SENT.clear()
    return SimpleNamespace(second=second, plan=plan, cohort=cohort)


def figures(client, query: str, token: str | None = None) -> dict[str, tuple]:
    """The API's progress rows as {label: (enrolled, started, completed, average score, average days)}."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = client.get(f"/api/v1/reports/progress?{query}", headers=headers).get_json()
    rows = {row["label"]: row for row in [*body["rows"], body["total"]]}
    return {label: (r["enrolled"], r["started"], r["completed"],
                    None if r["average_score"] is None else round(r["average_score"], 3),
                    None if r["average_days"] is None else round(r["average_days"], 1)) for label, r in rows.items()}


def test_progress_figures_at_every_level_of_the_tree(client, admin, programme, api_token, tree, school):
    token = api_token(admin)
    none = "Not given"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert figures(client, "group_by=province", token) == {
        "Tỉnh Điện Biên": (5, 3, 1, 0.5, 10.0), none: (1, 0, 0, None, None), "Total": (6, 3, 1, 0.5, 10.0)}
    assert figures(client, "group_by=area", token) == {
        "Khu vực A": (3, 3, 1, 0.5, 10.0), "Khu vực B": (2, 0, 0, None, None), none: (1, 0, 0, None, None),
        "Total": (6, 3, 1, 0.5, 10.0)}
    assert figures(client, "group_by=unit", token) == {
        "Phường Một": (2, 2, 1, 0.75, 10.0), "Xã Hai": (1, 1, 0, 0.25, None), "Xã Ba": (2, 0, 0, None, None),
        none: (1, 0, 0, None, None), "Total": (6, 3, 1, 0.5, 10.0)}
    assert figures(client, "group_by=cooperative", token)["HTX R-1"] == (2, 2, 1, 0.75, 10.0)
    assert figures(client, "group_by=track", token) == {
        "Urban": (2, 2, 1, 0.75, 10.0), "Rural": (3, 1, 0, 0.25, None), none: (1, 0, 0, None, None),
        "Total": (6, 3, 1, 0.5, 10.0)}
    assert figures(client, "group_by=position", token) == {
        "Director": (2, 2, 1, 0.75, 10.0), "Member": (3, 1, 0, 0.25, None), none: (1, 0, 0, None, None),
        "Total": (6, 3, 1, 0.5, 10.0)}
    assert figures(client, "group_by=cohort", token) == {"Lớp 2026": (3, 3, 1, 0.5, 10.0),
                                                          "Total": (3, 3, 1, 0.5, 10.0)}
    by_course = figures(client, "group_by=course", token)  # in English, by the courses' English titles
    k1, k2 = school.course.title_en, programme.second.title_en
    assert by_course[k1] == (4, 2, 0, 0.5, None) and by_course[k2] == (2, 1, 1, None, 10.0)
    # A drill-down into area A, and one course only.
    assert figures(client, f"group_by=cooperative&unit={tree['a'].id}", token) == {
        "HTX R-1": (2, 2, 1, 0.75, 10.0), "HTX R-2": (1, 1, 0, 0.25, None), "Total": (3, 3, 1, 0.5, 10.0)}
    assert figures(client, f"group_by=course&course={programme.second.id}", token) == {
        k2: (2, 1, 1, None, 10.0), "Total": (2, 1, 1, None, 10.0)}
    assert client.get("/api/v1/reports/progress?group_by=moon",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 400


def test_the_progress_page_has_the_table_a_chart_and_a_csv(app, login, admin, programme, tree):
    reader = app.test_client()
    login(reader, admin)
    page = reader.get("/reports?group_by=area").get_data(as_text=True)
    assert "<svg" in page and "Khu vực A" in page and "<script" not in page.split("<main")[-1]
    drill = reader.get(f"/reports?group_by=cooperative&unit={tree['a'].id}").get_data(as_text=True)
    assert "HTX R-1" in drill and "HTX R-3" not in drill
    csv = reader.get("/reports?group_by=area&format=csv").get_data().decode("utf-8-sig")
    assert "Khu vực A,3,3,1,33.3,50.0,10.0" in csv


def test_each_report_refuses_or_narrows_by_who_asks(app, login, programme, readers, school, api_token):
    people = school.people
    staff = figures(app.test_client(), "group_by=area", api_token(readers.staff_a))
    assert set(staff) == {"Khu vực A", "Tổng"} or set(staff) == {"Khu vực A", "Total"}
    taught = figures(app.test_client(), "group_by=course", api_token(readers.teacher))
    assert {label for label in taught if label not in ("Total", "Tổng")} == {school.course.title_vi}
    for user in (readers.other, people["an"]):
        token = api_token(user)
        for path in ("/api/v1/reports/progress", "/api/v1/reports/stalled"):
            assert app.test_client().get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 403
        reader = app.test_client()
        login(reader, user)
        for path in ("/reports", "/reports/stalled", "/reports?format=csv", "/reports/stalled?format=xlsx"):
            assert reader.get(path).status_code == 403, (user.email, path)
    for path in ("/api/v1/reports/progress", "/api/v1/reports/stalled", "/api/v1/me/grades"):
        assert app.test_client().get(path).status_code == 401
    reader = app.test_client()
    login(reader, readers.staff_a)
    for path in ("/reports?group_by=cooperative", "/reports?group_by=cooperative&format=csv",
                 "/reports/stalled", "/reports/stalled?format=csv"):
        body = reader.get(path).get_data().decode("utf-8-sig")
        assert "HTX R-3" not in body and people["cuong"].name not in body and people["dung"].name not in body, path


def stalled_names(client, query: str, token: str) -> set[tuple[str, str]]:
    body = client.get(f"/api/v1/reports/stalled?{query}", headers={"Authorization": f"Bearer {token}"}).get_json()
    return {(row["learner"]["name"], row["course"]) for row in body["items"]}


def test_stalled_learners_are_idle_or_failed_twice(app, admin, readers, programme, school, api_token):
    people, k1, k2 = school.people, school.course.slug, programme.second.slug
    token = api_token(admin)
    everyone = {(people["an"].name, k1), (people["binh"].name, k1), (people["cuong"].name, k1),
                (people["dung"].name, k1), (people["cuong"].name, k2)}
    assert stalled_names(app.test_client(), "days=14", token) == everyone
    assert stalled_names(app.test_client(), "days=25", token) == everyone - {(people["binh"].name, k1)}
    assert stalled_names(app.test_client(), "days=14", api_token(readers.staff_a)) == {
        (people["an"].name, k1), (people["binh"].name, k1)}
    assert app.test_client().get("/api/v1/reports/stalled?days=0",
                                 headers={"Authorization": f"Bearer {token}"}).status_code == 400


def test_a_reminder_reaches_the_learner_in_the_app_and_by_every_channel(
    app, login, readers, programme, school, db, api_token
):
    people = school.people
    enrolments = {user_id: eid for eid, user_id in db.query(Enrolment.id, Enrolment.user_id)
                  .filter(Enrolment.course_id == school.course.id)}
    token = api_token(readers.staff_a)
    sent = app.test_client().post("/api/v1/reports/stalled/reminders", headers={"Authorization": f"Bearer {token}"},
                                  json={"enrolments": [enrolments[people["binh"].id], enrolments[people["cuong"].id]]})
    assert sent.get_json() == {"sent": 1}  # Cường is outside area A
    assert SENT == [("reports.reminder", ["binh@example.org"])]
    binh, cuong = app.test_client(), app.test_client()
    login(binh, people["binh"])
    login(cuong, people["cuong"])
    assert "Kế toán HTX" in binh.get("/me").get_data(as_text=True).split('id="panel-reminders"')[1][:2000]
    assert 'id="panel-reminders"' not in cuong.get("/me").get_data(as_text=True)

    # The page's form does the same, for the ticked learners.
    staff = app.test_client()
    login(staff, readers.staff_a)
    page = staff.get("/reports/stalled").get_data(as_text=True)
    assert f'value="{enrolments[people["an"].id]}"' in page
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = staff.post("/reports/stalled/remind", data={"csrf_token": token_field, "days": "14",
                                                       "enrolment": [str(enrolments[people["an"].id])]})
    assert done.status_code == 303
    assert SENT[-1] == ("reports.reminder", ["an@example.org"])


def test_report_pages_cost_the_same_statements_for_few_or_many_learners(
    app, login, admin, programme, school, db, count_queries
):
    reader = app.test_client()
    login(reader, admin)
    paths = ("/reports?group_by=area", "/reports?group_by=cohort", "/reports/stalled")
    for path in paths:
        reader.get(path)
    few = {}
    for path in paths:
        with count_queries() as counted:
            assert reader.get(path).status_code == 200
        few[path] = counted.n
    now = utcnow()
    ids = db.scalars(insert(User).returning(User.id),
                     [{"email": f"nhieu{i}@example.org", "name": f"Học viên {i:03d}", "password_hash": "x",
                       "role": "learner", "is_active": True, "created_at": now} for i in range(300)]).all()
    db.execute(insert(Enrolment), [{"user_id": i, "course_id": school.course.id,
                                    "enrolled_at": now - timedelta(days=40)} for i in ids])
    coop = db.query(Cooperative.id).filter_by(registration_number="R-2").scalar()
    db.execute(insert(LearnerProfile), [{"user_id": i, "cooperative_id": coop, "updated_at": now} for i in ids])
    db.commit()
    for path in paths:
        with count_queries() as counted:
            assert reader.get(path).status_code == 200
        assert counted.n == few[path], (path, counted.statements)


def test_the_course_report_is_in_the_api_for_its_staff_only(app, school, readers, api_token):
    url = f"/api/v1/courses/{school.course.slug}/report"
    body = app.test_client().get(url, headers={"Authorization": f"Bearer {api_token(readers.teacher)}"}).get_json()
    rows = {row["learner"]["name"]: row["values"] for row in body["items"]}
    assert set(rows) == {person.name for person in school.people.values()}
    assert rows["Nguyễn Văn An"]["completed_lessons"] == 2 and rows["Nguyễn Văn An"]["score:l3"] == 0.5
    grouped = app.test_client().get(url + "?group_by=course_completed",
                                    headers={"Authorization": f"Bearer {api_token(readers.teacher)}"}).get_json()
    assert [(g["learners"], g["completed"]) for g in grouped["groups"]] == [(4, 0)]
    for user, status in [(readers.other, 403), (school.people["an"], 403)]:
        assert app.test_client().get(url, headers={"Authorization": f"Bearer {api_token(user)}"}).status_code == status
