"""Deliveries (the notification outbox), agency webhooks and per-user notification preferences."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin, utcnow
from hifazat.core.scope import ScopeColumns, ScopedColumns


class Channel(enum.StrEnum):
    stream = "stream"
    email = "email"
    webhook = "webhook"
    mqtt = "mqtt"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    delivered = "delivered"
    retrying = "retrying"
    failed = "failed"


# Which status may follow which (the worker and enqueue only move along these edges).
TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.pending: frozenset({DeliveryStatus.sending, DeliveryStatus.delivered}),
    DeliveryStatus.sending: frozenset(
        {DeliveryStatus.delivered, DeliveryStatus.retrying, DeliveryStatus.failed, DeliveryStatus.sending}
    ),
    DeliveryStatus.retrying: frozenset({DeliveryStatus.sending}),
    DeliveryStatus.delivered: frozenset(),
    DeliveryStatus.failed: frozenset(),
}


def move(delivery: Delivery, to: DeliveryStatus) -> None:
    """Change a delivery's status along TRANSITIONS; anything else is a programming error."""
    if to not in TRANSITIONS[DeliveryStatus(delivery.status)]:
        raise ValueError(f"delivery {delivery.id}: {delivery.status} -> {to} is not a transition")
    delivery.status = to.value


OPEN_STATUSES = (DeliveryStatus.pending.value, DeliveryStatus.sending.value, DeliveryStatus.retrying.value)


class Delivery(IdMixin, TimestampMixin, ScopedColumns, Base):
    """One notification to one recipient over one channel; written in the transaction that caused it."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        Index("ix_notify_deliveries_ref", "ref_kind", "ref_id"),
        Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    )

    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    ref_kind: Mapped[str] = mapped_column(String(40))
    ref_id: Mapped[str] = mapped_column(String(64))
    # The agency (and province, district) owning the referenced record: who may see this delivery besides
    # its recipient. They are its scope.
    __scope_columns__ = ScopeColumns("ref_agency_id", "ref_province", "ref_district")
    ref_agency_id: Mapped[str | None] = mapped_column(String(36), index=True)
    ref_province: Mapped[str | None] = mapped_column(String(100))
    ref_district: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(120))
    severity: Mapped[str] = mapped_column(String(20), default="medium")
    channel: Mapped[str] = mapped_column(String(20))
    # user | agency | unit | webhook | device
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The agency of the recipient (for a user: their agency; for a webhook: the agency that registered it).
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Email address, webhook id, MQTT topic: where the channel sends it.
    address: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_at: Mapped[datetime | None] = mapped_column(default=None)


class Webhook(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """An HTTPS endpoint an agency registered to receive its notifications, signed with its secret."""

    __tablename__ = "notify_webhooks"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))
    # Fernet ciphertext of the signing secret (it must be readable to sign, so it is encrypted, not hashed).
    secret_enc: Mapped[str] = mapped_column(String(400))
    # Topics this endpoint wants (empty: all).
    topics: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class NotificationPreference(TimestampMixin, Base):
    """A user's channels per topic and severity, email address and quiet hours."""

    __tablename__ = "notify_preferences"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # {"stream": {"enabled": true, "min_severity": "info"}, "email": {...}, "mqtt": {...}}
    channels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"poll": ["stream", "mqtt"]}: a topic listed here uses only these channels.
    topics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"start": "22:00", "end": "06:00", "timezone": "Asia/Karachi"} or empty.
    quiet_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The inbox sounds for a critical alert until someone acknowledges it, unless the user muted it.
    alarm_sound: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
