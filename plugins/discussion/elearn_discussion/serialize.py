"""Threads, posts and pages as JSON-able dicts: the same data feeds the templates and the API,
so the two cannot show different things. What a reader may not see is left out here, on top
of the SQL filters: a withdrawn post's text (except to its author and the staff), moderation
reasons and report counts (except to the author or the staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elearn.plugin_api import utcnow
from elearn_discussion.access import Viewer
from elearn_discussion.listing import Page
from elearn_discussion.models import Post, PostState, Thread


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def page(found: Page, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "page": found.number, "pages": found.pages, "total": found.total,
            "page_size": found.size}


def thread(viewer: Viewer, item: dict[str, Any]) -> dict[str, Any]:
    found: Thread = item["thread"]
    own = found.author_id == viewer.user.id
    withdrawn = found.state == PostState.WITHDRAWN and not (own or viewer.is_staff)
    group = item.get("group")
    return {
        "id": found.id,
        "title": None if withdrawn else found.title,
        "author": item["author"],
        "author_display": item["author_display"],
        "by_staff": found.by_staff,
        "state": found.state,
        "pinned": found.pinned,
        "locked": found.locked,
        "replies": found.reply_count,
        "resolved": found.resolved_post_id is not None,
        "answered_by_staff": found.staff_replied,
        "group": {"id": found.group_id, "title_vi": group[0], "title_en": group[1] or group[0]} if group else None,
        "created_at": when(found.created_at),
        "last_activity_at": when(found.last_activity_at),
        "mine": own,
    }


def post(viewer: Viewer, item: dict[str, Any], thread_row: Thread, now: datetime | None = None) -> dict[str, Any]:
    found: Post = item["post"]
    own = found.author_id == viewer.user.id
    now = now or utcnow()
    show_text = found.state != PostState.WITHDRAWN or own or viewer.is_staff
    visible = found.state == PostState.VISIBLE
    return {
        "id": found.id,
        "thread_id": found.thread_id,
        "author": item["author"],
        "author_display": item["author_display"],
        "by_staff": found.by_staff,
        "mine": own,
        "is_opening": found.is_opening,
        "nested": found.root_id != found.id,
        "parent_id": found.parent_id,
        "state": found.state,
        "reason": found.moderation_reason if (own or viewer.is_staff) and found.state != PostState.VISIBLE else None,
        "html": found.body_html if show_text else None,
        "markdown": found.body_md if own else None,
        "quote": item.get("quote"),
        "is_synthesis": found.is_synthesis,
        "resolves": thread_row.resolved_post_id == found.id,
        "helpful": found.helpful_count,
        "helpful_by_me": item.get("helpful_by_me", False),
        "open_reports": found.open_reports if viewer.is_staff else None,
        "created_at": when(found.created_at),
        "edited_at": when(found.edited_at),
        "can_edit": own and viewer.may_still_edit(found, now),
        "can_withdraw": own and found.state in PostState.CHANGEABLE,
        "can_react": not own and visible and viewer.can_post,
        "can_reply": visible and viewer.can_reply_in(thread_row),
    }


def thread_version(item: dict[str, Any]) -> tuple:
    """The render cache's key for a thread's line in the lesson page's list: everything of ``item`` (a
    ``thread`` dict, already cut to what this reader may see) that the line shows. A new reply, a
    moderation, a pin or a move to another group gives another key."""
    group = item["group"]
    return (item["id"], item["title"], item["author_display"], item["state"], item["pinned"], item["locked"],
            item["replies"], item["resolved"], item["last_activity_at"],
            None if group is None else (group["id"], group["title_vi"], group["title_en"]))


def post_version(item: dict[str, Any], is_staff: bool) -> tuple:
    """The render cache's key for what a thread page shows of a post the same to many readers
    (``thread.html``: author, dates, badges, the quote and the text): everything of ``item`` (a
    ``post`` dict, already cut to what this reader may see) that part reads, and the kind of reader
    (who may open the history of an edited post). An edit, a moderation, a new synthesis or resolution, a
    renamed author or a quoted post hidden gives another key, and so another fragment."""
    quote = item["quote"]
    sees_history = (item["mine"] or is_staff) and item["edited_at"] is not None
    return (item["id"], sees_history, item["author_display"], item["created_at"], item["edited_at"],
            item["state"], item["reason"], item["is_synthesis"], item["resolves"], item["html"],
            None if quote is None else (quote["author_display"], quote["html"]))
