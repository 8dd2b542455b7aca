"""Loads the demo's threat levels: the districts the scenario's story runs through, set by the national
operations centre as an analyst would after the attacks of recent years (the reasons say which).
Idempotent: a database that already holds any level is left as it is."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.auth.policy import system_actor
from hifazat.threat import service as threat
from hifazat.threat.models import ThreatLevel

# (province, district, level, reason)
LEVELS = (
    (
        "PK-KP",
        "Upper Kohistan",
        "critical",
        "Dasu: bus of project engineers bombed (2021)",
    ),
    (
        "PK-KP",
        "Shangla",
        "high",
        "Besham: suicide attack on an engineers' convoy (2024)",
    ),
    ("PK-BA", "Gwadar", "high", "attacks on project convoys and the port complex; repeated threats"),
    ("PK-SD", "Malir", "high", "Port Qasim plant: a guard shot two foreign workers; investigation open"),
    ("PK-SD", "Karachi South", "elevated", "attacks near the airport and consulate area in recent years"),
)


def load(session: Session, ministry_id: str) -> None:
    if session.scalar(select(func.count()).select_from(ThreatLevel)):
        return
    actor = system_actor("demo", agency_id=ministry_id)
    for province, district, level, reason in LEVELS:
        threat.set_level(session, actor, province, district, level, reason, source="demo")
