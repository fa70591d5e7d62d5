"""The checks every lesson type passes, on an external-only video (the one a learner marks watched):
pages in every language, the API view, form and JSON submissions, no query per learner."""


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
