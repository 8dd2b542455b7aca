"""Movements: file a request (every id checked as the caller sees it, the route checked and its districts
computed), read and list them scoped by the policy, move them through the lifecycle. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.models import Agency
from hifazat.auth.policy import Fields, Principal, View, can_write_agency, in_jurisdiction, require
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, forbidden, illegal_move, invalid
from hifazat.core.pagination import paginate
from hifazat.core.scope import Scope, ScopedColumns
from hifazat.movements import evaluation, lifecycle, protocol, route
from hifazat.movements.models import Movement
from hifazat.movements.schemas import ActionIn, MovementIn
from hifazat.personnel.models import Personnel
from hifazat.platform.audit.writes import NO_EVENT, audited_create, audited_transition
from hifazat.platform.outbox import emit
from hifazat.registry.models import Person, Site, Unit, Vehicle

KIND = "movements"
# What a summary view (a sharing agreement at summary level) shows; the rest is withheld.
SUMMARY = frozenset({"id", "agency_id", "province", "district", "status", "districts", "depart_after"})
FIELDS = Fields(KIND, SUMMARY)
SUBJECT = "movements.movement.changed"
# Each id list: the model and the policy kind it is read as (one not visible counts as unknown).
REFS: dict[str, tuple[type[ScopedColumns], str]] = {
    "person_ids": (Person, "persons"),
    "vehicle_ids": (Vehicle, "vehicles"),
    "escort_unit_ids": (Unit, "units"),
    "escort_personnel_ids": (Personnel, "personnel"),
}


def _known(session: Session, model: type[ScopedColumns], kind: str, ident: str, principal: Principal) -> Any:
    try:
        require(principal, kind, "read")
        row, _ = get_visible(session, model, kind, ident, principal)
    except Problem:
        return None
    return row


def _check_refs(session: Session, data: MovementIn, principal: Principal) -> dict[str, Site]:
    for field, (model, kind) in REFS.items():
        ids: list[str] = getattr(data, field)
        if len(set(ids)) != len(ids):
            raise invalid(field, "names an id more than once")
        for ident in ids:
            if _known(session, model, kind, ident, principal) is None:
                raise invalid(field, f"unknown {kind.rstrip('s')} {ident}")
    sites: dict[str, Site] = {}
    for field in ("origin_site_id", "destination_site_id"):
        site = _known(session, Site, "sites", getattr(data, field), principal)
        if site is None:
            raise invalid(field, f"unknown site {getattr(data, field)}")
        sites[field] = site
    if data.origin_site_id == data.destination_site_id:
        raise invalid("destination_site_id", "is the origin itself")
    stray = [v for v in data.convoy.order if v not in data.vehicle_ids]
    if stray:
        raise invalid("convoy", f"order names vehicles not in vehicle_ids: {', '.join(stray)}")
    return sites


def _check_windows(data: MovementIn) -> None:
    if data.depart_before is not None and data.depart_before <= data.depart_after:
        raise invalid("depart_before", "must be after depart_after")
    if data.arrive_by is not None and data.arrive_by <= data.depart_after:
        raise invalid("arrive_by", "must be after depart_after")


def create(session: Session, data: MovementIn, principal: Principal) -> Movement:
    require(principal, KIND, "write")
    owner = data.agency_id or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    agency = session.get(Agency, owner)
    if agency is None or agency.deleted_at is not None:
        raise invalid("agency_id", "no such agency")
    if not can_write_agency(principal, owner):
        raise forbidden("you may only request movements for your own agency or one below it")
    field = "route" if data.route is not None else "waypoints"
    if data.route is None and data.waypoints is None:
        raise invalid("route", "is required (a GeoJSON LineString), or waypoints to build it from")
    try:
        line = route.line_from(data.route, data.waypoints)
    except ValueError as exc:
        raise invalid(field, str(exc)) from exc
    _check_windows(data)
    sites = _check_refs(session, data, principal)
    origin = sites["origin_site_id"]
    values = data.model_dump(mode="python", exclude={"agency_id", "route", "waypoints", "convoy"})
    row = Movement(
        **values,
        agency_id=owner,
        province=origin.province,
        district=origin.district,
        route=line,
        districts=route.districts_crossed(line),
        convoy=data.convoy.model_dump(mode="json"),
        created_by=principal.user_id,
    )
    audited_create(session, row, kind=KIND, principal=principal, subject=NO_EVENT)
    _announce(session, row, "created")
    return row


def _announce(session: Session, row: Movement, change: str) -> None:
    emit(session, SUBJECT, row.scope.on_wire({"id": row.id, "status": row.status, "change": change}))


def get(session: Session, movement_id: str, principal: Principal) -> tuple[Movement, View]:
    require(principal, KIND, "read")
    return get_visible(session, Movement, KIND, movement_id, principal)


def list_rows(
    session: Session, principal: Principal, *, status: str | None, limit: int, cursor: str | None
) -> tuple[Sequence[Movement], str | None]:
    require(principal, KIND, "read")
    stmt = visible_select(Movement, KIND, principal)
    if status is not None:
        stmt = stmt.where(Movement.status == status)
    return paginate(session, stmt, Movement.id, limit, cursor)


def _is_authority(row: Movement, principal: Principal) -> bool:
    """Jurisdiction over a district the route crosses, and not the requesting agency itself (an agency
    above it, the ministry, is an authority over its companies' movements)."""
    if row.agency_id == principal.agency_id:
        return False
    for name in row.districts:
        province, _, district = name.partition(":")
        if in_jurisdiction(Scope(None, province, district), principal.jurisdiction):
            return True
    return False


def may(row: Movement, view: View, principal: Principal, action: str) -> bool:
    t = lifecycle.lookup(row.status, action)
    if t is None or not principal.has(*lifecycle.ROLES[action]):
        return False
    return view.writable if t.by == "requester" else _is_authority(row, principal)


def actions_for(row: Movement, view: View, principal: Principal) -> list[str]:
    return [a for a in lifecycle.allowed_actions(row.status) if may(row, view, principal, a)]


def transition(
    session: Session, movement_id: str, action: str, body: ActionIn, principal: Principal
) -> Movement:
    require(principal, KIND, "write")
    if action not in lifecycle.ACTIONS:
        raise invalid("action", f"must be one of {', '.join(lifecycle.ACTIONS)}", status=404)
    if not principal.has(*lifecycle.ROLES[action]):
        raise forbidden(f"{action} needs one of the roles: {', '.join(sorted(lifecycle.ROLES[action]))}")
    row, view = get(session, movement_id, principal)
    current = row.status
    t = lifecycle.lookup(current, action)
    if t is None:
        allowed = lifecycle.allowed_actions(current)
        raise illegal_move("a movement", action, current, allowed)
    if not may(row, view, principal, action):
        who = "the requesting agency" if t.by == "requester" else "the authorities of the route's districts"
        raise forbidden(f"only {who} may {action} this movement")
    if action == "approve":  # a failing protocol rule blocks approval (the answer carries the evaluation)
        result = evaluation.evaluate(session, row, protocol.default())
        if result["outcome"] == "fail":
            failed = [r for r in result["rules"] if r["outcome"] == "fail"]
            raise Problem(
                409,
                "Conflict",
                "the movement fails the protocol: "
                + "; ".join(f"{r['rule']}: {r['reason']}" for r in failed),
                errors=[{"field": "evaluation", "reason": f"{r['rule']}: {r['reason']}"} for r in failed],
                evaluation=result,
            )
    note = (body.note or "").strip()
    if t.needs_note and not note:
        raise invalid("note", f"is required to {action} a movement")
    if action in ("approve", "reject"):
        row.decision_note = note or None
    row.status, row.updated_at = t.to, utcnow()
    audited_transition(
        session,
        row,
        kind=KIND,
        principal=principal,
        action=action,
        from_status=current,
        to_status=t.to,
        note=note or None,
    )
    session.flush()
    _announce(session, row, action)
    return row


def evaluate(session: Session, movement_id: str, principal: Principal) -> dict[str, Any]:
    """The movement against the default rule set, for anyone who sees it; stores nothing."""
    row, _ = get(session, movement_id, principal)
    return evaluation.evaluate(session, row, protocol.default())


def present(row: Movement, view: View, principal: Principal) -> dict[str, Any]:
    keys = (
        "id",
        "agency_id",
        "province",
        "district",
        "status",
        "person_ids",
        "vehicle_ids",
        "escort_unit_ids",
        "escort_personnel_ids",
        "origin_site_id",
        "destination_site_id",
        "route",
        "districts",
        "purpose",
        "convoy",
        "comms_plan",
        "check_in_interval_min",
        "decision_note",
        "created_by",
    )
    data: dict[str, Any] = {k: getattr(row, k) for k in keys}
    for k in ("depart_after", "depart_before", "arrive_by", "created_at", "updated_at"):
        v = getattr(row, k)
        data[k] = v.isoformat() if v is not None else None
    withheld = set(view.redact) if view.level == "full" else {k for k in data if k not in SUMMARY}
    for k in withheld & set(data):
        data[k] = None
    data["redacted"] = sorted(withheld & set(data))
    data["actions"] = actions_for(row, view, principal)
    data["view"] = view.level
    return data
