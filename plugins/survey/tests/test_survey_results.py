"""The instructors' results: figures against hand counts, the filters by profile, anonymity (no group of
fewer than 5), free-text search, CSV, the API, and a fixed number of queries however many responses."""

from __future__ import annotations

import csv
import io
import secrets

import pytest
from survey_samples import FULL

from elearn.models import AdminUnit, Cooperative, CooperativeKind, LearnerProfile, Position, UnitLevel


@pytest.fixture
def places(db):
    """An area with a commune (rural) and a ward (urban), and a cooperative in each."""
    province = AdminUnit(code="P", name="Tỉnh", level=UnitLevel.PROVINCE)
    db.add(province)
    db.flush()
    area = AdminUnit(code="A", name="Khu vực Bắc", level=UnitLevel.AREA, parent_id=province.id,
                     province_id=province.id)
    db.add(area)
    db.flush()
    commune = AdminUnit(code="C", name="Xã Hòa", level=UnitLevel.COMMUNE, parent_id=area.id,
                        province_id=province.id, area_id=area.id)
    ward = AdminUnit(code="W", name="Phường Một", level=UnitLevel.WARD, parent_id=area.id,
                     province_id=province.id, area_id=area.id)
    db.add_all([commune, ward])
    db.flush()
    farm = Cooperative(name="HTX Lúa", kind=CooperativeKind.AGRICULTURAL, registration_number="1", unit_id=commune.id)
    shop = Cooperative(name="HTX Dịch vụ", kind=CooperativeKind.NON_AGRICULTURAL, registration_number="2",
                       unit_id=ward.id)
    db.add_all([farm, shop])
    db.commit()
    return {"area": area, "farm": farm, "shop": shop}


def learners(db, make_user, enrol, site, count, cooperative=None, position=None):
    people = []
    for _ in range(count):
        user = make_user("learner")
        enrol(user, site.course)
        if cooperative is not None:
            db.add(LearnerProfile(user_id=user.id, cooperative_id=cooperative.id, position=position))
        people.append(user)
    db.commit()
    return people


def results(client, api_token, site, **filters):
    return client.get(f"/api/v1/x/survey/lessons/{site.lesson.id}/results", query_string=filters,
                      headers={"Authorization": f"Bearer {api_token(site.teacher)}"})


def question(body, qid):
    return next(q for q in body["questions"] if q["id"] == qid)


def test_figures_match_a_hand_count(survey, answer, client, api_token, db, make_user, enrol):
    site = survey(anonymous=False)
    people = learners(db, make_user, enrol, site, 4)
    sent = [
        FULL,
        {**FULL, "linh-vuc": "dich-vu", "thanh-vien": 100, "danh-gia": 2, "hai-long": {"ky-nang": 5, "von": 5},
         "nhan-hieu": "co", "thu-tu": ["tai-chinh", "thuong-hieu", "lien-ket"]},
        {**FULL, "cay-trong": ["lua", "rau"], "thanh-vien": 7, "danh-gia": 4, "hai-long": {"ky-nang": 2}},
        {**FULL, "linh-vuc": "other", "thanh-vien": 2000, "danh-gia": 5},
    ]
    for user, answers in zip(people, sent, strict=True):
        extra = {"others": {"linh-vuc": "Lâm nghiệp"}} if answers["linh-vuc"] == "other" else {}
        assert answer(user, site.lesson, answers, **extra).status_code == 201
    body = results(client, api_token, site).get_json()
    assert body["total"] == body["respondents"] == 4 and body["suppressed"] is None
    field = question(body, "linh-vuc")
    assert [(b["id"], b["count"], b["percent"]) for b in field["bars"]] == [
        ("nong-nghiep", 2, 50.0), ("dich-vu", 1, 25.0), ("other", 1, 25.0)]
    crops = question(body, "cay-trong")  # asked only of the two in agriculture
    assert crops["answered"] == 2 and [(b["id"], b["count"]) for b in crops["bars"]] == [
        ("lua", 2), ("rau", 1), ("cay-an-qua", 0)]
    rating = question(body, "danh-gia")
    assert [b["count"] for b in rating["bars"]] == [0, 1, 0, 2, 1] and rating["mean"] == 3.75
    members = question(body, "thanh-vien")
    assert members["mean"] == 533.0 and members["median"] == 62.5 and members["min"] == 7
    likert = question(body, "hai-long")["statements"]
    assert likert[0]["answered"] == 4 and likert[0]["mean"] == 3.75 and likert[1]["answered"] == 3
    ranks = question(body, "thu-tu")["ranks"]
    assert ranks[0]["id"] == "thuong-hieu" and ranks[0]["mean_rank"] == 1.25 and ranks[0]["first"] == 3


def test_an_anonymous_survey_shows_no_group_of_fewer_than_five(survey, answer, client, api_token, db, make_user,
                                                               enrol, places, login):
    site = survey()
    farmers = learners(db, make_user, enrol, site, 6, places["farm"], Position.DIRECTOR)
    shopkeepers = learners(db, make_user, enrol, site, 2, places["shop"], Position.ACCOUNTANT)
    for user in farmers[:4]:
        assert answer(user, site.lesson, FULL).status_code == 201
    few = results(client, api_token, site).get_json()
    assert few["respondents"] is None and few["questions"] == [] and "ít nhất 5" in few["suppressed"]
    for user in [farmers[4], *shopkeepers]:
        assert answer(user, site.lesson, {**FULL, "gop-y": "Ý kiến riêng"}).status_code == 201
    everyone = results(client, api_token, site).get_json()
    assert everyone["respondents"] == 7
    assert results(client, api_token, site, kind="agricultural").get_json()["respondents"] == 5
    assert results(client, api_token, site, track="rural", position="director").get_json()["respondents"] == 5
    small = results(client, api_token, site, kind="non_agricultural").get_json()
    assert small["respondents"] is None and "ít hơn 5" in small["suppressed"]
    # The same refusal for the written answers and the CSV.
    headers = {"Authorization": f"Bearer {api_token(site.teacher)}"}
    texts = client.get(f"/api/v1/x/survey/lessons/{site.lesson.id}/results/gop-y/texts?track=urban", headers=headers)
    assert texts.status_code == 409
    login(client, site.teacher)
    assert client.get(f"/x/survey/lessons/{site.lesson.id}/results.csv?track=urban").status_code == 409
    assert client.get(f"/x/survey/lessons/{site.lesson.id}/results.xlsx?track=urban").status_code == 409
    page = client.get(f"/x/survey/lessons/{site.lesson.id}/results?kind=non_agricultural").get_data(as_text=True)
    assert "Có ít hơn 5 người khớp với các bộ lọc này" in page and "<svg" not in page
    # The CSV of an anonymous survey: no name, no email, no day, no profile.
    exported = client.get(f"/x/survey/lessons/{site.lesson.id}/results.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    # The first column is the first question: no name, email, day or profile columns before it.
    assert len(rows) == 8 and rows[0][0] == "Hợp tác xã hoạt động trong lĩnh vực nào?"
    assert not any(user.email in exported or user.name in exported for user in farmers + shopkeepers)


def test_a_filter_value_that_does_not_exist_is_a_400(survey, client, api_token):
    site = survey()
    assert results(client, api_token, site, kind="farm").status_code == 400
    assert results(client, api_token, site, area="north").status_code == 400


def test_written_answers_are_listed_and_searched(survey, answer, client, api_token, db, make_user, enrol, login):
    site = survey(anonymous=False)
    people = learners(db, make_user, enrol, site, 3)
    for user, text in zip(people, ["Cần tài liệu về THƯƠNG HIỆU", "Học trực tuyến", "Thương hiệu và bao bì"],
                          strict=True):
        assert answer(user, site.lesson, {**FULL, "gop-y": text}).status_code == 201
    headers = {"Authorization": f"Bearer {api_token(site.teacher)}"}
    found = client.get(f"/api/v1/x/survey/lessons/{site.lesson.id}/results/gop-y/texts?q=thương hiệu",
                       headers=headers).get_json()
    assert found["total"] == 2 and sorted(found["texts"]) == ["Cần tài liệu về THƯƠNG HIỆU", "Thương hiệu và bao bì"]
    login(client, site.teacher)
    page = client.get(f"/x/survey/lessons/{site.lesson.id}/results/gop-y?q=trực").get_data(as_text=True)
    assert "Học trực tuyến" in page and "bao bì" not in page


def test_a_named_csv_has_the_names_and_neutralises_formulas(survey, answer, client, login):
    site = survey(anonymous=False)
    assert answer(site.lan, site.lesson, {**FULL, "gop-y": "=HYPERLINK(\"x\")"}).status_code == 201
    login(client, site.teacher)
    exported = client.get(f"/x/survey/lessons/{site.lesson.id}/results.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Tên", "Email"] and rows[1][0] == "Lan"
    assert "'=HYPERLINK(\"x\")" in rows[1] and "Nông nghiệp" in rows[1]


def test_only_the_course_instructors_see_results(survey, client, api_token, login):
    site = survey()
    learner = client.get(f"/api/v1/x/survey/lessons/{site.lesson.id}/results",
                         headers={"Authorization": f"Bearer {api_token(site.lan)}"})
    assert learner.status_code == 403
    assert client.get(f"/api/v1/x/survey/lessons/{site.lesson.id}/results").status_code == 401
    login(client, site.lan)
    assert client.get(f"/x/survey/lessons/{site.lesson.id}/results").status_code == 403


def test_the_results_page_runs_the_same_queries_for_10_or_200_responses(survey, db, client, login, count_queries):
    from elearn_survey.models import Response

    site = survey()

    def add(count):
        db.add_all([Response(id=secrets.token_hex(16), lesson_id=site.lesson.id, answers=FULL, others={},
                             profile={"kind": "agricultural"}) for _ in range(count)])
        db.commit()

    login(client, site.teacher)
    url = f"/x/survey/lessons/{site.lesson.id}/results?kind=agricultural"
    add(10)
    with count_queries() as few:
        page = client.get(url)
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    add(190)
    with count_queries() as many:
        assert "200 phiếu trả lời." in client.get(url).get_data(as_text=True)
    assert many.n == few.n


def test_respondents_see_the_aggregate_after_answering_when_the_survey_shows_it(survey, answer, client, login, db,
                                                                              make_user, enrol):
    site = survey(anonymous=False, show_results=True)
    login(client, site.lan)
    assert "Mọi người đã trả lời thế nào" not in client.get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert answer(site.lan, site.lesson, FULL).status_code == 201
    page = client.get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert "Mọi người đã trả lời thế nào" in page and "<svg" in page
    assert "Cần thêm ví dụ" not in page  # written answers are never shown to respondents


def test_the_excel_file_has_the_same_rows_and_runs_no_formula(survey, answer, client, login):
    from openpyxl import load_workbook

    site = survey(anonymous=False)
    assert answer(site.lan, site.lesson, {**FULL, "gop-y": "=HYPERLINK(\"x\")"}).status_code == 201
    login(client, site.teacher)
    got = client.get(f"/x/survey/lessons/{site.lesson.id}/results.xlsx")
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(got.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Tên", "Email"] and rows[1][0] == "Lan"
    formula = next(cell for cell in sheet[2] if cell.value == "=HYPERLINK(\"x\")")
    assert formula.data_type == "s"
    assert 25 in rows[1]  # numbers stay numbers


def test_the_other_texts_of_a_choice_question_are_listed_not_its_choices(survey, answer, client, api_token, db,
                                                                        make_user, enrol):
    site = survey(anonymous=False)
    farmer, forester = learners(db, make_user, enrol, site, 2)
    assert answer(farmer, site.lesson, FULL).status_code == 201
    assert answer(forester, site.lesson, {**FULL, "linh-vuc": "other"},
                  others={"linh-vuc": "Lâm nghiệp"}).status_code == 201
    found = client.get(f"/api/v1/x/survey/lessons/{site.lesson.id}/results/linh-vuc/texts",
                       headers={"Authorization": f"Bearer {api_token(site.teacher)}"}).get_json()
    assert found["texts"] == ["Lâm nghiệp"]
