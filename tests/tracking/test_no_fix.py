"""A report without a fix (cell or Wi-Fi only) is a sign of life: 200, last-seen moves on, the device is no
longer stale, no position is stored (issue 17 deliverable 4b). With alarm=sos it still raises the SOS."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi.testclient import TestClient

from hifazat.platform.db import unit_of_work
from hifazat.tracking import jobs, mqtt
from hifazat.tracking.models import DeviceLast
from tests.tracking.test_ingest import events, post, stored

NOW_S = lambda: int(time.time())  # noqa: E731


def _last(device_id: str) -> DeviceLast:
    with unit_of_work(readonly=True) as s:
        row = s.get(DeviceLast, device_id)
        assert row is not None
        s.expunge(row)
        return row


def _stale_device(client: TestClient, admin: dict[str, str], make_device: Any, **kw: Any) -> dict[str, Any]:
    d = make_device(**kw)
    at = (NOW_S() - 3600) * 1000
    assert (
        post(client, admin, [{"device": d["identifier"], "lat": 24.9, "lon": 67.1, "at": at}]).status_code
        == 200
    )
    with unit_of_work() as s:
        jobs.mark_stale(s)
    assert client.get(f"/api/v1/devices/{d['id']}", headers=admin).json()["stale"] is True
    return d


def test_osmand_without_fix_is_a_sign_of_life(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    d = _stale_device(client, admin, make_device)
    before = _last(d["id"])
    r = client.get(f"/ingest/osmand?id={d['identifier']}&batt=50&cell=410,1,100,200")
    assert r.status_code == 200, r.text
    assert stored(d["id"]) == 1  # only the earlier fix
    after = _last(d["id"])
    assert after.stale is False
    assert after.at == before.at  # the last fix is unchanged
    assert after.alive_at is not None
    assert (after.lat, after.lon) == (24.9, 67.1)  # the last known position is unchanged
    got = client.get(f"/api/v1/devices/{d['id']}", headers=admin).json()
    assert got["stale"] is False
    assert got["last_seen_at"] is not None
    assert got["last_seen_at"] > got["last_position"]["at"]
    with unit_of_work() as s:
        assert jobs.mark_stale(s) == []  # not silent any more
    # a device that never reported a fix: also 200, nothing stored
    fresh = make_device()
    assert client.get(f"/ingest/osmand?id={fresh['identifier']}&batt=40").status_code == 200
    assert stored(fresh["id"]) == 0
    assert _last(fresh["id"]).alive_at is not None


def test_osmand_sos_without_fix_still_raises(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    d = _stale_device(client, admin, make_device)
    r = client.get(f"/ingest/osmand?id={d['identifier']}&alarm=sos&timestamp={NOW_S() - 5}")
    assert r.status_code == 200
    assert [e["device_id"] for e in events("sos")] == [d["id"]]
    assert events("sos")[0]["lat"] == 24.9  # the last known position


def test_owntracks_location_without_fix(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = _stale_device(client, admin, make_device, secret="owntracks-secret-1")
    auth = (d["identifier"], "owntracks-secret-1")
    msg = {"_type": "location", "tst": NOW_S() - 1, "batt": 70, "conn": "m"}
    r = client.post("/ingest/owntracks", json=msg, auth=auth)
    assert r.status_code == 200
    assert stored(d["id"]) == 1
    assert _last(d["id"]).stale is False
    # half a fix is still a defined 400, nothing changed
    r = client.post("/ingest/owntracks", json={**msg, "lat": 24.9}, auth=auth)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "lon"
    assert stored(d["id"]) == 1


def test_mqtt_location_without_fix(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = _stale_device(client, admin, make_device)
    msg = b'{"_type": "location", "tst": %d}' % (NOW_S() - 1)
    assert asyncio.run(mqtt.handle(f"owntracks/{d['identifier']}/phone", msg)) == "sign of life"
    assert stored(d["id"]) == 1
    assert _last(d["id"]).stale is False
