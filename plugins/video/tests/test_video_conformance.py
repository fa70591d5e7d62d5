"""The checks every lesson type passes, on an external-only video (the one a learner marks watched):
pages in every language, the API view, form and JSON submissions, no query per learner."""

from elearn.testing import csrf_token


def test_an_external_video_passes_the_lesson_type_conformance_checks(lesson_type_conformance):
    lesson_type_conformance("video", form={"watched": "1"}, json={"watched": True})


def test_a_served_video_page_costs_the_same_queries_whoever_watched(video, report, signed_in, count_queries):
    site = video()
    client = signed_in(site.lan)
    path = f"/lessons/{site.lesson.id}"
    client.get(path)
    with count_queries() as before:
        client.get(path)
    report(site.minh, site.lesson, [[0, 50]])
    report(site.lan, site.lesson, [[0, 10]])
    with count_queries() as after:
        client.get(path)
    assert after.n == before.n


def test_the_introduction_above_the_video_is_in_the_readers_language(app, make_course, make_user, enrol, login):
    course = make_course([("video", {"intro": {"vi": "Xem **kỹ** video này.", "en": "Watch this video **closely**."},
                                     "duration": 60, "embed": "https://www.youtube-nocookie.com/embed/x"})])
    lesson = course.modules[0].lessons[0]
    learner = make_user("learner")
    enrol(learner, course)
    client = app.test_client()
    login(client, learner)
    assert "Xem <strong>kỹ</strong> video này." in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    url = f"/lessons/{lesson.id}"
    client.post("/language", data={"lang": "en", "next": url, "csrf_token": csrf_token(client, url)})
    page = client.get(url).get_data(as_text=True)
    assert "Watch this video <strong>closely</strong>." in page and "Xem <strong>kỹ</strong>" not in page
