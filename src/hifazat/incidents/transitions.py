"""Lifecycle moves and notes of an incident: the table (`lifecycle.py`) decides what the state allows, the
stance (`stance.py`) what the caller may; here the move is made, put on the timeline and the audit chain,
and announced. Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, require
from hifazat.core.db import utcnow
from hifazat.core.errors import forbidden, illegal_move, invalid
from hifazat.incidents import lifecycle, service
from hifazat.incidents.models import Incident, IncidentEvent
from hifazat.incidents.schemas import ActionIn
from hifazat.incidents.service import KIND
from hifazat.incidents.stance import ACTION_ROLES, NOTE
from hifazat.incidents.writing import add_event
from hifazat.platform.audit.writes import audited_action, audited_transition


def transition(
    session: Session, *, incident_id: str, action: str, body: ActionIn, principal: Principal
) -> Incident:
    """The move, if the state allows it (else 409 naming the allowed ones), the caller may (else 403),
    and the body carries what the move needs (else 422: a resolution to close, a reason to dismiss)."""
    require(principal, KIND, "write")
    if not principal.has(*ACTION_ROLES[action]):  # the roles first: no look-up for who may never move one
        raise forbidden(
            f"{action} on an incident needs one of the roles: {', '.join(sorted(ACTION_ROLES[action]))}"
        )
    incident, stance = service.get_incident(session, incident_id, principal, lock=True)
    current = incident.status
    t = lifecycle.lookup(current, action)
    if t is None:
        allowed = lifecycle.allowed_actions(current)
        raise illegal_move("an incident", action, current, allowed)
    if not stance.allows(action):
        how = ", ".join(sorted(stance.relations)) or "no stake"
        raise forbidden(f"your agency's stake in this incident ({how}) and your roles do not allow {action}")
    given = getattr(body, t.needs) if t.needs else None
    if t.needs and not (given or "").strip():
        raise invalid(t.needs, f"is required to {action} an incident")
    if t.needs == "resolution":
        incident.resolution = given
    elif t.needs == "reason":
        incident.dismiss_reason = given
    now = utcnow()
    incident.status, incident.updated_at = t.to, now
    if t.closes:
        incident.closed_at = now
    note = body.note or (given or "")
    add_event(session, incident, principal, action, from_status=current, to_status=t.to, note=note)
    audited_transition(
        session,
        incident,
        kind=KIND,
        principal=principal,
        action=action,
        from_status=current,
        to_status=t.to,
        note=note or None,
    )
    session.flush()
    service.emit_changed(session, incident, action)
    return incident


def add_note(session: Session, incident_id: str, note: str, principal: Principal) -> IncidentEvent:
    """A line on the timeline (and the audit chain) from someone with a stake in the incident."""
    require(principal, KIND, "write")
    incident, _ = service.get_incident(session, incident_id, principal, action=NOTE)
    ev = add_event(session, incident, principal, "note", note=note)
    audited_action(
        session,
        principal=principal,
        action="note",
        entity=KIND,
        entity_id=incident.id,
        after={"note": note},
        owner_agency_id=incident.agency_id,
    )
    session.flush()
    service.emit_changed(session, incident, "note")
    return ev
