"""Incidents: scoped reads, the list with its filters and search, the JSON shapes, casualties, the changed
event. Writes are in `writing.py` and `transitions.py`. Never commits.

Every filter and the search `q` hold only where the caller reads the field in full
(`policy.readable_where`): a summary view answers no question about a field it does not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hifazat.auth.acting import Stance
from hifazat.auth.policy import Fields, Principal, readable_where, require, scope
from hifazat.core.errors import forbidden, not_found
from hifazat.core.like import contains_ci
from hifazat.core.pagination import decode_cursor, encode_cursor
from hifazat.incidents import stance as stances
from hifazat.incidents.events import SUBJECT, SUMMARY, IncidentChanged
from hifazat.incidents.models import Incident, Involved, Outcome
from hifazat.platform.audit.chain import stamp
from hifazat.platform.outbox import emit
from hifazat.platform.stream import StreamRoute

KIND = stances.KIND
STREAM_ROUTE = StreamRoute(SUBJECT, "incident", KIND)
FIELDS = Fields(KIND, frozenset(SUMMARY))  # what a summary view shows; filters and `q` follow it


def get_incident(
    session: Session,
    incident_id: str,
    principal: Principal,
    *,
    action: str | None = None,
    lock: bool = False,
) -> tuple[Incident, Stance]:
    """The incident and the caller's stance; 404 when absent or hidden, 403 when `action` is not the
    caller's. An action (or `lock`) locks the row on PostgreSQL: of two moves at once, one wins and the
    other sees its state."""
    require(principal, KIND, "read")
    lock = (lock or action is not None) and session.get_bind().dialect.name == "postgresql"
    incident = session.get(Incident, incident_id, with_for_update=True if lock else None)
    if incident is None:
        raise not_found("incident")
    stance = stances.stance_for(incident, principal)
    if stance.view is None:
        raise not_found("incident")
    if action is not None and not stance.allows(action):
        how = ", ".join(sorted(stance.relations)) or "no stake"
        raise forbidden(f"your agency's stake in this incident ({how}) and your roles do not allow {action}")
    return incident, stance


def list_incidents(
    session: Session,
    principal: Principal,
    *,
    filters: dict[str, Any],
    q: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Incident], str | None]:
    """Newest first. `filters`: exact matches on columns (type, status, severity, province, district,
    site_id, alert_id); each, and `q` over summary and description, only where the caller reads it."""
    require(principal, KIND, "read")
    stmt = select(Incident).where(scope(Incident, KIND, principal))

    def on(name: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return condition & readable_where(Incident, KIND, principal, name)

    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(on(name, getattr(Incident, name) == value))
    if occurred_from is not None:
        stmt = stmt.where(on("occurred_at", Incident.occurred_at >= occurred_from))
    if occurred_to is not None:
        stmt = stmt.where(on("occurred_at", Incident.occurred_at < occurred_to))
    if q:
        stmt = stmt.where(
            or_(
                on("summary", contains_ci(Incident.summary, q)),
                on("description", contains_ci(Incident.description, q)),
            )
        )
    if cursor:
        stmt = stmt.where(Incident.id < decode_cursor(cursor))
    rows = session.scalars(stmt.order_by(Incident.id.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None


def involved_of(session: Session, incident_ids: Iterable[str]) -> dict[str, list[Involved]]:
    """The people of each incident, in the reporter's order: one query for a whole page."""
    ids = list(dict.fromkeys(incident_ids))
    out: dict[str, list[Involved]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = select(Involved).where(Involved.incident_id.in_(ids)).order_by(Involved.position, Involved.id)
    for row in session.scalars(stmt):
        out[row.incident_id].append(row)
    return out


def casualties(involved: Iterable[Involved]) -> dict[str, dict[str, int]]:
    """Injured and killed per nationality, whatever their role (an attacker killed is a casualty too);
    nationalities with neither are left out."""
    out: dict[str, dict[str, int]] = {}
    for p in involved:
        if p.outcome in (Outcome.injured.value, Outcome.killed.value):
            counts = out.setdefault(p.nationality, {"injured": 0, "killed": 0})
            counts[p.outcome] += 1
    return dict(sorted(out.items()))


def involved_json(p: Involved) -> dict[str, Any]:
    return {
        "id": p.id,
        "role": p.role,
        "person_id": p.person_id,
        "personnel_id": p.personnel_id,
        "name": p.name,
        "nationality": p.nationality,
        "outcome": p.outcome,
        "is_security_personnel": p.is_security_personnel,
    }


_STAMPED = ("occurred_at", "created_at", "updated_at", "closed_at")
_COLUMNS = (
    "id",
    "agency_id",
    "province",
    "district",
    "type",
    "severity",
    "status",
    "summary",
    "description",
    "lat",
    "lon",
    "site_id",
    "alert_id",
    "resolution",
    "dismiss_reason",
    "created_by",
    *_STAMPED,
)


def incident_json(incident: Incident, involved: Iterable[Involved] = ()) -> dict[str, Any]:
    data = {k: getattr(incident, k) for k in _COLUMNS}
    for key in _STAMPED:
        data[key] = stamp(data[key]) if data[key] is not None else None
    people = list(involved)
    data["involved"] = [involved_json(p) for p in people]
    data["casualties"] = casualties(people)
    return data


def present(incident: Incident, stance: Stance, involved: Iterable[Involved]) -> dict[str, Any]:
    """The incident as this caller sees it, with exactly the actions it may take now."""
    view = stance.view
    assert view is not None, "present only what the caller sees"
    data = incident_json(incident, involved)
    data["view"] = view.level
    data["writable"] = view.writable
    data["relations"] = sorted(stance.relations)
    data["actions"] = stances.actions_for(incident, stance)
    if view.level != "full":
        keep = {*SUMMARY, "view", "writable", "relations", "actions"}
        data = {k: (v if k in keep else None) for k, v in data.items()}
    for k in view.redact:
        if k in data:
            data[k] = None
    return data


def present_many(session: Session, rows: Sequence[Incident], principal: Principal) -> list[dict[str, Any]]:
    people = involved_of(session, (r.id for r in rows))
    out = []
    for row in rows:
        stance = stances.stance_for(row, principal)
        if stance.view is not None:
            out.append(present(row, stance, people[row.id]))
    return out


def present_one(session: Session, incident: Incident, stance: Stance) -> dict[str, Any]:
    return present(incident, stance, involved_of(session, [incident.id])[incident.id])


def emit_changed(session: Session, incident: Incident, change: str) -> None:
    """Queue `incidents.changed` (SSE `incident`) in the writing transaction."""
    event = IncidentChanged(incident.scope, incident_json(incident), change)
    emit(session, SUBJECT, event.payload())
