"""The live map and live events name devices and their owner agency, never by id (issue 17.6); the
identifier (a credential) stays the owner's tree's."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from fastapi.testclient import TestClient

from hifazat.auth.policy import Principal
from hifazat.config import Settings
from hifazat.tracking.live import live_event, live_position
from tests.web.conftest import cookie_login


def _principal(agency: str) -> Principal:
    return Principal(
        user_id="u", username="u", agency_id=agency, roles=frozenset({"operator"}), tree=frozenset({agency})
    )


def test_stream_payloads_carry_a_device_label_not_an_identifier_outside_the_tree(settings: Settings) -> None:
    position = {
        "device_id": "d1",
        "device_identifier": "imei-123",
        "name": None,
        "kind": "phone",
        "agency_id": "A",
    }
    assert live_position(dict(position), _principal("A"))["device_label"] == "imei-123"
    outside = live_position(dict(position), _principal("B"))
    assert outside["device_label"] == "phone device"
    assert outside["device_identifier"] is None
    named = live_position({**position, "name": "Li's phone"}, _principal("B"))
    assert named["device_label"] == "Li's phone"
    event = {
        "device_id": "d1",
        "device_identifier": "imei-123",
        "device_name": None,
        "agency_id": "A",
        "kind": "sos",
    }
    assert live_event(dict(event), _principal("B"))["device_label"] == "a device"
    assert (
        live_event({**event, "device_name": "Guard radio"}, _principal("B"))["device_label"] == "Guard radio"
    )


def test_live_page_and_device_list_name_the_device_and_its_agency(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    d = make_device(name="Escort van tracker")
    now = int(time.time() * 1000)
    r = client.post(
        "/api/v1/positions",
        headers=admin,
        json=[{"device": d["identifier"], "lat": 24.9, "lon": 67.1, "at": now}],
    )
    assert r.status_code == 200, r.text
    web = cookie_login(client, "admin")
    page = web.get("/live").text
    initial = json.loads(re.search(r'id="live-initial">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    [item] = [i for i in initial if i["device_id"] == d["id"]]
    assert item["device_label"] == "Escort van tracker"
    agencies = json.loads(re.search(r'id="live-agencies">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert agencies[item["agency_id"]]  # the owner agency by name, for tracking.js
    listing = web.get("/devices").text
    row = listing.split(f'data-device-id="{d["id"]}"')[1].split("</tr>")[0]
    assert "Escort van tracker" in row
    assert agencies[item["agency_id"]] in row
