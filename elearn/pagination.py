"""One page of a long staff list (users, group members): two queries, whatever the list's length.

``paginate(db, query, page)`` counts the rows the query selects, then loads only the rows of
the page asked for; a page number past the end shows the last page. Templates show the links
with the ``pager`` macro of ``macros.html``; plugins may use both for their own staff lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int | None  # None when not counted (``paginate(count=False)``): only ``has_next`` is known
    has_next: bool = False
    # The query parameters the pager's links keep (the filter), besides ``page``.
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    def link_args(self, page: int) -> dict[str, Any]:
        """The query parameters of the link to ``page``: the filter, and the page number."""
        return {**self.args, "page": page}

    @property
    def first_number(self) -> int:
        """The position in the whole list of the page's first row (1-based), for "41–50 of 166"."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.items) - 1 if self.items else 0


def page_number(value: Any) -> int:
    """``?page=`` as a number from 1; anything else (absent, "abc", "-3") is page 1."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def paginate(db: Session, query: Select, page: Any, per_page: int = PAGE_SIZE, scalars: bool = True,
             args: dict[str, Any] | None = None, count: bool = True) -> Page:
    """The ``page``-th ``per_page`` rows of ``query`` (which must be ordered), and how many rows in all.

    ``scalars`` gives the first column of each row (a query of one entity); otherwise the rows.
    ``count=False`` spares the counting query, for a page that needs only "next" (one row more is read).
    """
    number = page_number(page)
    kept = {k: v for k, v in (args or {}).items() if v}
    if not count:
        window = query.limit(per_page + 1).offset((number - 1) * per_page)
        items = list(db.scalars(window)) if scalars else list(db.execute(window))
        return Page(items[:per_page], number, per_page, None, len(items) > per_page, kept)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(number, max(1, -(-total // per_page)))
    window = query.limit(per_page).offset((number - 1) * per_page)
    items = list(db.scalars(window)) if scalars else list(db.execute(window))
    return Page(items, number, per_page, total, number * per_page < total, kept)
