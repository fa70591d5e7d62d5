"""Plugin code that runs inside a request's transaction, kept from spoiling it.

On PostgreSQL one failed statement aborts the whole transaction: a plugin that
runs bad SQL, whether it then raises or swallows the error, would otherwise
take the learner's own write down with it, and the view's COMMIT would quietly
roll back. Two tools keep the learner's work safe:

- ``savepoint``: a hook implementation runs inside a SAVEPOINT; when it raises
  or leaves the transaction aborted, only its own work is rolled back.
- ``recover``: after plugin code that costs no savepoint (``learner_view`` and
  its template, on every page view), an aborted transaction is rolled back on a
  reading request (it holds nothing to keep) or refused on a writing one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from elearn.db import TransactionAborted, is_write_session, transaction_aborted


@contextmanager
def savepoint(db: Session, what: str) -> Iterator[None]:
    """Run the block in a SAVEPOINT: on an exception, or an aborted transaction, undo only the block."""
    with db.begin_nested():
        yield
        if transaction_aborted(db):
            raise TransactionAborted(f"{what} left the transaction aborted")


def recover(db: Session, what: str) -> bool:
    """Whether plugin code left the transaction aborted; if so, roll back a reading request's
    transaction so the page can go on, or raise ``TransactionAborted`` on a writing one."""
    if not transaction_aborted(db):
        return False
    if is_write_session(db):
        raise TransactionAborted(f"{what} left the transaction aborted")
    db.rollback()
    return True
