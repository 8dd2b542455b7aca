"""An incident's timeline: its own lines (created, edited, each move, notes) and its linked alert's (raised,
acknowledged, dispatched ...), where the caller sees that alert in full; oldest first; as JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts import service as alerts
from hifazat.auth.policy import Principal
from hifazat.core.errors import Problem
from hifazat.incidents.models import Incident, IncidentEvent
from hifazat.platform.audit.chain import stamp

SOURCES = ("incident", "alert")
COLUMNS = ("at", "source", "action", "actor", "from_status", "to_status", "note")


def _own(session: Session, incident: Incident) -> list[dict[str, Any]]:
    stmt = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return [
        {
            "id": e.id,
            "at": stamp(e.at),
            "source": "incident",
            "action": e.action,
            "actor": e.actor,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "note": e.note,
            "data": e.data,
        }
        for e in session.scalars(stmt)
    ]


def _alert(session: Session, incident: Incident, principal: Principal) -> list[dict[str, Any]]:
    """The linked alert's timeline, as the alerts domain shows it to this caller; nothing when the caller
    does not see that alert in full (its existence stays the alerts policy's to reveal)."""
    if incident.alert_id is None:
        return []
    try:
        alert, stance = alerts.get_alert(session, incident.alert_id, principal)
    except Problem:
        return []
    if stance.view is None or stance.view.level != "full":
        return []
    out = []
    for item in alerts.timeline_json(session, alert, principal):
        out.append({**item, "source": "alert", "data": {**(item.get("data") or {}), "alert_id": alert.id}})
        out[-1].pop("actor_id", None)
    return out


def timeline(
    session: Session,
    incident: Incident,
    principal: Principal,
    *,
    source: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    items = [*_own(session, incident), *_alert(session, incident, principal)]
    if source:
        items = [i for i in items if i["source"] == source]
    if action:
        items = [i for i in items if i["action"] == action]
    return sorted(items, key=lambda i: (i["at"], i["source"] != "alert", i["id"]))


def as_csv(items: list[dict[str, Any]]) -> str:
    """One line per entry; cells a spreadsheet would run as a formula are quoted as text."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([_cell(item.get(c)) for c in COLUMNS])
    return buf.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
