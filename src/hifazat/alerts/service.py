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

from hifazat.alerts import involvement, lifecycle
from hifazat.alerts.events import ALERT_SUBJECT, ALERT_SUMMARY, AlertChanged
from hifazat.alerts.models import Alert, AlertEvent, AlertShare, Assignment, AssignmentStatus
from hifazat.alerts.schemas import AlertOut
from hifazat.auth.access import visible_select
from hifazat.auth.acting import DISPATCH, NOTE, UPDATE_ASSIGNMENT, Stance, alert_stance
from hifazat.auth.policy import Fields, Principal, View, readable_where, redacted_outside_tree, require, scope
from hifazat.core.db import utcnow
from hifazat.core.errors import forbidden, not_found
from hifazat.core.pagination import decode_cursor, encode_cursor
from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.writes import audited_action
from hifazat.platform.outbox import emit
from hifazat.platform.stream import StreamRoute
from hifazat.registry.models import Unit, UnitStatus

KIND = "alerts"
SUBJECT = ALERT_SUBJECT
SUMMARY = ALERT_SUMMARY
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
    """Alerts the caller may see: policy scope, plus those its agency tree has a stake in (shared, assigned,
    guarded: `involvement.clause`)."""
    base = scope(Alert, KIND, principal)
    if principal.system or not principal.tree:
        return base
    return or_(base, involvement.clause(principal))


def stance_for(session: Session, alert: Alert, principal: Principal) -> Stance:
    """How the caller stands to the alert, as the policy decides from its stakeholders (`auth/acting.py`)."""
    inv = involvement.involvement(session, alert, shared_with(session, alert.id))
    return alert_stance(principal, inv, KIND, lambda key: getattr(alert, key, None))


def view_for(session: Session, alert: Alert, principal: Principal) -> View | None:
    return stance_for(session, alert, principal).view


def get_alert(
    session: Session,
    alert_id: str,
    principal: Principal,
    *,
    action: str | None = None,
    for_write: bool = False,
) -> tuple[Alert, Stance]:
    """The alert and the caller's stance; 404 when not visible, 403 when `action` is not the caller's.
    `for_write` (or an action) locks the row on PostgreSQL."""
    require(principal, KIND, "read")
    if (for_write or action is not None) and session.get_bind().dialect.name == "postgresql":
        alert = session.get(Alert, alert_id, with_for_update=True)
    else:
        alert = session.get(Alert, alert_id)
    if alert is None:
        raise not_found("alert")
    stance = stance_for(session, alert, principal)
    if stance.view is None:
        raise not_found("alert")
    if action is not None:
        require_action(stance, action)
    return alert, stance


def require_action(stance: Stance, action: str) -> None:
    if not stance.allows(action):
        how = ", ".join(sorted(stance.relations)) or "no stake"
        raise forbidden(f"your agency's stake in this alert ({how}) and your roles do not allow {action}")


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
    staked = None if principal.system or not principal.tree else involvement.clause(principal)
    base = scope(Alert, KIND, principal)
    stmt = select(Alert).where(base if staked is None else or_(base, staked))

    def on(name: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """A filter on a field holds only where the caller reads it in full: the policy's view, or a
        stake in the alert (shared, assigned, guarding), which shows everything."""
        readable = readable_where(Alert, KIND, principal, name)
        return condition & (readable if staked is None else or_(readable, staked))

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
    # How old the position was when the alert was raised (an SOS without coordinates takes the last fix).
    fixed, raised = data["position_at"], data["created_at"]
    data["position_known"] = data["lat"] is not None
    data["position_age_s"] = (
        max(0, round((raised - fixed).total_seconds())) if fixed is not None and raised is not None else None
    )
    for key in _OUT_STAMPED:
        value = data[key]
        data[key] = stamp(value) if value is not None else None
    for key in _OUT_FLOATS:
        value = data[key]
        data[key] = float(value) if value is not None else None
    data["shared_with"] = sorted(shares)
    data["assignments"] = [assignment_json(a) for a in assignments]
    return data


def present(
    session: Session, alert: Alert, stance: Stance, *, assignments: Iterable[Assignment] | None = None
) -> dict[str, Any]:
    """The alert as this caller sees it, with exactly the actions it may take now (`actions_for`)."""
    view = stance.view
    assert view is not None, "present only what the caller sees"
    assigned = assignments_of(session, alert.id) if assignments is None else list(assignments)
    data = alert_json(alert, shares=shared_with(session, alert.id), assignments=assigned)
    data["view"] = view.level
    data["writable"] = view.writable
    data["relations"] = sorted(stance.relations)
    data["actions"] = actions_for(session, alert, stance, assigned)
    if view.level != "full":
        keep = {*SUMMARY, "view", "writable", "relations", "actions"}
        data = {k: (v if k in keep else None) for k, v in data.items()}
    for k in view.redact:
        if k in data:
            data[k] = None
    return data


def actions_for(
    session: Session, alert: Alert, stance: Stance, assignments: Sequence[Assignment]
) -> list[str]:
    """What the caller may do to the alert now: its stance (relations and roles), the alert's state (the
    transition table), and for dispatch a free unit it may send, for an assignment update one it may move."""
    out = [
        a
        for a in lifecycle.allowed_actions(alert.status)
        if stance.allows(a) and lifecycle.may_take(alert, a, stance.has_role)
    ]
    if stance.allows(DISPATCH) and alert.status in lifecycle.OPEN_STATES and free_units(session, stance):
        out.append(DISPATCH)
    if stance.allows(UPDATE_ASSIGNMENT) and movable(session, stance, assignments):
        out.append(UPDATE_ASSIGNMENT)
    if stance.allows(NOTE):
        out.append(NOTE)
    return out


_FREE = "hifazat_free_units"


def free_units(session: Session, stance: Stance) -> list[str]:
    """Ids of available units the caller may dispatch (any it sees, or its own tree's), once per session
    (`forget_units` after a dispatch changes them)."""
    principal = stance.principal
    key = (principal.user_id, principal.agency_id, stance.any_unit)
    cache: dict[Any, list[str]] = session.info.setdefault(_FREE, {})
    if key not in cache:
        stmt = visible_select(Unit, "units", principal).where(Unit.status == UnitStatus.available.value)
        if not (stance.any_unit or principal.system):
            stmt = stmt.where(Unit.agency_id.in_(principal.tree))
        cache[key] = list(session.scalars(stmt.with_only_columns(Unit.id).order_by(Unit.call_sign)))
    return cache[key]


def forget_units(session: Session) -> None:
    session.info.pop(_FREE, None)


def movable(session: Session, stance: Stance, assignments: Sequence[Assignment]) -> list[Assignment]:
    """The active assignments of the alert whose unit the caller may move."""
    active = [a for a in assignments if a.status in _ACTIVE]
    if not active:
        return []
    rows = session.execute(select(Unit.id, Unit.agency_id).where(Unit.id.in_({a.unit_id for a in active})))
    owners = {unit_id: agency_id for unit_id, agency_id in rows}
    return [a for a in active if stance.may_move_unit(owners.get(a.unit_id))]


_ACTIVE = frozenset({AssignmentStatus.en_route.value, AssignmentStatus.on_scene.value})


def emit_changed(
    session: Session,
    alert: Alert,
    change: str,
    *,
    assignments: Iterable[Assignment] | None = None,
    involved: Iterable[str] | None = None,
) -> None:
    """Queue `alerts.changed` (SSE event `alert`) with the alert as JSON, its scope and its audience: the
    agencies it was shared with and, unless `involved` names them (the SOS lane: none yet; level 0: read
    beforehand), those whose units are assigned to it or guard it, so their dashboards see it live."""
    shares = shared_with(session, alert.id)
    assigned = assignments_of(session, alert.id) if assignments is None else assignments
    data = alert_json(alert, shares=shares, assignments=assigned)
    if involved is None:
        inv = involvement.involvement(session, alert, shares)
        involved = inv.assigned | inv.guards
    audience = tuple(dict.fromkeys([*shares, *involved]))
    event = AlertChanged(alert.scope, data, change, audience)
    emit(session, SUBJECT, event.payload())


def add_note(session: Session, alert: Alert, principal: Principal, note: str) -> AlertEvent:
    """A line on the timeline (and the audit chain) from someone with a stake in the alert."""
    ev = add_event(session, alert, principal, "note", note=note)
    audited_action(
        session, principal=principal, action="note", entity=KIND, entity_id=alert.id, after={"note": note}
    )
    session.flush()
    emit_changed(session, alert, "note")
    return ev


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
