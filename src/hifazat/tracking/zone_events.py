"""The events the walk emits as a device moves: one constructor for every kind, and the zone transitions
between two sets of geofences (called only when a device's set changed)."""

from __future__ import annotations

from typing import Any

from hifazat.core.db import new_id
from hifazat.core.places import place_of
from hifazat.tracking.events import device_label
from hifazat.tracking.fixes import iso_ms
from hifazat.tracking.hooks import TrackingEventData


def event(
    kind: str, dev: Any, lat: float, lon: float, t_ms: int, authed: bool = True, **extra: Any
) -> TrackingEventData:
    """One event at a position: scoped by its device, saying where the position lies (`position_place`).
    `authed`: whether the position behind the event came from a source that proved who it is."""
    extra["extra"] = {**extra.get("extra", {}), **position_place(lat, lon)}
    return TrackingEventData(
        id=new_id(),
        kind=kind,
        device_id=dev.id,
        device_identifier=dev.identifier,
        device_name=device_label(dev.name, dev.identifier),
        owner_kind=dev.owner_kind,
        owner_id=dev.owner_id,
        agency_id=dev.agency_id,
        province=dev.province,
        district=dev.district,
        lat=float(lat),
        lon=float(lon),
        at=iso_ms(t_ms),
        source_authenticated=authed,
        **extra,
    )


def position_place(lat: float, lon: float) -> dict[str, str | None]:
    """The province and district the position lies in (None outside Pakistan), beside the device's own
    scope (`province`, `district`), which stays what the policy reads."""
    place = place_of(float(lat), float(lon))
    return {
        "position_province": place[0] if place else None,
        "position_district": place[1] if place else None,
    }


def zone_changes(
    events: list[TrackingEventData],
    dev: Any,
    lat: float,
    lon: float,
    t_ms: int,
    now_inside: set[str],
    before: set[str],
    shapes: dict[str, Any],
    authed: bool = True,
) -> None:
    """zone_enter (and red_zone_entry) for each zone entered, zone_exit for each left, in key order."""
    for k in sorted(now_inside - before):
        sh = shapes[k]
        z = {"zone_id": sh.id, "zone_name": sh.name, "zone_kind": sh.kind}
        events.append(event("zone_enter", dev, lat, lon, t_ms, authed, **z))
        if sh.kind == "red_zone":
            events.append(event("red_zone_entry", dev, lat, lon, t_ms, authed, **z))
    for k in sorted(before - now_inside):
        sh = shapes[k]
        z = {"zone_id": sh.id, "zone_name": sh.name, "zone_kind": sh.kind}
        events.append(event("zone_exit", dev, lat, lon, t_ms, authed, **z))
