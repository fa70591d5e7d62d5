"""Course group sets: whether learners choose their own group in a set.

Revision ID: 0003_group_sets
Revises: 0002_groups
Create Date: 2026-11-25 14:58:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_group_sets"
down_revision = "0002_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_group_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("learners_choose", sa.Boolean(), nullable=False),
        sa.Column("title_vi", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("title_en", sa.String(length=300), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_group_sets_course_id_courses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_group_sets")),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_course_group_sets_course_id")),
    )
    # Sets made before this revision get their row, with instructors placing the learners as before.
    op.execute(
        "INSERT INTO course_group_sets (course_id, name, learners_choose) "
        "SELECT DISTINCT course_id, group_set, false FROM course_groups"
    )


def downgrade() -> None:
    op.drop_table("course_group_sets")
