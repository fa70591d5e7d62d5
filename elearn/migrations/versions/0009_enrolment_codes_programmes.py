"""Enrolment codes; programmes, their courses and prerequisites; cohorts and their members.

Revision ID: 0009_enrolment_codes_programmes
Revises: 0007_jobs
Create Date: 2026-12-04 01:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_enrolment_codes_programmes"
down_revision = "0007_jobs"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "enrolment_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", WHEN, nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("disabled_at", WHEN, nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("enrolment_codes", "course_id", "courses", "CASCADE"),
        _fk("enrolment_codes", "group_id", "course_groups", "SET NULL"),
        _fk("enrolment_codes", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_enrolment_codes_code")),
    )
    _index("enrolment_codes", "course_id", "group_id", "created_by")
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("title_vi", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_table(
        "programme_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        _fk("programme_courses", "programme_id", "programmes", "CASCADE"),
        _fk("programme_courses", "course_id", "courses", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_courses")),
        sa.UniqueConstraint("programme_id", "course_id", name=op.f("uq_programme_courses_programme_id")),
    )
    _index("programme_courses", "course_id")
    op.create_table(
        "programme_prerequisites",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("required_course_id", sa.Integer(), nullable=False),
        _fk("programme_prerequisites", "programme_id", "programmes", "CASCADE"),
        _fk("programme_prerequisites", "course_id", "courses", "CASCADE"),
        _fk("programme_prerequisites", "required_course_id", "courses", "CASCADE"),
        sa.PrimaryKeyConstraint("programme_id", "course_id", "required_course_id",
                                name=op.f("pk_programme_prerequisites")),
    )
    op.create_index("ix_programme_prerequisites_course", "programme_prerequisites", ["course_id"], unique=False)
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("cohorts", "programme_id", "programmes", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
    )
    _index("cohorts", "programme_id")
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
        _fk("cohort_members", "cohort_id", "cohorts", "CASCADE"),
        _fk("cohort_members", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_cohort_members")),
    )
    _index("cohort_members", "user_id")


def downgrade() -> None:
    for table in ("cohort_members", "cohorts", "programme_prerequisites", "programme_courses", "programmes",
                  "enrolment_codes"):
        op.drop_table(table)
