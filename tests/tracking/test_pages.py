"""The live map page and the device list (stale devices first), and the live position stream."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from hifazat.platform.db import unit_of_work
from hifazat.tracking import jobs
from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import cookie_login


def test_device_list_stale_first_and_live_page(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    fresh = make_device(name="Fresh phone")
    stale = make_device(name="Silent tracker")
    never = make_device(name="Boxed spare")
    now = int(time.time() * 1000)
    client.post(
        "/api/v1/positions",
        headers=admin,
        json=[
            {"device": fresh["identifier"], "lat": 24.9, "lon": 67.1, "at": now - 1000, "battery": 77},
            {"device": stale["identifier"], "lat": 24.8, "lon": 67.0, "at": now - 7_200_000},
        ],
    )
    with unit_of_work() as s:
        jobs.mark_stale(s)
    web = cookie_login(client, "admin")
    r = web.get("/devices")
    assert r.status_code == 200
    order = [stale["id"], never["id"], fresh["id"]]
    positions = [r.text.index(f'data-device-id="{i}"') for i in order]
    assert positions == sorted(positions)
    assert "stale" in r.text
    assert "77%" in r.text
    r = web.get("/live")
    assert r.status_code == 200
    assert "/static/js/tracking.js" in r.text
    assert "live-initial" in r.text
    assert fresh["id"] in r.text
    assert client.get("/live", follow_redirects=False).status_code == 303


def test_position_stream_is_throttled(live_server: str, make_device: Any) -> None:
    base = live_server
    tok = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()
    headers = {"Authorization": f"Bearer {tok['access_token']}"}
    d = httpx.post(
        f"{base}/api/v1/devices", headers=headers, json={"identifier": "sse-1", "kind": "phone"}
    ).json()
    got: list[dict[str, Any]] = []
    ready = threading.Event()
    final = 24.9 + 49 * 1e-4

    def collect() -> None:
        with httpx.stream("GET", f"{base}/api/v1/stream?events=position", headers=headers, timeout=15) as r:
            name = None
            for line in r.iter_lines():
                if line.startswith(": connected"):
                    ready.set()
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name == "position":
                    got.append(json.loads(line[6:]))
                    if abs(got[-1]["lat"] - final) < 1e-9:
                        return

    t = threading.Thread(target=collect, daemon=True)
    t.start()
    assert ready.wait(10)
    now = int(time.time() * 1000)
    # 50 positions in one quick burst: the stream carries the first, then the newest after the interval
    for k in range(5):
        body = [
            {
                "device": "sse-1",
                "lat": 24.9 + (k * 10 + i) * 1e-4,
                "lon": 67.1,
                "at": now - 60_000 + (k * 10 + i) * 100,
            }
            for i in range(10)
        ]
        assert httpx.post(f"{base}/api/v1/positions", headers=headers, json=body).status_code == 200
    t.join(10)
    # 50 positions, but at most one event per batch here (throttled), and the newest one always arrives
    assert 2 <= len(got) <= 5
    assert got[0]["device_id"] == d["id"]
    assert got[0]["agency_id"] == d["agency_id"]
    assert abs(got[-1]["lat"] - final) < 1e-9
