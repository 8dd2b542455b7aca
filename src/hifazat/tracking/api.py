"""Routes: /api/v1/devices, /zones, /escorts, /positions (batch), position history and GeoJSON tracks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hifazat.auth.deps import CurrentUser
from hifazat.auth.policy import view_of
from hifazat.core.errors import forbidden, invalid
from hifazat.platform.db import unit_of_work
from hifazat.platform.deps import DbSession, Page
from hifazat.tracking import schemas, service
from hifazat.tracking.batch import ingest_batch

router = APIRouter(prefix="/api/v1")
F = Annotated[str | None, Query(max_length=64)]


def _device_page(session: Any, rows: Any, principal: Any) -> list[dict[str, Any]]:
    last = service.last_rows(session, [r.id for r in rows])
    out = []
    for r in rows:
        view = service.device_view(session, r, principal)
        if view is not None:
            out.append(service.present_device(r, view, principal, last.get(r.id)))
    return out


@router.get("/devices", tags=["devices"])
def list_devices(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Annotated[str | None, Query(max_length=100)] = None,
    kind: F = None,
    owner_kind: F = None,
    owner_id: F = None,
    status: F = None,
) -> dict[str, Any]:
    """Devices visible to you, with last seen, battery and last position (coarsened for some roles)."""
    rows, nxt = service.list_devices(
        session,
        principal,
        kind=kind,
        owner_kind=owner_kind,
        owner_id=owner_id,
        status=status,
        q=q,
        limit=page.limit,
        cursor=page.cursor,
    )
    return {"items": _device_page(session, rows, principal), "next_cursor": nxt}


@router.post("/devices", tags=["devices"], status_code=201)
def create_device(body: schemas.DeviceIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """Register a device. The answer carries `secret` once (OwnTracks password); only a hash is kept."""
    device, secret = service.create_device(session, data=body, principal=principal)
    _, view = service.get_device(session, device.id, principal)
    out = service.present_device(device, view, principal, None)
    out["secret"] = secret
    return out


@router.get("/devices/{device_id}", tags=["devices"])
def read_device(device_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    device, view = service.get_device(session, device_id, principal)
    return service.present_device(
        device, view, principal, service.last_rows(session, [device.id]).get(device.id)
    )


@router.patch("/devices/{device_id}", tags=["devices"])
def patch_device(
    device_id: str, body: schemas.DevicePatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    device = service.update_device(session, device_id=device_id, data=body, principal=principal)
    _, view = service.get_device(session, device.id, principal)
    return service.present_device(
        device, view, principal, service.last_rows(session, [device.id]).get(device.id)
    )


@router.post("/devices/{device_id}/secret", tags=["devices"])
def rotate_secret(device_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """Issue a new device secret (the old one stops working at once); shown once."""
    device, secret = service.rotate_secret(session, device_id=device_id, principal=principal)
    return {"id": device.id, "identifier": device.identifier, "secret": secret}


@router.delete("/devices/{device_id}", tags=["devices"], status_code=204)
def delete_device(device_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_device(session, device_id=device_id, principal=principal)
    return Response(status_code=204)


def _range(start: datetime | None, end: datetime | None) -> None:
    if start and end and end <= start:
        raise invalid("to", "must be after from")


@router.get("/devices/{device_id}/positions", tags=["devices"])
def device_positions(
    device_id: str,
    session: DbSession,
    principal: CurrentUser,
    start: Annotated[datetime | None, Query(alias="from", description="ISO 8601, inclusive")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """Stored positions of one device in time order (at most `limit`; continue from the last `at`)."""
    _range(start, end)
    device, view = service.get_device(session, device_id, principal)
    if view.level != "full":
        raise forbidden("a summary view of this device shows no positions")
    items = service.positions(session, device=device, principal=principal, start=start, end=end, limit=limit)
    return {"device_id": device.id, "items": items}


@router.get("/devices/{device_id}/track.geojson", tags=["devices"])
def device_track(
    device_id: str,
    session: DbSession,
    principal: CurrentUser,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> JSONResponse:
    """The track as GeoJSON (application/geo+json): one LineString and a Point per fix."""
    _range(start, end)
    device, view = service.get_device(session, device_id, principal)
    if view.level != "full":
        raise forbidden("a summary view of this device shows no positions")
    items = service.positions(session, device=device, principal=principal, start=start, end=end, limit=limit)
    return JSONResponse(service.track_geojson(device, items, principal), media_type="application/geo+json")


@router.post("/positions", tags=["positions"])
async def post_positions(request: Request) -> dict[str, Any]:
    """A JSON array of up to 10,000 positions `{device | device_id, lat, lon, at, speed_kmh, course,
    altitude, accuracy, battery, alarm, attributes}`; all-or-nothing; answered after the commit.

    Authenticated like every API call (bearer token or dashboard cookie); roles admin or operator."""
    body = await request.body()
    result = await run_in_threadpool(_ingest, request, body)
    return {
        "received": result.received,
        "stored": result.stored,
        "duplicates": result.duplicates,
        "late": result.late,
        "events": len(result.events),
    }


def _ingest(request: Request, body: bytes) -> Any:
    # Authenticate in a read-only transaction: a request-scoped writing session would hold SQLite's
    # write lock while the batch waits for it.
    from hifazat.auth.service import principal_from_request

    with unit_of_work(readonly=True) as session:
        principal = principal_from_request(session, request)
    return ingest_batch(body, principal)


# --- zones -----------------------------------------------------------------------------------------------


@router.get("/zones", tags=["zones"])
def list_zones(session: DbSession, principal: CurrentUser, page: Page, kind: F = None) -> dict[str, Any]:
    rows, nxt = service.list_zones(session, principal, kind=kind, limit=page.limit, cursor=page.cursor)
    items = []
    for r in rows:
        view = view_of(r, "zones", principal)
        if view is not None:
            items.append(service.present_zone(r, view))
    return {"items": items, "next_cursor": nxt}


@router.post("/zones", tags=["zones"], status_code=201)
def create_zone(body: schemas.ZoneIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    zone = service.create_zone(session, data=body, principal=principal)
    _, view = service.get_zone(session, zone.id, principal)
    return service.present_zone(zone, view)


@router.get("/zones/{zone_id}", tags=["zones"])
def read_zone(zone_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    zone, view = service.get_zone(session, zone_id, principal)
    return service.present_zone(zone, view)


@router.patch("/zones/{zone_id}", tags=["zones"])
def patch_zone(
    zone_id: str, body: schemas.ZonePatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    zone = service.update_zone(session, zone_id=zone_id, data=body, principal=principal)
    _, view = service.get_zone(session, zone.id, principal)
    return service.present_zone(zone, view)


@router.delete("/zones/{zone_id}", tags=["zones"], status_code=204)
def delete_zone(zone_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_zone(session, zone_id=zone_id, principal=principal)
    return Response(status_code=204)


# --- escorts ---------------------------------------------------------------------------------------------


@router.get("/escorts", tags=["escorts"])
def list_escorts(
    session: DbSession, principal: CurrentUser, page: Page, person_id: F = None, unit_id: F = None
) -> dict[str, Any]:
    rows, nxt = service.list_escorts(
        session, principal, person_id=person_id, unit_id=unit_id, limit=page.limit, cursor=page.cursor
    )
    items = []
    for r in rows:
        view = view_of(r, "escorts", principal)
        if view is not None:
            items.append(service.present_escort(r, view))
    return {"items": items, "next_cursor": nxt}


@router.post("/escorts", tags=["escorts"], status_code=201)
def create_escort(body: schemas.EscortIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """Assign a unit to escort a protected person (`unaccompanied` fires when they drift apart)."""
    row = service.create_escort(session, data=body, principal=principal)
    _, view = service.get_escort(session, row.id, principal)
    return service.present_escort(row, view)


@router.get("/escorts/{escort_id}", tags=["escorts"])
def read_escort(escort_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row, view = service.get_escort(session, escort_id, principal)
    return service.present_escort(row, view)


@router.patch("/escorts/{escort_id}", tags=["escorts"])
def patch_escort(
    escort_id: str, body: schemas.EscortPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    row = service.update_escort(session, escort_id=escort_id, data=body, principal=principal)
    _, view = service.get_escort(session, row.id, principal)
    return service.present_escort(row, view)


@router.delete("/escorts/{escort_id}", tags=["escorts"], status_code=204)
def delete_escort(escort_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_escort(session, escort_id=escort_id, principal=principal)
    return Response(status_code=204)
