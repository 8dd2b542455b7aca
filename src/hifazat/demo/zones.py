"""The demo's zones, drawn through the real, audited zone service: the project company's approved convoy
corridor from Karachi airport to the Port Qasim plant, and a red zone Sindh Police keep in the old city,
away from the demo's walkers (so the simulator does not set it off). The simulator adds the KKH corridor
in Khyber Pakhtunkhwa when it starts. Province and district come from the shapes (18.6). Idempotent:
found again by owner and name."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal
from hifazat.tracking import zones
from hifazat.tracking.models import Zone
from hifazat.tracking.schemas import ZoneIn


class ZoneSpec(NamedTuple):
    owner: str  # agency key
    name: str
    kind: str
    geometry: dict[str, Any]
    size_m: float  # a corridor's width, a circle's radius
    description: str


ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec(
        "company",
        "Airport to Port Qasim convoy corridor",
        "corridor",
        {
            "type": "LineString",
            "coordinates": [[67.1648, 24.8946], [67.2210, 24.8712], [67.3321, 24.8329], [67.3694, 24.7850]],
        },
        600,
        "The approved route for staff arriving at Jinnah International: Star Gate, the N-5, the Port Qasim "
        "turn-off, the plant gate. Leaving it raises zone_exit.",
    ),
    ZoneSpec(
        "sindh",
        "Old city red zone",
        "red_zone",
        {"type": "Point", "coordinates": [66.9950, 24.8640]},
        1200,
        "No movement of foreign nationals without a police escort; an entry raises red_zone_entry.",
    ),
)


def load(session: Session, actor: Principal, agencies: dict[str, str]) -> None:
    for spec in ZONES:
        owner = agencies[spec.owner]
        if session.scalar(select(Zone.id).where(Zone.agency_id == owner, Zone.name == spec.name)):
            continue
        size = {"width_m": spec.size_m} if spec.kind == "corridor" else {"radius_m": spec.size_m}
        data = ZoneIn.model_validate(
            {
                "agency_id": owner,
                "name": spec.name,
                "kind": spec.kind,
                "geometry": spec.geometry,
                "description": spec.description,
                **size,
            }
        )
        zones.create_zone(session, data=data, principal=actor)
