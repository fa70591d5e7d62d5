"""The yardstick of issue 13: a bare Flask + SQLAlchemy page, no elearn code at all.

``GET /items/<id>`` loads one row of 10,000 with the ORM's ``Session.get`` and renders it in a
~2 KB Jinja layout (a head with stylesheet links, a header with a menu, a footer): what a small,
plain web page costs on this machine. ``POST /items`` inserts one row and commits. On SQLite the
database runs in WAL mode with ``synchronous=NORMAL`` (elearn's pragmas); on PostgreSQL the
engine has SQLAlchemy's defaults. ``benchmarks/baseline_app.py`` is lighter (a Core statement, an
83-byte body, no template) and measures something else: see benchmarks/README.md.

    BENCH_DATABASE_URL=sqlite:////tmp/y.sqlite3 python yardstick.py init   # create and fill the table
    BENCH_DATABASE_URL=sqlite:////tmp/y.sqlite3 gunicorn yardstick:app
"""

from __future__ import annotations

import os
import sys

from flask import Flask, abort, render_template
from jinja2 import DictLoader
from sqlalchemy import String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROWS = 10_000

LAYOUT = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · Học tập hợp tác xã</title>
<link rel="stylesheet" href="/static/app.css?v=0123456789">
<link rel="icon" href="/static/favicon.svg?v=0123456789" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Bỏ qua, đến nội dung chính</a>
<header class="site">
  <a class="brand" href="/">Học tập hợp tác xã</a>
  <nav aria-label="Chính">
    <ul>
    {% for href, label in menu %}<li><a href="{{ href }}">{{ label }}</a></li>
    {% endfor %}
    </ul>
  </nav>
</header>
<main id="main">
{% block main %}{% endblock %}
</main>
<footer class="site">
  <p>Nội dung theo giấy phép CC-BY-4.0. Liên minh Hợp tác xã tỉnh biên soạn cho các thành viên,
  ban quản trị và ban kiểm soát của hợp tác xã, tổ hợp tác trên địa bàn tỉnh.</p>
  <p><a href="/gioi-thieu">Giới thiệu</a> · <a href="/tro-giup">Trợ giúp</a> ·
  <a href="/quyen-rieng-tu">Quyền riêng tư</a> · <a href="/lien-he">Liên hệ</a></p>
</footer>
</body>
</html>
"""

ITEM = """{% extends "layout.html" %}
{% block title %}{{ item.title }}{% endblock %}
{% block main %}
<article>
  <h1>{{ item.title }}</h1>
  <p class="meta">Mã số {{ item.id }} · cập nhật gần đây</p>
  <p>{{ item.body }}</p>
  <p><a href="/items/{{ item.id + 1 }}">Bài tiếp theo</a></p>
</article>
{% endblock %}
"""

MENU = [("/", "Khoá học"), ("/me", "Việc học của tôi"), ("/tro-giup", "Trợ giúp"), ("/logout", "Đăng xuất")]

BODY = ("Hợp tác xã là tổ chức kinh tế tập thể, đồng sở hữu, có tư cách pháp nhân, do ít nhất năm thành viên "
        "tự nguyện thành lập và hợp tác tương trợ lẫn nhau trong hoạt động sản xuất, kinh doanh, tạo việc làm "
        "nhằm đáp ứng nhu cầu chung của thành viên, trên cơ sở tự chủ, tự chịu trách nhiệm, bình đẳng và dân "
        "chủ trong quản lý hợp tác xã. ") * 2


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "yardstick_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))


def make_engine(url: str):
    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def create_app(url: str) -> Flask:
    engine = make_engine(url)
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"layout.html": LAYOUT, "item.html": ITEM})
    app.extensions["yardstick_engine"] = engine

    @app.get("/items/<int:item_id>")
    def show(item_id: int):
        with Session(engine) as session:
            item = session.get(Item, item_id)
            if item is None:
                abort(404)
            return render_template("item.html", item=item, menu=MENU)

    @app.post("/items")
    def add():
        with Session(engine) as session:
            session.add(Item(title="Phương án sản xuất kinh doanh", body="Kế hoạch năm"))
            session.commit()
        return "", 201

    return app


def fill(url: str) -> None:
    """(Re)create the table with ``ROWS`` rows."""
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.execute(Item.__table__.insert(),
                        [{"title": f"Hợp tác xã số {n}", "body": BODY} for n in range(1, ROWS + 1)])
    engine.dispose()


if "BENCH_DATABASE_URL" in os.environ:
    if __name__ == "__main__" and sys.argv[1:] == ["init"]:
        fill(os.environ["BENCH_DATABASE_URL"])
    else:
        app = create_app(os.environ["BENCH_DATABASE_URL"])
