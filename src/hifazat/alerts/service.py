"""Alerts: reads with scope and shares, the JSON shapes, the timeline, explicit shares and the changed
event that raising (`raising.py`) and lifecycle moves (`transitions.py`) write with. Never commits.

Every change appends to the alert's timeline and the audit chain and emits `alerts.changed` through the
outbox in the same transaction, so a 2xx answer means the alert and its event are durable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hifazat.alerts import lifecycle
from hifazat.alerts.events import ALERT_SUBJECT, ALERT_SUMMARY, AlertChanged
from hifazat.alerts.models import Alert, AlertEvent, AlertShare, Assignment
from hifazat.alerts.schemas import AlertOut
from hifazat.auth.policy import (
    Fields,
    Principal,
    View,
    readable_where,
    redacted_outside_tree,
    require,
    scope,
    view_of,
)
from hifazat.core.db import utcnow
from hifazat.core.errors import forbidden, not_found
from hifazat.core.pagination import decode_cursor, encode_cursor
from hifazat.platform.audit.chain import stamp
from hifazat.platform.outbox import emit
from hifazat.platform.stream import StreamRoute

KIND = "alerts"
SUBJECT = ALERT_SUBJECT
SUMMARY = ALERT_SUMMARY
FULL_RW_SHARED = View("full", writable=True)
STREAM_ROUTE = StreamRoute(SUBJECT, "alert", KIND)
FIELDS = Fields(KIND, frozenset(SUMMARY))  # what a summary view shows; filters follow it


# --- reading --------------------------------------------------------------------------------------------


_SHARES = "hifazat_alert_shares"


def shared_with(session: Session, alert_id: str) -> list[str]:
    """Agencies the alert is explicitly shared with; cached per session (every share goes through `share`)."""
    cache: dict[str, list[str]] = session.info.setdefault(_SHARES, {})
    if alert_id not in cache:
        cache[alert_id] = list(
            session.scalars(select(AlertShare.agency_id).where(AlertShare.alert_id == alert_id))
        )
    return list(cache[alert_id])


def alert_scope(principal: Principal) -> ColumnElement[bool]:
    """Alerts the caller may see: policy scope, plus explicit shares to the caller's agency tree."""
    base = scope(Alert, KIND, principal)
    shared = _shared_ids(principal)
    return base if shared is None else or_(base, Alert.id.in_(shared))


def _shared_ids(principal: Principal) -> Any:
    """The ids of alerts explicitly shared with the caller's tree (None: the system, or no tree)."""
    if principal.system or not principal.tree:
        return None
    return select(AlertShare.alert_id).where(AlertShare.agency_id.in_(principal.tree))


def view_for(session: Session, alert: Alert, principal: Principal) -> View | None:
    """Owner tree: full and writable. Shared to the caller (an escalation target): full and writable, so it
    can acknowledge. Jurisdiction and sharing agreements: read only, at their level."""
    view = view_of(alert, KIND, principal)
    if view is not None and view.writable:
        return view
    if principal.tree:
        hit = session.scalar(
            select(AlertShare.id)
            .where(AlertShare.alert_id == alert.id, AlertShare.agency_id.in_(principal.tree))
            .limit(1)
        )
        if hit is not None:
            return FULL_RW_SHARED
    return view


def get_alert(
    session: Session, alert_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[Alert, View]:
    require(principal, KIND, "read")
    if for_write and session.get_bind().dialect.name == "postgresql":
        alert = session.get(Alert, alert_id, with_for_update=True)
    else:
        alert = session.get(Alert, alert_id)
    if alert is None:
        raise not_found("alert")
    view = view_for(session, alert, principal)
    if view is None:
        raise not_found("alert")
    if for_write and not view.writable:
        raise forbidden("this alert belongs to another agency and was not escalated to yours")
    return alert, view


def list_alerts(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Alert], str | None]:
    """Newest first."""
    require(principal, KIND, "read")
    stmt = select(Alert).where(alert_scope(principal))
    shared = _shared_ids(principal)

    def on(name: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """A filter on a field holds only where the caller reads it in full (`view_for`: the policy's
        view, or an explicit share, which shows everything)."""
        readable = readable_where(Alert, KIND, principal, name)
        return condition & (readable if shared is None else or_(readable, Alert.id.in_(shared)))

    if status:
        stmt = stmt.where(on("status", Alert.status == status))
    if kind:
        stmt = stmt.where(on("kind", Alert.kind == kind))
    if severity:
        stmt = stmt.where(on("severity", Alert.severity == severity))
    if open_only:
        stmt = stmt.where(on("status", Alert.status.in_(sorted(lifecycle.OPEN_STATES))))
    if cursor:
        stmt = stmt.where(Alert.id < decode_cursor(cursor))
    rows = session.scalars(stmt.order_by(Alert.id.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None


def assignments_of(session: Session, alert_id: str) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment).where(Assignment.alert_id == alert_id).order_by(Assignment.assigned_at)
        )
    )


def assignment_json(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "unit_id": a.unit_id,
        "status": a.status,
        "distance_m": a.distance_m,
        "assigned_at": stamp(a.assigned_at),
        "assigned_by": a.assigned_by,
        "updated_at": stamp(a.updated_at),
    }


_OUT_FIELDS = tuple(AlertOut.model_fields)


def _typed(kind: type) -> tuple[str, ...]:
    return tuple(
        k for k, f in AlertOut.model_fields.items() if kind in (f.annotation, *get_args(f.annotation))
    )


_OUT_STAMPED, _OUT_FLOATS = _typed(datetime), _typed(float)


def alert_json(
    alert: Alert, *, shares: Iterable[str] = (), assignments: Iterable[Assignment] = ()
) -> dict[str, Any]:
    # AlertOut's fields read straight from the row (every SOS makes this twice: the event and the answer;
    # through the model it was a tenth of the SOS's work). Columns are typed, so nothing needs validating.
    state = alert.__dict__
    data = {k: state[k] if k in state else getattr(alert, k) for k in _OUT_FIELDS}
    for key in _OUT_STAMPED:
        value = data[key]
        data[key] = stamp(value) if value is not None else None
    for key in _OUT_FLOATS:
        value = data[key]
        data[key] = float(value) if value is not None else None
    data["shared_with"] = sorted(shares)
    data["assignments"] = [assignment_json(a) for a in assignments]
    data["actions"] = lifecycle.allowed_actions(alert.status)
    return data


def present(
    session: Session, alert: Alert, view: View, *, assignments: Iterable[Assignment] | None = None
) -> dict[str, Any]:
    assigned = assignments_of(session, alert.id) if assignments is None else assignments
    data = alert_json(alert, shares=shared_with(session, alert.id), assignments=assigned)
    data["view"] = view.level
    data["writable"] = view.writable
    if view.level != "full":
        data = {k: (v if k in SUMMARY or k in ("view", "writable") else None) for k, v in data.items()}
        data["actions"] = []
    for k in view.redact:
        if k in data:
            data[k] = None
    return data


def emit_changed(
    session: Session, alert: Alert, change: str, *, assignments: Iterable[Assignment] | None = None
) -> None:
    """Queue `alerts.changed` (SSE event `alert`) with the alert as JSON, its scope and its shares (so the
    stream shows the alert to escalated-to agencies)."""
    shares = shared_with(session, alert.id)
    assigned = assignments_of(session, alert.id) if assignments is None else assignments
    data = alert_json(alert, shares=shares, assignments=assigned)
    event = AlertChanged(alert.scope, data, change, tuple(shares))
    emit(session, SUBJECT, event.payload())


def add_event(
    session: Session,
    alert: Alert,
    principal: Principal,
    action: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> AlertEvent:
    ev = AlertEvent(
        alert_id=alert.id,
        at=utcnow(),
        actor_id=principal.user_id,
        actor=principal.username,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    session.add(ev)
    return ev


def timeline(session: Session, alert_id: str) -> list[AlertEvent]:
    return list(
        session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.at, AlertEvent.id)
        )
    )


def event_json(e: AlertEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": stamp(e.at),
        "actor": e.actor,
        "actor_id": e.actor_id,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "data": e.data,
    }


def timeline_json(session: Session, alert: Alert, principal: Principal) -> list[dict[str, Any]]:
    """The timeline as the caller reads it. A device report's entries carry the device identifier, a
    credential: only the owner's agency tree (the alert's, as the device's) sees it; others have the name."""
    hide = "identifier" in redacted_outside_tree(principal, "devices", alert.agency_id)
    out = []
    for e in timeline(session, alert.id):
        item = event_json(e)
        if hide and isinstance(item["data"], dict) and "device_identifier" in item["data"]:
            item["data"] = {**item["data"], "device_identifier": None}
        out.append(item)
    return out


def share(session: Session, alert: Alert, agency_ids: Iterable[str], reason: str) -> list[str]:
    """Record explicit shares (idempotent); returns the agencies newly added."""
    have = set(shared_with(session, alert.id)) | {alert.agency_id}
    added = []
    for agency_id in dict.fromkeys(agency_ids):
        if agency_id and agency_id not in have:
            session.add(AlertShare(alert_id=alert.id, agency_id=agency_id, reason=reason[:200]))
            added.append(agency_id)
            have.add(agency_id)
    if added:
        session.info[_SHARES][alert.id].extend(added)
    return added
