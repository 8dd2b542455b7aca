"""The notify domain's events: a notification for a dashboard, a delivery's state.

Frozen dataclasses carrying their scope; `payload()` is the wire dict (outbox, bus, live stream), key for
key as before the events were typed, plus the referenced record's `district` on a delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hifazat.core.scope import Scope
from hifazat.notify.models import Delivery

NOTIFICATION_SUBJECT = "notify.notification"  # SSE event `notification`, to one user (or one agency)
DELIVERY_SUBJECT = "notify.delivery"  # SSE event `delivery`: a delivery's state changed
WAKE_SUBJECT = "notify.enqueued"  # wakes the delivery workers right after commit


def title_of(topic: str, reason: str, payload: dict[str, Any]) -> str:
    title = payload.get("title") or payload.get("summary")
    if title:
        return str(title)[:200]
    kind = payload.get("kind")
    return f"{topic} {kind or ''} {reason}".replace("  ", " ").strip()


@dataclass(frozen=True, slots=True)
class NotificationSent:
    """What a dashboard receives as the SSE `notification` event: to its user (or, without one, to the
    recipient's agency); scoped by the recipient's agency, since the stream shows it to that user only."""

    delivery: Delivery

    @property
    def scope(self) -> Scope:
        return Scope(self.delivery.agency_id)

    def payload(self) -> dict[str, Any]:
        d = self.delivery
        return {
            "id": d.id,
            "agency_id": self.scope.agency_id,
            "user_id": d.user_id,
            "topic": d.topic,
            "reason": d.reason,
            "severity": d.severity,
            "ref_kind": d.ref_kind,
            "ref_id": d.ref_id,
            "title": title_of(d.topic, d.reason, d.payload),
            "data": {k: v for k, v in d.payload.items() if not str(k).startswith("_")},
            "at": d.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class DeliveryChanged:
    """The SSE `delivery` event: a delivery's state, scoped by the record it is about (whoever may see the
    record may see how its notifications went)."""

    delivery: Delivery

    @property
    def scope(self) -> Scope:
        d = self.delivery
        return Scope(d.ref_agency_id or d.agency_id, d.ref_province, d.ref_district)

    def payload(self) -> dict[str, Any]:
        d, where = self.delivery, self.scope
        return {
            "id": d.id,
            "agency_id": where.agency_id,
            "province": where.province,
            "district": where.district,
            "ref_kind": d.ref_kind,
            "ref_id": d.ref_id,
            "channel": d.channel,
            "recipient_kind": d.recipient_kind,
            "recipient_user_id": d.user_id,
            "recipient_agency_id": d.agency_id,
            "status": d.status,
            "attempts": d.attempts,
            "last_error": d.last_error,
        }
