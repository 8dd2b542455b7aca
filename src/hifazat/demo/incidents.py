"""The demo's incidents, filed and moved through the real, audited services (as the rest of the scenario):
first the case the project began with (the seed: Karachi, reported 7 November 2024, a private guard fired
on two Chinese workers, who were injured; the minister promised a swift, transparent investigation), then
two of the everyday kind. The people and the guard company are the scenario's fictional ones.

No demo alert fits any of them (the scenario raises none), so none is linked to an alert. Idempotent: an
incident is found again by its owner and summary, and a rerun files nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal
from hifazat.incidents import transitions, writing
from hifazat.incidents.models import Incident
from hifazat.incidents.schemas import ActionIn, IncidentIn
from hifazat.registry.models import Person


class IncidentSpec(NamedTuple):
    owner: str  # agency key
    site: str  # site key
    type: str
    severity: str
    summary: str
    description: str
    occurred_at: datetime
    involved: tuple[dict[str, Any], ...]  # "person": (given, family) names a demo person
    moves: tuple[tuple[str, dict[str, str]], ...] = ()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


INCIDENTS: tuple[IncidentSpec, ...] = (
    IncidentSpec(
        "sindh",
        "pq_colony",
        "insider_use_of_force",
        "critical",
        "Guard fired on two Chinese workers, Port Qasim colony",
        "A private security guard on duty at the staff colony gate opened fire on two Chinese workers of "
        "the plant; both were injured and taken to hospital. The guard was disarmed and detained. The "
        "ministry has promised a swift, transparent investigation. (The seed, reported 7 Nov 2024, gives "
        "no hour: the time here is the scenario's.)",
        _at("2024-11-06T09:40:00"),
        (
            {"role": "victim", "person": ("Haoran", "Chen"), "outcome": "injured"},
            {"role": "victim", "person": ("Wenbo", "Zhang"), "outcome": "injured"},
            {
                "role": "perpetrator",
                "name": "Guard on duty, Shield Guard Services",
                "nationality": "PK",
                "outcome": "unharmed",
                "is_security_personnel": True,
            },
        ),
        (
            ("verify", {"note": "Confirmed by the colony's CCTV and the hospital."}),
            ("investigate", {"note": "Case with the Sindh SPU; the embassy informed."}),
        ),
    ),
    IncidentSpec(
        "balochistan",
        "gwd_cp",
        "threat_or_intimidation",
        "medium",
        "Threatening note left at the Coastal Highway checkpoint",
        "A handwritten note threatening the port's foreign staff was found at the checkpoint at dawn.",
        _at("2026-11-28T05:15:00"),
        (),
        (("verify", {"note": "Note handed to the district police."}),),
    ),
    IncidentSpec(
        "company",
        "pq_plant",
        "accident",
        "low",
        "Escort vehicle slid off the plant access road",
        "The escort's pickup slid into the ditch in the rain; nobody was hurt.",
        _at("2026-12-01T18:20:00"),
        ({"role": "witness", "person": ("Wenbo", "Zhang"), "outcome": "unharmed"},),
        (
            ("verify", {}),
            ("investigate", {}),
            ("close", {"resolution": "Road drainage repaired; escorts slow to 20 km/h in rain."}),
        ),
    ),
)


def _person(session: Session, given: str, family: str) -> str:
    found = session.scalar(
        select(Person.id).where(Person.given_name == given, Person.family_name == family).limit(1)
    )
    if found is None:
        raise ValueError(f"demo incident: no person {given} {family}")
    return str(found)


def load(session: Session, actor: Principal, agencies: dict[str, str], sites: dict[str, str]) -> None:
    for spec in INCIDENTS:
        owner = agencies[spec.owner]
        exists = session.scalar(
            select(Incident.id).where(Incident.agency_id == owner, Incident.summary == spec.summary)
        )
        if exists is not None:
            continue
        involved = []
        for item in spec.involved:
            item = dict(item)
            if "person" in item:
                item["person_id"] = _person(session, *item.pop("person"))
            involved.append(item)
        data = IncidentIn.model_validate(
            {
                "agency_id": owner,
                "site_id": sites[spec.site],
                "type": spec.type,
                "severity": spec.severity,
                "summary": spec.summary,
                "description": spec.description,
                "occurred_at": spec.occurred_at,
                "involved": involved,
            }
        )
        incident = writing.create(session, data, actor)
        for action, body in spec.moves:
            transitions.transition(
                session, incident_id=incident.id, action=action, body=ActionIn(**body), principal=actor
            )
