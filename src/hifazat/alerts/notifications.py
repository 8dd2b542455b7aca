"""The bridge to the notify domain: turn escalation targets into notify Recipients and enqueue them.

Alerts sit above notify in the domain order: every level's targets get deliveries written in the alert's
own transaction (its outbox).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.alerts.models import Alert, AlertEvent, AlertStatus
from hifazat.alerts.service import alert_json
from hifazat.auth.policy import Principal
from hifazat.notify import service as notify
from hifazat.notify.schemas import Recipient

log = logging.getLogger("hifazat.alerts.notifications")
REF_KIND = "alert"
TOPIC = "alert"


def recipients_for(targets: list[dict[str, Any]]) -> list[Recipient]:
    cls = Recipient
    out = []
    for t in targets:
        kind = t["kind"]
        if kind == "user":
            out.append(cls(user_id=t["id"]))
        elif kind == "unit":
            out.append(cls(unit_id=t["id"]))
        elif kind == "agency":
            out.append(cls(agency_id=t["id"]))
        elif kind == "role" and t.get("agency_id"):
            out.append(cls(role=t["role"], agency_id=t["agency_id"]))
    return out


def _generation(session: Session, alert: Alert) -> int:
    """How many times a false alarm was reopened: a new round of notifications, with new idempotency keys."""
    return int(
        session.scalar(
            select(func.count(AlertEvent.id)).where(
                AlertEvent.alert_id == alert.id,
                AlertEvent.action == "reopen",
                AlertEvent.to_status == AlertStatus.new.value,
            )
        )
        or 0
    )


def prepare_targets(
    session: Session,
    alert: Alert,
    targets: list[dict[str, Any]],
    *,
    level: int,
    reason: str,
    generation: int | None = None,
) -> Any | None:
    """The read phase of `notify_targets` (no writes); None when there is nothing to notify."""
    if not targets:
        return None

    if generation is None:
        generation = _generation(session, alert)
    key = f"level-{level}" + (f"-round-{generation}" if generation else "")
    payload = alert_json(alert)
    payload["escalation_reason"] = reason
    return notify.prepare(
        session,
        ref_kind=REF_KIND,
        ref_id=alert.id,
        topic=TOPIC,
        payload=payload,
        recipients=recipients_for(targets),
        reason=key,
    )


def write_targets(session: Session, prepared: Any | None, *, claimed: bool = False) -> int:
    """The write phase of `notify_targets`; returns how many deliveries there are (`claimed`: see
    `notify.service.write`)."""
    if prepared is None:
        return 0
    return len(notify.write(session, prepared, claimed=claimed))


def notify_targets(
    session: Session,
    alert: Alert,
    targets: list[dict[str, Any]],
    *,
    level: int,
    reason: str,
    generation: int | None = None,
) -> int:
    """Queue deliveries to the targets of one escalation level; returns how many were written."""
    prepared = prepare_targets(session, alert, targets, level=level, reason=reason, generation=generation)
    return write_targets(session, prepared)


def notify_persons(
    session: Session, *, ref_kind: str, ref_id: str, payload: dict[str, Any], phones: list[str], reason: str
) -> int:
    """Queue messages to persons' phones (polls)."""
    if not phones:
        return 0
    rows = notify.enqueue(
        session,
        ref_kind=ref_kind,
        ref_id=ref_id,
        topic="poll",
        payload=payload,
        recipients=[Recipient(phone=p) for p in dict.fromkeys(phones)],
        reason=reason,
    )
    return len(rows)


def deliveries(session: Session, alert_id: str, principal: Principal) -> list[dict[str, Any]]:
    """The deliveries about an alert, for its page and its API, as this caller may see them (notify hides
    a recipient's target and error text outside the recipient's agency tree)."""
    rows = notify.deliveries_for(session, REF_KIND, alert_id)
    names = notify.recipient_names(session, principal, rows)
    return [notify.delivery_row(d, principal, names) for d in rows]


def alert_visible(session: Session, ref_id: str, principal: Any) -> bool:
    """Whether a caller may see an alert (shares included): notify asks it about an alert's deliveries."""
    from hifazat.alerts.service import view_for  # the service imports this module

    alert = session.get(Alert, ref_id)
    return alert is not None and view_for(session, alert, principal) is not None
