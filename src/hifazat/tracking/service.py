"""Tracking services: devices, zones, escort assignments, position reads. Plain functions; never commit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.models import User
from hifazat.auth.policy import Principal, View, can_write_agency, require
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, conflict, forbidden, invalid, not_found
from hifazat.core.pagination import paginate
from hifazat.platform.audit import log as audit
from hifazat.platform.audit.writes import audited_create, audited_delete
from hifazat.platform.outbox import emit
from hifazat.registry.models import Person, Unit, Vehicle
from hifazat.tracking import schemas
from hifazat.tracking.cache import bump, hash_secret
from hifazat.tracking.models import Device, DeviceLast, EscortAssignment, Position, Zone

DEVICE_SECRET_COLUMNS = ("secret_hash", "secret_salt")


# --- privacy ---------------------------------------------------------------------------------------------


def coarse_for(principal: Principal) -> int | None:
    """Decimal places positions are rounded to for this caller, or None for exact positions."""
    if principal.system:
        return None
    s = get_settings()
    coarse = set(s.tracking_coarse_roles)
    if principal.roles and principal.roles <= coarse:
        return s.tracking_coarse_decimals
    return None


def coarsen(value: float | None, decimals: int | None) -> float | None:
    if value is None or decimals is None:
        return value
    return round(value, decimals)


# --- devices ---------------------------------------------------------------------------------------------


Place = tuple[str | None, str | None]  # (province, district) copied onto a device from its owner


def _owner(session: Session, principal: Principal, kind: str | None, owner_id: str | None) -> Place:
    """Check the owner exists and is visible; return the province and district to copy onto the device."""
    if kind is None or owner_id is None:
        return None, None
    model: Any = {"person": Person, "unit": Unit, "vehicle": Vehicle, "user": User}[kind]
    if kind == "user":
        user = session.get(User, owner_id)
        if (
            user is None
            or user.deleted_at is not None
            or not (principal.system or user.agency_id in principal.tree)
        ):
            raise invalid("owner_id", "no such user visible to you")
        return None, None
    try:
        row, _ = get_visible(session, model, kind + "s", owner_id, principal)
    except Problem as exc:
        raise invalid("owner_id", f"no such {kind} visible to you") from exc
    if kind == "vehicle":
        unit = session.get(Unit, row.unit_id) if row.unit_id else None
        return (unit.province, unit.district) if unit else (None, None)
    return row.province, row.district


def _new_secret() -> str:
    return secrets.token_urlsafe(18)


def _set_secret(device: Device, secret: str) -> None:
    salt = secrets.token_hex(16)
    device.secret_salt = salt
    device.secret_hash = hash_secret(secret, salt)


def _identifier_free(session: Session, identifier: str, except_id: str | None = None) -> None:
    q = select(Device.id).where(Device.identifier == identifier)
    if except_id:
        q = q.where(Device.id != except_id)
    if session.execute(q).first() is not None:
        raise conflict(f"identifier {identifier!r} is already registered", field="identifier")


def create_device(session: Session, *, data: schemas.DeviceIn, principal: Principal) -> tuple[Device, str]:
    """Register a device; returns it and its secret in clear (shown once, stored only as a keyed hash)."""
    require(principal, "devices", "write")
    owner = data.agency_id or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    if not can_write_agency(principal, owner):
        raise forbidden("you may only register devices for your own agency or one below it")
    _identifier_free(session, data.identifier)
    province, district = _owner(session, principal, data.owner_kind, data.owner_id)
    device = Device(
        identifier=data.identifier,
        name=data.name or data.identifier,
        kind=data.kind.value,
        agency_id=owner,
        owner_kind=data.owner_kind.value if data.owner_kind else None,
        owner_id=data.owner_id,
        province=province,
        district=district,
        status=data.status.value,
        notes=data.notes,
    )
    secret = data.secret or _new_secret()
    _set_secret(device, secret)
    audited_create(session, device, kind="devices", principal=principal, subject="tracking.device.created")
    session.add(DeviceLast(device_id=device.id, inside=[], stale=False, separated=False))
    bump(session)
    return device, secret


def get_device(
    session: Session, device_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[Device, View]:
    require(principal, "devices", "read")
    return get_visible(session, Device, "devices", device_id, principal, for_write=for_write)


def update_device(
    session: Session, *, device_id: str, data: schemas.DevicePatch, principal: Principal
) -> Device:
    require(principal, "devices", "write")
    device, _ = get_device(session, device_id, principal, for_write=True)
    changes = data.model_dump(exclude_unset=True)
    if "identifier" in changes and changes["identifier"] is None:
        raise invalid("identifier", "may not be null")
    if changes.get("identifier") and changes["identifier"] != device.identifier:
        _identifier_free(session, changes["identifier"], device.id)
    if "owner_kind" in changes or "owner_id" in changes:
        kind = changes.get("owner_kind", device.owner_kind)
        oid = changes.get("owner_id", device.owner_id)
        if (kind is None) != (oid is None):
            raise invalid("owner_id", "owner_kind and owner_id go together: give both or neither")
        changes["province"], changes["district"] = _owner(
            session, principal, str(kind) if kind else None, oid
        )
    before = audit.snapshot(device)
    for key, value in changes.items():
        if key in {"kind", "status", "owner_kind"} and value is not None:
            value = str(getattr(value, "value", value))
        if key == "name" and value is None:
            continue
        setattr(device, key, value)
    device.updated_at = utcnow()
    session.flush([device])
    b, a = audit.diff(before, audit.snapshot(device))
    if a:
        audit.record(
            session,
            actor=principal,
            action="update",
            entity="devices",
            entity_id=device.id,
            before=b,
            after=a,
        )
        emit(session, "tracking.device.updated", {"id": device.id, "agency_id": device.agency_id})
        bump(session)
    return device


def rotate_secret(session: Session, *, device_id: str, principal: Principal) -> tuple[Device, str]:
    require(principal, "devices", "write")
    device, _ = get_device(session, device_id, principal, for_write=True)
    secret = _new_secret()
    _set_secret(device, secret)
    device.updated_at = utcnow()
    session.flush([device])
    audit.record(
        session,
        actor=principal,
        action="rotate_secret",
        entity="devices",
        entity_id=device.id,
        after={"secret": "rotated"},
    )
    bump(session)
    return device, secret


def delete_device(session: Session, *, device_id: str, principal: Principal) -> None:
    require(principal, "devices", "write")
    device, _ = get_device(session, device_id, principal, for_write=True)
    audited_delete(session, device, kind="devices", principal=principal, subject="tracking.device.deleted")
    bump(session)


def list_devices(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    owner_kind: str | None = None,
    owner_id: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Device], str | None]:
    require(principal, "devices", "read")
    stmt = visible_select(Device, "devices", principal)
    for col, val in (
        (Device.kind, kind),
        (Device.owner_kind, owner_kind),
        (Device.owner_id, owner_id),
        (Device.status, status),
    ):
        if val is not None:
            stmt = stmt.where(col == val)
    if q:
        like = f"%{q.lower()}%"
        from sqlalchemy import func, or_

        stmt = stmt.where(or_(func.lower(Device.identifier).like(like), func.lower(Device.name).like(like)))
    return paginate(session, stmt, Device.id, limit, cursor)


def last_rows(session: Session, device_ids: Sequence[str]) -> dict[str, DeviceLast]:
    if not device_ids:
        return {}
    rows = session.scalars(select(DeviceLast).where(DeviceLast.device_id.in_(list(device_ids)))).all()
    return {r.device_id: r for r in rows}


def is_stale(last: DeviceLast | None, now: datetime | None = None) -> bool:
    if last is None or last.at is None:
        return False
    now = now or utcnow()
    return bool(last.stale) or (now - last.at).total_seconds() > get_settings().tracking_stale_after_seconds


def present_device(
    device: Device, view: View, principal: Principal, last: DeviceLast | None
) -> dict[str, Any]:
    dec = coarse_for(principal)
    out: dict[str, Any] = {
        "id": device.id,
        "identifier": device.identifier,
        "name": device.name,
        "kind": device.kind,
        "agency_id": device.agency_id,
        "owner_kind": device.owner_kind,
        "owner_id": device.owner_id,
        "province": device.province,
        "district": device.district,
        "status": device.status,
        "last_seen_at": last.at if last else None,
        "battery": last.battery if last else None,
        "stale": is_stale(last),
        "last_position": (
            {
                "lat": coarsen(last.lat, dec),
                "lon": coarsen(last.lon, dec),
                "at": last.at,
                "speed_kmh": last.speed_kmh,
                "course": last.course,
                "accuracy": last.accuracy if dec is None else None,
                "source": last.source,
            }
            if last is not None and last.at is not None
            else None
        ),
        "has_secret": device.secret_hash is not None,
        "notes": device.notes,
        "created_at": device.created_at,
        "updated_at": device.updated_at,
    }
    if view.level != "full":
        keep = {"id", "agency_id", "identifier", "kind", "owner_kind", "status", "last_seen_at", "stale"}
        out = {k: v for k, v in out.items() if k in keep}
    for k in view.redact:
        if k in out:
            out[k] = None
    return out


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


def track_geojson(device: Device, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection: the track as one LineString (times in `coordTimes`) plus one Point per fix."""

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
                    "identifier": device.identifier,
                    "coordTimes": [stamp(p["at"]) for p in items],
                },
            }
        )
    for p in items:
        features.append(
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


# --- zones -----------------------------------------------------------------------------------------------


def create_zone(session: Session, *, data: schemas.ZoneIn, principal: Principal) -> Zone:
    require(principal, "zones", "write")
    owner = data.agency_id or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    if not can_write_agency(principal, owner):
        raise forbidden("you may only draw zones for your own agency or one below it")
    geometry, lat, lon = schemas.validate_zone_geometry(data.geometry, data.radius_m, data.width_m)
    zone = Zone(
        agency_id=owner,
        name=data.name,
        kind=data.kind.value,
        geometry=geometry,
        radius_m=data.radius_m if geometry["type"] == "Point" else None,
        width_m=data.width_m if geometry["type"] == "LineString" else None,
        center_lat=lat,
        center_lon=lon,
        province=data.province,
        active=data.active,
        description=data.description,
    )
    audited_create(session, zone, kind="zones", principal=principal, subject="tracking.zone.created")
    bump(session)
    return zone


def get_zone(
    session: Session, zone_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[Zone, View]:
    require(principal, "zones", "read")
    return get_visible(session, Zone, "zones", zone_id, principal, for_write=for_write)


def update_zone(session: Session, *, zone_id: str, data: schemas.ZonePatch, principal: Principal) -> Zone:
    require(principal, "zones", "write")
    zone, _ = get_zone(session, zone_id, principal, for_write=True)
    changes = data.model_dump(exclude_unset=True)
    if {"geometry", "radius_m", "width_m"} & set(changes):
        geometry = changes.get("geometry") or zone.geometry
        radius = changes.get("radius_m", zone.radius_m)
        width = changes.get("width_m", zone.width_m)
        if (zone.kind == "corridor") != (geometry.get("type") == "LineString"):
            raise invalid("geometry", "a corridor keeps a LineString; other zones a Polygon or Point")
        try:
            geometry, lat, lon = schemas.validate_zone_geometry(geometry, radius, width)
        except ValueError as exc:
            raise invalid("geometry", str(exc)) from exc
        changes.update(
            geometry=geometry,
            center_lat=lat,
            center_lon=lon,
            radius_m=radius if geometry["type"] == "Point" else None,
            width_m=width if geometry["type"] == "LineString" else None,
        )
    before = audit.snapshot(zone)
    for k, v in changes.items():
        if k == "name" and v is None:
            continue
        setattr(zone, k, v)
    zone.updated_at = utcnow()
    session.flush([zone])
    b, a = audit.diff(before, audit.snapshot(zone))
    if a:
        audit.record(
            session, actor=principal, action="update", entity="zones", entity_id=zone.id, before=b, after=a
        )
        emit(session, "tracking.zone.updated", {"id": zone.id, "agency_id": zone.agency_id})
        bump(session)
    return zone


def delete_zone(session: Session, *, zone_id: str, principal: Principal) -> None:
    require(principal, "zones", "write")
    zone, _ = get_zone(session, zone_id, principal, for_write=True)
    audited_delete(session, zone, kind="zones", principal=principal, subject="tracking.zone.deleted")
    bump(session)


def list_zones(
    session: Session, principal: Principal, *, kind: str | None, limit: int, cursor: str | None
) -> tuple[Sequence[Zone], str | None]:
    require(principal, "zones", "read")
    stmt = visible_select(Zone, "zones", principal)
    if kind:
        stmt = stmt.where(Zone.kind == kind)
    return paginate(session, stmt, Zone.id, limit, cursor)


def present_zone(zone: Zone, view: View) -> dict[str, Any]:
    out = audit.snapshot(zone)
    out.pop("deleted_at", None)
    out["created_at"], out["updated_at"] = zone.created_at, zone.updated_at
    if view.level != "full":
        keep = {"id", "agency_id", "name", "kind", "center_lat", "center_lon", "province", "active"}
        out = {k: v for k, v in out.items() if k in keep}
    for k in view.redact:
        if k in out:
            out[k] = None
    return out


# --- escort assignments ----------------------------------------------------------------------------------


def create_escort(session: Session, *, data: schemas.EscortIn, principal: Principal) -> EscortAssignment:
    require(principal, "escorts", "write")
    owner = data.agency_id or principal.agency_id
    if owner is None or not can_write_agency(principal, owner):
        raise forbidden("you may only assign escorts for your own agency or one below it")
    try:
        person, _ = get_visible(session, Person, "persons", data.person_id, principal)
    except Problem as exc:
        raise invalid("person_id", "no such person visible to you") from exc
    try:
        get_visible(session, Unit, "units", data.unit_id, principal)
    except Problem as exc:
        raise invalid("unit_id", "no such unit visible to you") from exc
    row = EscortAssignment(
        agency_id=owner,
        person_id=data.person_id,
        unit_id=data.unit_id,
        max_distance_m=data.max_distance_m,
        active=data.active,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        province=person.province,
        district=person.district,
        note=data.note,
    )
    session.add(row)
    session.flush([row])
    audit.record(
        session,
        actor=principal,
        action="create",
        entity="escorts",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    bump(session)
    return row


def get_escort(
    session: Session, escort_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[EscortAssignment, View]:
    require(principal, "escorts", "read")
    return get_visible(session, EscortAssignment, "escorts", escort_id, principal, for_write=for_write)


def update_escort(
    session: Session, *, escort_id: str, data: schemas.EscortPatch, principal: Principal
) -> EscortAssignment:
    require(principal, "escorts", "write")
    row, _ = get_escort(session, escort_id, principal, for_write=True)
    before = audit.snapshot(row)
    for k, v in data.model_dump(exclude_unset=True).items():
        setattr(row, k, v)
    if row.starts_at and row.ends_at and row.ends_at <= row.starts_at:
        raise invalid("ends_at", "must be after starts_at")
    row.updated_at = utcnow()
    session.flush([row])
    b, a = audit.diff(before, audit.snapshot(row))
    if a:
        audit.record(
            session, actor=principal, action="update", entity="escorts", entity_id=row.id, before=b, after=a
        )
        bump(session)
    return row


def delete_escort(session: Session, *, escort_id: str, principal: Principal) -> None:
    require(principal, "escorts", "write")
    row, _ = get_escort(session, escort_id, principal, for_write=True)
    row.deleted_at = utcnow()
    session.flush([row])
    audit.record(
        session,
        actor=principal,
        action="delete",
        entity="escorts",
        entity_id=row.id,
        before={"deleted_at": None},
    )
    bump(session)


def list_escorts(
    session: Session,
    principal: Principal,
    *,
    person_id: str | None,
    unit_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[EscortAssignment], str | None]:
    require(principal, "escorts", "read")
    stmt = visible_select(EscortAssignment, "escorts", principal)
    if person_id:
        stmt = stmt.where(EscortAssignment.person_id == person_id)
    if unit_id:
        stmt = stmt.where(EscortAssignment.unit_id == unit_id)
    return paginate(session, stmt, EscortAssignment.id, limit, cursor)


def present_escort(row: EscortAssignment, view: View) -> dict[str, Any]:
    out = audit.snapshot(row)
    out.pop("deleted_at", None)
    out["created_at"], out["updated_at"] = row.created_at, row.updated_at
    for k in view.redact:
        if k in out:
            out[k] = None
    return out


__all__ = ["not_found"]
