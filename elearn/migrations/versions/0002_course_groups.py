"""Course groups: group sets, groups and their members.

Revision ID: 0002_groups
Revises: 0001_core
Create Date: 2026-11-25 13:39:41.817975
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_groups"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("group_set", sa.String(length=50), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title_vi", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_groups_course_id_courses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_groups")),
        sa.UniqueConstraint("course_id", "group_set", "key", name=op.f("uq_course_groups_course_id")),
    )
    with op.batch_alter_table("course_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_groups_course_id"), ["course_id"], unique=False)

    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("group_set", sa.String(length=50), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_group_members_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["course_groups.id"], name=op.f("fk_group_members_group_id_course_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("course_id", "group_set", "user_id", name=op.f("uq_group_members_course_id")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_group_id"), ["group_id"], unique=False)
        batch_op.create_index("ix_group_members_user_course", ["user_id", "course_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_group_members_user_course")
        batch_op.drop_index(batch_op.f("ix_group_members_group_id"))

    op.drop_table("group_members")
    with op.batch_alter_table("course_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_groups_course_id"))

    op.drop_table("course_groups")
