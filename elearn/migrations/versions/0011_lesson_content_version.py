"""A lesson's content version: raised whenever a pack install changes what the lesson shows.

The render cache (elearn/render_cache) keys what a lesson shows the same to everyone by lesson,
content version and locale, so every worker and server sees a pack upgrade at once, without
telling each other.

Revision ID: 0011_lesson_content_version
Revises: 0010_organisations
Create Date: 2026-12-04 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_lesson_content_version"
down_revision = "0010_organisations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_column("content_version")
