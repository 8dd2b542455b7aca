"""The `hifazat` command: init, serve, demo, audit verify."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from hifazat.config import get_settings, reset_settings

app = typer.Typer(
    help="Hifazat: joint security coordination.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


# Every command runs with the application's domains installed (their permissions, hooks, routes).
@app.callback()
def _compose() -> None:
    from hifazat.domains import compose  # every domain's modules: only once a command runs, not for --help
    from hifazat.platform.composition import install

    install(compose())


DEMO_PASSWORD = "hifazat-demo"  # noqa: S105  (documented demo credential, used only by `hifazat demo`)


def _admin_password(prompt: bool) -> str | None:
    s = get_settings()
    if s.admin_password is not None:
        return s.admin_password.get_secret_value()
    if prompt and sys.stdin.isatty():
        return str(
            typer.prompt(
                f"Password for the admin user {s.admin_user!r}", hide_input=True, confirmation_prompt=True
            )
        )
    return None


@app.command()
def init() -> None:
    """Migrate the database, create the field-encryption key, the first agency and the admin user.

    Running it again is harmless: it migrates and leaves existing records alone.
    """
    # Each command imports what it runs, so `hifazat --help` and a quick command load no web stack.
    from hifazat.bootstrap import admin_exists
    from hifazat.bootstrap import init as do_init

    s = get_settings()
    password = None if admin_exists(s) else _admin_password(prompt=True)
    try:
        result = do_init(s, password)
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"database: {s.effective_database_url.split('@')[-1]}")
    typer.echo(f"agency {s.admin_agency!r}: {'created' if result.created_agency else 'exists'}")
    typer.echo(f"admin user {s.admin_user!r}: {'created' if result.created_admin else 'exists'}")


def server_app() -> Any:
    """What `serve` and `demo` run: device reports (thousands a second, one position each) are answered
    ahead of the framework's middleware layers; bulk ingest and background jobs run in the worker's bulk
    lane (hifazat.bulk) unless HIFAZAT_BULK_LANE=false; everything else goes to the application."""
    # The app, only in the process that serves it (uvicorn calls this factory in each worker).
    from hifazat.app import create_app
    from hifazat.platform.forwarded import ForwardedClient
    from hifazat.platform.sqlite.bulk import BulkLane
    from hifazat.tracking.endpoints import DeviceIngress

    s = get_settings()
    inner = BulkLane(create_app(role="front"), "hifazat.app:create_app") if s.bulk_lane else create_app()
    # Outermost, so device reports (rate-limited per address) see the same client as the app.
    return ForwardedClient(DeviceIngress(inner), s.trusted_proxies)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (HIFAZAT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (HIFAZAT_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (HIFAZAT_WORKERS)")] = None,
) -> None:
    """Serve the API and dashboard."""
    import uvicorn  # the server and the migrations: only for the commands that serve

    from hifazat.platform import migrate

    s = get_settings()
    migrate.upgrade()
    uvicorn.run(
        "hifazat.cli:server_app",
        factory=True,
        host=host or s.host,
        port=port or s.port,
        workers=workers or s.workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # forwarded headers: HIFAZAT_TRUSTED_PROXIES decides (platform/forwarded.py)
    )


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind")] = None,
    load_only: Annotated[bool, typer.Option("--load-only", help="Load the scenario, do not serve")] = False,
) -> None:
    """Initialise, load the demo scenario (agencies, people, sites in Karachi, Islamabad, Lahore, Gwadar,
    Dasu), then serve and print the address and the demo logins."""
    import uvicorn  # the server, the scenario and the database: only for the demo

    from hifazat.bootstrap import init as do_init
    from hifazat.demo.scenario import load
    from hifazat.platform.db import unit_of_work

    s = get_settings()
    password = _admin_password(prompt=False) or DEMO_PASSWORD
    do_init(s, password)
    with unit_of_work(s) as session:
        logins = load(session, password=DEMO_PASSWORD)
    h, p = host or s.host, port or s.port
    typer.echo("")
    typer.echo(f"Hifazat demo control room: http://{h}:{p}/")
    typer.echo(f"Demo logins (password {DEMO_PASSWORD!r} for all but the admin):")
    typer.echo(
        f"  {s.admin_user:<20} ministry admin (password: HIFAZAT_ADMIN_PASSWORD, else {DEMO_PASSWORD!r})"
    )
    for username, what in logins:
        typer.echo(f"  {username:<20} {what}")
    typer.echo("")
    if load_only:
        return

    os.environ["HIFAZAT_DEMO_SIMULATE"] = "true"  # the app moves the demo devices (hifazat.demo.simulator)
    reset_settings()
    uvicorn.run(
        "hifazat.cli:server_app",
        factory=True,
        host=h,
        port=p,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # forwarded headers: HIFAZAT_TRUSTED_PROXIES decides (platform/forwarded.py)
    )


def _require_database() -> None:
    """Refuse, in one line and creating no file, to open a SQLite database that does not exist yet."""
    s = get_settings()
    if s.database_url is None and not s.sqlite_file.is_file():
        typer.secho(
            f"no database at {s.sqlite_file.resolve()}: set HIFAZAT_DATA_DIR or "
            "HIFAZAT_DATABASE_URL, or run `hifazat init` first",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)


@audit_app.command("verify")
def audit_verify() -> None:
    """Exit 0 when the hash chain is intact; otherwise exit 1 naming the first bad entry."""
    from hifazat.platform.audit.log import verify  # the database layer, only for commands that use it
    from hifazat.platform.db import unit_of_work

    _require_database()
    with unit_of_work(readonly=True) as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"audit chain intact: {result.checked} entries verified")
        return
    typer.secho(
        f"audit chain BROKEN at entry {result.bad_seq}: {result.reason} "
        f"({result.checked} entries verified before it)",
        fg="red",
        err=True,
    )
    raise typer.Exit(1)


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from hifazat.platform import migrate as m  # the database layer, only for commands that use it

    m.upgrade()
    typer.echo("migrations applied")


if __name__ == "__main__":  # pragma: no cover
    app()
