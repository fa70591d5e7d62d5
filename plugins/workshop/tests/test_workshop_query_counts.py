"""The workshop's pages issue a fixed, small number of SQL statements, however long a plan's
history and however many plans and reviews the lesson has: the learner's lesson page and the
instructors' list of plans, measured with two plans, then with 1,000 versions and 20 more
cooperatives' plans and reviews."""

from __future__ import annotations

from sqlalchemy import insert, select
from test_workshop_reviews import SETTINGS, phase

LIMIT = 6


def measure(count_queries, pages):
    counts = {}
    for name, (client, url) in pages.items():
        client.get(url)  # once before: nothing cached differently between the two runs
        with count_queries() as counted:
            assert client.get(url).status_code == 200, name
        counts[name] = counted.n
    return counts


def test_pages_issue_the_same_few_statements_for_little_or_much_data(
        workshop, save, app, login, db, count_queries, make_user, enrol):
    from elearn_workshop.models import Plan, PlanVersion, Review

    from elearn.clock import utcnow
    from elearn.models import CourseGroup, GroupMember

    w = workshop(**SETTINGS)
    for user, name in ((w.lan, "HTX A"), (w.hoa, "HTX B")):
        save(user, w.lesson, {"gioi-thieu": {"ten": name}}, base=0, action="submit")
    lan, teacher = app.test_client(), app.test_client()
    login(lan, w.lan)
    login(teacher, w.teacher)
    pages = {"lesson page": (lan, f"/lessons/{w.lesson.id}"),
             "every plan": (teacher, f"/x/workshop/lessons/{w.lesson.id}/plans")}
    writing = measure(count_queries, pages)
    phase(teacher, w, "assessment")
    small = measure(count_queries, pages)

    now = utcnow()
    lans_plan = db.scalar(select(Plan.id).where(Plan.group_id == w.groups["tan-phu"].id))
    db.execute(insert(PlanVersion), [{"plan_id": lans_plan, "number": 2 + n, "kind": "save", "content": {},
                                      "changed": [], "saved_by": w.lan.id, "saved_at": now} for n in range(1000)])
    for n in range(20):
        group = CourseGroup(course_id=w.course.id, group_set="hop-tac-xa", key=f"htx-{n}", title_vi=f"HTX {n}")
        db.add(group)
        db.flush()
        person = make_user("learner", name=f"Học viên {n}")
        enrol(person, w.course)
        db.add(GroupMember(group_id=group.id, user_id=person.id, course_id=w.course.id, group_set="hop-tac-xa"))
        plan = Plan(lesson_id=w.lesson.id, group_id=group.id, content={"gioi-thieu": {"ten": f"HTX {n}"}},
                    section_versions={}, editing={}, version=1, submitted_version=1, submitted_at=now, updated_at=now)
        db.add(plan)
        db.flush()
        db.add(Review(lesson_id=w.lesson.id, plan_id=lans_plan if n % 2 else plan.id, reviewer_id=person.id,
                      kind="peer", assessment={}, done=bool(n % 3), updated_at=now))
    db.commit()
    large = measure(count_queries, pages)
    assert large == small, (small, large)
    assert max(writing.values()) <= LIMIT and max(small.values()) <= LIMIT, (writing, small)
