"""The instructor's view of a video: each learner's watched share and last watch, where viewers
drop off (a server-rendered SVG, no chart script), and the same as CSV.

All from ``x_video_watches``: one row per learner who played anything, so the report reads one
row per learner and never the reports the browsers sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from elearn.plugin_api import Enrolment, User, paginate
from elearn_video.lesson import clock
from elearn_video.models import Watch

BINS = 40
WIDTH, HEIGHT = 600, 160


def learners(db, lesson, page: Any):
    """A page of the course's learners (by name), each with their watch row or None."""
    query = (select(User, Watch)
             .join(Enrolment, (Enrolment.user_id == User.id) & (Enrolment.course_id == lesson.course_id))
             .outerjoin(Watch, (Watch.user_id == User.id) & (Watch.lesson_id == lesson.id))
             .order_by(User.name, User.id))
    return paginate(db, query, page, per_page=50, scalars=False)


def drop_off(db, lesson) -> dict[str, Any]:
    """For each of ``BINS`` moments of the video, the share of its viewers (learners who played
    any of it) who watched that moment; and the SVG polyline drawing it."""
    duration = lesson.content["duration"]
    rows = db.scalars(select(Watch.intervals).where(Watch.lesson_id == lesson.id, Watch.watched_seconds > 0)).all()
    counts = [0] * BINS
    for intervals in rows:
        for n in range(BINS):
            moment = (n + 0.5) * duration / BINS
            if any(start <= moment <= end for start, end in intervals):
                counts[n] += 1
    viewers = len(rows)
    shares = [count / viewers if viewers else 0.0 for count in counts]
    step = WIDTH / (BINS - 1)
    points = " ".join(f"{n * step:.1f},{HEIGHT - share * HEIGHT:.1f}" for n, share in enumerate(shares))
    return {"viewers": viewers, "shares": shares, "points": points, "width": WIDTH, "height": HEIGHT,
            "end": clock(duration), "middle": clock(duration / 2),
            "lowest": min(shares) if viewers else 0.0}


def rows_csv(db, lesson, headers: Sequence[str]) -> str:
    """Every learner of the course: name, email, watched %, position, last watched (UTC)."""
    found = db.execute(
        select(User, Watch)
        .join(Enrolment, (Enrolment.user_id == User.id) & (Enrolment.course_id == lesson.course_id))
        .outerjoin(Watch, (Watch.user_id == User.id) & (Watch.lesson_id == lesson.id))
        .order_by(User.name, User.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for user, watch in found:
        writer.writerow([
            _cell(user.name), _cell(user.email),
            f"{round(watch.share * 100, 1):g}" if watch else "0",
            f"{watch.position:g}" if watch else "",
            watch.last_watched_at.strftime("%Y-%m-%d %H:%M:%S") if watch else "",
        ])
    return "\ufeff" + out.getvalue()


def _cell(value: str) -> str:
    """Text that a spreadsheet would run as a formula is quoted with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
