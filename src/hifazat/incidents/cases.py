"""Investigation cases: scoped reads, the list, opening a case on incidents, editing it, closing and
reopening it (the table in `case_stance.py`), each write audited with its timeline line and event.
Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.acting import Stance
from hifazat.auth.models import User
from hifazat.auth.policy import Principal, require, scope
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, forbidden, invalid, not_found
from hifazat.core.pagination import decode_cursor, encode_cursor
from hifazat.incidents import service as incidents
from hifazat.incidents.case_models import Case, CaseIncident, CaseInvestigator, CaseStatus
from hifazat.incidents.case_schemas import CaseIn, CasePatch, CloseIn
from hifazat.incidents.case_stance import ACTION_ROLES, KIND, TRANSITIONS, UPDATE, allowed_moves, stance_for
from hifazat.incidents.case_work_models import CaseEvent
from hifazat.incidents.models import Incident
from hifazat.platform.audit.writes import (
    NO_EVENT,
    audited_action,
    audited_create,
    audited_transition,
    audited_update,
)
from hifazat.platform.outbox import emit

SUBJECT = "cases.changed"


def get_case(
    session: Session, case_id: str, principal: Principal, *, action: str | None = None, lock: bool = False
) -> tuple[Case, Stance]:
    """The case and the caller's stance; 404 when absent or hidden, 403 when `action` is not the caller's.
    A write locks the row on PostgreSQL (of two writes at once, the second sees the first's state)."""
    require(principal, KIND, "read")
    lock = (lock or action is not None) and session.get_bind().dialect.name == "postgresql"
    case = session.get(Case, case_id, with_for_update=True if lock else None)
    if case is None:
        raise not_found("case")
    stance = stance_for(case, principal)
    if stance.view is None:
        raise not_found("case")
    if action is not None and not stance.allows(action):
        how = ", ".join(sorted(stance.relations)) or "no stake"
        raise forbidden(f"only the lead agency's staff write to a case (your stake: {how})")
    return case, stance


def list_cases(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Case], str | None]:
    """Newest first, cursor pages."""
    require(principal, KIND, "read")
    stmt = select(Case).where(scope(Case, KIND, principal))
    if status is not None:
        stmt = stmt.where(Case.status == status)
    if cursor:
        stmt = stmt.where(Case.id < decode_cursor(cursor))
    rows = session.scalars(stmt.order_by(Case.id.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None


def add_event(
    session: Session, case: Case, principal: Principal, kind: str, action: str, *, note: str = "", **data: Any
) -> CaseEvent:
    ev = CaseEvent(
        case_id=case.id,
        at=utcnow(),
        actor_id=principal.user_id,
        actor=principal.username,
        kind=kind,
        action=action,
        note=note,
        data=data,
    )
    session.add(ev)
    return ev


def emit_changed(session: Session, case: Case, change: str) -> None:
    """Queue `cases.changed`: ids, scope and status only (the page reads the rest through the API)."""
    body = {"id": case.id, "status": case.status, "change": change}
    emit(session, SUBJECT, case.scope.on_wire(body))


def staff(session: Session, user_ids: Sequence[str], principal: Principal, field: str) -> list[User]:
    """Users of the caller's agency tree (an investigator or an assignee), else 422 naming the field."""
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(user_ids))))}
    for i, uid in enumerate(user_ids):
        user = users.get(uid)
        if user is None or not (principal.system or user.agency_id in principal.tree):
            raise invalid(f"{field}.{i}" if field.endswith("ids") else field, "no such user in your agency")
    return [users[u] for u in user_ids]


def _incidents(session: Session, ids: list[str], principal: Principal) -> list[Incident]:
    """The incidents to investigate: each visible to the caller in full and in no case yet."""
    out = []
    for i, incident_id in enumerate(ids):
        field = f"incident_ids.{i}"
        try:
            incident, stance = incidents.get_incident(session, incident_id, principal)
        except Problem as exc:
            raise invalid(field, "no such incident visible to you") from exc
        if stance.view is None or stance.view.level != "full":
            raise invalid(field, "no such incident visible to you")
        taken = session.scalar(select(CaseIncident).where(CaseIncident.incident_id == incident.id))
        if taken is not None:
            seen = stance_for(session.get_one(Case, taken.case_id), principal).view is not None
            raise Problem(
                409,
                "Conflict",
                f"incident {incident.id} is already investigated"
                + (f" by case {taken.case_id}" if seen else " by another case"),
                errors=[{"field": field, "reason": "already in a case"}],
                case_id=taken.case_id if seen else None,
            )
        out.append(incident)
    return out


def _set_investigators(session: Session, case: Case, users: list[User], principal: Principal) -> bool:
    old = list(session.scalars(select(CaseInvestigator).where(CaseInvestigator.case_id == case.id)))
    before = sorted(r.user_id for r in old)
    after = sorted(u.id for u in users)
    if before == after:
        return False
    for row in old:
        session.delete(row)
    session.flush()
    for uid in after:
        session.add(CaseInvestigator(case_id=case.id, user_id=uid))
    audited_action(
        session,
        principal=principal,
        action="investigators",
        entity=KIND,
        entity_id=case.id,
        before={"investigators": before},
        after={"investigators": after},
        owner_agency_id=case.agency_id,
    )
    return True


def create(session: Session, data: CaseIn, principal: Principal) -> Case:
    """POST /cases: the caller's agency leads; the case lies where its first incident lies."""
    require(principal, KIND, "write")
    if not principal.has(*ACTION_ROLES[UPDATE]):
        raise forbidden(f"opening a case needs one of the roles: {', '.join(sorted(ACTION_ROLES[UPDATE]))}")
    if principal.agency_id is None:
        raise invalid("agency_id", "a case is led by the caller's agency: this caller has none")
    found = _incidents(session, data.incident_ids, principal)
    users = staff(session, data.investigator_ids, principal, "investigator_ids")
    now = utcnow()
    case = Case(
        agency_id=principal.agency_id,
        province=found[0].province,
        district=found[0].district,
        title=data.title,
        status=CaseStatus.open.value,
        opened_at=now,
        findings=data.findings,
        root_cause=data.root_cause,
        created_by=principal.user_id,
    )
    audited_create(session, case, kind=KIND, principal=principal, subject=NO_EVENT)
    for incident in found:
        session.add(CaseIncident(case_id=case.id, incident_id=incident.id))
    audited_action(
        session,
        principal=principal,
        action="incidents",
        entity=KIND,
        entity_id=case.id,
        after={"incidents": [i.id for i in found]},
        owner_agency_id=case.agency_id,
    )
    _set_investigators(session, case, users, principal)
    add_event(session, case, principal, "case", "created", incident_ids=[i.id for i in found])
    session.flush()
    emit_changed(session, case, "created")
    return case


def update(session: Session, case_id: str, data: CasePatch, principal: Principal) -> Case:
    """PATCH /cases/{id}: an open case's title, findings, root cause and investigators."""
    require(principal, KIND, "write")
    case, _ = get_case(session, case_id, principal, action=UPDATE)
    if case.status != CaseStatus.open:
        raise Problem(
            409,
            "Conflict",
            "a closed case is not edited: reopen it first",
            errors=[{"field": "status", "reason": f"case is {case.status}"}],
        )
    given = data.model_dump(exclude_unset=True)
    changes = {k: v for k, v in given.items() if k != "investigator_ids"}
    for key, value in given.items():
        if value is None:
            raise invalid(
                key, "may not be cleared" + (": give [] for none" if key == "investigator_ids" else "")
            )
    users = (
        staff(session, data.investigator_ids, principal, "investigator_ids") if data.investigator_ids else []
    )
    changed = set(audited_update(session, case, changes, kind=KIND, principal=principal, subject=NO_EVENT))
    if "investigator_ids" in given and _set_investigators(session, case, users, principal):
        changed.add("investigators")
    if changed:
        add_event(session, case, principal, "case", "updated", fields=sorted(changed))
        session.flush()
        emit_changed(session, case, "updated")
    return case


def move(session: Session, case_id: str, action: str, body: CloseIn, principal: Principal) -> Case:
    """close (needs `findings`, here or already on the case) / reopen; 409 naming the allowed moves."""
    require(principal, KIND, "write")
    if not principal.has(*ACTION_ROLES[action]):
        raise forbidden(
            f"{action} on a case needs one of the roles: {', '.join(sorted(ACTION_ROLES[action]))}"
        )
    case, stance = get_case(session, case_id, principal, lock=True)
    current = case.status
    t = TRANSITIONS.get((current, action))
    if t is None:
        allowed = allowed_moves(current)
        raise Problem(
            409,
            "Conflict",
            f"cannot {action} a case that is {current}; allowed now: {', '.join(allowed)}",
            errors=[{"field": "status", "reason": f"case is {current}"}],
            current_state=current,
            allowed_actions=allowed,
        )
    if not stance.allows(action):
        how = ", ".join(sorted(stance.relations)) or "no stake"
        raise forbidden(f"only the lead agency's staff {action} a case (your stake: {how})")
    if t.needs == "findings":
        findings = (body.findings if body.findings is not None else case.findings).strip()
        if not findings:
            raise invalid("findings", "is required to close a case")
        case.findings = findings
        if body.root_cause is not None:
            case.root_cause = body.root_cause
    now = utcnow()
    case.status, case.updated_at = t.to, now
    case.closed_at = now if t.to == CaseStatus.closed else None
    add_event(session, case, principal, "case", action, note=body.note, status=t.to)
    audited_transition(
        session,
        case,
        kind=KIND,
        principal=principal,
        action=action,
        from_status=current,
        to_status=t.to,
        note=body.note or None,
    )
    session.flush()
    emit_changed(session, case, action)
    return case
