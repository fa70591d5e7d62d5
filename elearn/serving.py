"""Running the app under gunicorn, from the ``elearn`` command.

The site is served by gunicorn's threaded worker (``gthread``): each of ``workers`` processes
answers up to ``threads`` requests at once. Measured on a 2-core machine (benchmarks/README.md,
"Serving: worker class"), 2 workers x 8 threads serve the lesson page and stored answers at least
as fast as 2 or 4 sync workers, and while a lesson type is slow (a plugin waiting on something)
the other pages keep answering: with sync workers as many slow requests as processes held the
whole site. gevent was measured too and refused: SQLite's blocking calls stall every request of
a process (stored answers stopped altogether). ``threads=1`` gives gunicorn's sync worker.

Each process's database pool holds ``threads`` connections, so no thread waits for one, and on a
served site a SQL statement is cut after ``DATABASE_STATEMENT_TIMEOUT`` seconds (the command line's
own tasks, such as migrations, have no such limit).
"""

from __future__ import annotations

from flask import Flask

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
# Seconds an idle connection stays open for the next request: a phone on a slow network fetches
# the stylesheet and the next page without a new TCP (and TLS) handshake. An idle connection
# waits in the worker's poller, not in a thread.
KEEPALIVE = 10


def options(host: str, port: int, workers: int, threads: int) -> dict:
    """gunicorn's settings for ``elearn serve``."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "keepalive": KEEPALIVE,
        "accesslog": "-",
    }


def run(app: Flask, host: str, port: int, workers: int = DEFAULT_WORKERS, threads: int = DEFAULT_THREADS) -> None:
    # Rebuilt (and so without connections) before the fork: each worker opens its own.
    app.extensions["elearn_db"].configure_for_serving(
        pool_size=threads, statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"]
    )
    # Imported here: gunicorn takes a tenth of a second to import, and every ``elearn`` command
    # reads this module for the defaults above.
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options(host, port, workers, threads).items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Server().run()
