"""discussion: files instructors upload to a case.

Revision ID: discussion_0002
Revises: discussion_0001
Create Date: 2026-11-25 13:59:00.435459
"""

import sqlalchemy as sa
from alembic import op

revision = "discussion_0002"
down_revision = "discussion_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "x_discussion_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_x_discussion_attachments_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_x_discussion_attachments_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_attachments")),
    )
    with op.batch_alter_table("x_discussion_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_attachments_lesson_id"), ["lesson_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("x_discussion_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_x_discussion_attachments_lesson_id"))

    op.drop_table("x_discussion_attachments")
