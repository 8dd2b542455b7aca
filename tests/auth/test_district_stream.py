"""A district-scoped agency sees, live, another agency's SOS and tracking events inside its district only.

The stream judges each event by the scope its payload carries (agency, province, district); before the
scope was typed, the policy looked for a site row behind a plain payload object, found none, and a
district-scoped subscriber never saw another agency's alert or tracking event."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hifazat.core.db import utcnow
from hifazat.tracking.cache import get_cache
from tests.conftest import ADMIN_PASSWORD

EVENTS = "alert,tracking,position"


@pytest.fixture(autouse=True)
def _fresh_tracking_cache() -> Iterator[None]:
    """The process's tracking state is of this test's database: not before it, not after it."""
    get_cache().clear()
    yield
    get_cache().clear()


def _token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(base: str, token: str, path: str, body: Any) -> dict[str, Any]:
    r = httpx.post(f"{base}/api/v1{path}", headers=_h(token), json=body, timeout=10)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def _agency_with_user(
    base: str, admin: str, parent: str, name: str, kind: str, juris: list[str], role: str
) -> str:
    body = {"name": name, "kind": kind, "parent_id": parent, "jurisdiction": juris}
    agency = _post(base, admin, "/agencies", body)
    username = name.lower().replace(" ", "-")
    user = {
        "username": username,
        "full_name": name,
        "password": ADMIN_PASSWORD,
        "agency_id": agency["id"],
        "roles": [role],
    }
    _post(base, admin, "/users", user)
    return username


class Reader:
    """Reads the caller's stream in a thread until `done(events)` holds or the time runs out."""

    def __init__(self, base: str, token: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(base, token), daemon=True)
        self._thread.start()
        assert self.ready.wait(10)

    def _read(self, base: str, token: str) -> None:
        url = f"{base}/api/v1/stream?events={EVENTS}"
        try:
            with httpx.stream("GET", url, headers=_h(token), timeout=30) as r:
                event: dict[str, Any] = {}
                for line in r.iter_lines():
                    if line.startswith(": connected"):
                        self.ready.set()
                    elif line.startswith("event: "):
                        event["event"] = line[7:]
                    elif line.startswith("data: "):
                        event["data"] = json.loads(line[6:])
                    elif line == "" and event:
                        self.events.append(event)
                        event = {}
                    if self.done.is_set():
                        return
        except httpx.TransportError:
            return  # the live server closed it at teardown

    def wait_for(self, check: Any, limit_s: float = 15.0) -> None:
        deadline = time.monotonic() + limit_s
        while not check(self.events):
            assert time.monotonic() < deadline, f"never came; got {self.events}"
            time.sleep(0.05)
        self.done.set()


def test_district_user_sees_another_agencys_sos_and_tracking_in_its_district_only(
    live_server: str, initialised: Any
) -> None:
    base = live_server
    admin = _token(base, "admin")
    root = initialised.agency_id
    owner = _agency_with_user(base, admin, root, "Guard Co", "private_security_company", [], "admin")
    viewer = _agency_with_user(
        base, admin, root, "Karachi South Police", "provincial_police", ["PK-SD:Karachi South"], "operator"
    )
    a = _token(base, owner)
    devices: dict[str, dict[str, Any]] = {}
    # Each residence lies in the district it names (an alert's district comes from its position).
    where = {"outside": ("Hyderabad", 68.37, 25.39), "inside": ("Karachi South", 67.02, 24.85)}
    for key, (district, lon, lat) in where.items():
        site = _post(
            base,
            a,
            "/sites",
            {
                "name": f"{key} residence",
                "kind": "residence",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "radius_m": 200,
                "province": "PK-SD",
                "district": district,
            },
        )
        person = _post(
            base,
            a,
            "/persons",
            {"given_name": key, "family_name": "Wei", "nationality": "CN", "residence_site_id": site["id"]},
        )
        devices[key] = _post(
            base,
            a,
            "/devices",
            {"identifier": f"{key}-phone", "kind": "phone", "owner_kind": "person", "owner_id": person["id"]},
        )
        assert devices[key]["district"] == district  # copied from the owner, as the province is
    inside, outside = devices["inside"]["id"], devices["outside"]["id"]

    reader = Reader(base, _token(base, viewer))
    for key in ("outside", "inside"):  # the outside events go first: were they let through, they'd come first
        _district, lon, lat = where[key]
        fix = {"device": f"{key}-phone", "lat": lat, "lon": lon, "at": utcnow().isoformat(), "alarm": "sos"}
        _post(base, a, "/positions", [fix])
        sos = _post(
            base, a, "/alerts", {"kind": "sos", "device_id": devices[key]["id"], "lat": lat, "lon": lon}
        )
        assert sos["district"] == devices[key]["district"]

    def seen(events: list[dict[str, Any]]) -> bool:
        alerts = {
            e["data"]["source"] for e in events if e["event"] == "alert" and e["data"]["device_id"] == inside
        }
        kinds = {e["data"]["kind"] for e in events if e["event"] == "tracking"}
        positions = [e for e in events if e["event"] == "position"]
        return alerts >= {"tracking", "api"} and "sos" in kinds and bool(positions)

    reader.wait_for(seen)
    assert {e["data"]["device_id"] for e in reader.events} == {inside}
    assert outside not in json.dumps(reader.events)
    tracking = next(e["data"] for e in reader.events if e["event"] == "tracking")
    assert (tracking["province"], tracking["district"]) == ("PK-SD", "Karachi South")
    alert = next(e["data"] for e in reader.events if e["event"] == "alert")
    assert alert["district"] == "Karachi South"
    assert "_shared_with" not in alert
    assert "_summary" not in alert
