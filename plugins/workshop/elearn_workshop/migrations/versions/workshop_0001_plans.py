"""workshop: plans (one per cooperative or learner), their versions, reviews, lesson phases.

Revision ID: workshop_0001
Revises:
Create Date: 2026-12-04 18:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "workshop_0001"
down_revision = None
branch_labels = ("workshop",)
depends_on = "0002_groups"

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE"):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "x_workshop_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("content", JSON, nullable=False),
        sa.Column("section_versions", JSON, nullable=False),
        sa.Column("editing", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_version", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("x_workshop_plans", "lesson_id", "lessons"),
        _fk("x_workshop_plans", "group_id", "course_groups"),
        _fk("x_workshop_plans", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_workshop_plans")),
        sa.UniqueConstraint("lesson_id", "group_id", name="uq_x_workshop_plans_lesson_group"),
        sa.UniqueConstraint("lesson_id", "owner_id", name="uq_x_workshop_plans_lesson_owner"),
    )
    op.create_index(op.f("ix_x_workshop_plans_lesson_id"), "x_workshop_plans", ["lesson_id"])
    op.create_table(
        "x_workshop_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("changed", JSON, nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        _fk("x_workshop_versions", "plan_id", "x_workshop_plans"),
        _fk("x_workshop_versions", "saved_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_workshop_versions")),
    )
    op.create_index("ix_x_workshop_versions_plan_id_number", "x_workshop_versions", ["plan_id", "number"])
    op.create_table(
        "x_workshop_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("assessment", JSON, nullable=False),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("x_workshop_reviews", "lesson_id", "lessons"),
        _fk("x_workshop_reviews", "plan_id", "x_workshop_plans"),
        _fk("x_workshop_reviews", "reviewer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_workshop_reviews")),
        sa.UniqueConstraint("plan_id", "reviewer_id", "kind", name=op.f("uq_x_workshop_reviews_plan_id")),
    )
    for column in ("lesson_id", "plan_id", "reviewer_id"):
        op.create_index(op.f(f"ix_x_workshop_reviews_{column}"), "x_workshop_reviews", [column])
    op.create_table(
        "x_workshop_phases",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        _fk("x_workshop_phases", "lesson_id", "lessons"),
        _fk("x_workshop_phases", "changed_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("lesson_id", name=op.f("pk_x_workshop_phases")),
    )


def downgrade() -> None:
    for table in ("x_workshop_phases", "x_workshop_reviews", "x_workshop_versions", "x_workshop_plans"):
        op.drop_table(table)
