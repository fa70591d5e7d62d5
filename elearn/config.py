"""Configuration: defaults, then ``instance/config.py``, then ``ELEARN_*`` variables.

``ELEARN_DATABASE_URL`` becomes ``DATABASE_URL`` and so on; values that look
like JSON (``true``, ``5``, ``["page"]``) are parsed as JSON. The secret key,
when none is given, is generated once and kept in the instance folder so that
sessions survive restarts.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "ELEARN_"

DEFAULTS: dict[str, Any] = {
    "PLUGINS": None,  # None: every installed plugin; a list: only those; []: safe mode
    # Plugin objects (modules) to load besides the installed ones, by name: a test's own plugin.
    "PLUGIN_OBJECTS": {},
    "TRACE_HOOKS": False,  # log every hook call, the plugins it reaches and its duration (elearn.plugins.trace)
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    "SESSION_COOKIE_NAME": "elearn_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_DAYS": 14,
    # The cookie carries only the login session's secret (and the CSRF secret), which do not change
    # from one request to the next; the session's end is the server row's (SESSION_DAYS, not sliding).
    # Re-signing and re-sending the cookie on every answer bought nothing and cost ~10% of a page.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "API_TOKEN_DAYS": 30,
    # Login limits (elearn/auth/ratelimit.py, README "Login limits"), counted where every worker sees them.
    "RATELIMIT_STORAGE_URI": "database://",
    "LOGIN_LIMITS_PER_ACCOUNT_AND_ADDRESS": "5 per minute;20 per hour",
    # Check every API answer against its declared model (elearn.contract); the tests turn it on.
    "API_CHECK_RESPONSES": False,
    "LOGIN_LIMITS_PER_ADDRESS": "20 per minute;200 per hour",
    "LOGIN_LIMITS_PER_ACCOUNT": "10 per day",
    "LOGIN_BACKOFF_SECONDS": 1,
    # Enrolment codes typed or scanned, per learner (elearn/enrolment/codes.py): enough for a few typos,
    # far too few to guess one of 32^8 codes.
    "ENROL_CODE_LIMITS": "10 per minute;30 per day",
    # Certificate codes looked up on the public verification page and API, per address
    # (elearn/certificates/service.py): plenty for an employer checking a few, far too few to guess one.
    "CERTIFICATE_VERIFY_LIMITS": "20 per minute;300 per day",
    # Printed as the issuer on certificates of courses whose pack names none.
    "CERTIFICATE_ORGANISATION": "Liên minh Hợp tác xã",
    "LOGIN_BACKOFF_MAX_SECONDS": 900,
    # Sign-in codes sent by SMS or e-mail (elearn/auth/messaged_codes.py), per address and per phone or address.
    "SIGN_IN_CODE_SEND_LIMITS": "3 per hour;10 per day",
    # Sheets of one-time sign-in codes printed by staff (elearn/auth/paper.py), per staff member.
    "PAPER_CODE_LIMITS": "20 per hour;100 per day",
    # argon2id, RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes).
    "PASSWORD_HASH": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session, which expires on its own
    "SEND_FILE_MAX_AGE_DEFAULT": 31536000,  # static URLs carry a version
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    # Pages, CSS and JS compressed by the app (Flask-Compress); false when a front server does it.
    "COMPRESS_RESPONSES": True,
    "COMPRESS_ALGORITHM": ["br", "gzip"],  # browsers offer brotli over https, gzip everywhere
    "COMPRESS_STREAMS": False,
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    # Serving (elearn serve): a SQL statement is cut after this many seconds; 0 never.
    "DATABASE_STATEMENT_TIMEOUT": 10,
    # Requests one browser session, API token or (signed out) address may have running at once, per worker.
    "CONCURRENT_REQUESTS_PER_CLIENT": 4,
    # Plugin calls (elearn/plugins/budget.py): a call slower than the budget (seconds) counts as slow;
    # so many slow calls within the window and the plugin is not called for the cool-down.
    "PLUGIN_TIME_BUDGET": 5,
    "PLUGIN_BREAKER_CALLS": 3,
    "PLUGIN_BREAKER_WINDOW": 60,
    "PLUGIN_BREAKER_COOLDOWN": 60,
    "PLUGIN_CONCURRENT_CALLS": 4,  # per lesson type (or hook) and worker; keep it below --threads
    # elearn restore (elearn/backup.py): an archive that unpacks to more, or holds more files, is refused.
    "BACKUP_MAX_BYTES": 100 * 1024**3,
    "BACKUP_MAX_FILES": 1_000_000,
    # Background jobs (elearn/jobs): the queue's storage (None: jobs.sqlite3 in the instance folder;
    # redis://host:port/db when several workers or servers share it), its name there, run each job
    # at once where it is started (tests), worker threads of ``elearn worker``, days finished jobs are kept.
    "JOBS_URL": None,
    "JOBS_QUEUE": "elearn",
    "JOBS_IMMEDIATE": False,
    "JOBS_WORKERS": 2,
    "JOBS_KEEP_DAYS": 30,
    # The render cache (elearn/render_cache): "memory" (each worker's own), "redis://host:port/db"
    # (shared by every worker and server; entries kept RENDER_CACHE_TTL seconds) or "off". Characters
    # a worker keeps in memory; a prefix for keys, to keep two sites on one database URL apart.
    "RENDER_CACHE_URL": "memory",
    "RENDER_CACHE_TTL": 24 * 3600,
    "RENDER_CACHE_MAX_CHARS": 32 * 1024 * 1024,
    "RENDER_CACHE_PREFIX": "",
    # Learner profiles (elearn/profile/service.py): fields asked for at the next sign-in, and those
    # learners may change themselves (cooperative, position, birth_year, gender, phone).
    "PROFILE_REQUIRED_FIELDS": [],
    "PROFILE_LEARNER_EDITABLE": ["cooperative", "position", "birth_year", "gender", "phone"],
    # A CSV of administrative units and cooperatives larger than this is refused (elearn/organisations/importer.py).
    "ORGS_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "LEARNERS_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
}


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    app.config.update(DEFAULTS)
    app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'elearn.sqlite3'}"
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_from_environment())
    app.config.update(overrides or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _from_environment() -> dict[str, Any]:
    found = {}
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX) and key != "ELEARN_INSTANCE_PATH":
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
            found[key.removeprefix(ENV_PREFIX)] = value
    return found


def _instance_secret(instance: Path) -> str:
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written aside, then linked into place: a worker starting at the same
        # moment sees either no file or the whole key, never half of one.
        key = secrets.token_hex(32)
        draft = instance / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
