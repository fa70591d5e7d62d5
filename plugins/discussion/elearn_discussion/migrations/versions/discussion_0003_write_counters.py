"""discussion: counters a reply keeps up to date instead of counting rows.

A thread's ``post_count`` (posts ever added, any state) gives each new post its ``position`` (1 for
the opening post) and ``unshown_count`` (pending, hidden or rejected posts) tells whether every
reader sees the same posts; ``x_discussion_author_counts`` holds each author's counts per lesson
that the completion rule reads. Existing rows are backfilled from the posts.

Revision ID: discussion_0003
Revises: discussion_0002
Create Date: 2026-12-04 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "discussion_0003"
down_revision = "discussion_0002"
branch_labels = None
depends_on = None

SHOWN = "('visible', 'withdrawn')"


def upgrade() -> None:
    # Plain ALTER TABLE, never SQLite's batch copy: dropping the old threads table would delete its
    # posts through their ON DELETE CASCADE.
    op.add_column("x_discussion_threads", sa.Column("post_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("x_discussion_threads",
                  sa.Column("unshown_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("x_discussion_posts", sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "x_discussion_author_counts",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("replies", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waiting", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"],
                                name=op.f("fk_x_discussion_author_counts_lesson_id_lessons"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_x_discussion_author_counts_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lesson_id", "user_id", name=op.f("pk_x_discussion_author_counts")),
    )
    # Backfill: plain SQL that SQLite (3.25+, window functions) and PostgreSQL both run.
    op.execute(
        "UPDATE x_discussion_posts SET position = (SELECT n FROM (SELECT id, row_number() OVER "
        "(PARTITION BY thread_id ORDER BY id) AS n FROM x_discussion_posts) AS numbered "
        "WHERE numbered.id = x_discussion_posts.id)"
    )
    op.execute(
        "UPDATE x_discussion_threads SET "
        "post_count = (SELECT count(*) FROM x_discussion_posts p WHERE p.thread_id = x_discussion_threads.id), "
        f"unshown_count = (SELECT count(*) FROM x_discussion_posts p WHERE p.thread_id = x_discussion_threads.id "
        f"AND p.state NOT IN {SHOWN})"
    )
    op.execute(
        "INSERT INTO x_discussion_author_counts (lesson_id, user_id, posts, replies, waiting) "
        "SELECT p.lesson_id, p.author_id, "
        "sum(CASE WHEN p.state = 'visible' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN p.state = 'visible' AND NOT p.is_opening AND t.author_id != p.author_id THEN 1 ELSE 0 END), "
        "sum(CASE WHEN p.state = 'pending' THEN 1 ELSE 0 END) "
        "FROM x_discussion_posts p JOIN x_discussion_threads t ON t.id = p.thread_id "
        "GROUP BY p.lesson_id, p.author_id"
    )


def downgrade() -> None:
    op.drop_table("x_discussion_author_counts")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy (see upgrade).
    op.execute("ALTER TABLE x_discussion_posts DROP COLUMN position")
    op.execute("ALTER TABLE x_discussion_threads DROP COLUMN unshown_count")
    op.execute("ALTER TABLE x_discussion_threads DROP COLUMN post_count")
