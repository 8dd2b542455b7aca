"""Names instead of ids on alert pages: timeline lines ("Unit SPU-3 → on scene by Ayesha Khan"),
escalation targets ("Agency: Sindh Police / role: operator"), and the alerts and policies an audit entry
names. Every name comes through the labelers (`auth/labels.py`), so it follows the same visibility rules
as the record it names: a user outside the caller's tree is "a user of <agency>"."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts.events import ALERT_SUMMARY
from hifazat.alerts.models import Alert, AlertRule, EscalationPolicy, Poll
from hifazat.auth.labels import Labeler, labels, labels_for, scoped
from hifazat.auth.policy import Principal, View
from hifazat.registry.models import Unit

# How a lifecycle move reads on the timeline; other actions are humanised ("repeated" -> "Repeated").
_DONE = {
    "created": "Raised",
    "acknowledge": "Acknowledged",
    "respond": "Responding",
    "resolve": "Resolved",
    "false_alarm": "Marked a false alarm",
    "reopen": "Reopened",
    "note": "Note",
}


_PLURAL = {"user": "users", "unit": "units", "agency": "agencies"}  # a target's kind -> the labelled kind


def _human(word: str | None) -> str:
    return (word or "").replace("_", " ")


def target_refs(targets: Iterable[dict[str, Any]]) -> list[tuple[str, str | None]]:
    refs: list[tuple[str, str | None]] = []
    for t in targets:
        kind = _PLURAL.get(str(t.get("kind")))
        if kind is not None:
            refs.append((kind, t.get("id")))
        refs.append(("agencies", t.get("agency_id")))
    return refs


def target_label(t: dict[str, Any], names: dict[tuple[str, str], str]) -> str:
    """One escalation target as people read it: "Agency: Sindh Police / role: operator", "user: Name"."""
    kind, ref = t.get("kind"), t.get("id") or ""
    agency = names.get(("agencies", t.get("agency_id") or ""))
    if kind == "role":
        where = f"Agency: {agency}" if agency else "the alert's agency"
        return f"{where} / role: {t.get('role')}"
    if kind == "agency":
        return f"Agency: {names.get(('agencies', ref), 'an agency')}"
    if kind == "user":
        return f"user: {names.get(('users', ref), 'a user')}"
    if kind == "unit":
        return f"unit: {names.get(('units', ref), 'a unit not visible to you')}"
    return _human(str(kind))


def level_labels(session: Session, principal: Principal, levels: list[dict[str, Any]]) -> list[list[str]]:
    """Each level's targets by name (the policy's `levels` keep their ids: they are the contract)."""
    targets = [t for lv in levels for t in lv.get("targets", [])]
    names = labels_for(session, principal, target_refs(targets))
    return [[target_label(t, names) for t in lv.get("targets", [])] for lv in levels]


def _unit_names(session: Session, principal: Principal, ids: set[str]) -> dict[str, str]:
    """Units on the alert by call sign: the page lists them for everyone who reads the alert in full."""
    seen = labels(session, principal, "units", ids)
    rest = ids - set(seen)
    if rest:
        seen.update(
            {i: c for i, c in session.execute(select(Unit.id, Unit.call_sign).where(Unit.id.in_(rest)))}
        )
    return seen


def label_timeline(session: Session, principal: Principal, items: list[dict[str, Any]]) -> None:
    """Add `actor_label`, `unit_label` and `label` (the line as read) to each timeline entry."""
    actors = labels(session, principal, "users", [e["actor_id"] for e in items])
    data = [e["data"] if isinstance(e["data"], dict) else {} for e in items]
    units = _unit_names(session, principal, {str(d["unit_id"]) for d in data if d.get("unit_id")})
    targets = [t for d in data for t in d.get("targets") or [] if isinstance(t, dict)]
    names = labels_for(session, principal, target_refs(targets))
    for e, d in zip(items, data, strict=True):
        who = actors.get(e["actor_id"] or "", e["actor"])
        unit = units.get(str(d.get("unit_id") or ""), d.get("call_sign") or "a unit")
        action = e["action"]
        if action == "assigned":
            line = f"Unit {unit} dispatched by {who}"
        elif action == "unit_status":
            line = f"Unit {unit} → {_human(d.get('to'))} by {who}"
        elif action in ("notified", "escalated"):
            told = ", ".join(target_label(t, names) for t in d.get("targets") or [] if isinstance(t, dict))
            step = "Notified" if action == "notified" else "Escalated"
            line = f"{step} level {d.get('level', '?')}" + (f": {told}" if told else "") + f" by {who}"
        else:
            line = f"{_DONE.get(action, _human(action).capitalize())} by {who}"
        e["actor_label"] = who
        e["unit_label"] = unit if d.get("unit_id") else None
        e["label"] = line


def _alerts(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    from hifazat.alerts.service import view_for  # the service imports this module (its timeline)

    out: dict[str, str] = {}
    for alert in session.scalars(select(Alert).where(Alert.id.in_(list(ids)))):
        view = view_for(session, alert, principal)
        if view is None:
            continue
        titled = view.level == "full" or "title" in ALERT_SUMMARY
        out[alert.id] = (
            alert.title if titled and "title" not in view.redact else f"{_human(alert.kind)} alert"
        )
    return out


def _policies(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    # Policies are their agency tree's (alerts/escalation/policies.py: list and read by the tree).
    rows = session.scalars(
        select(EscalationPolicy).where(
            EscalationPolicy.id.in_(list(ids)), EscalationPolicy.agency_id.in_(principal.tree)
        )
    )
    return {p.id: p.name for p in rows}


def _rules(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    rows = session.scalars(
        select(AlertRule).where(AlertRule.id.in_(list(ids)), AlertRule.agency_id.in_(principal.tree))
    )
    return {r.id: f"rule for {_human(r.event_kind)}" for r in rows}


def _poll(row: Poll, view: View) -> str:
    return row.question[:80]


LABELERS = (
    Labeler("alerts", _alerts),
    Labeler("escalation_policies", _policies),
    Labeler("polls", scoped(Poll, "polls", _poll)),
    Labeler("alert_rules", _rules),
)
