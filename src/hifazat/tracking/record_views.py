"""What the record pages of tracking show: devices (registration, edit, retire; the list is pages.py's own),
zones and corridors (drawn on the map) and escort assignments. Read through the same service functions and
policy as the API; the forms write through the API (auth/record_pages.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, View, view_of
from hifazat.auth.record_pages import AgencyRefs, Column, Filter, PageKind, Record, RefSource, choices
from hifazat.auth.web_session import may
from hifazat.registry.views import RegistryRefs
from hifazat.tracking import schemas, service
from hifazat.tracking.models import OwnerKind, ZoneKind
from hifazat.web.forms import LINE, SHAPES, FormField

DEVICES = PageKind(
    "devices",
    "Devices",
    "device",
    (Column("name", "Name", link=True), Column("identifier", "Identifier"), Column("status", "Status")),
    create=schemas.DeviceIn,
    patch=schemas.DevicePatch,
    label_fields=("name",),
    agency_owned=True,
    controls=(
        FormField(
            "identifier",
            "Identifier",
            "text",
            help="proposed at random: keep it, or enter the phone's own id (Traccar id, OwnTracks user)",
        ),
        FormField("owner_kind", "Owner kind", "select", choices=choices(OwnerKind)),
        FormField("owner_id", "Owner (person)", "select", ref="persons", help="the person who carries it"),
    ),
    list_page=False,  # /devices is the silent-first list of pages.py
)
ZONES = PageKind(
    "zones",
    "Zones and corridors",
    "zone",
    (
        Column("name", "Name", link=True),
        Column("kind", "Kind", badge=True),
        Column("province", "Province"),
        Column("active", "Active", badge=True),
        Column("agency_id", "Agency"),
    ),
    (Filter("kind", "Kind", choices(ZoneKind)),),
    schemas.ZoneIn,
    schemas.ZonePatch,
    "Name",
    agency_owned=True,
    controls=(FormField("geometry", "Shape", "geometry", True, choices=(*SHAPES, LINE)),),
    has_map=True,
)
ESCORTS = PageKind(
    "escorts",
    "Escort assignments",
    "escort assignment",
    (
        Column("escort", "Escort", link=True),
        Column("person_id", "Person"),
        Column("unit_id", "Unit"),
        Column("active", "Active", badge=True),
        Column("starts_at", "Starts"),
        Column("ends_at", "Ends"),
    ),
    (Filter("person_id", "Person", ref="persons"), Filter("unit_id", "Unit", ref="units")),
    schemas.EscortIn,
    schemas.EscortPatch,
    label_fields=("escort",),
    agency_owned=True,
    end_field="active",
)
REFS: Mapping[str, RefSource] = {
    "agencies": AgencyRefs(),
    "owner": AgencyRefs(owner=True),
    "persons": RegistryRefs("persons"),
    "units": RegistryRefs("units"),
}


def _writable(principal: Principal, kind: str, view: View) -> bool:
    return view.writable and may(principal, kind, "write")


def _device_data(data: dict[str, Any]) -> dict[str, Any]:
    pos = data.pop("last_position", None)
    if pos:  # one line on the page; the live map and the track show the rest
        data["last_position"] = f"{pos['lat']:.5f}, {pos['lon']:.5f} at {pos['at']:%Y-%m-%d %H:%M:%S} UTC"
    return data


class DeviceRecords:
    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        raise NotImplementedError("the device list is tracking/pages.py's own (list_page=False)")

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        device, view = service.get_device(session, entity_id, principal)
        last = service.last_rows(session, [device.id]).get(device.id)
        data = _device_data(service.present_device(device, view, principal, last))
        writable = _writable(principal, "devices", view)
        return Record(data, writable, writable, view.level)


class ZoneRecords:
    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        # Zones are few: a search reads the first 500 and matches names here (the API has no search).
        rows, nxt = service.list_zones(
            session,
            principal,
            kind=filters.get("kind"),
            limit=500 if q else limit,
            cursor=None if q else cursor,
        )
        items = []
        for r in rows:
            view = view_of(r, "zones", principal)
            if view is not None and (not q or q.casefold() in r.name.casefold()):
                items.append(service.present_zone(r, view))
        return (items[:limit], None) if q else (items, nxt)

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        zone, view = service.get_zone(session, entity_id, principal)
        writable = _writable(principal, "zones", view)
        return Record(service.present_zone(zone, view), writable, writable, view.level)


@dataclass(frozen=True)
class EscortRecords:
    """Escorts named by who guards whom ("Wei Zhang · SPU-1"), with the names the caller may see."""

    def _named(self, session: Session, principal: Principal, rows: Sequence[dict[str, Any]]) -> None:
        def lookup(kind: str, key: str) -> dict[str, str]:
            return REFS[kind].names(session, principal, {r[key] for r in rows if r.get(key)})

        persons, units = lookup("persons", "person_id"), lookup("units", "unit_id")
        for r in rows:
            who = persons.get(r.get("person_id") or "", "a person not visible to you")
            by = units.get(r.get("unit_id") or "", "a unit not visible to you")
            r["escort"] = f"{who} · {by}"

    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        rows, nxt = service.list_escorts(
            session,
            principal,
            person_id=filters.get("person_id"),
            unit_id=filters.get("unit_id"),
            limit=limit,
            cursor=cursor,
        )
        items = []
        for r in rows:
            view = view_of(r, "escorts", principal)
            if view is not None:
                items.append(service.present_escort(r, view))
        self._named(session, principal, items)
        if q:
            items = [i for i in items if q.casefold() in i["escort"].casefold()]
        return items, nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        row, view = service.get_escort(session, entity_id, principal)
        data = service.present_escort(row, view)
        self._named(session, principal, [data])
        writable = _writable(principal, "escorts", view)
        return Record(data, writable, writable, view.level)
