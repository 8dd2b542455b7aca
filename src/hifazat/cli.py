"""The `hifazat` command: init, serve, demo, migrate, audit verify / checkpoint / rotate-key, incidents list.

`init` and `demo` create the database; every other command needs one and, finding none, says so in one
line and exits 2 without creating a file (`_require_database`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hifazat.config import get_settings, reset_settings

if TYPE_CHECKING:  # the database layer is imported by the commands that use it
    from hifazat.platform.audit.log import VerifyResult

app = typer.Typer(
    help="Hifazat: joint security coordination.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
incidents_app = typer.Typer(help="Incident reports.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
intel_app = typer.Typer(help="Threat intelligence: events extracted from reports.", no_args_is_help=True)
app.add_typer(intel_app, name="intel")


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

    _require_database()
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
    """Refuse, in one line and creating no file, to run where there is no database: a SQLite file that
    does not exist yet (a command run from another directory finds no ./var/hifazat.db), or a database
    server that does not answer."""
    s = get_settings()
    file = s.database_file
    if file is not None:
        if not file.is_file():
            _no_database(f"no database at {file.resolve()}")
        return
    if s.is_sqlite:
        return  # in memory: nothing to find
    from sqlalchemy.engine import make_url  # the database layer, only for commands that use it
    from sqlalchemy.exc import SQLAlchemyError

    from hifazat.platform.db import get_engine

    try:
        with get_engine().connect():
            pass
    except SQLAlchemyError as exc:
        url = make_url(s.effective_database_url).render_as_string(hide_password=True)
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _no_database(f"cannot open the database {url} ({cause})")


def _no_database(what: str) -> None:
    typer.secho(
        f"{what}: set HIFAZAT_DATA_DIR or HIFAZAT_DATABASE_URL, or run `hifazat init` first",
        fg="red",
        err=True,
    )
    raise typer.Exit(2)


def _verified() -> VerifyResult:
    """The chain verified, or exit 1 naming what is wrong (the first bad entry, or checkpoint line)."""
    from hifazat.platform.audit.log import verify  # the database layer, only for commands that use it
    from hifazat.platform.db import unit_of_work

    with unit_of_work(readonly=True) as session:
        result = verify(session)
    if result.ok:
        return result
    where = f"audit chain BROKEN at entry {result.bad_seq}" if result.bad_seq else "audit chain NOT VERIFIED"
    if result.checkpoint_line:
        where += f" (checkpoint file {get_settings().audit_checkpoint_path}, line {result.checkpoint_line})"
    typer.secho(f"{where}: {result.reason} ({result.checked} entries verified before it)", fg="red", err=True)
    raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify() -> None:
    """Exit 0 when the chain is intact and agrees with every signed checkpoint; otherwise exit 1 naming
    the first bad entry or checkpoint line."""
    _require_database()
    result = _verified()
    newest = f", the newest at entry {result.last_checkpoint}" if result.last_checkpoint else ""
    typer.echo(
        f"audit chain intact: {result.checked} entries verified, "
        f"{result.checkpoints} signed checkpoints agree{newest}"
    )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head into the checkpoint file now (serve also does at intervals and at shutdown);
    keys the chain first if it has no key ring yet."""
    from hifazat.platform.audit.keeper import checkpoint_now  # the database layer, only when used

    _require_database()
    cp = checkpoint_now(force=True)
    if cp is None:
        typer.echo("audit chain is empty: nothing to checkpoint")
        return
    path = get_settings().audit_checkpoint_path
    typer.echo(f"checkpoint of entry {cp.seq} signed with key {cp.key}: {path}")


@audit_app.command("rotate-key")
def audit_rotate_key() -> None:
    """Verify the chain, then add a new key to the key ring for every entry after the head and sign the
    head with it. Old keys stay in the ring: the entries and checkpoints they made are checked with them."""
    from hifazat.platform.audit.keeper import rotate_key  # the database layer, only when used

    _require_database()
    _verified()
    rotation = rotate_key()
    at = f", head entry {rotation.checkpoint.seq} signed with it" if rotation.checkpoint else ""
    typer.echo(
        f"audit key {rotation.key.id} hashes entries from {rotation.key.from_seq} on{at}: "
        f"{get_settings().audit_key_path}"
    )


@app.command()
def migrate() -> None:
    """Apply pending database migrations (to a database `hifazat init` made)."""
    from hifazat.platform import migrate as m  # the database layer, only for commands that use it

    _require_database()
    m.upgrade()
    typer.echo("migrations applied")


if __name__ == "__main__":  # pragma: no cover
    app()


@incidents_app.command("list")
def incidents_list(
    status: Annotated[str | None, typer.Option(help="reported, verified, under_investigation, ...")] = None,
    province: Annotated[str | None, typer.Option(help="ISO 3166-2, e.g. PK-SD")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: {items: [...]}")] = False,
) -> None:
    """Incidents, newest first: every one in the database (this runs on the server, as the system), for
    an operator's scripts; the API scopes what each user sees."""
    import json  # the command's own dependencies, only when it runs

    from hifazat.auth.policy import SYSTEM
    from hifazat.incidents import service
    from hifazat.platform.db import unit_of_work

    _require_database()
    with unit_of_work(readonly=True) as session:
        filters = {"status": status, "province": province}
        rows, _ = service.list_incidents(session, SYSTEM, filters=filters, limit=limit)
        people = service.involved_of(session, (r.id for r in rows))
        items = [service.incident_json(r, people[r.id]) for r in rows]
    if as_json:
        typer.echo(json.dumps({"items": items}, ensure_ascii=False))
        return
    for i in items:
        # casualties as injured/killed per nationality
        hurt = ", ".join(f"{n} {c['injured']}/{c['killed']}" for n, c in i["casualties"].items()) or "-"
        where = i["province"] or "-"
        typer.echo(f"{i['occurred_at']}  {i['status']:<19} {i['type']:<22} {where:<6} {hurt}  {i['summary']}")


@intel_app.command("extract")
def intel_extract(
    files: Annotated[list[Path], typer.Argument(help="Report files (UTF-8 text)")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line per file")] = False,
) -> None:
    """The event each report describes (date, place, victims, attack type, claiming group), offline and
    without a database. A file that is not a report (empty, binary, not UTF-8, too large) gets its line
    with every value null, its reason on stderr, and the exit code 1."""
    from hifazat.intel.extract.files import lines  # the engine only when it runs

    failed = False
    for line, err in lines(files):
        if err is not None:
            failed = True
            typer.echo(f"error: {line and json.loads(line)['file']}: {err}", err=True)
        if as_json:
            typer.echo(line)
        else:
            row = json.loads(line)
            where = row["location"] or row["admin1"] or "-"
            typer.echo(
                f"{row['file']}: {row['event_date'] or '-'} {row['attack_type'] or '-'} {where} "
                f"killed={row['killed']} injured={row['injured']} by={row['perpetrator'] or '-'}"
            )
    if failed:
        raise typer.Exit(1)
