"""quiz: the number of answers of each attempt still waiting for a person's mark.

Revision ID: quiz_0002
Revises: quiz_0001

Filled from each finished attempt's stored result, so attempts graded before this revision are
shown as provisional (and listed in the grading queue) exactly when an essay of theirs waits.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "quiz_0002"
down_revision = "quiz_0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BATCH = 1000


def upgrade() -> None:
    op.add_column("x_quiz_attempts", sa.Column("pending_grading", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_x_quiz_attempts_lesson_pending", "x_quiz_attempts", ["lesson_id", "pending_grading"])
    attempts = sa.table("x_quiz_attempts", sa.column("id", sa.Integer()), sa.column("state", sa.String()),
                        sa.column("result", JSON), sa.column("pending_grading", sa.Integer()))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(attempts.c.id, attempts.c.result)
            .where(attempts.c.state == "finished", attempts.c.id > last)
            .order_by(attempts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for attempt_id, result in rows:
            questions = (result or {}).get("questions", {}) if isinstance(result, dict) else {}
            waiting = sum(1 for entry in questions.values() if entry.get("state") == "needs_grading")
            if waiting:
                conn.execute(attempts.update().where(attempts.c.id == attempt_id).values(pending_grading=waiting))
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_x_quiz_attempts_lesson_pending", table_name="x_quiz_attempts")
    op.drop_column("x_quiz_attempts", "pending_grading")
