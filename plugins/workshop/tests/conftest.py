"""The workshop's fixtures: a course with the sample template, two cooperatives' groups (Lan and
Minh write Tân Phú's plan together, Hoa writes Hòa Bình's) and their instructor."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from workshop_samples import content


@pytest.fixture
def workshop(app, db, make_course, make_user, enrol):
    from elearn.models import CourseGroup, CourseInstructor, GroupMember

    def make(**settings):
        course = make_course([("workshop", content(**settings))])
        lesson = course.modules[0].lessons[0]
        lan, minh, hoa = (make_user("learner", name=name) for name in ("Lan", "Minh", "Hoa"))
        teacher = make_user("instructor", name="Cô Mai")
        groups = {}
        for key, title in (("tan-phu", "HTX Tân Phú"), ("hoa-binh", "HTX Hòa Bình")):
            group = CourseGroup(course_id=course.id, group_set="hop-tac-xa", key=key, title_vi=title)
            db.add(group)
            db.flush()
            groups[key] = group
        for user, key in ((lan, "tan-phu"), (minh, "tan-phu"), (hoa, "hoa-binh")):
            enrol(user, course)
            db.add(GroupMember(group_id=groups[key].id, user_id=user.id, course_id=course.id, group_set="hop-tac-xa"))
        db.add(CourseInstructor(course_id=course.id, user_id=teacher.id))
        db.commit()
        return SimpleNamespace(course=course, lesson=lesson, lan=lan, minh=minh, hoa=hoa, teacher=teacher,
                               groups=groups)

    return make


@pytest.fixture
def save(client, api_token):
    """``save(user, lesson, sections, base, action="save")``: one save through the API."""
    def send(user, lesson, sections, base, action="save", **extra):
        return client.post(f"/api/v1/lessons/{lesson.id}/submissions",
                           json={"action": action, "base": base, "sections": sections, **extra},
                           headers={"Authorization": f"Bearer {api_token(user)}"})

    return send


@pytest.fixture
def view(client, api_token):
    def get(user, lesson):
        answer = client.get(f"/api/v1/lessons/{lesson.id}", headers={"Authorization": f"Bearer {api_token(user)}"})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["view"]

    return get
