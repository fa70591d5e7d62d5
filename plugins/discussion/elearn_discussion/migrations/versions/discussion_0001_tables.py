"""discussion: threads, posts, revisions, reports, helpful marks, the moderation log,
notifications, subscriptions, email preferences and participation.

Revision ID: discussion_0001
Revises:
Depends on: 0002_groups
Create Date: 2026-11-25 13:50:15.321883
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "discussion_0001"
down_revision = None
branch_labels = ("discussion",)
depends_on = "0002_groups"

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "x_discussion_email_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_x_discussion_email_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_x_discussion_email_preferences")),
    )
    op.create_table(
        "x_discussion_moderation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_x_discussion_moderation_log_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_x_discussion_moderation_log_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_moderation_log")),
    )
    with op.batch_alter_table("x_discussion_moderation_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_moderation_log_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "x_discussion_participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("marks", JSON, nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("signed_off", sa.Boolean(), nullable=False),
        sa.Column("graded_by", sa.Integer(), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["graded_by"], ["users.id"], name=op.f("fk_x_discussion_participation_graded_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_x_discussion_participation_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_x_discussion_participation_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_participation")),
        sa.UniqueConstraint("lesson_id", "user_id", name=op.f("uq_x_discussion_participation_lesson_id")),
    )
    with op.batch_alter_table("x_discussion_participation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_participation_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "x_discussion_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_x_discussion_subscriptions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_x_discussion_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "lesson_id", name=op.f("pk_x_discussion_subscriptions")),
    )
    op.create_table(
        "x_discussion_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("by_staff", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("staff_replied", sa.Boolean(), nullable=False),
        sa.Column("resolved_post_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_x_discussion_threads_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["course_groups.id"],
            name=op.f("fk_x_discussion_threads_group_id_course_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_x_discussion_threads_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_threads")),
    )
    with op.batch_alter_table("x_discussion_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_threads_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_x_discussion_threads_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            "ix_x_discussion_threads_listing", ["lesson_id", "pinned", "last_activity_at"], unique=False
        )

    op.create_table(
        "x_discussion_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("by_staff", sa.Boolean(), nullable=False),
        sa.Column("is_opening", sa.Boolean(), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("is_synthesis", sa.Boolean(), nullable=False),
        sa.Column("moderation_reason", sa.Text(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("open_reports", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_x_discussion_posts_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_x_discussion_posts_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["x_discussion_posts.id"],
            name=op.f("fk_x_discussion_posts_parent_id_x_discussion_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["x_discussion_posts.id"],
            name=op.f("fk_x_discussion_posts_quote_id_x_discussion_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["x_discussion_threads.id"],
            name=op.f("fk_x_discussion_posts_thread_id_x_discussion_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_posts")),
    )
    with op.batch_alter_table("x_discussion_posts", schema=None) as batch_op:
        batch_op.create_index("ix_x_discussion_posts_lesson_author", ["lesson_id", "author_id"], unique=False)
        batch_op.create_index("ix_x_discussion_posts_lesson_state", ["lesson_id", "state"], unique=False)
        batch_op.create_index("ix_x_discussion_posts_synthesis", ["lesson_id", "is_synthesis", "state"], unique=False)
        batch_op.create_index(
            "ix_x_discussion_posts_thread_order",
            ["thread_id", "root_id", "id", "state", "author_id", "by_staff"],
            unique=False,
        )

    op.create_table(
        "x_discussion_helpful",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["x_discussion_posts.id"],
            name=op.f("fk_x_discussion_helpful_post_id_x_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_x_discussion_helpful_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_x_discussion_helpful")),
    )
    op.create_table(
        "x_discussion_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_x_discussion_notifications_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_x_discussion_notifications_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["x_discussion_posts.id"],
            name=op.f("fk_x_discussion_notifications_post_id_x_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["x_discussion_threads.id"],
            name=op.f("fk_x_discussion_notifications_thread_id_x_discussion_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_x_discussion_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_notifications")),
    )
    with op.batch_alter_table("x_discussion_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_notifications_emailed_at"), ["emailed_at"], unique=False)
        batch_op.create_index("ix_x_discussion_notifications_user", ["user_id", "id"], unique=False)

    op.create_table(
        "x_discussion_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_x_discussion_reports_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["x_discussion_posts.id"],
            name=op.f("fk_x_discussion_reports_post_id_x_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_x_discussion_reports_reporter_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_x_discussion_reports_resolved_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_reports")),
        sa.UniqueConstraint("post_id", "reporter_id", name=op.f("uq_x_discussion_reports_post_id")),
    )
    with op.batch_alter_table("x_discussion_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_reports_lesson_id"), ["lesson_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_x_discussion_reports_post_id"), ["post_id"], unique=False)

    op.create_table(
        "x_discussion_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"], ["users.id"], name=op.f("fk_x_discussion_revisions_editor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["x_discussion_posts.id"],
            name=op.f("fk_x_discussion_revisions_post_id_x_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x_discussion_revisions")),
    )
    with op.batch_alter_table("x_discussion_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_x_discussion_revisions_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("x_discussion_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_x_discussion_revisions_post_id"))

    op.drop_table("x_discussion_revisions")
    with op.batch_alter_table("x_discussion_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_x_discussion_reports_post_id"))
        batch_op.drop_index(batch_op.f("ix_x_discussion_reports_lesson_id"))

    op.drop_table("x_discussion_reports")
    with op.batch_alter_table("x_discussion_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_x_discussion_notifications_user")
        batch_op.drop_index(batch_op.f("ix_x_discussion_notifications_emailed_at"))

    op.drop_table("x_discussion_notifications")
    op.drop_table("x_discussion_helpful")
    with op.batch_alter_table("x_discussion_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_x_discussion_posts_thread_order")
        batch_op.drop_index("ix_x_discussion_posts_synthesis")
        batch_op.drop_index("ix_x_discussion_posts_lesson_state")
        batch_op.drop_index("ix_x_discussion_posts_lesson_author")

    op.drop_table("x_discussion_posts")
    with op.batch_alter_table("x_discussion_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_x_discussion_threads_listing")
        batch_op.drop_index(batch_op.f("ix_x_discussion_threads_group_id"))
        batch_op.drop_index(batch_op.f("ix_x_discussion_threads_author_id"))

    op.drop_table("x_discussion_threads")
    op.drop_table("x_discussion_subscriptions")
    with op.batch_alter_table("x_discussion_participation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_x_discussion_participation_lesson_id"))

    op.drop_table("x_discussion_participation")
    with op.batch_alter_table("x_discussion_moderation_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_x_discussion_moderation_log_lesson_id"))

    op.drop_table("x_discussion_moderation_log")
    op.drop_table("x_discussion_email_preferences")
