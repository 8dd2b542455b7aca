"""Two `hifazat serve` workers sharing PostgreSQL and NATS JetStream: an SOS posted to worker A reaches the
SSE stream of worker B, and an escalation timer fires exactly once while both workers race for it.

Never skips, and is PostgreSQL + NATS on either pass: with HIFAZAT_TEST_DATABASE_URL it uses that database;
on the SQLite pass a dedicated PostgreSQL database (HIFAZAT_TEST_PG_URL_TWO_WORKERS, default the `test`
database; scripts/test.sh gives it `test_two_workers`), whose schema it drops and recreates. Being the same
test on both, it is `one_pass`: scripts/test.sh runs it in the SQLite pass only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text, update

from hifazat import bootstrap
from hifazat.alerts.models import AlertEvent, EscalationTimer
from hifazat.config import Settings, get_settings, reset_settings
from hifazat.core.db import utcnow
from hifazat.platform import migrate
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import dispose_engines, get_engine, unit_of_work
from tests.alerts.conftest import settle
from tests.conftest import ADMIN_PASSWORD, FIELD_KEY, PG_URL, free_port

NATS_URL = os.environ.get("HIFAZAT_TEST_NATS_URL", "nats://127.0.0.1:4222")
TWO_WORKERS_PG = os.environ.get(
    "HIFAZAT_TEST_PG_URL_TWO_WORKERS", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def pg_world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated, initialised PostgreSQL database; yields its URL."""
    url = PG_URL or TWO_WORKERS_PG
    if not PG_URL:  # SQLite pass: take over the dedicated PostgreSQL database
        monkeypatch.setenv("HIFAZAT_DATABASE_URL", url)
        reset_settings()
        dispose_engines()
        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate.upgrade()
    bootstrap.init(get_settings(), ADMIN_PASSWORD)
    return url


def start_worker(url: str, port: int, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HIFAZAT_DATABASE_URL": url,
        "HIFAZAT_NATS_URL": NATS_URL,
        "HIFAZAT_DATA_DIR": str(data_dir),
        "HIFAZAT_FIELD_KEY": FIELD_KEY,
        "HIFAZAT_LOG_LEVEL": "WARNING",
        "HIFAZAT_NOTIFY_WORKER": "false",
    }
    cmd = [sys.executable, "-m", "hifazat.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)


def wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("worker did not start: " + log.read_text()[-3000:])


def read_stream(base: str, token: str, out: list[dict[str, Any]], ready: threading.Event, until: Any) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", f"{base}/api/v1/stream?events=alert", headers=headers, timeout=30) as r:
        event: dict[str, Any] = {}
        for line in r.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and event:
                event["t"] = time.monotonic()
                out.append(event)
                event = {}
                if until(out):
                    return


@pytest.mark.integration
@pytest.mark.one_pass
def test_sos_crosses_workers_and_escalation_fires_once(pg_world: str, tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    procs = []
    try:
        # The database is migrated already, so both may start at once (their own upgrade is a no-op).
        for i, port in enumerate(ports):
            procs.append(start_worker(pg_world, port, tmp_path / f"w{i}", tmp_path / f"w{i}.log"))
        for i, (proc, port) in enumerate(zip(procs, ports, strict=True)):
            wait_ready(proc, port, tmp_path / f"w{i}.log")
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        r = httpx.post(f"{a}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        token = r.json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        policy = {
            "name": "two levels",
            "levels": [
                {"timeout_s": 60, "targets": [{"kind": "role", "role": "operator"}]},
                {"timeout_s": 60, "targets": [{"kind": "role", "role": "admin"}]},
            ],
        }
        assert httpx.post(f"{a}/api/v1/escalation-policies", headers=h, json=policy).status_code == 201

        got: list[dict[str, Any]] = []
        ready = threading.Event()

        def done(events: list[dict[str, Any]]) -> bool:
            return any(e["data"].get("change") == "escalated" for e in events)

        reader = threading.Thread(target=read_stream, args=(b, token, got, ready, done), daemon=True)
        reader.start()
        assert ready.wait(10)
        t0 = time.monotonic()
        sos = {"kind": "sos", "lat": 24.86, "lon": 67.0, "for_self": True}
        r = httpx.post(f"{a}/api/v1/alerts", headers=h, json=sos)
        assert r.status_code == 201, r.text
        alert_id = r.json()["id"]
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.005)
        assert got, "worker B's stream never saw the SOS posted to worker A"
        assert got[0]["event"] == "alert"
        assert got[0]["data"]["id"] == alert_id
        assert got[0]["data"]["change"] == "created"
        assert got[0]["t"] - t0 < 5

        # Level 0 is told by one of the workers' timer loops right after the SOS commits.
        settle(alert_id)
        # Both workers' timer loops now race for the level-1 timer once it comes due.
        with unit_of_work() as s:
            [timer_id] = s.scalars(
                select(EscalationTimer.id).where(
                    EscalationTimer.alert_id == alert_id, EscalationTimer.state == "pending"
                )
            ).all()
            s.execute(
                update(EscalationTimer)
                .where(EscalationTimer.id == timer_id)
                .values(due_at=utcnow() + timedelta(milliseconds=300))
            )
        reader.join(30)
        assert done(got), "the escalation never reached worker B's stream"
        # Give the loser a few poll periods to (wrongly) fire again, then count.
        time.sleep(1.0)
        with unit_of_work(readonly=True) as s:
            timer = s.get(EscalationTimer, timer_id)
            assert timer is not None
            assert timer.state == "fired"
            assert timer.fired_by
            escalations = s.scalar(
                select(func.count()).where(AuditEntry.entity_id == alert_id, AuditEntry.action == "escalate")
            )
            escalated = s.scalar(
                select(func.count()).where(AlertEvent.alert_id == alert_id, AlertEvent.action == "escalated")
            )
            notified = s.scalar(
                select(func.count()).where(AlertEvent.alert_id == alert_id, AlertEvent.action == "notified")
            )
        assert escalations == 1
        assert escalated == 1
        assert notified == 1
        assert [e["data"]["change"] for e in got].count("escalated") == 1
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        dispose_engines()
