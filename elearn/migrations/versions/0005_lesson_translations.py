"""Lesson translations: the content of a lesson in other languages than Vietnamese.

Revision ID: 0005_lesson_translations
Revises: 0004_rate_limit_counters
Create Date: 2026-11-26 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_lesson_translations"
down_revision = "0004_rate_limit_counters"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Lessons installed before this revision are in Vietnamese only.
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations", JSON, nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(
            sa.Column("content_languages", JSON, nullable=False, server_default=sa.text("'[\"vi\"]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_column("content_languages")
        batch_op.drop_column("translations")
