"""The alert lifecycle as a declarative transition table: (state, action) -> next state and who may do it.

    new -> acknowledged -> responding -> resolved | false_alarm

Reopening: a resolved alert may be reopened (back to acknowledged) by an operator or admin within the
reopen window; a false alarm may be reopened only by an admin, and it starts over as new, escalation and all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from hifazat.alerts.models import Alert
from hifazat.alerts.models import AlertStatus as S
from hifazat.auth.acting import ADMINS, CONTROL_ROOM, RESPONDERS
from hifazat.config import get_settings
from hifazat.core.db import utcnow

# The roles come from the policy (`auth/acting.py`), which also decides which agencies may take each
# action; a row's roles only narrow it further (reopening a false alarm: admins).


@dataclass(frozen=True)
class Transition:
    to: str
    roles: frozenset[str]
    stops_escalation: bool = False
    restarts_escalation: bool = False
    closes: bool = False


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.new, "acknowledge"): Transition(S.acknowledged, RESPONDERS, stops_escalation=True),
    (S.new, "false_alarm"): Transition(S.false_alarm, CONTROL_ROOM, stops_escalation=True, closes=True),
    (S.acknowledged, "respond"): Transition(S.responding, RESPONDERS),
    (S.acknowledged, "resolve"): Transition(S.resolved, CONTROL_ROOM, closes=True),
    (S.acknowledged, "false_alarm"): Transition(S.false_alarm, CONTROL_ROOM, closes=True),
    (S.responding, "resolve"): Transition(S.resolved, CONTROL_ROOM, closes=True),
    (S.responding, "false_alarm"): Transition(S.false_alarm, CONTROL_ROOM, closes=True),
    (S.resolved, "reopen"): Transition(S.acknowledged, CONTROL_ROOM),
    (S.false_alarm, "reopen"): Transition(S.new, ADMINS, restarts_escalation=True),
}
ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))
OPEN_STATES = frozenset({S.new.value, S.acknowledged.value, S.responding.value})
CLOSED_STATES = frozenset({S.resolved.value, S.false_alarm.value})


def allowed_actions(status: str) -> list[str]:
    return sorted(action for (state, action) in TRANSITIONS if state == status)


def lookup(status: str, action: str) -> Transition | None:
    return TRANSITIONS.get((status, action))


def reopen_window_passed(alert: Alert) -> bool:
    """A resolved alert reopens only within the window; after it, a new alert is raised instead."""
    if alert.status != S.resolved.value or alert.resolved_at is None:
        return False
    window = timedelta(seconds=get_settings().alerts_reopen_window_s)
    return utcnow() - alert.resolved_at > window


def may_take(alert: Alert, action: str, has_role: Callable[[frozenset[str]], bool]) -> bool:
    """Whether the table lets a caller with these roles take `action` from the alert's state now."""
    t = lookup(alert.status, action)
    if t is None or not has_role(t.roles):
        return False
    return not (action == "reopen" and reopen_window_passed(alert))
