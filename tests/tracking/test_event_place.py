"""Tracking events at a position say where it lies, beside the device's own scope."""

from __future__ import annotations

from types import SimpleNamespace

from hifazat.tracking.zone_events import event, position_place


def _device(**kw: object) -> SimpleNamespace:
    base = {
        "id": "d1", "identifier": "imei-1", "name": "Gate phone", "owner_kind": None, "owner_id": None,
        "agency_id": "a1", "province": "PK-IS", "district": "Islamabad",
    }  # fmt: skip
    return SimpleNamespace(**(base | kw))


def test_event_carries_the_positions_province_and_district() -> None:
    ev = event("zone_enter", _device(), 24.8607, 67.0011, 1_700_000_000_000, zone_id="z1")
    body = ev.payload()
    assert (body["position_province"], body["position_district"]) == ("PK-SD", "Karachi South")
    # The scope the policy reads stays the device's.
    assert (body["province"], body["district"]) == ("PK-IS", "Islamabad")
    assert body["zone_id"] == "z1"


def test_extra_fields_are_kept_beside_the_place() -> None:
    ev = event("unaccompanied", _device(), 31.5204, 74.3587, 1_700_000_000_000, extra={"escort_id": "e1"})
    assert ev.payload()["escort_id"] == "e1"
    assert ev.payload()["position_district"] == "Lahore"


def test_outside_pakistan_the_place_is_none() -> None:
    assert position_place(51.5, -0.12) == {"position_province": None, "position_district": None}
