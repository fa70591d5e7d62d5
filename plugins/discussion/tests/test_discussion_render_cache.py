"""The render cache never shows a reader what another reader was shown and they must not see.

Every reader's page is fetched with the cache, in turn (each later reader may be served fragments an
earlier one left: staff first, who see the most), then again with the cache off: the two must be
the same page, byte for byte. The cache must have been used (``hits``), or the test proves nothing.
Edits and moderation must show at once: a cached post is never served after it changed.
"""

from __future__ import annotations

import re

import pytest

from elearn.models import Lesson


@pytest.fixture(autouse=True)
def _cache(render_cache):
    return render_cache


def comparable(page: str) -> str:
    """The page without what changes from one second to the next: a CSRF token's time stamp and
    signature (its first part, the reader's session secret, stays: one reader's token in another's
    page would still show)."""
    return re.sub(r'(name="csrf_token" value="[^".]+)\.[^"]*"', r'\1"', page)


def cached_then_plain(render_cache, readers: dict, path: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each reader's page at ``path`` with the cache, in the order given, then without it."""
    def pages() -> dict[str, str]:
        found = {}
        for name, browser in readers.items():
            response = browser.get(path)
            assert response.status_code == 200, (name, path, response.status_code)
            found[name] = comparable(response.get_data(as_text=True))
        return found

    cached = pages()
    store, render_cache.store = render_cache.store, None
    try:
        plain = pages()
    finally:
        render_cache.store = store
    return cached, plain


def assert_same_pages(render_cache, readers: dict, path: str) -> dict[str, str]:
    hits = render_cache.hits
    cached, plain = cached_then_plain(render_cache, readers, path)
    for name in readers:
        assert cached[name] == plain[name], f"{name}'s page at {path} differs from its uncached rendering"
    assert render_cache.hits > hits, "no fragment was served from the cache: the test proves nothing"
    return cached


def test_hidden_withdrawn_and_moderated_posts_never_reach_another_reader(discussion, as_api, signed_in, make_user,
                                                                         enrol, render_cache):
    site = discussion()
    carol = make_user("learner", name="Chi Lê")
    enrol(carol, site.course)
    alice, bob, teacher = as_api(site.alice), as_api(site.bob), as_api(site.teacher)
    opening = alice.start(site.lesson, "Ý kiến", "ALICEBODY Vì giờ họp không hợp")
    tid = opening["thread_id"]
    hidden = bob.answer(site.lesson, tid, "BOBHIDDEN Lời lẽ không phù hợp")
    teacher.moderate(site.lesson, hidden["id"], "hide", "REASONTEXT Xin giữ lời lẽ lịch sự")
    carol_post = as_api(carol).answer(site.lesson, tid, "CAROLVISIBLE Nên đổi giờ họp")
    withdrawn = alice.answer(site.lesson, tid, "ALICEWITHDRAWN Em rút lại ý này")
    assert alice.send("POST", f"/lessons/{site.lesson.id}/posts/{withdrawn['id']}/withdraw").status_code == 200
    readers = {"teacher": signed_in(site.teacher), "bob": signed_in(site.bob), "alice": signed_in(site.alice),
               "carol": signed_in(carol)}

    pages = assert_same_pages(render_cache, readers, f"/x/discussion/lessons/{site.lesson.id}/threads/{tid}")

    assert all("ALICEBODY" in page and "CAROLVISIBLE" in page for page in pages.values())
    assert "BOBHIDDEN" in pages["teacher"] and "BOBHIDDEN" in pages["bob"]
    assert "BOBHIDDEN" not in pages["alice"] and "BOBHIDDEN" not in pages["carol"]
    assert "REASONTEXT" in pages["bob"] and "REASONTEXT" not in pages["carol"] + pages["alice"]
    assert "ALICEWITHDRAWN" in pages["alice"] and "ALICEWITHDRAWN" in pages["teacher"]
    assert "ALICEWITHDRAWN" not in pages["bob"] + pages["carol"]
    # The moderation form and the edit link are the reader's own, never a cached one's.
    assert f"/posts/{carol_post['id']}/moderate" in pages["teacher"]
    assert "/moderate" not in pages["carol"] + pages["alice"] + pages["bob"]
    assert f"/posts/{carol_post['id']}/edit" in pages["carol"] and f"/posts/{carol_post['id']}/edit" not in pages["bob"]
    assert_same_pages(render_cache, readers, f"/lessons/{site.lesson.id}")


def test_a_groups_threads_stay_in_the_group(discussion, as_api, signed_in, put_in_group, make_user, enrol,
                                            render_cache):
    site = discussion(group_set="track")
    carol = make_user("learner", name="Chi Lê")
    enrol(carol, site.course)
    put_in_group(site.course, site.alice, "a")
    put_in_group(site.course, carol, "a")
    put_in_group(site.course, site.bob, "b")
    theirs = as_api(site.alice).start(site.lesson, "GROUPATITLE Nhóm A", "GROUPABODY Nhóm A bàn riêng")
    whole_class = as_api(site.teacher).start(site.lesson, "CLASSTITLE Cả lớp", "CLASSBODY Câu hỏi chung")
    as_api(site.alice).answer(site.lesson, whole_class["thread_id"], "ALICEINCLASS Em trả lời cả lớp")
    readers = {"carol": signed_in(carol), "teacher": signed_in(site.teacher), "bob": signed_in(site.bob)}

    lesson_pages = assert_same_pages(render_cache, readers, f"/lessons/{site.lesson.id}")
    assert "GROUPATITLE" in lesson_pages["carol"] and "GROUPATITLE" not in lesson_pages["bob"]
    group_pages = assert_same_pages(render_cache, {"carol": readers["carol"], "teacher": readers["teacher"]},
                                    f"/x/discussion/lessons/{site.lesson.id}/threads/{theirs['thread_id']}")
    assert "GROUPABODY" in group_pages["carol"]
    # Bob, after both of them filled the cache with the group's thread, still cannot open it.
    assert readers["bob"].get(f"/x/discussion/lessons/{site.lesson.id}/threads/{theirs['thread_id']}"
                              ).status_code == 404
    class_pages = assert_same_pages(render_cache, readers,
                                    f"/x/discussion/lessons/{site.lesson.id}/threads/{whole_class['thread_id']}")
    assert all("ALICEINCLASS" in page for page in class_pages.values())


def test_in_qa_mode_a_learner_sees_no_cached_answer_before_posting(discussion, as_api, signed_in, render_cache):
    site = discussion(mode="qa")
    question = as_api(site.teacher).start(site.lesson, "Câu hỏi", "TEACHERBODY Hãy trả lời")
    tid = question["thread_id"]
    as_api(site.alice).answer(site.lesson, tid, "ALICEREPLY Theo em là do giờ họp")
    readers = {"alice": signed_in(site.alice), "teacher": signed_in(site.teacher), "bob": signed_in(site.bob)}
    path = f"/x/discussion/lessons/{site.lesson.id}/threads/{tid}"

    before = assert_same_pages(render_cache, readers, path)
    assert "ALICEREPLY" in before["alice"] and "ALICEREPLY" not in before["bob"]
    assert "TEACHERBODY" in before["bob"]

    as_api(site.bob).answer(site.lesson, tid, "BOBREPLY Em nghĩ khác")
    after = assert_same_pages(render_cache, readers, path)
    assert "ALICEREPLY" in after["bob"]


def test_edits_and_moderation_show_at_once(discussion, as_api, signed_in, render_cache):
    site = discussion()
    lid = site.lesson.id
    alice, teacher = as_api(site.alice), as_api(site.teacher)
    tid = alice.start(site.lesson, "Ý kiến", "Vì sao thành viên không đến?")["thread_id"]
    answer = alice.answer(site.lesson, tid, "FIRSTTEXT Ý đầu tiên")
    as_api(site.bob).answer(site.lesson, tid, "BOBQUOTES Em đồng ý", quote_id=answer["id"])
    bob = signed_in(site.bob)
    path = f"/x/discussion/lessons/{lid}/threads/{tid}"

    def bobs_page() -> str:
        response = bob.get(path)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert bobs_page().count("FIRSTTEXT") == 2  # the post, and the quote of it in Bob's reply
    assert alice.send("PATCH", f"/lessons/{lid}/posts/{answer['id']}", {"body": "SECONDTEXT Ý đã sửa"}
                      ).status_code == 200
    page = bobs_page()
    assert page.count("SECONDTEXT") == 2 and "FIRSTTEXT" not in page

    teacher.moderate(site.lesson, answer["id"], "hide", "Không phù hợp")
    page = bobs_page()
    assert "SECONDTEXT" not in page and "BOBQUOTES" in page  # neither the post nor its quote in Bob's reply
    teacher.moderate(site.lesson, answer["id"], "restore")
    assert bobs_page().count("SECONDTEXT") == 2

    synthesis = teacher.answer(site.lesson, tid, "TEACHERSUM Tóm lại")
    assert 'class="d-badge ok"' not in bobs_page()
    teacher.moderate(site.lesson, synthesis["id"], "synthesis")
    assert 'class="d-badge ok"' in bobs_page()  # the synthesis badge, in the post's shared part
    assert render_cache.hits > 0


def test_a_changed_case_is_shown_at_once(discussion, signed_in, db, render_cache):
    site = discussion()
    alice = signed_in(site.alice)
    assert "120 thành viên" in alice.get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    lesson = db.get(Lesson, site.lesson.id)
    lesson.content = {**lesson.content, "case_html": "<p>CHANGEDCASE Hợp tác xã B</p>"}
    db.commit()
    page = alice.get(f"/lessons/{site.lesson.id}").get_data(as_text=True)
    assert "CHANGEDCASE" in page and "120 thành viên" not in page
