"""The application factory: configuration, database, plugins, blueprints."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from flask import Flask, abort, request, send_from_directory, url_for
from flask_compress import Compress
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from elearn import client_limit, db, i18n, jobs, render_cache, requests, security
from elearn.auth.names import display_name
from elearn.plugins.budget import CallBudget
from elearn.plugins.manager import PluginRegistry
from elearn.plugins.settings import resolve_settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app. ``config`` overrides everything else (tests pass theirs here)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("ELEARN_INSTANCE_PATH")
    app = Flask("elearn", instance_path=instance_path, instance_relative_config=True)
    from elearn.config import load_config

    load_config(app, config)

    registry = PluginRegistry(CallBudget.from_config(app.config), trace=bool(app.config["TRACE_HOOKS"]))
    registry.load_defaults()
    registry.load_entry_points(app.config["PLUGINS"], extra=app.config["PLUGIN_OBJECTS"])
    app.extensions["elearn_plugins"] = registry
    app.extensions["elearn_settings"] = resolve_settings(registry, app.config)

    if app.config["COMPRESS_RESPONSES"]:
        # First registered, so it runs last: Flask calls after-request functions in reverse,
        # and every other one (headers, the API's contract check) sees the answer uncompressed.
        _compress_responses(app)
    client_limit.init_app(app)
    db.init_app(app)
    i18n.init_app(app, registry)
    render_cache.init_app(app, registry)
    security.init_app(app)
    requests.init_app(app)
    jobs.init_app(app, registry)
    _register_plugin_resources(app, registry)
    _register_blueprints(app, registry)
    app.jinja_env.globals["static_url"] = _versioned_static(app, dict(registry.resource_dirs("static")))
    app.jinja_env.globals["user_menu"] = registry.user_menu
    app.jinja_env.globals["admin_nav"] = registry.admin_nav
    app.jinja_env.globals["fixed_url"] = _fixed_urls()
    app.jinja_env.filters["display_name"] = display_name
    return app


COMPRESS_FILES_UP_TO = 1024 * 1024


def _compress_responses(app: Flask) -> None:
    """brotli or gzip for text a browser asks to be compressed (a page shrinks to a third on a
    weak link), but never a partial (206) answer: a range of a file is sent as it is on disk.

    Files (the stylesheet, scripts, a pack's text) are sent as streams, which Flask-Compress
    would compress without closing the file; a text file up to 1 MB is read whole first, and
    then compressed like a page, with its ETag and conditional requests kept.
    """
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)
    compressible = set(app.config["COMPRESS_MIMETYPES"])

    @app.after_request
    def compressed(response):
        if response.status_code == 206:
            return response
        if response.is_streamed and response.mimetype in compressible \
                and (response.content_length or 0) <= COMPRESS_FILES_UP_TO:
            response.direct_passthrough = False
            response.make_sequence()  # reads the file, and closes it with the response
        return compress.after_request(response)


def get_registry(app: Flask) -> PluginRegistry:
    return app.extensions["elearn_plugins"]


def _register_plugin_resources(app: Flask, registry: PluginRegistry) -> None:
    """Templates as ``<plugin>/<file>``, static files at ``/static/x/<plugin>/<file>``."""
    plugin_templates = {name: FileSystemLoader(path) for name, path in registry.resource_dirs("templates")}
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(os.path.join(app.root_path, "templates")), PrefixLoader(plugin_templates)]
    )
    static_dirs = dict(registry.resource_dirs("static"))

    @app.get("/static/x/<plugin>/<path:filename>")
    def plugin_static(plugin: str, filename: str):
        if plugin not in static_dirs:
            abort(404)
        return send_from_directory(static_dirs[plugin], filename)


def _versioned_static(app: Flask, plugin_dirs: dict[str, Path]):
    """``static_url('x.css')`` (or ``static_url('x.css', plugin='quiz')``) adds a content
    hash to the URL, so the file can be cached for a year and still change with a release."""
    versions: dict[tuple[str | None, str], str] = {}

    def static_url(filename: str, plugin: str | None = None) -> str:
        key = (plugin, filename)
        if key not in versions:
            folder = Path(app.static_folder) if plugin is None else plugin_dirs[plugin]
            versions[key] = hashlib.sha256((folder / filename).read_bytes()).hexdigest()[:10]
        if plugin is None:
            return url_for("static", filename=filename, v=versions[key])
        return url_for("plugin_static", plugin=plugin, filename=filename, v=versions[key])

    return static_url


def _fixed_urls():
    """``fixed_url('learning.catalogue')``: the URL of a page that takes no argument, built once per
    mount point (the script root a proxy gives) instead of on every page: the layout links to nine."""
    built: dict[tuple[str, str], str] = {}

    def fixed_url(endpoint: str) -> str:
        key = (request.script_root, endpoint)
        url = built.get(key)
        if url is None:
            url = built[key] = url_for(endpoint)
        return url

    return fixed_url


def _register_blueprints(app: Flask, registry: PluginRegistry) -> None:
    from elearn.admin.views import bp as admin_bp
    from elearn.api import bp as api_bp
    from elearn.api.groups import bp as api_groups_bp
    from elearn.api.jobs import bp as api_jobs_bp
    from elearn.audit.api import bp as api_audit_bp
    from elearn.audit.views import bp as audit_bp
    from elearn.auth.views import bp as auth_bp
    from elearn.certificates.api import bp as api_certificates_bp
    from elearn.certificates.views import bp as certificates_bp
    from elearn.enrolment.api import bp as api_enrolment_bp
    from elearn.enrolment.views import bp as enrolment_bp
    from elearn.groups.views import bp as groups_bp
    from elearn.learners.api import bp as api_learners_bp
    from elearn.learners.views import bp as learners_bp
    from elearn.learning.views import bp as learning_bp
    from elearn.media import bp as media_bp
    from elearn.organisations.api import bp as api_orgs_bp
    from elearn.organisations.views import bp as orgs_bp
    from elearn.profile.views import bp as profile_bp
    from elearn.reports.api import bp as api_reports_bp
    from elearn.reports.views import bp as reports_bp

    for blueprint in (learning_bp, auth_bp, admin_bp, api_bp, media_bp, groups_bp, api_groups_bp, api_jobs_bp,
                      reports_bp, enrolment_bp, api_enrolment_bp, orgs_bp, profile_bp, api_orgs_bp,
                      learners_bp, api_learners_bp, certificates_bp, api_certificates_bp, audit_bp, api_audit_bp,
                      api_reports_bp):
        app.register_blueprint(blueprint)
    _register_plugin_blueprints(app, registry, "elearn_blueprints", "/x", api=False)
    _register_plugin_blueprints(app, registry, "elearn_api_blueprints", "/api/v1/x", api=True)


def _register_plugin_blueprints(app: Flask, registry: PluginRegistry, hook: str, prefix: str, api: bool) -> None:
    """Mount each plugin's blueprints under ``<prefix>/<plugin name>``; API ones need no CSRF
    token (they authenticate by bearer token only, like the core's API)."""
    for plugin_name, blueprints in registry.call_each(hook, at_startup=True):
        for blueprint in blueprints or []:
            try:
                if api:
                    security.csrf.exempt(blueprint)
                app.register_blueprint(blueprint, url_prefix=f"{prefix}/{plugin_name}")
            except Exception as exc:
                registry.failed[plugin_name] = f"blueprint {blueprint.name!r} refused: {exc!r}"
                app.logger.exception("plugin %s: blueprint refused", plugin_name)
