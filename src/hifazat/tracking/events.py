"""Tracking's events: what a position batch or a background job tells the rest of the system.

Each is a frozen dataclass carrying its scope (the device's agency, province and district), serialized to
the wire dict the bus, the outbox and the live stream carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hifazat.core.scope import Scope
from hifazat.platform.stream import Audience

EVENT_KINDS = (
    "zone_enter",
    "zone_exit",
    "red_zone_entry",
    "device_stale",
    "low_battery",
    "sos",
    "unaccompanied",
)
# Position sources whose reports carry no password: the device identifier is their only credential, so
# anyone who learns it can report for the device (docs/security.md, "Device identifiers").
UNAUTHENTICATED_SOURCES = frozenset({"osmand"})


def device_label(name: str | None, identifier: str) -> str | None:
    """The device's name as others may see it: none when it is only the identifier again (registration
    names a device after its identifier when no name is given), since the identifier is a credential."""
    return name if name and name != identifier else None


@dataclass(frozen=True)
class TrackingEventData:
    """One tracking event, scoped by its device; `payload()` is its wire form, sent to the outbox as subject
    `tracking.<kind>` (the stream reads the scope back from the same keys)."""

    id: str
    kind: str
    device_id: str
    device_identifier: str  # a credential: the stream shows it only to the owner's tree (live.py)
    owner_kind: str | None
    owner_id: str | None
    agency_id: str
    province: str | None
    lat: float
    lon: float
    at: str  # ISO 8601 UTC
    district: str | None = None  # the device's, as the province
    zone_id: str | None = None
    zone_name: str | None = None
    zone_kind: str | None = None
    battery: float | None = None
    distance_m: float | None = None
    # False when the position behind the event came from a source in UNAUTHENTICATED_SOURCES.
    source_authenticated: bool = True
    device_name: str | None = None  # what everyone else sees of the device
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"tracking.{self.kind}"

    @property
    def scope(self) -> Scope:
        return Scope(self.agency_id, self.province, self.district)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "device_id": self.device_id,
            "device_identifier": self.device_identifier,
            "device_name": self.device_name,
            "owner_kind": self.owner_kind,
            "owner_id": self.owner_id,
            "agency_id": self.agency_id,
            "province": self.province,
            "district": self.district,
            "lat": self.lat,
            "lon": self.lon,
            "at": self.at,
            "source_authenticated": self.source_authenticated,
        }
        for key in ("zone_id", "zone_name", "zone_kind", "battery", "distance_m"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.extra)
        return out


SUMMARY = ("device_id", "owner_kind", "kind", "at", "stale")  # what a summary view of a position shows


@dataclass(frozen=True, slots=True)
class LivePosition:
    """A device's newest position for the live map (`tracking.position`, not through the outbox).

    `latest` is the dict the ingest builds per device (its keys go on the wire as they are)."""

    SUBJECT = "tracking.position"

    id: str
    latest: dict[str, Any]

    @property
    def scope(self) -> Scope:
        return Scope.of_payload(self.latest)

    def payload(self) -> dict[str, Any]:
        body = {"id": self.id, **self.latest, "stale": False}
        return Audience(summary=SUMMARY).on_wire(body)
