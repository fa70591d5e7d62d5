"""The instructor's view: each learner's share and last watch, the drop-off chart, CSV export."""

from __future__ import annotations


def test_the_instructor_sees_each_learners_share_and_where_viewers_stop(video, staffed, report, signed_in):
    site = staffed(video())
    report(site.lan, site.lesson, [[0, 100]])
    report(site.minh, site.lesson, [[0, 25]])
    page = signed_in(site.teacher).get(f"/x/video/lessons/{site.lesson.id}/report").get_data(as_text=True)
    rows = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "Lan" in rows and "100%" in rows and "Minh" in rows and "25%" in rows
    assert "Hoa" not in rows  # not enrolled
    assert "<svg" in page and "<polyline" in page
    # The first moments were watched by both (top of the chart), the last by Lan only (half way down).
    points = page.split('points="')[1].split('"')[0].split()
    assert points[0].endswith(",0.0") and points[-1].endswith(",80.0")
    lesson_page = signed_in(site.teacher).get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert f"/x/video/lessons/{site.lesson.id}/report" in lesson_page


def test_the_csv_lists_every_learner_and_guards_against_formulas(video, staffed, report, signed_in, make_user,
                                                                  enrol):
    site = staffed(video())
    report(site.lan, site.lesson, [[0, 50]], position=50)
    sly = make_user("learner", name="=HYPERLINK(\"http://x\")")
    enrol(sly, site.course)
    answer = signed_in(site.teacher).get(f"/x/video/lessons/{site.lesson.id}/report.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    lines = answer.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 4  # the header, Lan, Minh, the sly one
    lan = next(line for line in lines if line.startswith("Lan,"))
    assert ",50,50," in lan
    assert any(line.startswith("\"'=HYPERLINK") for line in lines)


def test_learners_and_other_instructors_may_not_see_the_report(video, signed_in, make_user):
    site = video()
    assert signed_in(site.lan).get(f"/x/video/lessons/{site.lesson.id}/report").status_code == 403
    assert signed_in(site.teacher).get(f"/x/video/lessons/{site.lesson.id}/report.csv").status_code == 403


def test_the_report_is_in_the_api_too(video, staffed, report, client, api_token):
    site = staffed(video())
    report(site.lan, site.lesson, [[0, 30]])
    path = f"/api/v1/x/video/lessons/{site.lesson.id}/report"
    body = client.get(path, headers={"Authorization": f"Bearer {api_token(site.teacher)}"}).get_json()
    assert [(r["name"], r["watched_share"]) for r in body["learners"]] == [("Lan", 0.3), ("Minh", 0.0)]
    assert body["viewers"] == 1 and len(body["drop_off"]) == 40 and body["total"] == 2
    assert client.get(path, headers={"Authorization": f"Bearer {api_token(site.lan)}"}).status_code == 403
