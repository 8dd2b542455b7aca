"""Incidents, the people involved in each, and each incident's own timeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, TimestampMixin, utcnow
from hifazat.core.scope import ScopedColumns


class IncidentType(enum.StrEnum):
    armed_attack = "armed_attack"
    bombing = "bombing"
    insider_use_of_force = "insider_use_of_force"  # a guard or staff member against those they protect
    kidnapping = "kidnapping"
    threat_or_intimidation = "threat_or_intimidation"
    protest_or_unrest = "protest_or_unrest"
    accident = "accident"
    crime = "crime"
    other = "other"


class IncidentStatus(enum.StrEnum):
    reported = "reported"
    verified = "verified"
    under_investigation = "under_investigation"
    closed = "closed"
    dismissed = "dismissed"


class Role(enum.StrEnum):
    victim = "victim"
    perpetrator = "perpetrator"
    suspect = "suspect"
    witness = "witness"
    responder = "responder"


class Outcome(enum.StrEnum):
    unharmed = "unharmed"
    injured = "injured"
    killed = "killed"


class Incident(IdMixin, TimestampMixin, ScopedColumns, Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_occurred", "occurred_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    # From the coordinates, else the site (as for alerts: `service.place_for`).
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(24), default=IncidentStatus.reported.value, index=True)
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column()
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # The alert it was created from; one incident per alert (the unique index).
    alert_id: Mapped[str | None] = mapped_column(ForeignKey("alerts.id"), unique=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class Involved(IdMixin, Base):
    """One person in an incident: their role, nationality and what happened to them."""

    __tablename__ = "incident_involved"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order the reporter gave
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), index=True)
    # A guard or officer: the personnel domain's id once it exists (kept as given until then).
    personnel_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(200))
    nationality: Mapped[str] = mapped_column(String(2))
    outcome: Mapped[str] = mapped_column(String(10))
    is_security_personnel: Mapped[bool] = mapped_column(Boolean, default=False)


class IncidentEvent(IdMixin, Base):
    """One line of an incident's timeline: who did what, when."""

    __tablename__ = "incident_events"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
