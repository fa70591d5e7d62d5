"""A discussion's pages issue a fixed, small number of SQL statements, however many posts it has.

The learner's lesson page (the case, the synthesis, their participation and a page of threads)
and a thread page (every post shown: nested replies, quotes, helpful marks, a withdrawn and a
hidden post) are measured with 3 posts, then with 60 posts from many authors: the counts must
be equal (no query per thread, post or author), and the lesson page stays within ``LESSON_LIMIT``.
"""

from __future__ import annotations

LESSON_LIMIT = 7


def count_posts(api, lesson, thread_id: int) -> int:
    return api.get(f"/lessons/{lesson.id}/threads/{thread_id}").get_json()["posts"]["total"]


def measure(count_queries, pages: dict) -> dict[str, int]:
    counts = {}
    for name, (get, url) in pages.items():
        get(url)  # once before measuring: nothing cached differently between the two runs
        with count_queries() as counted:
            response = get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = counted.n
    return counts


def test_discussion_pages_issue_the_same_few_queries_for_3_or_60_posts(
        discussion, as_api, signed_in, make_user, enrol, count_queries):
    site = discussion(page_size=100, rubric=[{"id": "analysis", "title": "Phân tích", "points": 10}])
    lid = site.lesson.id
    teacher, alice, bob = as_api(site.teacher), as_api(site.alice), as_api(site.bob)
    others = []
    for i in range(4):
        person = make_user("learner", name=f"Học viên {i}")
        enrol(person, site.course)
        others.append(as_api(person))

    # Small: a thread of three posts by the learner, another learner and the instructor.
    question = teacher.start(site.lesson, "Câu hỏi của cô", "Vì sao vắng mặt?")
    tid = question["thread_id"]
    first = alice.answer(site.lesson, tid, "Alice: vì mùa vụ")
    summary = teacher.answer(site.lesson, tid, "Tổng kết của cô", parent_id=first["id"])
    assert teacher.send("POST", f"/lessons/{lid}/posts/{summary['id']}/moderation",
                        {"action": "synthesis"}).status_code == 200
    assert teacher.send("PUT", f"/lessons/{lid}/participants/{site.alice.id}",
                        {"marks": {"analysis": 7}, "comment": "Tốt", "complete": False}).status_code == 200

    alice_browser = signed_in(site.alice)
    pages = {
        "lesson page": (alice_browser.get, f"/lessons/{lid}"),
        "thread page": (alice_browser.get, f"/x/discussion/lessons/{lid}/threads/{tid}"),
        "lesson API": (lambda url: alice.lesson(lid), None),
        "thread API": (alice.get, f"/lessons/{lid}/threads/{tid}"),
        "instructor's thread page": (signed_in(site.teacher).get, f"/x/discussion/lessons/{lid}/threads/{tid}"),
    }
    assert count_posts(alice, site.lesson, tid) == 3
    small = measure(count_queries, pages)

    # Large: 60 posts in the thread from seven authors — nested, quoting, marked helpful, one
    # withdrawn, one hidden — and more threads on the lesson page, one of them pinned.
    writers = [bob, *others]
    posted = [first]
    while len(posted) < 55:
        writer = writers[len(posted) % len(writers)]
        extra = {}
        if len(posted) % 3 == 0:
            extra["parent_id"] = posted[-1]["id"]
        if len(posted) % 4 == 0:
            extra["quote_id"] = posted[-2]["id"]
        posted.append(writer.answer(site.lesson, tid, f"Ý kiến số {len(posted)}", **extra))
    for post in posted[1:10]:
        assert alice.send("PUT", f"/lessons/{lid}/posts/{post['id']}/helpful").status_code == 200
    assert bob.send("POST", f"/lessons/{lid}/posts/{posted[5]['id']}/withdraw").status_code == 200
    assert teacher.send("POST", f"/lessons/{lid}/posts/{posted[7]['id']}/moderation",
                        {"action": "hide", "reason": "Lạc đề"}).status_code == 200
    mine = alice.answer(site.lesson, tid, "Alice bổ sung")
    assert teacher.send("POST", f"/lessons/{lid}/posts/{mine['id']}/moderation",
                        {"action": "hide", "reason": "Trùng ý"}).status_code == 200
    for i, writer in enumerate([alice, *writers] * 3):
        writer.start(site.lesson, f"Chủ đề {i}", "Nội dung")
    pinned = bob.start(site.lesson, "Chủ đề ghim", "Nội dung")
    assert teacher.send("POST", f"/lessons/{lid}/threads/{pinned['thread_id']}/moderation",
                        {"action": "pin"}).status_code == 200
    assert teacher.send("POST", f"/lessons/{lid}/posts/{posted[3]['id']}/moderation",
                        {"action": "resolve"}).status_code == 200
    # 58 shown to Alice in the thread (the hidden post of Bob's is not) — 60 including the hidden ones.
    assert count_posts(teacher, site.lesson, tid) == 58
    assert count_posts(alice, site.lesson, tid) == 57
    assert len(alice.get(f"/lessons/{lid}/threads").get_json()["threads"]["items"]) == 20

    large = measure(count_queries, pages)

    print(f"\nqueries with 3 posts: {small}\nqueries with 60 posts: {large}")
    assert large == small, "a discussion page runs a query per thread, post or author"
    assert large["lesson page"] <= LESSON_LIMIT, large
    # The large discussion really is on the pages.
    thread_page = alice_browser.get(f"/x/discussion/lessons/{lid}/threads/{tid}").get_data(as_text=True)
    assert thread_page.count('<li id="post-') == 57
    assert "Ý kiến số 54" in thread_page
    lesson_page = alice_browser.get(f"/lessons/{lid}").get_data(as_text=True)
    assert "Chủ đề ghim" in lesson_page and "Tổng kết của cô" in lesson_page
