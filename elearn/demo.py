"""The demo instance: schema, the shipped packs, and accounts to try each role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from elearn.models import Role

DEMO_PASSWORD = "hoctap-2026"
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
