"""The `hifazat` command, run for real in subprocesses where it matters (init, serve, exit codes)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from hifazat.auth.models import Agency, User
from hifazat.cli import app
from hifazat.config import Settings, reset_settings
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import dispose_engines, unit_of_work

HIFAZAT = str(Path(sys.executable).parent / "hifazat")
PASSWORD = "correct-horse-battery"


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    env.update(
        HIFAZAT_DATA_DIR=str(settings.data_dir),
        HIFAZAT_FIELD_KEY=os.environ["HIFAZAT_FIELD_KEY"],
        HIFAZAT_LOG_LEVEL="WARNING",
    )
    if not settings.is_sqlite:
        env["HIFAZAT_DATABASE_URL"] = settings.effective_database_url
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HIFAZAT, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    # Typer ships its own click: look for sub-commands by duck typing.
    sub = getattr(group, "commands", None)
    if sub:
        for name, cmd in sub.items():
            out += _commands(cmd, (*prefix, name))
    return out


def test_help_everywhere() -> None:
    runner = CliRunner()
    commands = _commands(typer.main.get_command(app))
    names = {" ".join(c) for c in commands}
    assert {"", "init", "serve", "demo", "audit", "audit verify", "migrate"} <= names
    for cmd in commands:
        for flag in ("--help", "-h"):
            r = runner.invoke(app, [*cmd, flag])
            assert r.exit_code == 0, (cmd, r.output)
            assert "Usage" in r.output
    serve_help = runner.invoke(app, ["serve", "--help"]).output
    for opt in ("--host", "--port", "--workers"):
        assert opt in serve_help
    # The real executable too.
    r = subprocess.run([HIFAZAT, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0
    assert "init" in r.stdout


def _counts() -> tuple[int, int]:
    with unit_of_work(readonly=True) as s:
        agencies = s.scalar(select(func.count()).select_from(Agency))
        users = s.scalar(select(func.count()).select_from(User))
    return int(agencies or 0), int(users or 0)


def test_init_twice_is_harmless(settings: Settings) -> None:
    env = _env(settings, HIFAZAT_ADMIN_PASSWORD=PASSWORD, HIFAZAT_ADMIN_USER="chief")
    assert not (settings.data_dir / "hifazat.db").exists()
    first = _run(["init"], env)
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    assert _counts() == (1, 1)
    with unit_of_work(readonly=True) as s:
        chief = s.scalar(select(User).where(User.username == "chief"))
        assert chief is not None
        assert "admin" in chief.roles
    second = _run(["init"], {**env, "HIFAZAT_ADMIN_PASSWORD": "another-password-x"})
    assert second.returncode == 0, second.stderr
    assert "exists" in second.stdout
    assert _counts() == (1, 1)
    if settings.is_sqlite:
        assert (settings.data_dir / "hifazat.db").exists()


def test_init_without_password_fails_clearly(settings: Settings) -> None:
    r = _run(["init"], _env(settings))
    assert r.returncode != 0
    assert "HIFAZAT_ADMIN_PASSWORD" in r.stderr
    assert "Traceback" not in r.stderr
    assert _counts() == (0, 0), "nothing half-created"
    # A weak password is refused the same way (in-process: same code path, no second interpreter start).
    os.environ["HIFAZAT_ADMIN_PASSWORD"] = "short"
    try:
        reset_settings()
        weak = CliRunner().invoke(app, ["init"])
    finally:
        del os.environ["HIFAZAT_ADMIN_PASSWORD"]
        reset_settings()
    assert weak.exit_code != 0
    assert "at least" in weak.output
    assert _counts() == (0, 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a bounded deadline, not hoping
    raise AssertionError("server did not come up")


@pytest.mark.parametrize(("bulk_lane", "proxy"), [("true", False), ("false", False), ("true", True)])
def test_serve_answers_health_and_login(
    settings: Settings, initialised: Any, bulk_lane: str, proxy: bool
) -> None:
    # A worker with its bulk lane, or in one process; at INFO, which logs the shutdown. `proxy`: the test
    # is a configured reverse proxy, whose X-Forwarded-For names the client.
    trusted = '["127.0.0.1"]' if proxy else "[]"
    env = _env(
        settings, HIFAZAT_BULK_LANE=bulk_lane, HIFAZAT_LOG_LEVEL="INFO", HIFAZAT_TRUSTED_PROXIES=trusted
    )
    port = _free_port()
    proc = subprocess.Popen(
        [HIFAZAT, "serve", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/healthz", proc)
        r = httpx.get(base + "/readyz", timeout=5)
        assert r.status_code == 200
        assert r.json()["database"] == "ok"
        # Without a configured proxy uvicorn's own trust of 127.0.0.1 is off: this header is ignored.
        spoof = {"X-Forwarded-For": "203.0.113.77"}
        r = httpx.post(
            base + "/api/v1/auth/token",
            data={"username": "admin", "password": PASSWORD},
            headers=spoof,
            timeout=10,
        )
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        me = httpx.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert me.status_code == 200
        assert me.json()["username"] == "admin"
        assert me.headers["x-request-id"]
        batch = [{"device": "nobody", "lat": 24.8, "lon": 67.0, "at": "2026-11-30T00:00:00Z"}]
        h = {"Authorization": f"Bearer {token}", **spoof}
        r = httpx.post(base + "/api/v1/positions", headers=h, json=batch)
        assert r.status_code == 422
        assert "device" in r.text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait(timeout=10)
    # It stopped on SIGTERM itself, not by the SIGKILL fallback above: uvicorn shuts the app down (its
    # lifespan: jobs stopped, bus closed), then exits by the signal it caught, as its own default does.
    assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert "Application shutdown complete" in err
    seen = [json.loads(x) for x in err.splitlines() if x.startswith("{") and '"msg": "request"' in x]
    clients = {x["path"]: x["client"] for x in seen}
    client = "203.0.113.77" if proxy else "127.0.0.1"
    assert clients["/api/v1/auth/token"] == client
    assert clients["/api/v1/positions"] == client  # in the bulk lane's back too, when it has one
    # The clean shutdown checkpointed the chain's head (the login above appended to it).
    lines = settings.audit_checkpoint_path.read_text().splitlines()
    with unit_of_work(readonly=True) as s:
        head = s.scalar(select(func.max(AuditEntry.seq)))
    assert json.loads(lines[0])["seq"] < head  # init's checkpoint, before the login
    assert json.loads(lines[-1])["seq"] == head


def test_migrate_and_verify_commands(settings: Settings, initialised: Any) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["migrate"])
    assert r.exit_code == 0
    assert "migrations applied" in r.output
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 0
    assert "intact: 2 entries" in r.output


# Every command that needs a database, with what it is given: `init` and `demo` make one by design.
NEEDS_A_DATABASE = (
    ["serve", "--port", "1"],
    ["migrate"],
    ["audit", "verify"],
    ["audit", "checkpoint"],
    ["audit", "rotate-key"],
)


def _no_database_answer(lines: list[str], args: list[str]) -> None:
    assert len(lines) == 1, (args, lines)
    assert "HIFAZAT_DATA_DIR" in lines[0], args
    assert "HIFAZAT_DATABASE_URL" in lines[0], args


def test_commands_run_elsewhere_answer_one_line_and_create_no_file(tmp_path: Path) -> None:
    """The real executable, run from a directory without ./var/hifazat.db and no settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    for args in NEEDS_A_DATABASE:
        result = subprocess.run(
            [HIFAZAT, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert result.returncode == 2, (args, result.stderr)
        _no_database_answer(result.stderr.strip().splitlines(), args)
        assert result.stdout == ""
        assert list(tmp_path.iterdir()) == [], args


@pytest.mark.parametrize(
    "database_url",
    ["sqlite:///{tmp}/elsewhere/none.db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
    ids=["sqlite-url-to-no-file", "server-not-answering"],
)
def test_commands_pointed_at_no_database_answer_one_line_and_create_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """In-process (the same code as the executable): HIFAZAT_DATABASE_URL names a database not there."""
    for name in [k for k in os.environ if k.startswith("HIFAZAT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HIFAZAT_DATABASE_URL", database_url.format(tmp=tmp_path))
    monkeypatch.chdir(tmp_path)
    reset_settings()
    try:
        for args in NEEDS_A_DATABASE:
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 2, (args, result.output)
            _no_database_answer(result.output.strip().splitlines(), args)
            assert list(tmp_path.iterdir()) == [], args
    finally:
        dispose_engines()
        reset_settings()


def test_audit_checkpoint_and_rotate_key_commands(settings: Settings, initialised: Any) -> None:
    runner = CliRunner()
    cp = runner.invoke(app, ["audit", "checkpoint"])
    assert cp.exit_code == 0, cp.output
    assert "checkpoint of entry 2 signed with key 1" in cp.output
    rotated = runner.invoke(app, ["audit", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "audit key 2 hashes entries from 3 on" in rotated.output
    ok = _run(["audit", "verify"], _env(settings))  # another process reads the same ring and checkpoints
    assert ok.returncode == 0, ok.stderr
    assert "intact: 2 entries verified, 3 signed checkpoints agree, the newest at entry 2" in ok.stdout
    # The key ring is not the database's: without it, verify proves nothing and says where it looked.
    (settings.data_dir / "audit.key").rename(settings.data_dir / "audit.key.moved")
    lost = runner.invoke(app, ["audit", "verify"])
    assert lost.exit_code == 1
    assert "HIFAZAT_AUDIT_KEY_FILE" in lost.output
    refused = runner.invoke(app, ["audit", "rotate-key"])  # a chain that cannot be verified is not re-keyed
    assert refused.exit_code == 1
    assert not (settings.data_dir / "audit.key").exists()
