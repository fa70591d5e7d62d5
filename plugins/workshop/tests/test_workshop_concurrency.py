"""Co-authors saving at the same moment: every section each of them wrote is kept, the versions
follow one another, and the first save of a new plan, sent by two people at once, makes one plan."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

ROUNDS = 6


def test_co_authors_saving_at_once_lose_nothing(app, db, workshop, api_token):
    from elearn_workshop.models import Plan, PlanVersion

    w = workshop()
    url = f"/api/v1/lessons/{w.lesson.id}/submissions"
    tokens = {"lan": api_token(w.lan), "minh": api_token(w.minh)}

    def send(job):
        who, n = job
        section = {"gioi-thieu": {"ten": f"HTX Tân Phú {n}"}} if who == "lan" else \
            {"von": {"von-gop": str(1_000_000 * (n + 1))}}
        answer = app.test_client().post(url, json={"action": "save", "base": 0, "sections": section},
                                        headers={"Authorization": f"Bearer {tokens[who]}"})
        return answer.status_code, answer.get_json()["result"]

    jobs = [(who, n) for n in range(ROUNDS) for who in ("lan", "minh")]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, jobs))

    assert all(status == 201 for status, _result in results), results
    db.rollback()  # a new snapshot: what the requests committed
    assert db.scalar(select(func.count()).select_from(Plan)) == 1  # one plan for the cooperative
    plan = db.scalar(select(Plan))
    kept = db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.kind == "save")
                      .order_by(PlanVersion.number)).all()
    assert [version.number for version in kept] == list(range(1, len(kept) + 1))  # one after the other
    conflicts = db.scalar(select(func.count()).where(PlanVersion.plan_id == plan.id, PlanVersion.kind == "conflict"))
    # each stale save (base 0) of a section someone saved meanwhile is kept as a conflict, never dropped
    assert len(kept) + conflicts == 2 * ROUNDS
    assert set(plan.content) == {"gioi-thieu", "von"}  # both authors' sections are in the plan
