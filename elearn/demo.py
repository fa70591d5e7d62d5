"""The demo instance: schema, the shipped packs, and accounts to try each role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from elearn.models import Role

DEMO_PASSWORD = "hoctap-2026"
# Real units of Điện Biên after the 2025 merger (a subset, see docs/organisations.md) and example cooperatives.
DEMO_ORGANISATIONS = Path(__file__).resolve().parent / "organisations" / "demo_dien_bien.csv"
DEMO_STAFF_AREA = "DB-HMN"  # the demo instructor is the Alliance staff of the former Mường Nhé district
DEMO_LEARNER_COOPERATIVE = "DEMO-HTX-003"
DEMO_ACCOUNTS = [
    ("hocvien@example.org", "Nguyễn Văn An", Role.LEARNER),
    ("giangvien@example.org", "Trần Thị Bình", Role.INSTRUCTOR),
    ("quantri@example.org", "Lê Minh Châu", Role.ADMIN),
]


def prepare(packs_dir: Path, echo: Callable[[str], None] = print) -> Flask:
    from flask_babel import force_locale
    from sqlalchemy import select

    from elearn import create_app
    from elearn.auth.accounts import create_user, find_user
    from elearn.db import get_database
    from elearn.db.migrate import upgrade
    from elearn.models import Course, CourseInstructor
    from elearn.packs.service import install_path

    # Plain http on the demo: cookies cannot be "Secure" there.
    app = create_app({"SESSION_COOKIE_SECURE": False})
    with app.app_context(), force_locale("en"):
        echo(str(upgrade(app)))
        database = get_database(app)
        folders = sorted(p for p in packs_dir.iterdir() if (p / "pack.yaml").is_file())
        if not folders:
            echo(f"warning: no pack in {packs_dir} (a pack is a folder with a pack.yaml)")
        for folder in folders:
            report = install_path(app, folder)
            echo(f"pack {report.pack_id} {report.version}: {'already installed' if report.unchanged else 'installed'}")
        with database.transaction() as session:
            for email, name, role in DEMO_ACCOUNTS:
                if find_user(session, email) is None:
                    create_user(session, email, name, DEMO_PASSWORD, role)
            instructor = find_user(session, DEMO_ACCOUNTS[1][0])
            for course in session.scalars(select(Course)):
                if session.get(CourseInstructor, (course.id, instructor.id)) is None:
                    session.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
            echo(_demo_organisations(session, find_user(session, DEMO_ACCOUNTS[2][0]), instructor,
                                     find_user(session, DEMO_ACCOUNTS[0][0])))
    echo(f"\nDemo database: {app.config['DATABASE_URL']}")
    echo(f"Demo accounts (password for each: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_ACCOUNTS:
        echo(f"  {role.value:<11} {email}")
    return app


class DemoWorker:
    """``elearn worker`` in a process of its own, for as long as the demo serves.

    A process, not a thread: gunicorn forks its workers from the demo's process, and a fork
    copies none of a process's other threads (a queue thread there could hold a lock forever).
    """

    def __init__(self, process) -> None:
        self.process = process

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # a graceful stop: the jobs running are finished first
            try:
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()


def start_worker(app: Flask, echo: Callable[[str], None] = print) -> DemoWorker | None:
    """Start a job worker for the demo: jobs (e-mail digests, exports) then run out of the box."""
    import os
    import subprocess
    import sys

    from elearn.jobs import get_queue

    queue = get_queue(app)
    if queue.immediate:
        return None
    if queue.url.startswith("memory://"):
        echo("warning: JOBS_URL is memory://: no other process can share it, so background jobs will not run")
        return None
    env = {**os.environ, "ELEARN_INSTANCE_PATH": app.instance_path}
    process = subprocess.Popen([sys.executable, "-m", "elearn", "worker", "--threads", "1"], env=env)
    echo(f"Background jobs: a worker (process {process.pid}) on {queue.describe_storage()}")
    return DemoWorker(process)


def _demo_organisations(session, admin, instructor, learner) -> str:
    """The Điện Biên units and example cooperatives (idempotent, like the rest of the demo), the
    instructor's staff area, and the learner's cooperative."""
    from sqlalchemy import select

    from elearn.models import AdminUnit, Cooperative, LearnerProfile, Position
    from elearn.organisations.access import OrgAccess
    from elearn.organisations.importer import import_organisations
    from elearn.organisations.service import assign_staff

    report = import_organisations(session, OrgAccess(admin, None), DEMO_ORGANISATIONS.read_bytes(), commit=True)
    if not report.ok:  # the shipped file is tested; a failure here is a bug worth seeing
        raise RuntimeError(report.file_error or report.errors[0].message)
    area = session.scalar(select(AdminUnit).where(AdminUnit.code == DEMO_STAFF_AREA))
    assign_staff(session, instructor, area)
    if session.get(LearnerProfile, learner.id) is None:
        cooperative = session.scalar(select(Cooperative).where(Cooperative.registration_number ==
                                                               DEMO_LEARNER_COOPERATIVE))
        session.add(LearnerProfile(user_id=learner.id, cooperative_id=cooperative.id, position=Position.DIRECTOR))
    return f"organisations: {report.count('create')} created, {report.count('unchanged')} already there"
