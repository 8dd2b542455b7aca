"""SIGKILL during sustained batch ingest: every position acknowledged before the kill is stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hifazat.auth.policy import system_actor
from hifazat.config import Settings
from hifazat.platform.db import dispose_engines, unit_of_work
from hifazat.tracking import schemas, service
from hifazat.tracking.models import Position
from tests.conftest import ADMIN_PASSWORD, FIELD_KEY, free_port

BIN = Path(sys.executable).parent


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HIFAZAT_DATA_DIR": str(settings.data_dir),
        "HIFAZAT_FIELD_KEY": FIELD_KEY,
        "HIFAZAT_LOG_LEVEL": "WARNING",
    }
    if settings.database_url:
        env["HIFAZAT_DATABASE_URL"] = settings.database_url
    for k in ("HIFAZAT_NATS_URL", "HIFAZAT_MQTT_URL"):
        env.pop(k, None)
    proc = subprocess.Popen(
        [str(BIN / "hifazat"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("server did not start")


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_position(settings: Settings, initialised: Any) -> None:
    with unit_of_work() as session:
        dev, _ = service.create_device(
            session,
            data=schemas.DeviceIn(identifier="crash-1", kind="tracker"),
            principal=system_actor("test", initialised.agency_id),
        )
        device_key = dev.position_key
    dispose_engines()
    port = free_port()
    proc = _serve(settings, port)
    base = f"http://127.0.0.1:{port}"
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30
    ).json()["access_token"]
    acked: list[int] = []
    stop = threading.Event()
    t0 = int(time.time() * 1000) - 3_600_000

    def sender() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
            k = 0
            while not stop.is_set():
                times = [t0 + (k * 500 + i) * 10 for i in range(500)]
                body = [{"device": "crash-1", "lat": 24.9, "lon": 67.1, "at": t} for t in times]
                k += 1
                try:
                    r = c.post("/api/v1/positions", json=body)
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if r.status_code == 200:
                    acked.extend(times)

    threads = [threading.Thread(target=sender)]
    threads[0].start()
    deadline = time.monotonic() + 60
    while len(acked) < 3000 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-stream: requests are in flight
    proc.wait(timeout=10)
    stop.set()
    threads[0].join(timeout=30)
    assert len(acked) >= 3000, "the server acknowledged too little before the kill"
    snapshot = set(acked)
    proc = _serve(settings, free_port())  # restarts cleanly on the same database
    try:
        with unit_of_work(readonly=True) as session:
            have = {
                round(at.timestamp() * 1000)
                for at in session.scalars(select(Position.at).where(Position.device_key == device_key))
            }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    missing = snapshot - have
    assert not missing, f"{len(missing)} acknowledged positions lost"
