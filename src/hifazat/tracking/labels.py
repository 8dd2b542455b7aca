"""How tracking records are named elsewhere (audit entries, live events): a device by its name (never its
identifier outside the owner's tree), a zone by its name, an escort by whom it protects and which unit."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.labels import Labeler, labels, scoped
from hifazat.auth.policy import Principal, View, redacted_outside_tree, scope
from hifazat.tracking.devices import device_scope, device_view
from hifazat.tracking.models import Device, EscortAssignment, Zone


def device_label(device: Device, principal: Principal) -> str:
    """Its name; one named after its identifier (a credential) is its kind outside the owner's tree."""
    hidden = "identifier" in redacted_outside_tree(principal, "devices", device.agency_id)
    if device.name and not (hidden and device.name == device.identifier):
        return device.name
    return f"{device.kind} device"


def _devices(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    rows = session.scalars(select(Device).where(Device.id.in_(list(ids)), device_scope(principal)))
    return {d.id: device_label(d, principal) for d in rows if device_view(session, d, principal) is not None}


def _escorts(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    stmt = select(EscortAssignment).where(
        EscortAssignment.id.in_(list(ids)), scope(EscortAssignment, "escorts", principal)
    )
    rows = list(session.scalars(stmt))
    persons = labels(session, principal, "persons", [r.person_id for r in rows])
    units = labels(session, principal, "units", [r.unit_id for r in rows])
    return {
        r.id: f"escort of {persons.get(r.person_id, 'a person')} by {units.get(r.unit_id, 'a unit')}"
        for r in rows
    }


def _zone(row: Zone, view: View) -> str:
    return row.name


LABELERS = (
    Labeler("devices", _devices),
    Labeler("zones", scoped(Zone, "zones", _zone)),
    Labeler("escorts", _escorts),
)
