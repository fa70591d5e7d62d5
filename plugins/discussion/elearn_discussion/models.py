"""The discussion plugin's own tables.

Counters (replies per thread, helpful marks, open reports) are kept on the rows
and updated in the same transaction as what they count, so listing a long
discussion never counts rows. A thread's ``state`` mirrors its opening post's,
so the thread list filters on one table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.plugin_api import Base, JSONType, UTCDateTime, utcnow


class PostState:
    PENDING = "pending"  # waiting for a moderator (pre-moderated discussions)
    VISIBLE = "visible"
    REJECTED = "rejected"  # refused before anyone saw it; the author sees why
    HIDDEN = "hidden"  # taken down by a moderator; the author sees why
    WITHDRAWN = "withdrawn"  # withdrawn by its author; others see a placeholder, never the text

    # What an author may still edit or withdraw: not what a moderator took down, nor what is gone.
    CHANGEABLE = (VISIBLE, PENDING)
    # A post that shows its author took part (unlocks a Q&A discussion; counted by the dashboard).
    TAKING_PART = (VISIBLE, PENDING)
    # What others may see of a post: its text when visible, a placeholder when withdrawn.
    SHOWN = (VISIBLE, WITHDRAWN)


class Thread(Base):
    __tablename__ = "x_discussion_threads"
    __table_args__ = (Index("ix_x_discussion_threads_listing", "lesson_id", "pinned", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("course_groups.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    by_staff: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    reply_count: Mapped[int] = mapped_column(default=0)  # visible replies
    # Posts ever added (any state): the next post's ``position``. ``unshown_count``: posts pending,
    # hidden or rejected; while it is 0 every reader sees every post, so a post's page follows from
    # its position without counting the thread.
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    unshown_count: Mapped[int] = mapped_column(default=0, server_default="0")
    staff_replied: Mapped[bool] = mapped_column(default=False)
    resolved_post_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(Base):
    """A thread's opening post or a reply. ``parent_id`` nests a reply under a top-level post (one
    level); ``quote_id`` names the post quoted, shown only if the reader may see it."""

    __tablename__ = "x_discussion_posts"
    __table_args__ = (
        # Reading order, with what the visibility filter reads: a page and the count use the index alone.
        Index("ix_x_discussion_posts_thread_order", "thread_id", "root_id", "id", "state", "author_id", "by_staff"),
        Index("ix_x_discussion_posts_lesson_state", "lesson_id", "state"),
        Index("ix_x_discussion_posts_lesson_author", "lesson_id", "author_id"),
        Index("ix_x_discussion_posts_synthesis", "lesson_id", "is_synthesis", "state"),  # the lesson page's top
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("x_discussion_threads.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    by_staff: Mapped[bool] = mapped_column(default=False)
    is_opening: Mapped[bool] = mapped_column(default=False)
    # Display order: a top-level post is its own root, a nested reply has its parent's id.
    root_id: Mapped[int | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("x_discussion_posts.id", ondelete="SET NULL"))
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("x_discussion_posts.id", ondelete="SET NULL"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    is_synthesis: Mapped[bool] = mapped_column(default=False)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    helpful_count: Mapped[int] = mapped_column(default=0)
    open_reports: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(default=0, server_default="0")  # 1, 2, ... in its thread, as added


class Revision(Base):
    """An earlier text of an edited post, kept when the edit replaced it."""

    __tablename__ = "x_discussion_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("x_discussion_posts.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(Base):
    __tablename__ = "x_discussion_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("x_discussion_posts.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HelpfulMark(Base):
    __tablename__ = "x_discussion_helpful"

    post_id: Mapped[int] = mapped_column(ForeignKey("x_discussion_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationEntry(Base):
    """The audit log: one row per moderation action, never updated or deleted."""

    __tablename__ = "x_discussion_moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    thread_id: Mapped[int | None]
    post_id: Mapped[int | None]
    subject_user_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    __tablename__ = "x_discussion_notifications"
    __table_args__ = (Index("ix_x_discussion_notifications_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("x_discussion_threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("x_discussion_posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Subscription(Base):
    __tablename__ = "x_discussion_subscriptions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailPreference(Base):
    """Whether a user wants the email digest of their notifications (off unless they ask)."""

    __tablename__ = "x_discussion_email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[bool] = mapped_column(default=False)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Participation(Base):
    """An instructor's assessment of one learner in one discussion: rubric marks, comment, sign-off."""

    __tablename__ = "x_discussion_participation"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    marks: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    score: Mapped[float | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    signed_off: Mapped[bool] = mapped_column(default=False)
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthorCounts(Base):
    """One author's posts in one discussion as the completion rule counts them (see
    ``participation``), kept by the posts' own transactions so a reply never counts the author's
    history."""

    __tablename__ = "x_discussion_author_counts"

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    posts: Mapped[int] = mapped_column(default=0, server_default="0")
    replies: Mapped[int] = mapped_column(default=0, server_default="0")
    waiting: Mapped[int] = mapped_column(default=0, server_default="0")


class Attachment(Base):
    """A file an instructor uploaded to a case (a contract, a financial report, a photo), kept
    under ``<instance>/media/discussion/<lesson>/`` and served only to those who see the lesson."""

    __tablename__ = "x_discussion_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))  # as shown and downloaded, made safe
    stored_name: Mapped[str] = mapped_column(String(100))  # random, on disk
    size: Mapped[int]
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
