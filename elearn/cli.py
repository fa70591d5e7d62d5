"""The ``elearn`` command: database, users, content packs, serving and the demo."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask_babel import force_locale

from elearn import audit
from elearn.models import Role

# The demo's packs: inside the installed package (a wheel, see setup.py), else in the checkout.
SHIPPED_PACKS = Path(__file__).resolve().parent / "content_packs"
CHECKOUT_PACKS = Path(__file__).resolve().parent.parent / "content_packs"


def default_packs() -> Path | None:
    """The folder of the packs elearn ships, wherever elearn is installed from; None if neither is there."""
    return next((folder for folder in (SHIPPED_PACKS, CHECKOUT_PACKS) if folder.is_dir()), None)


class AppContext:
    """Creates the app on first use, so ``elearn --help`` needs no database."""

    def __init__(self) -> None:
        self._app = None

    @property
    def app(self):
        if self._app is None:
            from elearn import create_app
            from elearn.plugins.settings import SettingError

            try:
                self._app = create_app()
            except SettingError as exc:  # a plugin's setting misconfigured: say which variable, no traceback
                raise click.ClickException(str(exc)) from None
        return self._app


pass_app = click.make_pass_decorator(AppContext, ensure=True)


def _in_app(ctx: AppContext, check_schema: bool = True):
    """The app, with its context open (and messages in English) until the command ends.

    ``check_schema``: first refuse, with "run `elearn db upgrade`", a database that lacks revisions
    of the core or of an installed plugin, instead of failing later with the database's own error.
    """
    click_ctx = click.get_current_context()
    # Close the database connections when the command ends (after the context below is
    # popped), not whenever they are garbage-collected.
    click_ctx.call_on_close(ctx.app.extensions["elearn_db"].dispose)
    click_ctx.with_resource(ctx.app.app_context())
    click_ctx.with_resource(force_locale("en"))
    if check_schema:
        _refuse_old_schema(ctx.app)
    return ctx.app


def _refuse_old_schema(app) -> None:
    from elearn.db.migrate import DatabaseNeedsUpgrade, check_schema

    try:
        check_schema(app)
    except DatabaseNeedsUpgrade as exc:
        raise click.ClickException(str(exc)) from None


def app_context():
    """The configured app, its context open until the command ends: for plugins' commands."""
    return _in_app(click.get_current_context().ensure_object(AppContext))


class PluginCommands(click.Group):
    """The core's commands plus those plugins return from ``elearn_commands``.

    Plugins are looked up only when a name is not one of the core's (or for
    ``--help``), so ``elearn db upgrade`` never depends on a plugin importing. Only
    the plugins the site runs are asked (``PLUGINS``). A plugin's command cannot
    replace a core command.
    """

    def _plugins(self, ctx: click.Context) -> dict[str, click.Command]:
        # Looked up once per run of ``elearn`` (kept in the run's context, not on the group,
        # which lives as long as the process), from the app this run configures: the plugins
        # the site runs (``PLUGINS`` honoured), the same app their commands then get.
        meta = ctx.find_root().meta
        if "elearn.plugin_commands" not in meta:
            found: dict[str, click.Command] = {}
            try:
                registry = ctx.find_root().ensure_object(AppContext).app.extensions["elearn_plugins"]
            except Exception as exc:
                click.echo(f"warning: plugins' commands are unavailable: the site cannot be set up ({exc})", err=True)
                registry = None
            for _plugin, commands in registry.call_each("elearn_commands") if registry else []:
                for command in commands or []:
                    if isinstance(command, click.Command) and command.name and command.name not in self.commands:
                        found.setdefault(command.name, command)
            meta["elearn.plugin_commands"] = found
        return meta["elearn.plugin_commands"]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugins(ctx).get(name)


@click.group(cls=PluginCommands)
def main() -> None:
    """elearn: an e-learning engine for training cooperative managers."""


# -- database --------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_app
def db_upgrade(ctx: AppContext) -> None:
    """Bring the database (empty or older) to the current schema, plugins' tables included; says what it did."""
    from elearn.db.migrate import upgrade

    click.echo(str(upgrade(_in_app(ctx, check_schema=False))))


# -- backups ---------------------------------------------------------------------


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists.")
@pass_app
def backup(ctx: AppContext, file: Path, overwrite: bool) -> None:
    """Write the database and the instance's media into one archive FILE (.tar.gz).

    The site may keep serving: SQLite is copied with its online backup API, PostgreSQL with
    pg_dump (custom format; pg_dump and pg_restore must be on PATH). The archive's
    manifest.json gives the elearn version, the schema revisions, the database kind and the
    sha256 of every file. instance/config.py and the secret key are not in it: keep them
    apart. Restore with: elearn restore FILE. A backup a day, from cron (where % is
    written \\%), with the site's ELEARN_* settings in the environment:

    \b
        elearn backup /var/backups/elearn-$(date +%F).tar.gz
        15 2 * * * elearn backup /var/backups/elearn-$(date +\\%F).tar.gz
    """
    from elearn.backup import KIND_NAMES, BackupError, create_backup

    try:
        # An out-of-date database is backed up too: the time to take a backup is before upgrading.
        manifest = create_backup(_in_app(ctx, check_schema=False), file, overwrite=overwrite)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    media = len(manifest["files"]) - 1
    kind = KIND_NAMES[manifest["database"]["kind"]]
    click.echo(f"backed up the {kind} database and {media} media file(s) to {file}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def restore(ctx: AppContext, file: Path) -> None:
    """Restore a backup FILE (from elearn backup) into this empty instance.

    The configured database must have no tables (a new SQLite file, or a new PostgreSQL
    database made with createdb; do not run elearn db upgrade first) and the media folder
    must be empty: a restore never mixes two sites. Every file is checked against the
    manifest's sha256 before anything is written. A backup made by a newer elearn is
    refused; after restoring an older one, run elearn db upgrade. The database kind must be
    the backup's (SQLite to SQLite, PostgreSQL to PostgreSQL).
    """
    from elearn.backup import BackupError, restore_backup

    try:
        # The instance must be empty (no schema at all): the backup brings its own.
        restored = restore_backup(_in_app(ctx, check_schema=False), file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = restored.manifest
    click.echo(f"restored the backup of {manifest.get('created_at')} (elearn {manifest.get('elearn_version')}): "
               f"the database and {len(manifest['files']) - 1} media file(s)")
    if restored.needs_upgrade:
        click.echo("the backup's schema is older than this code: run elearn db upgrade now")


# -- users -----------------------------------------------------------------------


@main.group()
def user() -> None:
    """Accounts."""


@user.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value, show_default=True)
@pass_app
def user_create(ctx: AppContext, email: str, name: str, role: str) -> None:
    """Create an account. The password is read from standard input, or asked for."""
    from elearn.auth.accounts import AccountError, create_user
    from elearn.auth.names import namesakes
    from elearn.db import get_database

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    app = _in_app(ctx)
    try:
        with get_database(app).transaction() as session:
            created = create_user(session, email, name, password, role)
            others = namesakes(session, created) if created.is_staff else []
            click.echo(f"created {created.role.value} {created.email}")
        if others:
            click.echo(f"warning: other accounts use the same name: {', '.join(o.email for o in others)}", err=True)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


@user.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@pass_app
def user_set_role(ctx: AppContext, email: str, role: str) -> None:
    """Give an existing account another role."""
    from elearn.auth.accounts import find_user
    from elearn.auth.names import namesakes
    from elearn.db import get_database

    app = _in_app(ctx)
    with get_database(app).transaction() as session:
        found = find_user(session, email)
        if found is None:
            raise click.ClickException(f"no account with the email {email}")
        before = found.role
        found.role = Role(role)
        if found.role != before:
            audit.record(session, None, "role.changed", subject_type="user", subject_id=found.id,
                         summary=f"{found.name} <{found.email}>: {before.value} → {found.role.value}",
                         details={"from": before.value, "to": found.role.value})
        others = namesakes(session, found) if found.is_staff else []
    click.echo(f"{found.email} is now {role}")
    if others:
        click.echo(f"warning: other accounts use the same name: {', '.join(o.email for o in others)}", err=True)


# -- organisations ---------------------------------------------------------------


@main.group("orgs")
def orgs_group() -> None:
    """Administrative units and cooperatives."""


@orgs_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would be created or changed; write nothing.")
@pass_app
def orgs_import(ctx: AppContext, file: Path, dry_run: bool) -> None:
    """Import units and cooperatives from a CSV file (see docs/organisations.md), all or nothing.

    Every row is checked first; one row with an error and nothing is written (exit status 1)."""
    from elearn.organisations.access import OrgAccess
    from elearn.organisations.importer import import_organisations

    _import_csv(ctx, file, "ORGS_IMPORT_MAX_BYTES", dry_run, lambda session, data, commit, limit:
                import_organisations(session, OrgAccess(None, None), data, commit=commit, max_bytes=limit))


def _import_csv(ctx: AppContext, file: Path, limit_setting: str, dry_run: bool, run) -> None:
    """Read FILE up to the import's size setting and run the importer in one transaction: nothing is
    written unless every row is right (each importer checks all rows before it writes)."""
    from elearn.db import get_database

    app = _in_app(ctx)
    limit = app.config[limit_setting]
    with file.open("rb") as handle:
        data = handle.read(limit + 1)
    with get_database(app).transaction() as session:
        report = run(session, data, not dry_run, limit)
    _print_report(report, dry_run)


# -- learners ----------------------------------------------------------------------


@main.group("learners")
def learners_group() -> None:
    """Learners in bulk: accounts, profiles and enrolments from and to CSV."""


@learners_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only report what would be created or changed; write nothing.")
@pass_app
def learners_import(ctx: AppContext, file: Path, dry_run: bool) -> None:
    """Import learners from a CSV file (name, phone, email, cooperative, position, course), all or nothing.

    Every row is checked first; one row with an error and nothing is written (exit status 1)."""
    from elearn.learners.importer import import_learners

    _import_csv(ctx, file, "LEARNERS_IMPORT_MAX_BYTES", dry_run, lambda session, data, commit, limit:
                import_learners(session, data, commit=commit, max_bytes=limit))


@learners_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@pass_app
def learners_export(ctx: AppContext, file: Path | None) -> None:
    """Write every learner as the import reads them (to FILE, or the standard output)."""
    from elearn.db import get_database
    from elearn.learners.importer import export_learners

    app = _in_app(ctx)
    with get_database(app).transaction() as session:
        data = export_learners(session)
    if file is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        file.write_bytes(data)


def _print_report(report, dry_run: bool) -> None:
    """An import's report on the terminal (the rows that change or fail, then the counts); exit 1 on errors."""
    if report.file_error:
        raise click.ClickException(report.file_error)
    for row in report.rows:
        if row.action != "unchanged":
            detail = f": {row.message}" if row.message else ""
            click.echo(f"row {row.row}: {row.action} {row.code} {row.name}{detail}")
    summary = (f"{report.count('create')} to create, {report.count('update')} to change, "
               f"{report.count('unchanged')} unchanged, {report.count('error')} with errors")
    if report.errors:
        raise click.ClickException(f"{summary}; nothing was written")
    click.echo(("dry run: " if dry_run else "imported: ") + summary)


# -- content packs ---------------------------------------------------------------


@main.group()
def pack() -> None:
    """Content packs."""


PACK_PATH = click.Path(exists=True, path_type=Path)


@contextmanager
def _pack_errors(path: Path | None = None) -> Iterator[None]:
    """Print every error of an invalid pack (``error: <where>: <message>``) and a refusal; exit 1."""
    from elearn.packs.service import PackInvalid, PackRefused

    try:
        yield
    except PackInvalid as exc:
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s) in {path}") from None
    except PackRefused as exc:
        raise click.ClickException(str(exc)) from None


def _warn_without_english(lessons) -> None:
    """List the lessons English readers get in Vietnamese (a warning: such a pack is valid)."""
    if not lessons:
        return
    click.echo(f"warning: {len(lessons)} lesson(s) without English; English readers see them in Vietnamese:")
    for lesson in lessons:
        click.echo(f"  {lesson.key} ({lesson.title['vi']}): no English {' and '.join(lesson.lacks('en'))}")


@pack.command("validate")
@click.argument("path", type=PACK_PATH)
@pass_app
def pack_validate(ctx: AppContext, path: Path) -> None:
    """Check a pack (folder or .zip) without installing anything."""
    from elearn.packs.service import validate_path

    with _pack_errors(path):
        loaded = validate_path(_in_app(ctx, check_schema=False), path)  # reads no database
    click.echo(f"{loaded.id} {loaded.version}: valid ({len(loaded.modules)} modules, {len(loaded.lessons)} lessons)")
    _warn_without_english(loaded.lessons_without("en"))
    for lesson in loaded.lessons:
        for note in lesson.notes:
            click.echo(f"note: {lesson.key}: {note}")


@pack.command("install")
@click.argument("path", type=PACK_PATH)
@click.option("--force", is_flag=True, help="Install even an older version than the installed one.")
@pass_app
def pack_install(ctx: AppContext, path: Path, force: bool) -> None:
    """Install or upgrade a pack (folder or .zip); all of it, or nothing."""
    from elearn.packs.service import install_path

    with _pack_errors(path):
        report = install_path(_in_app(ctx), path, force=force)
    if report.unchanged:
        click.echo(f"{report.pack_id} {report.version} is already installed; nothing to do")
    else:
        click.echo(
            f"installed {report.pack_id} {report.version}: {len(report.added)} added, "
            f"{len(report.changed)} changed, {len(report.retired)} retired"
        )
        _warn_without_english(report.without_english)


@pack.command("diff")
@click.argument("path", type=PACK_PATH)
@pass_app
def pack_diff(ctx: AppContext, path: Path) -> None:
    """What installing a pack would add, change and retire; writes nothing."""
    from elearn.packs.service import diff_path

    with _pack_errors(path):
        report = diff_path(_in_app(ctx), path)
    installed = report.previous_version or "not installed"
    click.echo(f"{report.pack_id}: {installed} -> {report.version}")
    for label, keys in (("added", report.added), ("changed", report.changed), ("retired", report.retired)):
        click.echo(f"{label}: {', '.join(keys) if keys else '-'}")


@pack.command("list")
@pass_app
def pack_list(ctx: AppContext) -> None:
    """Installed packs and their versions."""
    from elearn.packs.service import installed_packs

    rows = installed_packs(_in_app(ctx))
    if not rows:
        click.echo("no packs installed")
    for row in rows:
        click.echo(f"{row.id}\t{row.version}\t{row.installed_at:%Y-%m-%d %H:%M}")


@main.group("plugins")
def plugins_group() -> None:
    """The plugins this site runs."""


@plugins_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: each plugin with its version, lesson types "
              "and hooks, and the plugins that failed to load with why.")
@pass_app
def plugins_list(ctx: AppContext, as_json: bool) -> None:
    """Loaded plugins (name, version, lesson types, hooks) and those that failed to load."""
    import json

    registry = _in_app(ctx, check_schema=False).extensions["elearn_plugins"]  # needs no database
    loaded = [{"name": info.name, "version": info.version, "lesson_types": info.lesson_types, "hooks": info.hooks}
              for info in registry.plugins.values()]
    if as_json:
        click.echo(json.dumps({"plugins": loaded, "failed": registry.failed}, indent=2, ensure_ascii=False))
        return
    for info in loaded:
        types = ", ".join(info["lesson_types"]) or "-"
        click.echo(f"{info['name']}\t{info['version'] or '-'}\ttypes: {types}\thooks: {', '.join(info['hooks'])}")
    for name, reason in registry.failed.items():
        click.echo(f"FAILED {name}: {reason}")


@main.group("plugin")
def plugin_group() -> None:
    """Writing a plugin."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--into", "parent", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to create elearn-NAME in.")
def plugin_new(name: str, parent: Path) -> None:
    """Start a lesson-type plugin in elearn-NAME: a package that works, and passes its tests, as written."""
    from importlib.metadata import entry_points

    from elearn.plugins.manager import ENTRY_POINT_GROUP
    from elearn.scaffold import ScaffoldError, generate, placeholders

    if name in {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}:
        # It would be refused at start ("another plugin is already registered under this name").
        raise click.ClickException(f"a plugin named {name!r} is already installed: choose another name")
    try:
        target = generate(name, parent)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    package = placeholders(name)["package"]
    click.echo(f"created {target}: the lesson type {name!r} in {package}/lesson.py")
    click.echo(f"try it: cd {target} && pip install -e . && pytest")


@pack.command("remove")
@click.argument("pack_id")
@click.option("--purge", is_flag=True, help="Also delete learners' enrolments and progress in the course.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def pack_remove(ctx: AppContext, pack_id: str, purge: bool, yes: bool) -> None:
    """Remove a pack: its course, lessons and stored files. Refused while learners have records."""
    from elearn.packs.service import learners_with_records, remove_pack

    app = _in_app(ctx)
    if purge and not yes:
        learners = learners_with_records(app, pack_id)
        click.confirm(
            f"Delete {pack_id}, its course and the records of {learners} learner(s)? This cannot be undone.",
            abort=True,
        )
    with _pack_errors():
        remove_pack(app, pack_id, purge=purge)
    click.echo(f"removed {pack_id}")


@pack.command("export")
@click.argument("pack_id")
@click.argument("target", type=click.Path(path_type=Path))
@pass_app
def pack_export(ctx: AppContext, pack_id: str, target: Path) -> None:
    """Write an installed pack, as installed, to a new folder TARGET (or TARGET.zip)."""
    from elearn.packs.service import export_pack

    with _pack_errors():
        written = export_pack(_in_app(ctx), pack_id, target)
    click.echo(f"exported {pack_id} to {written}")


@pack.command("new")
@click.argument("target", type=click.Path(path_type=Path))
@pass_app
def pack_new(ctx: AppContext, target: Path) -> None:
    """Start a new pack in TARGET: one example lesson of each installed lesson type."""
    from elearn.packs.service import scaffold_pack

    with _pack_errors():
        written = scaffold_pack(_in_app(ctx, check_schema=False), target)  # reads no database
    click.echo(f"created {written / 'pack.yaml'}; check it with: elearn pack validate {written}")


# -- background jobs -------------------------------------------------------------


@main.command()
@click.option("--threads", default=None, type=click.IntRange(1, 64),
              help="Jobs run at once (default: JOBS_WORKERS, 2).")
@click.option("--no-periodic", is_flag=True, help="Leave the periodic tasks to other workers.")
@pass_app
def worker(ctx: AppContext, threads: int | None, no_periodic: bool) -> None:
    """Run background jobs and the periodic tasks until stopped (SIGTERM: once the running jobs are done;
    Ctrl+C: at once, the interrupted jobs queued again)."""
    import logging

    from elearn.jobs import get_queue

    app = _in_app(ctx)
    queue = get_queue(app)
    if queue.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is on: jobs run where they are started; no worker is needed")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    threads = threads or int(app.config.get("JOBS_WORKERS") or 2)
    click.echo(f"worker: {threads} thread(s) on {queue.describe_storage()}; tasks: {', '.join(sorted(queue.tasks))}")
    queue.consumer(workers=threads, periodic=not no_periodic).run()


@main.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("list")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Jobs shown per plugin.")
@pass_app
def jobs_list(ctx: AppContext, limit: int) -> None:
    """Each plugin's tasks and latest jobs (status, attempts, last error)."""
    from elearn.db import get_database
    from elearn.jobs import get_queue

    app = _in_app(ctx)
    queue = get_queue(app)
    click.echo(f"queue: {queue.describe_storage()}")
    for name, (_plugin, task) in sorted(queue.tasks.items()):
        click.echo(f"task {name}{' (periodic)' if task.schedule else ''}")
    with get_database(app).session() as db:
        for plugin, found in queue.recent_by_plugin(db, limit).items():
            for job in found:
                error = f"\t{job.error.splitlines()[0]}" if job.error else ""
                click.echo(f"{plugin}\t{job.id}\t{job.task}\t{job.status.value}\t{job.attempts}\t"
                           f"{job.created_at:%Y-%m-%d %H:%M}{error}")


@jobs_group.command("run")
@click.argument("task")
@pass_app
def jobs_run(ctx: AppContext, task: str) -> None:
    """Queue the periodic task TASK now, outside its schedule (a worker runs it)."""
    from elearn.jobs import get_queue

    queue = get_queue(_in_app(ctx))
    try:
        job_id = queue.run_now(task)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"queued {task}: job {job_id}")


# -- serving ---------------------------------------------------------------------


def _server_options(command):
    """--workers and --threads, shared by ``serve`` and ``demo``."""
    from elearn.serving import DEFAULT_THREADS, DEFAULT_WORKERS

    command = click.option(
        "--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256),
        help="Requests each worker answers at once (1: gunicorn's sync worker).",
    )(command)
    return click.option(
        "--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64),
        help="Worker processes.",
    )(command)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@_server_options
@pass_app
def serve(ctx: AppContext, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the site with gunicorn (threaded workers)."""
    from elearn.serving import run

    try:
        with ctx.app.app_context():
            _refuse_old_schema(ctx.app)
    finally:
        ctx.app.extensions["elearn_db"].dispose()  # the server's processes open their own connections
    run(ctx.app, host, port, workers, threads)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--packs",
    "packs_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of content packs to install (each in a folder of its own) [default: the packs elearn ships].",
)
@click.option("--no-serve", is_flag=True, help="Set up the demo but do not start the server.")
@_server_options
def demo(host: str, port: int, packs_dir: Path | None, no_serve: bool, workers: int, threads: int) -> None:
    """Set up a demo instance (shipped packs, demo accounts) and serve it."""
    from elearn.demo import prepare, start_worker
    from elearn.serving import run

    packs_dir = packs_dir or default_packs()
    if packs_dir is None:
        raise click.ClickException("this installation of elearn has no demo packs: give a folder with --packs DIR")
    click.echo(f"packs from {packs_dir}")
    app = prepare(packs_dir, echo=click.echo)
    if not no_serve:
        job_worker = start_worker(app, echo=click.echo)
        click.echo(f"\nOpen http://{host}:{port}/ in a browser. Stop with Ctrl+C.")
        try:
            run(app, host, port, workers, threads)
        finally:
            if job_worker is not None:
                job_worker.stop()
