"""Tracking services, the module the API and other domains import: position reads and the read API for
other domains here; devices, zones and escort assignments in their own modules (re-exported). Plain
functions; never commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, redacted_outside_tree
from hifazat.core.errors import not_found
from hifazat.tracking.devices import (
    DEVICE_SECRET_COLUMNS,
    create_device,
    delete_device,
    device_view,
    get_device,
    is_stale,
    last_rows,
    list_devices,
    present_device,
    rotate_secret,
    update_device,
    visible_devices,
)
from hifazat.tracking.escorts import (
    create_escort,
    delete_escort,
    get_escort,
    list_escorts,
    present_escort,
    update_escort,
)
from hifazat.tracking.models import Device, DeviceLast, Position
from hifazat.tracking.privacy import coarse_for, coarsen
from hifazat.tracking.zones import create_zone, delete_zone, get_zone, list_zones, present_zone, update_zone

# --- positions -------------------------------------------------------------------------------------------


def positions(
    session: Session,
    *,
    device: Device,
    principal: Principal,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    dec = coarse_for(principal)
    q = select(Position).where(Position.device_key == device.position_key)
    if start is not None:
        q = q.where(Position.at >= start)
    if end is not None:
        q = q.where(Position.at < end)
    rows = session.scalars(q.order_by(Position.at).limit(limit)).all()
    return [
        {
            "at": p.at,
            "lat": coarsen(p.lat, dec),
            "lon": coarsen(p.lon, dec),
            "altitude": p.altitude,
            "speed_kmh": p.speed_kmh,
            "course": p.course,
            "accuracy": p.accuracy if dec is None else None,
            "battery": p.battery,
            "source": p.source,
            "received_at": p.received_at,
            "attributes": p.attributes if dec is None else None,
        }
        for p in rows
    ]


def track_geojson(device: Device, items: list[dict[str, Any]], principal: Principal) -> dict[str, Any]:
    """A FeatureCollection: the track as one LineString (times in `coordTimes`) plus one Point per fix.
    The identifier is a credential: outside the owner's tree the line carries the device's name instead."""
    hidden = "identifier" in redacted_outside_tree(principal, "devices", device.agency_id)

    def stamp(t: datetime) -> str:
        return t.astimezone(UTC).isoformat().replace("+00:00", "Z")

    coords = [[p["lon"], p["lat"]] for p in items]
    features: list[dict[str, Any]] = []
    if len(coords) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "device_id": device.id,
                    "identifier": None if hidden else device.identifier,
                    "name": device.name,
                    "coordTimes": [stamp(p["at"]) for p in items],
                },
            }
        )
    features.extend(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {
                "at": stamp(p["at"]),
                "speed_kmh": p["speed_kmh"],
                "course": p["course"],
                "battery": p["battery"],
                "source": p["source"],
            },
        }
        for p in items
    )
    return {"type": "FeatureCollection", "features": features}


# --- read API for other domains ------------------------------------------------------------------------


def devices_of(session: Session, owner_kind: str, owner_id: str) -> list[Device]:
    return list(
        session.scalars(
            select(Device).where(
                Device.owner_kind == owner_kind, Device.owner_id == owner_id, Device.deleted_at.is_(None)
            )
        )
    )


def last_positions(
    session: Session, *, owner_kind: str, owner_ids: list[str] | None = None
) -> dict[str, tuple[float, float, datetime]]:
    """owner id -> (lat, lon, time) of the freshest fix among that owner's devices."""
    q = (
        select(Device.owner_id, DeviceLast.lat, DeviceLast.lon, DeviceLast.at)
        .join(DeviceLast, DeviceLast.device_id == Device.id)
        .where(Device.owner_kind == owner_kind, Device.deleted_at.is_(None), DeviceLast.at.is_not(None))
    )
    if owner_ids is not None:
        if not owner_ids:
            return {}
        q = q.where(Device.owner_id.in_(owner_ids))
    out: dict[str, tuple[float, float, datetime]] = {}
    for oid, lat, lon, at in session.execute(q):
        if oid is None or lat is None or lon is None or at is None:
            continue
        if oid not in out or at > out[oid][2]:
            out[oid] = (float(lat), float(lon), at)
    return out


__all__ = [
    "DEVICE_SECRET_COLUMNS",
    "coarse_for",
    "coarsen",
    "create_device",
    "create_escort",
    "create_zone",
    "delete_device",
    "delete_escort",
    "delete_zone",
    "device_view",
    "get_device",
    "get_escort",
    "get_zone",
    "is_stale",
    "last_rows",
    "list_devices",
    "list_escorts",
    "list_zones",
    "not_found",
    "present_device",
    "present_escort",
    "present_zone",
    "rotate_secret",
    "update_device",
    "update_escort",
    "update_zone",
    "visible_devices",
]
