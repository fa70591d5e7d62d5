"""Plugins' state documents by scope (lesson, learner × lesson, learner × course, learner, group).

Revision ID: 0006_plugin_state
Revises: 0005_lesson_translations
Create Date: 2026-12-04 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_plugin_state"
down_revision = "0005_lesson_translations"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SCOPES = ("lesson", "learner_lesson", "learner_course", "learner", "group")


def upgrade() -> None:
    op.create_table(
        "plugin_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=50), nullable=False),
        sa.Column("scope", sa.Enum(*SCOPES, name="scope", native_enum=False, length=20), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plugin_state_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_plugin_state_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_plugin_state_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["course_groups.id"], name=op.f("fk_plugin_state_group_id_course_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_state")),
        sa.UniqueConstraint("plugin", "scope", "subject", "key", name=op.f("uq_plugin_state_plugin")),
    )
    with op.batch_alter_table("plugin_state", schema=None) as batch_op:
        # The foreign keys' own indexes: deleting a user or a course finds its documents without a scan.
        for column in ("user_id", "course_id", "lesson_id", "group_id"):
            batch_op.create_index(batch_op.f(f"ix_plugin_state_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("plugin_state")
