"""video: watched intervals per learner and lesson, and the report batches already counted.

Revision ID: video_0001
Revises:
Depends on: 0006_plugin_state (the data-saver choice is a plugin state document)
Create Date: 2026-12-04 02:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "video_0001"
down_revision = None
branch_labels = ("video",)
depends_on = "0006_plugin_state"

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "x_video_watches",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("intervals", JSON, nullable=False),
        sa.Column("watched_seconds", sa.Double(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("position", sa.Double(), nullable=False),
        sa.Column("last_watched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"], name=op.f("fk_x_video_watches_lesson_id_lessons"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_x_video_watches_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lesson_id", "user_id", name=op.f("pk_x_video_watches")),
    )
    op.create_table(
        "x_video_batches",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"], name=op.f("fk_x_video_batches_lesson_id_lessons"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_x_video_batches_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lesson_id", "user_id", "batch_id", name=op.f("pk_x_video_batches")),
    )


def downgrade() -> None:
    op.drop_table("x_video_batches")
    op.drop_table("x_video_watches")
