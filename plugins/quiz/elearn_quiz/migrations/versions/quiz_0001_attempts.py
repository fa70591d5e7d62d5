"""quiz: attempts and answer steps.

Revision ID: quiz_0001
Revises:
Depends on: 0001_core
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "quiz_0001"
down_revision = None
branch_labels = ("quiz",)
depends_on = "0001_core"

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "x_quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("open_key", sa.String(length=40), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("question_order", JSON, nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("fraction", sa.Double(), nullable=True),
        sa.Column("marks", sa.Double(), nullable=True),
        sa.Column("max_marks", sa.Double(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_x_quiz_attempts_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_x_quiz_attempts_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_quiz_attempts")),
        sa.UniqueConstraint("open_key", name="uq_x_quiz_attempts_open_key"),
        sa.UniqueConstraint("user_id", "lesson_id", "number", name="uq_x_quiz_attempts_user_lesson_number"),
    )
    op.create_index(op.f("ix_x_quiz_attempts_user_id"), "x_quiz_attempts", ["user_id"], unique=False)
    op.create_index(op.f("ix_x_quiz_attempts_lesson_id"), "x_quiz_attempts", ["lesson_id"], unique=False)
    op.create_table(
        "x_quiz_answer_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("response", JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["x_quiz_attempts.id"],
            name=op.f("fk_x_quiz_answer_steps_attempt_id_x_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_quiz_answer_steps")),
    )
    op.create_index(op.f("ix_x_quiz_answer_steps_attempt_id"), "x_quiz_answer_steps", ["attempt_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_x_quiz_answer_steps_attempt_id"), table_name="x_quiz_answer_steps")
    op.drop_table("x_quiz_answer_steps")
    op.drop_index(op.f("ix_x_quiz_attempts_lesson_id"), table_name="x_quiz_attempts")
    op.drop_index(op.f("ix_x_quiz_attempts_user_id"), table_name="x_quiz_attempts")
    op.drop_table("x_quiz_attempts")
