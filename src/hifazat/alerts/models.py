"""Alerts, their timeline and shares, escalation policies and timers, rules, assignments, safety polls."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin, utcnow
from hifazat.core.scope import ScopedColumns


class AlertStatus(enum.StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    responding = "responding"
    resolved = "resolved"
    false_alarm = "false_alarm"


class Severity(enum.StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


class AlertKind(enum.StrEnum):
    sos = "sos"
    attack = "attack"
    medical = "medical"
    fire = "fire"
    intrusion = "intrusion"
    suspicious_activity = "suspicious_activity"
    need_help = "need_help"
    red_zone_entry = "red_zone_entry"
    unaccompanied = "unaccompanied"
    device_stale = "device_stale"
    low_battery = "low_battery"
    zone_enter = "zone_enter"
    zone_exit = "zone_exit"
    other = "other"


class CapScope(enum.StrEnum):
    public = "public"
    restricted = "restricted"
    private = "private"


class AssignmentStatus(enum.StrEnum):
    en_route = "en_route"
    on_scene = "on_scene"
    clear = "clear"


class TimerState(enum.StrEnum):
    pending = "pending"
    fired = "fired"
    cancelled = "cancelled"


class Alert(IdMixin, TimestampMixin, ScopedColumns, Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_dedupe", "dedupe_key", "last_seen_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Copied from the site, else the person, else the device (see `service.create`).
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    # Copied from the person so a sharing agreement filtered by nationality (an embassy) can match.
    nationality: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.new.value, index=True)
    source: Mapped[str] = mapped_column(String(20))
    # False when whatever raised it proved no identity: an OsmAnd report, whose device identifier is its
    # only credential (docs/security.md, "Device identifiers"); the page shows it as such.
    source_authenticated: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # When the position was fixed: the raise itself for given coordinates, else the last known fix.
    position_at: Mapped[datetime | None] = mapped_column(default=None)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), index=True)
    subject_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(36), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    cap_scope: Mapped[str] = mapped_column(String(12), default=CapScope.restricted.value)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    escalation_policy_id: Mapped[str | None] = mapped_column(ForeignKey("escalation_policies.id"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    source_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    poll_id: Mapped[str | None] = mapped_column(ForeignKey("polls.id"), index=True)


class AlertEvent(IdMixin, Base):
    """One line of an alert's timeline: who did what, when."""

    __tablename__ = "alert_events"

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AlertShare(IdMixin, Base):
    """An explicit grant: the agency (and its tree) may read this alert, e.g. after escalation to it."""

    __tablename__ = "alert_shares"
    __table_args__ = (UniqueConstraint("alert_id", "agency_id"),)

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EscalationPolicy(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """Ordered levels of targets with an acknowledgement timeout each, for an agency [, site] [, severity]."""

    __tablename__ = "escalation_policies"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    severity: Mapped[str | None] = mapped_column(String(10))
    # [{"timeout_s": 120, "targets": [{"kind": "user"|"role"|"unit"|"agency", "id": ..., "role": ...}]}]
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class EscalationTimer(IdMixin, Base):
    """A persisted deadline: when due and the alert is still unacknowledged, climb to `level`."""

    __tablename__ = "escalation_timers"
    __table_args__ = (Index("ix_escalation_timers_due", "state", "due_at"),)

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(12), default=TimerState.pending.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    fired_by: Mapped[str | None] = mapped_column(String(120))


class AlertRule(IdMixin, TimestampMixin, Base):
    """How an agency's tracking events become alerts: severity, or none, and a suppression window."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("agency_id", "event_kind"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    event_kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str | None] = mapped_column(String(10))  # None: no alert for this kind
    suppress_s: Mapped[int] = mapped_column(Integer, default=300)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Assignment(IdMixin, Base):
    """A unit dispatched to an alert, and where it is in the response."""

    __tablename__ = "alert_assignments"

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=AssignmentStatus.en_route.value)
    distance_m: Mapped[float | None] = mapped_column(Float)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Poll(IdMixin, TimestampMixin, ScopedColumns, Base):
    """An "Are you safe?" accountability check."""

    __tablename__ = "polls"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))  # the site's, as the province
    question: Mapped[str] = mapped_column(String(500))
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    deadline: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[str] = mapped_column(String(120))


class PollRecipient(IdMixin, Base):
    __tablename__ = "poll_recipients"
    __table_args__ = (UniqueConstraint("poll_id", "person_id"),)

    poll_id: Mapped[str] = mapped_column(ForeignKey("polls.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    answer: Mapped[str | None] = mapped_column(String(12))
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    channel: Mapped[str | None] = mapped_column(String(12))
    alert_id: Mapped[str | None] = mapped_column(String(36))
