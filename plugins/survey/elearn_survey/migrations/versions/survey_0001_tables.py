"""survey: responses (anonymous ones unlinked), drafts, and who has responded.

Revision ID: survey_0001
Revises:
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "survey_0001"
down_revision = None
branch_labels = ("survey",)
depends_on = "0001_core"

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, target: str):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "x_survey_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("others", JSON, nullable=False),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        _fk("x_survey_responses", "lesson_id", "lessons"),
        _fk("x_survey_responses", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_survey_responses")),
    )
    op.create_index(op.f("ix_x_survey_responses_lesson_id"), "x_survey_responses", ["lesson_id"])
    op.create_index(op.f("ix_x_survey_responses_user_id"), "x_survey_responses", ["user_id"])
    op.create_table(
        "x_survey_drafts",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("others", JSON, nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        _fk("x_survey_drafts", "lesson_id", "lessons"),
        _fk("x_survey_drafts", "user_id", "users"),
        sa.PrimaryKeyConstraint("lesson_id", "user_id", name=op.f("pk_x_survey_drafts")),
    )
    op.create_table(
        "x_survey_respondents",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _fk("x_survey_respondents", "lesson_id", "lessons"),
        _fk("x_survey_respondents", "user_id", "users"),
        sa.PrimaryKeyConstraint("lesson_id", "user_id", name=op.f("pk_x_survey_respondents")),
    )


def downgrade() -> None:
    op.drop_table("x_survey_respondents")
    op.drop_table("x_survey_drafts")
    op.drop_index(op.f("ix_x_survey_responses_user_id"), table_name="x_survey_responses")
    op.drop_index(op.f("ix_x_survey_responses_lesson_id"), table_name="x_survey_responses")
    op.drop_table("x_survey_responses")
