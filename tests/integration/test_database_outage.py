"""A lost database (issue 17.10): the app answers 503 problem+json with Retry-After and one log line per
failure, /readyz names the database, and the first request after the database is back succeeds.

The test owns its PostgreSQL: a private cluster (initdb, pg_ctl) on a free port in a temporary directory,
stopped hard (`-m immediate`, as a crash or a failover leaves the pooled connections) and started again.
It never skips: without the server binaries it fails, naming what is missing."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hifazat import bootstrap
from hifazat.config import get_settings, reset_settings
from hifazat.platform.bus import set_bus
from hifazat.platform.db import dispose_engines
from hifazat.security import crypto
from tests.conftest import ADMIN_PASSWORD, FIELD_KEY, free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    pytest.fail(
        "PostgreSQL server binaries (pg_ctl, initdb) not found under /usr/lib/postgresql/*/bin or PATH"
    )


class Cluster:
    """A throw-away PostgreSQL cluster. As root, its commands run as the `postgres` user (initdb refuses
    root), so the directory is handed to that user."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="hifazat-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_user, str(self.bin / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, f"{tool} failed: {done.stdout}\n{done.stderr}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    pg = Cluster()
    try:
        pg.init()
        pg.start()
        monkeypatch.setenv("HIFAZAT_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("HIFAZAT_FIELD_KEY", FIELD_KEY)
        monkeypatch.setenv("HIFAZAT_DATABASE_URL", pg.url)
        reset_settings()
        dispose_engines()
        crypto.reset_cache()
        set_bus(None)
        bootstrap.init(get_settings(), ADMIN_PASSWORD)
        yield pg
    finally:
        dispose_engines()
        reset_settings()
        pg.remove()


def _unavailable(r: Any) -> dict[str, Any]:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["retry-after"]) > 0
    body: dict[str, Any] = r.json()
    assert body["status"] == 503
    assert "Traceback" not in r.text
    return body


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_lost_database_answers_503_and_the_next_request_after_its_return_succeeds(cluster: Cluster) -> None:
    from hifazat.app import create_app

    started = time.monotonic()
    c = TestClient(create_app(), raise_server_exceptions=False)
    r = c.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert c.get("/api/v1/agencies", headers=h).status_code == 200  # the pool holds live connections now

    cluster.stop()
    logs = _Records()  # after create_app, which sets up the log handlers
    logging.getLogger().addHandler(logs)
    try:
        body = _unavailable(c.get("/api/v1/agencies", headers=h))
        assert body["detail"] == "the database is unavailable; retry shortly"
        _unavailable(c.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}))
        _unavailable(c.post("/api/v1/agencies", headers=h, json={"name": "Outage", "kind": "other"}))
        ready = _unavailable(c.get("/readyz"))
    finally:
        logging.getLogger().removeHandler(logs)
    assert ready["database"] == "error"
    assert ready["bus"] == "ok"
    assert "database" in ready["detail"]
    assert not [rec for rec in logs.records if rec.exc_info], "no traceback for an outage"
    failures = [rec for rec in logs.records if rec.getMessage() == "request failed: database unavailable"]
    assert len(failures) == 3  # one line for each request the outage failed
    assert len([rec for rec in logs.records if rec.levelno >= logging.WARNING]) == 4  # and one for readyz
    assert c.get("/healthz").status_code == 200  # alive, only not ready

    cluster.start()
    r = c.get("/api/v1/agencies", headers=h)  # the very next request: no stale pooled connection
    assert r.status_code == 200, r.text
    assert c.get("/readyz").json()["status"] == "ready"
    r = c.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text

    # A restart nobody noticed: every pooled connection is stale, and the first request still succeeds.
    assert c.get("/api/v1/agencies", headers=h).status_code == 200
    cluster.stop()
    cluster.start()
    r = c.get("/api/v1/agencies", headers=h)
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < 30
