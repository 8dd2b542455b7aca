"""`hifazat serve` with its bulk lane (hifazat.bulk): bulk ingest and background jobs in a helper process.

One real server on the test database: positions posted to the front are stored by the back and their live
updates reach the front's stream; an SOS raised in the front is escalated (level 0) by the back; errors
of the back reach the client unchanged; a dead back answers 503 and is replaced; a killed front takes its
back with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from typing import Any

import httpx
import pytest

from hifazat.config import Settings
from tests.conftest import ADMIN_PASSWORD, free_port
from tests.tracking.test_crash import _serve

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(stat.strip()) and not stat.strip().startswith("Z")


def _wait(check: Any, limit: float = 20.0) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return None


class _Events:
    """The front's stream, read in a thread: every event as (name, data)."""

    def __init__(self, base: str, token: str) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        self.ready = threading.Event()
        threading.Thread(target=self._run, args=(base, token), daemon=True).start()
        assert self.ready.wait(20), "stream did not connect"

    def _run(self, base: str, token: str) -> None:
        name = ""
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with httpx.stream(
                "GET", f"{base}/api/v1/stream", headers=headers, timeout=httpx.Timeout(5, read=60)
            ) as r:
                for line in r.iter_lines():
                    if line.startswith(": connected"):
                        self.ready.set()
                    elif line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        self.items.append((name, json.loads(line[6:])))
        except httpx.RemoteProtocolError:
            pass  # the test stops the server under an open stream; what arrived before is in items

    def find(self, name: str, pred: Any) -> dict[str, Any] | None:
        return next((d for n, d in list(self.items) if n == name and pred(d)), None)


def test_front_and_back_work_as_one_worker(
    settings: Settings, initialised: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIFAZAT_BULK_LANE", raising=False)  # on by default
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(settings, port)
    try:
        backs = _wait(lambda: _children(proc.pid))
        assert backs, "serve runs a bulk-lane process"
        assert len(backs) == 1, "serve runs one bulk-lane process"
        back = backs[0]
        assert httpx.get(f"{base}/readyz").json()["bulk_lane"] == "ok"
        assert "hifazat_bulk_lane_up 1.0" in httpx.get(f"{base}/metrics").text
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        r = httpx.post(f"{base}/api/v1/devices", headers=h, json={"identifier": "lane-1", "kind": "tracker"})
        assert r.status_code == 201, r.text
        device_id = r.json()["id"]
        events = _Events(base, token)

        # Bulk ingest goes to the back; its answer and its live update come back to the front.
        now_ms = int(time.time() * 1000)
        batch = [{"device": "lane-1", "lat": 24.86, "lon": 67.01, "at": now_ms - 1000 + i} for i in range(3)]
        r = httpx.post(f"{base}/api/v1/positions", headers=h, json=batch)
        assert r.status_code == 200, r.text
        assert r.json()["stored"] == 3
        assert _wait(lambda: events.find("position", lambda d: d.get("device_id") == device_id))
        r = httpx.get(f"{base}/api/v1/devices/{device_id}/positions", headers=h)
        assert r.status_code == 200
        assert len(r.json()["items"]) == 3

        # The back's errors reach the client as they are: problem+json naming the field.
        bad = [{"device": "lane-1", "lat": 91, "lon": 0, "at": now_ms}]
        r = httpx.post(f"{base}/api/v1/positions", headers=h, json=bad)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "[0].lat" in r.text
        r = httpx.post(f"{base}/api/v1/positions", json=batch)
        assert r.status_code == 401
        huge = b"[" + b" " * (32 * 1024 * 1024) + b"]"  # refused by the front before the back sees it
        r = httpx.post(f"{base}/api/v1/positions", headers=h, content=huge, timeout=60)
        assert r.status_code == 413
        assert r.json()["errors"][0]["field"] == "body"

        # An SOS raised in the front reaches the stream, and the back's escalation loop notifies level 0.
        r = httpx.post(
            f"{base}/api/v1/alerts",
            headers=h,
            json={"kind": "sos", "lat": 24.86, "lon": 67.0, "for_self": True},
        )
        assert r.status_code == 201, r.text
        alert_id = r.json()["id"]
        assert _wait(lambda: events.find("alert", lambda d: d["id"] == alert_id and d["change"] == "created"))
        assert _wait(
            lambda: events.find("alert", lambda d: d["id"] == alert_id and d["change"] == "notified")
        )

        # A dead back: bulk requests answer 503 with Retry-After, then a new back takes over.
        os.kill(back, signal.SIGKILL)
        r = httpx.post(f"{base}/api/v1/positions", headers=h, json=batch)
        assert r.status_code in (503, 200)  # 200 only if the kill had not landed yet
        if r.status_code == 503:
            assert r.headers["retry-after"] == "1"
            assert r.headers["content-type"].startswith("application/problem+json")
        later = [{**p, "at": p["at"] + 10} for p in batch]
        ok = _wait(
            lambda: httpx.post(f"{base}/api/v1/positions", headers=h, json=later).status_code == 200, 60
        )
        assert ok, "no new bulk lane took over"
        new_backs = _children(proc.pid)
        assert len(new_backs) == 1
        assert new_backs[0] != back
        assert httpx.get(f"{base}/readyz").json()["bulk_lane"] == "ok"
        assert "hifazat_bulk_lane_restarts_total 1.0" in httpx.get(f"{base}/metrics").text
        assert httpx.get(f"{base}/healthz").status_code == 200

        # kill -9 of the front takes its back with it.
        back = new_backs[0]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert _wait(lambda: not _alive(back), 10), "the bulk lane outlived its front"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
