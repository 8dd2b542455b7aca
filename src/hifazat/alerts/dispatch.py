"""Dispatch: recommend the nearest available units to an alert, assign them, follow their status.

Unit positions: the last tracked position of the unit (tracking domain) when there is one, otherwise the
centre of its base site. Distance is great-circle (haversine); the candidate set is the units the caller may
see that are available, so a scan in Python is enough (hundreds, not millions).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts.involvement import forget
from hifazat.alerts.models import Alert, AlertStatus, Assignment, AssignmentStatus
from hifazat.alerts.service import add_event, emit_changed, forget_units
from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.acting import Stance
from hifazat.auth.policy import Principal
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, forbidden, invalid, not_found
from hifazat.platform.audit.writes import audited_action, audited_update
from hifazat.registry.models import Site, Unit, UnitStatus
from hifazat.tracking import service as tracking

EARTH_R_M = 6_371_008.8
# Assignment status transitions: (from, to).
UNIT_STEPS = {
    (AssignmentStatus.en_route, AssignmentStatus.on_scene),
    (AssignmentStatus.en_route, AssignmentStatus.clear),
    (AssignmentStatus.on_scene, AssignmentStatus.clear),
}
ACTIVE = (AssignmentStatus.en_route.value, AssignmentStatus.on_scene.value)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_R_M * math.asin(min(1.0, math.sqrt(a)))


def _tracked(session: Session, owner_kind: str, ids: list[str]) -> dict[str, tuple[float, float, Any]]:
    if not ids:
        return {}
    return dict(tracking.last_positions(session, owner_kind=owner_kind, owner_ids=ids))


def unit_positions(session: Session, units: list[Unit]) -> dict[str, tuple[float, float, str]]:
    """unit id -> (lat, lon, source) with source "tracked" or "base"."""
    out: dict[str, tuple[float, float, str]] = {}
    for uid, (lat, lon, _at) in _tracked(session, "unit", [u.id for u in units]).items():
        out[uid] = (float(lat), float(lon), "tracked")
    base_ids = {u.base_site_id for u in units if u.id not in out and u.base_site_id}
    if base_ids:
        sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(base_ids)))}
        for u in units:
            site = sites.get(u.base_site_id or "")
            if u.id not in out and site is not None:
                out[u.id] = (site.center_lat, site.center_lon, "base")
    return out


def recommend(
    session: Session, alert: Alert, principal: Principal, limit: int = 5, *, stance: Stance | None = None
) -> list[dict[str, Any]]:
    """Available units the caller may see (and, with its `stance`, may send), nearest first (units
    without a known position last)."""
    units = [
        u
        for u in session.scalars(
            visible_select(Unit, "units", principal).where(Unit.status == UnitStatus.available.value)
        )
        if stance is None or stance.may_move_unit(u.agency_id)
    ]
    positions = unit_positions(session, units)
    rows = []
    for u in units:
        pos = positions.get(u.id)
        dist = (
            haversine_m(alert.lat, alert.lon, pos[0], pos[1])
            if pos is not None and alert.lat is not None and alert.lon is not None
            else None
        )
        rows.append(
            {
                "unit_id": u.id,
                "call_sign": u.call_sign,
                "kind": u.kind,
                "agency_id": u.agency_id,
                "strength": u.strength,
                "lat": pos[0] if pos else None,
                "lon": pos[1] if pos else None,
                "position_source": pos[2] if pos else None,
                "distance_m": round(dist, 1) if dist is not None else None,
            }
        )
    rows.sort(key=lambda r: (r["distance_m"] is None, r["distance_m"] or 0.0, r["call_sign"]))
    return rows[:limit]


def _set_unit_status(session: Session, unit: Unit, status: str, principal: Principal) -> None:
    if unit.status != status:
        audited_update(session, unit, {"status": status}, kind="units", principal=principal)
        forget_units(session)  # which units are free to send changed


def assign(
    session: Session,
    alert: Alert,
    unit_ids: list[str],
    principal: Principal,
    note: str = "",
    *,
    stance: Stance | None = None,
) -> list[Assignment]:
    """Dispatch units (en route). The alert moves to responding (acknowledging it first if it was new).
    With the caller's `stance`, only units it may send: any it sees, or its own (`auth/acting.py`)."""
    # alerts.service and alerts.transitions import this module (release_all): imported when used.
    from hifazat.alerts.service import add_event, emit_changed
    from hifazat.alerts.transitions import apply_transition

    if alert.status not in (AlertStatus.new, AlertStatus.acknowledged, AlertStatus.responding):
        raise Problem(
            409,
            "Conflict",
            f"cannot assign units to an alert that is {alert.status}",
            errors=[{"field": "status", "reason": f"alert is {alert.status}"}],
            current_state=alert.status,
        )
    units: list[Unit] = []
    for i, uid in enumerate(unit_ids):
        try:
            unit, _ = get_visible(session, Unit, "units", uid, principal)
        except Problem as exc:
            raise invalid(f"unit_ids.{i}", "no such unit visible to you") from exc
        if stance is not None and not stance.may_move_unit(unit.agency_id):
            raise invalid(f"unit_ids.{i}", "not a unit of your agency: you may dispatch your own units")
        busy = session.scalar(
            select(Assignment.id).where(Assignment.unit_id == uid, Assignment.status.in_(ACTIVE)).limit(1)
        )
        if busy is not None or unit.status not in (UnitStatus.available.value, UnitStatus.assigned.value):
            raise Problem(
                409,
                "Conflict",
                f"unit {unit.call_sign} is {unit.status if busy is None else 'already dispatched'}",
                errors=[{"field": f"unit_ids.{i}", "reason": f"unit is {unit.status}"}],
                current_state=unit.status,
            )
        units.append(unit)
    positions = unit_positions(session, units)
    out = []
    now = utcnow()
    for unit in units:
        pos = positions.get(unit.id)
        dist = (
            haversine_m(alert.lat, alert.lon, pos[0], pos[1])
            if pos and alert.lat is not None and alert.lon is not None
            else None
        )
        a = Assignment(
            alert_id=alert.id,
            unit_id=unit.id,
            status=AssignmentStatus.en_route.value,
            distance_m=round(dist, 1) if dist is not None else None,
            assigned_at=now,
            assigned_by=principal.username,
            updated_at=now,
        )
        session.add(a)
        _set_unit_status(session, unit, UnitStatus.responding.value, principal)
        out.append(a)
    session.flush(out)
    forget(session, alert.id)
    forget_units(session)
    for a, unit in zip(out, units, strict=True):
        add_event(
            session,
            alert,
            principal,
            "assigned",
            note=note,
            data={"assignment_id": a.id, "unit_id": unit.id, "call_sign": unit.call_sign},
        )
        audited_action(
            session,
            principal=principal,
            action="assign",
            entity="alerts",
            entity_id=alert.id,
            owner_agency_id=alert.agency_id,
            after={"unit_id": unit.id, "assignment_id": a.id},
        )
    if alert.status == AlertStatus.new:
        apply_transition(session, alert, "acknowledge", note="units dispatched", principal=principal)
    if alert.status == AlertStatus.acknowledged:
        apply_transition(session, alert, "respond", note="units dispatched", principal=principal)
    else:
        emit_changed(session, alert, "assigned")
    return out


def set_status(
    session: Session,
    alert: Alert,
    assignment_id: str,
    status: str,
    principal: Principal,
    *,
    stance: Stance | None = None,
) -> Assignment:
    """Move a unit on through its response; with the caller's `stance`, only a unit it may move."""
    a = session.get(Assignment, assignment_id)
    if a is None or a.alert_id != alert.id:
        raise not_found("assignment")
    if stance is not None:
        owner = session.scalar(select(Unit.agency_id).where(Unit.id == a.unit_id))
        if not stance.may_move_unit(owner):
            raise forbidden("this assignment is another agency's unit: you may update your own units")
    if (a.status, status) not in UNIT_STEPS:
        raise Problem(
            409,
            "Conflict",
            f"a unit that is {a.status} cannot become {status}",
            errors=[{"field": "status", "reason": f"assignment is {a.status}"}],
            current_state=a.status,
        )
    before = a.status
    a.status = status
    a.updated_at = utcnow()
    unit = session.get(Unit, a.unit_id)
    if status == AssignmentStatus.clear and unit is not None:
        _release_unit(session, unit, a.id, principal)
    add_event(
        session,
        alert,
        principal,
        "unit_status",
        data={"assignment_id": a.id, "unit_id": a.unit_id, "from": before, "to": status},
    )
    audited_action(
        session,
        principal=principal,
        action="unit_status",
        entity="alerts",
        entity_id=alert.id,
        owner_agency_id=alert.agency_id,
        before={"assignment_id": a.id, "status": before},
        after={"assignment_id": a.id, "status": status},
    )
    session.flush()
    emit_changed(session, alert, "unit_status")
    return a


def _release_unit(session: Session, unit: Unit, except_assignment: str, principal: Principal) -> None:
    other = session.scalar(
        select(Assignment.id)
        .where(
            Assignment.unit_id == unit.id, Assignment.status.in_(ACTIVE), Assignment.id != except_assignment
        )
        .limit(1)
    )
    if other is None and unit.status == UnitStatus.responding.value:
        _set_unit_status(session, unit, UnitStatus.available.value, principal)


def release_all(session: Session, alert: Alert, principal: Principal) -> None:
    """The alert closed: every unit still on it is clear and, unless busy elsewhere, available again."""
    rows = session.scalars(
        select(Assignment).where(Assignment.alert_id == alert.id, Assignment.status.in_(ACTIVE))
    ).all()
    for a in rows:
        a.status = AssignmentStatus.clear.value
        a.updated_at = utcnow()
        unit = session.get(Unit, a.unit_id)
        if unit is not None:
            _release_unit(session, unit, a.id, principal)
