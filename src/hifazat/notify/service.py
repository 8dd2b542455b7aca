"""Notification service: enqueue deliveries in the caller's transaction and read their state; preferences
(`preferences.py`) and webhook registrations (`webhooks.py`) are re-exported. Plain functions with an
explicit session; they never commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, system_actor, view_in
from hifazat.config import get_settings
from hifazat.core.db import new_id, utcnow
from hifazat.core.errors import invalid
from hifazat.notify.events import (
    DELIVERY_SUBJECT,
    NOTIFICATION_SUBJECT,
    WAKE_SUBJECT,
    DeliveryChanged,
    NotificationSent,
)
from hifazat.notify.models import Channel, Delivery, DeliveryStatus, move
from hifazat.notify.preferences import (
    PREFS_KIND,
    alarm_sound,
    get_preferences,
    present_preferences,
    set_preferences,
)
from hifazat.notify.presentation import delivery_row, present_delivery, recipient_names
from hifazat.notify.recipients import Target, resolve
from hifazat.notify.schemas import (
    Recipient,
)
from hifazat.notify.webhooks import (
    HOOK_SECRET,
    WEBHOOK_READ,
    WEBHOOK_WRITE,
    create_webhook,
    delete_webhook,
    get_webhook,
    list_webhooks,
    update_webhook,
    webhook_secret,
)
from hifazat.platform.audit.writes import (
    audited_action,
)
from hifazat.platform.composition import ExtensionPoint, current
from hifazat.platform.outbox import emit

log = logging.getLogger("hifazat.notify")

__all__ = [
    "HOOK_SECRET",
    "PREFS_KIND",
    "WEBHOOK_READ",
    "WEBHOOK_WRITE",
    "Recipient",
    "alarm_sound",
    "create_webhook",
    "delete_webhook",
    "deliveries_for",
    "delivery_row",
    "enqueue",
    "get_preferences",
    "get_webhook",
    "list_webhooks",
    "present_delivery",
    "present_preferences",
    "recipient_names",
    "set_preferences",
    "update_webhook",
    "webhook_secret",
]


# ref_kind -> fn(session, ref_id, principal) -> bool: may the caller see the referenced record?
RefVisibility = Callable[[Session, str, Principal], bool]
# A domain (alerts) contributes (ref_kind, fn) in its `Domain`: whether a caller may see one of its records.
REF_VISIBILITY: ExtensionPoint[tuple[str, RefVisibility]] = ExtensionPoint("notify.ref_visibility")


def idempotency_key(ref_kind: str, ref_id: str, reason: str, target: Target) -> str:
    return f"{ref_kind}:{ref_id}:{reason}:{target.recipient_kind}:{target.recipient_id}:{target.channel}"


_PART_MAX = {"ref_kind": 40, "ref_id": 64, "topic": 60, "reason": 120}


def _check_part(field: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise invalid(field, "must be a non-empty string")
    limit = _PART_MAX[field]
    if len(value) > limit or any(c.isspace() for c in value):
        raise invalid(field, f"must be at most {limit} characters without spaces")


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise invalid("payload", "must be a JSON object")
    try:
        out = orjson.loads(orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS))
    except TypeError as exc:
        raise invalid("payload", f"must be JSON-serialisable ({exc})") from exc
    if not isinstance(out, dict):  # pragma: no cover - orjson of a dict is a dict
        raise invalid("payload", "must be a JSON object")
    return out


def notification_payload(d: Delivery) -> dict[str, Any]:
    """What a dashboard receives as the SSE `notification` event (filtered per user by the stream)."""
    return NotificationSent(d).payload()


def delivery_event(d: Delivery) -> dict[str, Any]:
    """The SSE `delivery` event: a delivery's state, visible to whoever may see the referenced record."""
    return DeliveryChanged(d).payload()


@dataclass
class Prepared:
    """An enqueue's read phase: who gets what; `write` makes the rows, possibly in a later transaction."""

    ref_kind: str
    ref_id: str
    topic: str
    reason: str
    data: dict[str, Any]
    severity: str
    now: datetime
    max_attempts: int
    by_key: dict[str, Target]
    existing: dict[str, Delivery] = field(default_factory=dict)


def prepare(
    session: Session,
    *,
    ref_kind: str,
    ref_id: str,
    topic: str,
    payload: dict[str, Any],
    recipients: Sequence[Recipient],
    reason: str,
) -> Prepared:
    """The read phase of `enqueue`: check the input, resolve recipients, find deliveries already written.

    It writes nothing, so it may run in a read-only transaction before the writing one (the escalation
    loop does, to hold the write lock only while writing)."""
    for field_, value in (("ref_kind", ref_kind), ("ref_id", ref_id), ("topic", topic), ("reason", reason)):
        _check_part(field_, value)
    data = _jsonable(payload)
    for r in recipients:
        if not isinstance(r, Recipient):
            raise invalid("recipients", "must be Recipient values")
    settings = get_settings()
    now = utcnow()
    severity = str(data.get("severity") or "medium").lower()
    targets = resolve(session, recipients, topic=topic, severity=severity, now=now, settings=settings)
    by_key = {idempotency_key(ref_kind, ref_id, reason, t): t for t in targets}
    prepared = Prepared(
        ref_kind, ref_id, topic, reason, data, severity, now, settings.notify_max_attempts, by_key
    )
    if by_key:
        prepared.existing = {
            d.idempotency_key: d
            for d in session.scalars(select(Delivery).where(Delivery.idempotency_key.in_(list(by_key))))
        }
    return prepared


def write(session: Session, p: Prepared, *, claimed: bool = False) -> list[Delivery]:
    """The write phase of `enqueue`: the deliveries not written yet, their events and one audit entry.

    `claimed`: the caller holds an exclusive claim on these keys (escalation level 0, claimed once across
    workers), so no concurrent enqueue can race it: the deliveries are left pending in the session for
    its `db.insert_pending`, without a savepoint and a flush of their own."""
    if not p.by_key:
        return []
    existing = dict(p.existing)
    ref_agency = p.data.get("agency_id")
    ref_province = p.data.get("province")
    ref_district = p.data.get("district")
    now = p.now
    fresh: list[Delivery] = []
    for key, t in p.by_key.items():
        if key in existing:
            continue
        d = Delivery(
            id=new_id(),
            idempotency_key=key,
            ref_kind=p.ref_kind,
            ref_id=p.ref_id,
            ref_agency_id=str(ref_agency) if ref_agency else t.agency_id,
            ref_province=str(ref_province)[:100] if ref_province else None,
            ref_district=str(ref_district)[:100] if ref_district else None,
            topic=p.topic,
            reason=p.reason,
            severity=p.severity[:20],
            channel=t.channel,
            recipient_kind=t.recipient_kind,
            recipient_id=t.recipient_id,
            user_id=t.user_id,
            agency_id=t.agency_id,
            address=t.address[:500],
            payload=p.data,
            status=DeliveryStatus.pending.value,
            attempts=0,
            max_attempts=p.max_attempts,
            next_attempt_at=t.hold_until or now,
            created_at=now,
            updated_at=now,
        )
        if t.channel == Channel.stream:  # published in this transaction: delivered as it is written
            move(d, DeliveryStatus.delivered)
            d.attempts = 1
            d.last_attempt_at = d.delivered_at = now
        fresh.append(d)
    if fresh and claimed:
        session.add_all(fresh)
    elif fresh:
        try:
            with session.begin_nested():
                session.add_all(fresh)
                session.flush(fresh)
        except IntegrityError:
            # A concurrent transaction enqueued some of the same keys first: theirs stand, ours are no-ops.
            log.info(
                "concurrent enqueue of the same deliveries; keeping the first",
                extra={"ref_id": p.ref_id},
            )
            keys = [d.idempotency_key for d in fresh]
            fresh = []
            again = session.scalars(select(Delivery).where(Delivery.idempotency_key.in_(keys))).all()
            existing.update({d.idempotency_key: d for d in again})
    for d in fresh:
        if d.channel == Channel.stream:
            emit(session, NOTIFICATION_SUBJECT, notification_payload(d))
        else:
            emit(session, DELIVERY_SUBJECT, delivery_event(d))  # the alert page shows it pending
    if any(d.channel != Channel.stream for d in fresh):
        emit(session, WAKE_SUBJECT, {"id": new_id(), "agency_id": None, "count": len(fresh)})
    if fresh:
        audited_action(
            session,
            principal=system_actor("notify", str(ref_agency) if ref_agency else None),
            action="enqueue",
            entity="deliveries",
            entity_id=p.ref_id,
            after={
                "ref_kind": p.ref_kind,
                "topic": p.topic,
                "reason": p.reason,
                "deliveries": [[d.id, d.channel, d.recipient_kind, d.recipient_id] for d in fresh],
            },
            insert=not claimed,  # claimed: pending with the rest, and its chain-head read flushes nothing
        )
    fresh_by_key = {d.idempotency_key: d for d in fresh}
    return [fresh_by_key.get(k) or existing[k] for k in p.by_key if k in fresh_by_key or k in existing]


def enqueue(
    session: Session,
    *,
    ref_kind: str,
    ref_id: str,
    topic: str,
    payload: dict[str, Any],
    recipients: Sequence[Recipient],
    reason: str,
) -> list[Delivery]:
    """Write one Delivery per resolved recipient and channel in the caller's transaction (the outbox).

    Enqueueing the same (ref, reason, recipients) twice is a no-op: each delivery's idempotency key is
    unique, and the existing rows are returned. Stream deliveries are published through the event outbox
    in this same transaction and count as delivered; the other channels are sent by the delivery worker.
    """
    p = prepare(
        session,
        ref_kind=ref_kind,
        ref_id=ref_id,
        topic=topic,
        payload=payload,
        recipients=recipients,
        reason=reason,
    )
    return write(session, p)


def deliveries_for(session: Session, ref_kind: str, ref_id: str) -> list[Delivery]:
    """Every delivery about one record, oldest first (for the alert page)."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.ref_kind == ref_kind, Delivery.ref_id == ref_id)
            .order_by(Delivery.created_at, Delivery.id)
        )
    )


def may_see_ref(session: Session, principal: Principal, d: Delivery) -> bool:
    fn = current().derived(REF_VISIBILITY, dict).get(d.ref_kind)
    if fn is not None:
        return bool(fn(session, d.ref_id, principal))
    # The delivery's scope is the referenced record's; the record's other fields are not stored with it.
    return view_in(d.scope, d.ref_kind + "s", principal) is not None


def visible_deliveries(session: Session, principal: Principal, ref_kind: str, ref_id: str) -> list[Delivery]:
    """Deliveries about a record: all of them if the caller may see the record, else only their own."""
    rows = deliveries_for(session, ref_kind, ref_id)
    if not rows:
        return []
    if principal.system or may_see_ref(session, principal, rows[0]):
        return rows
    return [d for d in rows if d.user_id is not None and d.user_id == principal.user_id]


def my_deliveries(session: Session, principal: Principal, limit: int = 100) -> list[Delivery]:
    if principal.user_id is None:
        return []
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.user_id == principal.user_id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
            .limit(limit)
        )
    )
