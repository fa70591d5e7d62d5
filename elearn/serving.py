"""Running the app under gunicorn, from the ``elearn`` command."""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, app: Flask, options: dict) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run(app: Flask, host: str, port: int, workers: int) -> None:
    # Engines must not be shared across forked workers: each opens its own connections.
    app.extensions["elearn_db"].dispose()
    _Server(app, {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-"}).run()
