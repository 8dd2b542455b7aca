"""Dashboard pages: the live map of devices (/live), the device list, stale devices first (/devices), and
the record pages of devices, zones and escorts (what they show: record_views.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hifazat.auth.labels import labels_for
from hifazat.auth.models import Agency
from hifazat.auth.record_pages import add_record_routes
from hifazat.auth.web_session import PageUser, may, render
from hifazat.platform.deps import DbSession
from hifazat.tracking import record_views, service
from hifazat.tracking.models import Device
from hifazat.web.nav import NavItem

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)
OWNER_COLOURS = {
    "person": "#1f6feb",
    "unit": "#2f7d32",
    "vehicle": "#d9822b",
    "user": "#7048c8",
    None: "#555",
}

NAV_ITEMS = (
    NavItem("/live", "Live", order=11),
    NavItem("/devices", "Devices", order=35),
    NavItem("/zones", "Zones", order=36),
    NavItem("/escorts", "Escorts", order=37),
)


def _devices(session: Any, principal: Any) -> list[dict[str, Any]]:
    rows = list(session.scalars(service.visible_devices(principal).order_by(Device.id).limit(5000)))
    last = service.last_rows(session, [r.id for r in rows])
    out = []
    for r in rows:
        view = service.device_view(session, r, principal)
        if view is not None:
            out.append(service.present_device(r, view, principal, last.get(r.id)))
    return out


def _agency_names(session: Any) -> dict[str, str]:
    """Every agency's name (agencies are public to every role): the live map names each device's owner
    agency, for devices already on it and those whose events arrive later."""
    rows = session.execute(
        select(Agency.id, Agency.short_name, Agency.name).where(Agency.deleted_at.is_(None))
    )
    return {i: short or name for i, short, name in rows}


def _order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stale first (longest silent first), then never seen, then the rest by name."""

    def key(d: dict[str, Any]) -> tuple[int, float, str]:
        seen = d.get("last_seen_at")
        ts = seen.timestamp() if seen is not None else 0.0
        if d.get("stale"):
            return (0, ts, d.get("name") or "")
        if seen is None:
            return (1, 0.0, d.get("name") or "")
        return (2, 0.0, d.get("name") or "")

    return sorted(items, key=key)


@router.get("/devices")
def devices_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    items = _order(_devices(session, principal))
    # Owners by name, each as the caller may see it (a person outside its view stays unnamed).
    owners = labels_for(session, principal, [(f"{d.get('owner_kind')}s", d.get("owner_id")) for d in items])
    return render(
        request,
        "tracking/devices.html",
        principal=principal,
        session=session,
        devices=items,
        owner_names=owners,
        agency_names=_agency_names(session),
        can_create=may(principal, "devices", "write"),
    )


@router.get("/live")
def live_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    items = _devices(session, principal)
    initial = [
        {
            "device_id": d["id"],
            "device_identifier": d.get("identifier"),
            "name": d.get("name"),
            "device_label": d.get("name") or d.get("identifier") or f"{d.get('kind')} device",
            "agency_id": d.get("agency_id"),
            "kind": d.get("kind"),
            "owner_kind": d.get("owner_kind"),
            "lat": d["last_position"]["lat"],
            "lon": d["last_position"]["lon"],
            "at": d["last_position"]["at"].isoformat().replace("+00:00", "Z"),
            "battery": d.get("battery"),
            "stale": d.get("stale"),
        }
        for d in items
        if d.get("last_position")
    ]
    return render(
        request,
        "tracking/live.html",
        principal=principal,
        session=session,
        initial=initial,
        agency_names=_agency_names(session),
        colours={str(k): v for k, v in OWNER_COLOURS.items()},
        total=len(items),
    )


add_record_routes(router, record_views.DEVICES, record_views.DeviceRecords(), record_views.REFS)
add_record_routes(router, record_views.ZONES, record_views.ZoneRecords(), record_views.REFS)
add_record_routes(router, record_views.ESCORTS, record_views.EscortRecords(), record_views.REFS)
