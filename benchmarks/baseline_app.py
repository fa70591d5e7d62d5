"""The baseline: a bare Flask + SQLAlchemy + SQLite app, no elearn code at all.

``GET /items/<id>`` reads one row by primary key (SQLAlchemy Core, one pooled
connection) and renders a tiny page; ``GET /orm/items/<id>`` does the same
through an ORM ``Session``, as elearn's views do; ``POST /items`` inserts one
row. The database runs in WAL mode with the same pragmas elearn uses, so the
difference to elearn is the engine's own work.

    BENCH_DB=/tmp/b.sqlite3 python baseline_app.py init    # create and fill the table
    BENCH_DB=/tmp/b.sqlite3 gunicorn -w 4 baseline_app:app
"""

from __future__ import annotations

import os
import sys

from flask import Flask, abort
from markupsafe import escape
from sqlalchemy import String, bindparam, create_engine, event, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


ITEMS = Item.__table__  # the plain Core table, for the Core routes
READ = select(ITEMS.c.title).where(ITEMS.c.id == bindparam("id"))  # built once, compiled once


engine = create_engine(f"sqlite:///{os.environ['BENCH_DB']}", connect_args={"timeout": 30})


@event.listens_for(engine, "connect")
def _pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


app = Flask(__name__)


def page(title: str | None) -> str:
    if title is None:
        abort(404)
    return f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"


@app.get("/items/<int:item_id>")
def show(item_id: int):
    with engine.connect() as conn:
        return page(conn.execute(READ, {"id": item_id}).scalar())


@app.get("/orm/items/<int:item_id>")
def show_orm(item_id: int):
    with Session(engine) as session:
        item = session.get(Item, item_id)
        return page(item.title if item else None)


@app.post("/items")
def add():
    with engine.begin() as conn:
        conn.execute(insert(ITEMS).values(title="Phương án sản xuất kinh doanh"))
    return "", 201


if __name__ == "__main__" and sys.argv[1:] == ["init"]:
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add_all(Item(id=n, title=f"Hợp tác xã số {n}") for n in range(1, 1001))
