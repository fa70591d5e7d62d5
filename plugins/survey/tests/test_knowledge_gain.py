"""Knowledge gain (issue 17, item 5): ``knowledge_gain: {pre, post}`` checked at import, the two lessons
found by their pack ids in the survey's course (a clear note when one is missing), and the figures: hand-
computed means over the learners with both scores, per group, the group-of-5 rule of an anonymous survey,
and each learner's gain in a named one."""

from __future__ import annotations

import pytest
from elearn_survey import gain
from survey_samples import content
from test_survey_results import places  # noqa: F401 (a fixture)

from elearn.plugin_api import ContentInvalid

LABELS = {"kind": {"agricultural": "Nông nghiệp", "credit_fund": "Quỹ tín dụng"},
          "position": {"director": "Giám đốc", "member": "Thành viên"}}


def _import(app, files, **settings):
    kinds = app.extensions["elearn_plugins"].lesson_types
    with app.test_request_context():
        return kinds["survey"].import_content(content(**settings), files)


def test_the_pair_is_kept_from_the_pack(app, files):
    stored = _import(app, files, knowledge_gain={"pre": "kiem-tra-dau", "post": "kiem-tra-cuoi"})
    assert stored["knowledge_gain"] == {"pre": "kiem-tra-dau", "post": "kiem-tra-cuoi"}
    assert _import(app, files)["knowledge_gain"] is None


@pytest.mark.parametrize(("value", "field"), [
    ({"pre": "a"}, "knowledge_gain"),
    ("kiem-tra", "knowledge_gain"),
    ({"pre": "a", "post": "b", "extra": "c"}, "knowledge_gain"),
    ({"pre": "Bài 1", "post": "b"}, "knowledge_gain.pre"),
    ({"pre": "a", "post": 3}, "knowledge_gain.post"),
    ({"pre": "a", "post": "a"}, "knowledge_gain.post"),
])
def test_a_pair_that_is_not_two_lesson_ids_is_refused_at_import(app, files, value, field):
    with pytest.raises(ContentInvalid) as caught:
        _import(app, files, knowledge_gain=value)
    assert [e.where for e in caught.value.errors] == [field]


def test_the_lessons_are_found_by_their_pack_ids_in_the_survey_course(app, db, make_course, files):
    course = make_course([("survey", content()), ("page", {"text": "Trước"}), ("page", {"text": "Sau"})],
                         files=files)
    survey, pre, post = course.modules[0].lessons
    with app.test_request_context():
        found, note = gain.paired_lessons(db, survey, {"pre": "l2", "post": "l3"})
        assert note is None and found == {"pre": pre, "post": post}
        found, note = gain.paired_lessons(db, survey, {"pre": "l2", "post": "kiem-tra-cuoi"})
    assert found == {} and "kiem-tra-cuoi" in note


def test_another_course_s_lesson_of_the_same_id_is_not_taken(app, db, make_course, files):
    course = make_course([("survey", content())], files=files)
    make_course([("page", {"text": "1"}), ("page", {"text": "2"})])
    with app.test_request_context():
        found, note = gain.paired_lessons(db, course.modules[0].lessons[0], {"pre": "l1", "post": "l2"})
    assert found == {} and "l2" in note


def _learners():
    """Six learners with both scores (ids 1–6) and two with one only (7, 8), their profiles."""
    pre = {1: 0.2, 2: 0.4, 3: 0.5, 4: 0.6, 5: 0.3, 6: 0.8, 7: 0.1}
    post = {1: 0.6, 2: 0.7, 3: 0.9, 4: 0.6, 5: 0.8, 6: 0.9, 8: 1.0}
    kinds = {1: "agricultural", 2: "agricultural", 3: "agricultural", 4: "agricultural", 5: "agricultural",
             6: "credit_fund", 7: "credit_fund", 8: "credit_fund"}
    profiles = {uid: {"kind": kind, "position": "director" if uid <= 2 else "member"} for uid, kind in kinds.items()}
    return pre, post, profiles


def test_the_means_count_only_learners_with_both_scores(app):
    pre, post, profiles = _learners()
    with app.test_request_context():
        found = gain.compute(False, pre, post, profiles, {}, LABELS, names={n: f"HV {n}" for n in range(1, 9)})
    # pre: (20+40+50+60+30+80)/6 = 46.67; post: (60+70+90+60+80+90)/6 = 75; gain: (40+30+40+0+50+10)/6 = 28.33
    assert (found["learners"], found["mean_pre"], found["mean_post"], found["mean_gain"]) == (6, 46.7, 75.0, 28.3)
    assert [(p["name"], p["pre"], p["post"], p["gain"]) for p in found["people"]][:2] == [
        ("HV 1", 20.0, 60.0, 40.0), ("HV 2", 40.0, 70.0, 30.0)]
    assert {p["user_id"] for p in found["people"]} == {1, 2, 3, 4, 5, 6}


def test_each_group_has_its_own_means(app):
    pre, post, profiles = _learners()
    with app.test_request_context():
        found = gain.compute(False, pre, post, profiles, {}, LABELS)
    kinds = {g["value"]: g for g in found["groups"]["kind"]}
    # agricultural 1–5: pre (20+40+50+60+30)/5 = 40, post (60+70+90+60+80)/5 = 72, gain 32
    assert (kinds["agricultural"]["learners"], kinds["agricultural"]["mean_pre"], kinds["agricultural"]["mean_post"],
            kinds["agricultural"]["mean_gain"]) == (5, 40.0, 72.0, 32.0)
    assert (kinds["credit_fund"]["learners"], kinds["credit_fund"]["mean_gain"]) == (1, 10.0)
    positions = {g["value"]: g for g in found["groups"]["position"]}
    assert (positions["director"]["learners"], positions["director"]["mean_gain"]) == (2, 35.0)


def test_a_filter_chooses_the_learners(app):
    pre, post, profiles = _learners()
    with app.test_request_context():
        found = gain.compute(False, pre, post, profiles, {"position": "member"}, LABELS)
    # 3–6: gain (40+0+50+10)/4 = 25
    assert (found["learners"], found["mean_gain"]) == (4, 25.0)


def test_an_anonymous_survey_names_nobody_and_hides_groups_under_five(app):
    pre, post, profiles = _learners()
    with app.test_request_context():
        found = gain.compute(True, pre, post, profiles, {}, LABELS)
        few = gain.compute(True, pre, post, profiles, {"kind": "agricultural", "position": "member"}, LABELS)
    assert found["people"] is None and found["mean_gain"] == 28.3
    kinds = {g["value"]: g for g in found["groups"]["kind"]}
    assert kinds["agricultural"]["mean_gain"] == 32.0
    assert kinds["credit_fund"]["suppressed"] and kinds["credit_fund"]["mean_gain"] is None
    assert kinds["credit_fund"]["learners"] is None
    assert few["suppressed"] and few["learners"] is None and few["mean_gain"] is None and few["groups"] == {}


def test_nobody_with_both_scores_shows_no_figures(app):
    with app.test_request_context():
        found = gain.compute(False, {1: 0.5}, {2: 0.5}, {}, {}, LABELS)
    assert (found["learners"], found["mean_gain"], found["suppressed"]) == (0, None, None)


@pytest.fixture
def paired(app, db, make_course, make_user, enrol, files, places):  # noqa: F811
    """``paired(anonymous, scores)``: a survey with its pre-test (l2) and post-test (l3); ``scores`` is a list of
    (pre, post, cooperative, position), each a learner (a score None: no progress row)."""
    from elearn.models import CourseInstructor, LearnerProfile, LessonProgress

    def make(anonymous, scores, pair=None, teacher=None):
        pair = pair or {"pre": "l2", "post": "l3"}
        course = make_course([("survey", content(anonymous=anonymous, knowledge_gain=pair)),
                              ("page", {"text": "Trước"}), ("page", {"text": "Sau"})], files=files)
        survey, pre, post = course.modules[0].lessons
        for n, (before, after, cooperative, position) in enumerate(scores):
            user = make_user("learner", name=f"Lan {n:02d}")
            enrol(user, course)
            db.add(LearnerProfile(user_id=user.id, cooperative_id=places[cooperative].id, position=position))
            for lesson, score in ((pre, before), (post, after)):
                if score is not None:
                    db.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, score=score))
        teacher = teacher or make_user("instructor", name="Cô Mai")
        db.add(CourseInstructor(course_id=course.id, user_id=teacher.id))
        db.commit()
        survey.teacher = teacher
        return survey

    return make


def _section(app, db, survey, filters=None):
    from elearn_survey import results

    with app.test_request_context():
        return gain.section(db, survey, survey.content, filters or {}, results.filter_choices(db))


def test_the_section_reads_the_core_scores_and_the_profiles(app, db, paired, places):  # noqa: F811
    from elearn.models import Position

    survey = paired(False, [(0.2, 0.6, "farm", Position.DIRECTOR), (0.5, 0.5, "farm", Position.MEMBER),
                            (0.4, 1.0, "shop", Position.MEMBER), (0.9, None, "shop", Position.MEMBER)])
    found = _section(app, db, survey)
    figures = found["figures"]
    assert found["note"] is None and (found["pre_title"], found["post_title"]) == ("Bài 2", "Bài 3")
    # pre (20+50+40)/3 = 36.67, post (60+50+100)/3 = 70, gain (40+0+60)/3 = 33.33
    assert (figures["learners"], figures["mean_pre"], figures["mean_post"], figures["mean_gain"]) == (
        3, 36.7, 70.0, 33.3)
    tracks = {g["value"]: (g["learners"], g["mean_gain"]) for g in figures["groups"]["track"]}
    assert tracks == {"rural": (2, 20.0), "urban": (1, 60.0)}
    areas = {g["value"]: g["learners"] for g in figures["groups"]["area"]}
    assert areas == {str(places["area"].id): 3}
    assert [p["name"] for p in figures["people"]] == ["Lan 00", "Lan 01", "Lan 02"]
    assert _section(app, db, survey, {"track": "urban"})["figures"]["mean_gain"] == 60.0


def test_a_survey_without_a_pair_has_no_section(app, db, make_course, files):
    course = make_course([("survey", content())], files=files)
    assert _section(app, db, course.modules[0].lessons[0]) is None


def test_the_section_runs_the_same_queries_for_3_or_30_learners(app, db, paired, count_queries):
    from elearn.models import Position

    few = paired(False, [(0.1, 0.5, "farm", Position.MEMBER)] * 3)
    many = paired(False, [(0.1, 0.5, "shop", Position.DIRECTOR)] * 30)
    with count_queries() as small:
        assert _section(app, db, few)["figures"]["learners"] == 3
    with count_queries() as large:
        assert _section(app, db, many)["figures"]["learners"] == 30
    assert small.n == large.n


def _page(client, login, survey, **filters):
    if not getattr(client, "signed_in", False):
        login(client, survey.teacher)
        client.signed_in = True
    response = client.get(f"/x/survey/lessons/{survey.id}/results", query_string=filters)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_results_page_shows_the_gain_and_each_learner(paired, client, login):
    from elearn.models import Position

    survey = paired(False, [(0.2, 0.6, "farm", Position.DIRECTOR), (0.5, 0.5, "farm", Position.MEMBER),
                            (0.4, 1.0, "shop", Position.MEMBER), (None, 0.9, "shop", Position.MEMBER)])
    page = _page(client, login, survey)
    assert "Mức tiến bộ kiến thức" in page and "36.7%" in page and "70.0%" in page and "+33.3" in page
    assert "Lan 00" in page and "+40.0" in page and "Lan 03" not in page
    assert "+60.0" in _page(client, login, survey, track="urban")


def test_an_anonymous_survey_s_page_hides_a_small_group_and_every_name(paired, client, login):
    from elearn.models import Position

    survey = paired(True, [(0.2, 0.6, "farm", Position.MEMBER)] * 5 + [(0.5, 0.9, "shop", Position.MEMBER)])
    page = _page(client, login, survey)
    assert "+40.0" in page and "Dưới 5 học viên: không hiển thị." in page and "Lan 0" not in page
    assert "phiếu khảo sát ẩn danh không hiển thị mức tiến bộ" in _page(client, login, survey, track="urban")


def test_a_missing_lesson_is_said_on_the_page_and_in_the_api(paired, client, login, api_token):
    survey = paired(False, [], pair={"pre": "l2", "post": "kiem-tra-cuoi"})
    assert "khoá học này không có bài kiem-tra-cuoi" in _page(client, login, survey)
    body = client.get(f"/api/v1/x/survey/lessons/{survey.id}/results",
                      headers={"Authorization": f"Bearer {api_token(survey.teacher)}"}).get_json()
    from elearn_survey.api_models import Results

    Results.model_validate(body)
    assert body["knowledge_gain"]["figures"] is None and "kiem-tra-cuoi" in body["knowledge_gain"]["note"]


def test_the_api_gives_the_gain_by_group(paired, client, api_token):
    from elearn.models import Position

    survey = paired(False, [(0.2, 0.6, "farm", Position.DIRECTOR), (0.4, 1.0, "shop", Position.MEMBER)])
    response = client.get(f"/api/v1/x/survey/lessons/{survey.id}/results", query_string={"position": "member"},
                          headers={"Authorization": f"Bearer {api_token(survey.teacher)}"})
    from elearn_survey.api_models import Results

    Results.model_validate(response.get_json())  # the shape the OpenAPI document publishes
    figures = response.get_json()["knowledge_gain"]["figures"]
    assert (figures["learners"], figures["mean_gain"]) == (1, 60.0)
    assert [(g["value"], g["learners"]) for g in figures["groups"]["kind"]] == [("non_agricultural", 1)]
    assert figures["people"] == [{"user_id": figures["people"][0]["user_id"], "name": "Lan 01", "pre": 40.0,
                                  "post": 100.0, "gain": 60.0}]


def test_the_results_page_runs_the_same_queries_for_3_or_30_learners(paired, client, login, count_queries):
    from elearn.models import Position

    few = paired(False, [(0.1, 0.5, "farm", Position.MEMBER)] * 3)
    many = paired(False, [(0.1, 0.5, "shop", Position.DIRECTOR)] * 30, teacher=few.teacher)
    _page(client, login, few)
    with count_queries() as small:
        assert "+40.0" in _page(client, login, few)
    _page(client, login, many)
    with count_queries() as large:
        assert "+40.0" in _page(client, login, many)
    assert small.n == large.n
