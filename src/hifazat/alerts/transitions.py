"""Lifecycle moves of an alert: the transition table (`lifecycle.py`) decides what is allowed; here the
move is made, recorded on the timeline and the audit chain, and escalation and dispatch follow it."""

from datetime import datetime

from sqlalchemy.orm import Session

from hifazat.alerts import dispatch, escalation, lifecycle
from hifazat.alerts.models import Alert, AlertStatus
from hifazat.alerts.service import KIND, add_event, emit_changed, get_alert, require_action
from hifazat.auth.acting import Stance
from hifazat.auth.policy import Principal, require
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, forbidden, illegal_move, invalid
from hifazat.platform.audit.writes import audited_transition


def transition(session: Session, *, alert_id: str, action: str, note: str, principal: Principal) -> Alert:
    require(principal, KIND, "write")
    alert, stance = get_alert(session, alert_id, principal, for_write=True)
    return apply_transition(session, alert, action, note=note, principal=principal, stance=stance)


def apply_transition(
    session: Session,
    alert: Alert,
    action: str,
    *,
    note: str,
    principal: Principal,
    stance: Stance | None = None,
) -> Alert:
    """The move, if the table allows it from the alert's state (else 409) and `stance` (the caller's, as
    the policy decides) allows it (else 403). Without a stance the move follows another the caller was
    allowed (a dispatch acknowledges and responds)."""
    if action not in lifecycle.ACTIONS:
        raise invalid("action", f"must be one of {', '.join(lifecycle.ACTIONS)}")
    current = alert.status
    t = _allowed(alert, action, principal, stance)
    now = utcnow()
    _stamp(alert, t, action, now, principal)
    add_event(session, alert, principal, action, from_status=current, to_status=t.to, note=note)
    audited_transition(
        session,
        alert,
        kind=KIND,
        principal=principal,
        action=action,
        from_status=current,
        to_status=t.to,
        note=note,
    )
    if t.stops_escalation or t.closes:
        escalation.cancel(session, alert)
    if t.closes:
        dispatch.release_all(session, alert, principal)
    if t.restarts_escalation:
        escalation.start(session, alert, principal, now=now)
    session.flush()
    emit_changed(session, alert, action)
    return alert


def _allowed(alert: Alert, action: str, principal: Principal, stance: Stance | None) -> lifecycle.Transition:
    """The transition the table allows from the alert's status, or the 409/403 that says why not."""
    current = alert.status
    t = lifecycle.lookup(current, action)
    if t is None:
        allowed = lifecycle.allowed_actions(current)
        raise illegal_move("an alert", action, current, allowed)
    if stance is not None:
        if not principal.has(*t.roles):
            raise forbidden(f"{action} on an alert needs one of the roles: {', '.join(sorted(t.roles))}")
        require_action(stance, action)
    if action == "reopen" and lifecycle.reopen_window_passed(alert):
        window = get_settings().alerts_reopen_window_s
        raise Problem(
            409,
            "Conflict",
            f"this alert was resolved more than {window} s ago; raise a new alert instead",
            errors=[{"field": "status", "reason": "reopen window has passed"}],
            current_state=current,
            allowed_actions=[],
        )
    return t


def _stamp(alert: Alert, t: lifecycle.Transition, action: str, now: datetime, principal: Principal) -> None:
    """The move itself: the new status and who acknowledged or resolved it, when."""
    alert.status = t.to
    alert.updated_at = now
    if t.to == AlertStatus.acknowledged and alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, principal.username
    if t.closes:
        alert.resolved_at, alert.resolved_by = now, principal.username
    if action == "reopen":
        alert.resolved_at, alert.resolved_by = None, None
        if t.to == AlertStatus.new:
            alert.acknowledged_at, alert.acknowledged_by = None, None
