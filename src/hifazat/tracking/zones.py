"""Zones: red zones, safe areas and corridors the geofence checks positions against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from hifazat.auth import placing
from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.policy import Fields, Principal, View, can_write_agency, require, where_readable
from hifazat.core.errors import forbidden, invalid
from hifazat.core.pagination import paginate
from hifazat.platform.audit.writes import (
    audited_create,
    audited_delete,
    audited_update,
    values_of,
)
from hifazat.tracking import schemas
from hifazat.tracking.cache import bump
from hifazat.tracking.models import Zone


def create_zone(session: Session, *, data: schemas.ZoneIn, principal: Principal) -> Zone:
    require(principal, "zones", "write")
    owner = data.agency_id or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    if not can_write_agency(principal, owner):
        raise forbidden("you may only draw zones for your own agency or one below it")
    geometry, lat, lon = schemas.validate_zone_geometry(data.geometry, data.radius_m, data.width_m)
    province = _province(principal, data.province, lat, lon, owner)
    zone = Zone(
        agency_id=owner,
        name=data.name,
        kind=data.kind.value,
        geometry=geometry,
        radius_m=data.radius_m if geometry["type"] == "Point" else None,
        width_m=data.width_m if geometry["type"] == "LineString" else None,
        center_lat=lat,
        center_lon=lon,
        province=province,
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
    if {"geometry", "radius_m", "width_m", "province"} & set(changes):
        lat, lon = changes.get("center_lat", zone.center_lat), changes.get("center_lon", zone.center_lon)
        typed = changes.get("province")
        changes["province"] = _province(principal, typed, lat, lon, zone.agency_id, current=zone.province)
    values = {k: v for k, v in changes.items() if not (k == "name" and v is None)}
    payload = {"id": zone.id, "agency_id": zone.agency_id}
    if audited_update(
        session,
        zone,
        values,
        kind="zones",
        principal=principal,
        subject="tracking.zone.updated",
        payload=payload,
    ):
        bump(session)
    return zone


def _province(
    principal: Principal,
    typed: str | None,
    lat: float,
    lon: float,
    owner: str,
    *,
    current: str | None = None,
) -> str | None:
    """The zone's province from its centre (18.6); a typed one must agree. A zone outside every province
    keeps the typed (or current) one where the caller may place it."""
    found = placing.from_position(lat, lon, province=typed, district=None, what="the zone's geometry")
    if found is not None:
        return found[0]
    return placing.typed(principal, typed or current, owner, hint="draw the zone where it is")


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
        stmt = stmt.where(where_readable(Zone, "zones", principal, "kind", Zone.kind == kind))
    return paginate(session, stmt, Zone.id, limit, cursor)


# What a summary view of a zone shows (searches and filters follow it, `policy.Fields`).
FIELDS = Fields(
    "zones", frozenset({"id", "agency_id", "name", "kind", "center_lat", "center_lon", "province", "active"})
)


def present_zone(zone: Zone, view: View) -> dict[str, Any]:
    out = values_of(zone)
    out.pop("deleted_at", None)
    out["created_at"], out["updated_at"] = zone.created_at, zone.updated_at
    if view.level != "full":
        out = {k: v for k, v in out.items() if k in FIELDS.summary}
    for k in view.redact:
        if k in out:
            out[k] = None
    return out
