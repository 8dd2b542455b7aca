"""Rules turning tracking events into alerts: event kind -> severity (or none), and a suppression window.

An agency's own rule wins, then its parent's (up the tree), then the built-in default below. Within the
suppression window a repeat of the same kind for the same subject (person, user or device) does not raise a
new alert: the open alert counts the repeat and its timeline says so, so one fault does not page ten times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts import lifecycle
from hifazat.alerts.escalation.policies import ancestors
from hifazat.alerts.models import Alert, AlertRule
from hifazat.alerts.schemas import RuleIn
from hifazat.alerts.service import add_event, emit_changed
from hifazat.auth.policy import Principal, can_write_agency, require, system_actor
from hifazat.core.errors import invalid
from hifazat.platform.audit.writes import NO_EVENT, audited_create, audited_update

EVENT_KINDS = (
    "sos",
    "red_zone_entry",
    "unaccompanied",
    "device_stale",
    "low_battery",
    "zone_enter",
    "zone_exit",
)


@dataclass(frozen=True)
class Rule:
    event_kind: str
    severity: str | None
    suppress_s: int
    enabled: bool = True
    agency_id: str | None = None  # None: built-in


DEFAULTS: dict[str, Rule] = {
    "sos": Rule("sos", "critical", 60),
    "red_zone_entry": Rule("red_zone_entry", "high", 600),
    "unaccompanied": Rule("unaccompanied", "high", 600),
    "device_stale": Rule("device_stale", "low", 1800),
    "low_battery": Rule("low_battery", "low", 3600),
    "zone_enter": Rule("zone_enter", None, 0),
    "zone_exit": Rule("zone_exit", None, 0),
}


def rule_for(session: Session, agency_id: str | None, event_kind: str) -> Rule | None:
    chain = ancestors(session, agency_id) if agency_id else []
    if chain:
        rows = {
            r.agency_id: r
            for r in session.scalars(
                select(AlertRule).where(AlertRule.agency_id.in_(chain), AlertRule.event_kind == event_kind)
            )
        }
        for aid in chain:
            r = rows.get(aid)
            if r is not None:
                return Rule(r.event_kind, r.severity, r.suppress_s, r.enabled, r.agency_id)
    return DEFAULTS.get(event_kind)


def effective_rules(session: Session, agency_id: str) -> list[dict[str, Any]]:
    out = []
    for kind in EVENT_KINDS:
        r = rule_for(session, agency_id, kind)
        if r is not None:
            out.append(
                {
                    "event_kind": kind,
                    "severity": r.severity,
                    "suppress_s": r.suppress_s,
                    "enabled": r.enabled,
                    "defined_by": r.agency_id or "built-in",
                }
            )
    return out


def put_rule(session: Session, event_kind: str, data: RuleIn, principal: Principal) -> AlertRule:
    require(principal, "alert_rules", "write")
    if event_kind not in EVENT_KINDS:
        raise invalid("event_kind", f"must be one of {', '.join(EVENT_KINDS)}")
    owner = data.agency_id or principal.agency_id
    if owner is None or not can_write_agency(principal, owner):
        raise invalid("agency_id", "you may only set rules for your own agency or one below it")
    row = session.scalar(
        select(AlertRule).where(AlertRule.agency_id == owner, AlertRule.event_kind == event_kind)
    )
    values = {
        "severity": data.severity.value if data.severity else None,
        "suppress_s": data.suppress_s,
        "enabled": data.enabled,
    }
    if row is None:
        row = AlertRule(agency_id=owner, event_kind=event_kind, **values)
        audited_create(session, row, kind="alert_rules", principal=principal, subject=NO_EVENT)
    else:
        audited_update(session, row, values, kind="alert_rules", principal=principal, subject=NO_EVENT)
    return row


def subject_key(kind: str, owner_kind: str | None, owner_id: str | None, device_id: str | None) -> str:
    if owner_kind and owner_id:
        return f"{kind}:{owner_kind}:{owner_id}"
    return f"{kind}:device:{device_id}"


def suppressing_alert(session: Session, dedupe_key: str, at: datetime, window_s: int) -> Alert | None:
    """The open alert a repeat within the window folds into, if any."""
    if window_s <= 0:
        return None
    q = (
        select(Alert)
        .where(
            Alert.dedupe_key == dedupe_key,
            Alert.last_seen_at >= at - timedelta(seconds=window_s),
            Alert.status.in_(sorted(lifecycle.OPEN_STATES)),
        )
        .order_by(Alert.last_seen_at.desc())
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return session.scalar(q)


def fold_repeat(session: Session, alert: Alert, at: datetime, data: dict[str, Any]) -> None:

    alert.repeat_count += 1
    alert.last_seen_at = at
    alert.updated_at = at
    if data.get("lat") is not None and data.get("lon") is not None:
        alert.lat, alert.lon = data["lat"], data["lon"]
    add_event(
        session,
        alert,
        system_actor(data.get("source", "tracking")),
        "repeated",
        note=f"repeat {alert.repeat_count} suppressed (same subject within the window)",
        data=data,
    )
    session.flush()
    emit_changed(session, alert, "repeated")
