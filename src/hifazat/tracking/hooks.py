"""In-transaction hooks: other domains react to tracking events inside the transaction that stores them.

The ingest path calls every contributed hook with the events one batch produced, INSIDE the same
transaction that stores the positions, so a reaction (an SOS becoming an alert) commits atomically with
the position that caused it, exactly once — unlike bus subscribers, which run in every worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hifazat.platform.composition import ExtensionPoint, current

EVENT_KINDS = (
    "zone_enter",
    "zone_exit",
    "red_zone_entry",
    "device_stale",
    "low_battery",
    "sos",
    "unaccompanied",
)


@dataclass(frozen=True)
class TrackingEventData:
    """One tracking event; `payload()` is what goes to the outbox as subject `tracking.<kind>`."""

    id: str
    kind: str
    device_id: str
    device_identifier: str
    owner_kind: str | None
    owner_id: str | None
    agency_id: str
    province: str | None
    lat: float
    lon: float
    at: str  # ISO 8601 UTC
    zone_id: str | None = None
    zone_name: str | None = None
    zone_kind: str | None = None
    battery: float | None = None
    distance_m: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"tracking.{self.kind}"

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "device_id": self.device_id,
            "device_identifier": self.device_identifier,
            "owner_kind": self.owner_kind,
            "owner_id": self.owner_id,
            "agency_id": self.agency_id,
            "province": self.province,
            "lat": self.lat,
            "lon": self.lon,
            "at": self.at,
        }
        for key in ("zone_id", "zone_name", "zone_kind", "battery", "distance_m"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.extra)
        return out


TrackingHook = Callable[[Session, list[TrackingEventData]], None]
# Other domains contribute `fn(session, events)` here in their `Domain` (alerts: an SOS becomes an alert).
TRACKING_HOOKS: ExtensionPoint[TrackingHook] = ExtensionPoint("tracking.hooks")


def run_hooks(session: Session, events: list[TrackingEventData]) -> None:
    """Called by the ingest path inside its transaction; a failing hook rolls the whole batch back."""
    if not events:
        return
    for hook in current().get(TRACKING_HOOKS):
        hook(session, events)
