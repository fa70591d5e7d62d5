"""Pages of threads and posts, each one query whatever the discussion's size.

Threads come newest activity first, pinned ones on top; posts in reading order, a nested
reply right after its branch (``root_id``, then ``id``). ``count(*) over ()`` gives the total
for the pager in the same query, and the quoted post comes joined, shown only if the reader
may see it. ``page`` beyond the end gives an empty page, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

from elearn.plugin_api import CourseGroup, User, name_with_role
from elearn_discussion.access import Viewer, post_visibility
from elearn_discussion.models import HelpfulMark, Post, PostState, Thread

MAX_PAGE = 100_000
# Made once: building an alias proxies every column of its table, a cost not to pay per request.
_AUTHOR, _QUOTED, _QUOTED_AUTHOR = aliased(User, name="author"), aliased(Post, name="quoted"), aliased(User, name="qa")
_COUNTED_THREAD, _COUNTED_POST = aliased(Thread, name="counted_t"), aliased(Post, name="counted_p")


def page_number(value: Any) -> int:
    text = str(value or "1")
    return min(int(text), MAX_PAGE) if text.isascii() and text.isdigit() and int(text) > 0 else 1


@dataclass
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def threads(db: Session, viewer: Viewer, number: int) -> Page:
    size = viewer.settings.page_size
    author, counted = _AUTHOR, _COUNTED_THREAD
    total = select(func.count()).select_from(counted).where(viewer.thread_filter(counted)).scalar_subquery()
    rows = db.execute(
        select(Thread, author.name, author.role, CourseGroup.title_vi, CourseGroup.title_en, total)
        .join(author, author.id == Thread.author_id)
        .outerjoin(CourseGroup, CourseGroup.id == Thread.group_id)
        .where(viewer.thread_filter())
        .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
        .limit(size).offset((number - 1) * size)
    ).all()
    items = [{"thread": row[0], "author": row[1], "author_display": name_with_role(row[1], row[2]),
              "group": (row[3], row[4]) if row[3] else None} for row in rows]
    return Page(items, number, size, rows[0][5] if rows else _count_threads(db, viewer, number))


def _count_threads(db: Session, viewer: Viewer, number: int) -> int:
    """Only for a page past the end (the count comes with any non-empty page)."""
    if number == 1:
        return 0
    return db.scalar(select(func.count()).select_from(Thread).where(viewer.thread_filter())) or 0


def posts(db: Session, viewer: Viewer, thread: Thread, number: int) -> Page:
    size = viewer.settings.page_size
    params = {"thread_id": thread.id, "me": viewer.user.id, "limit": size, "offset": (number - 1) * size}
    rows = db.execute(_posts_statement(viewer.is_staff, viewer.sees_others), params).all()
    items = []
    for post, name, role, quote, quote_name, quote_role, helpful_by_me, _total in rows:
        items.append({"post": post, "author": name, "author_display": name_with_role(name, role),
                      "quote": quote_view(quote, quote_name, quote_role), "helpful_by_me": bool(helpful_by_me)})
    total_found = rows[0][7] if rows else 0
    return Page(items, number, size, total_found)


def quote_view(quote: Post | None, name: str | None, role: str | None) -> dict[str, Any] | None:
    """What a reply shows of the post it quotes: its author (with the role, for staff) and its
    text while visible, for the thread page and the API alike."""
    if quote is None:
        return None
    return {"id": quote.id, "author": name, "author_display": name_with_role(name, role),
            "html": quote.body_html if quote.state == PostState.VISIBLE else None}


@lru_cache(maxsize=4)
def _posts_statement(staff: bool, sees_others: bool):
    """One page of a thread, built once per kind of reader (bound parameters: thread_id, me,
    limit, offset). The page's ids are chosen first, so the joins (authors, the quoted post, the
    reader's helpful marks) run for those rows only; the total comes from an uncorrelated
    subquery, computed once."""
    me = bindparam("me")
    author, quoted, quoted_author, counted = _AUTHOR, _QUOTED, _QUOTED_AUTHOR, _COUNTED_POST
    page_ids = (
        select(Post.id.label("id"))
        .where(Post.thread_id == bindparam("thread_id"), post_visibility(Post, me, staff, sees_others))
        .order_by(Post.root_id, Post.id)
        .limit(bindparam("limit")).offset(bindparam("offset"))
        .subquery()
    )
    total = (select(func.count()).select_from(counted)
             .where(counted.thread_id == bindparam("thread_id"), post_visibility(counted, me, staff, sees_others))
             .scalar_subquery())
    helpful_by_me = exists().where(HelpfulMark.post_id == Post.id, HelpfulMark.user_id == me)
    return (
        select(Post, author.name, author.role, quoted, quoted_author.name, quoted_author.role, helpful_by_me, total)
        .join(page_ids, page_ids.c.id == Post.id)
        .join(author, author.id == Post.author_id)
        .outerjoin(quoted, (quoted.id == Post.quote_id) & post_visibility(quoted, me, staff, sees_others))
        .outerjoin(quoted_author, quoted_author.id == quoted.author_id)
        .order_by(Post.root_id, Post.id)
    )
