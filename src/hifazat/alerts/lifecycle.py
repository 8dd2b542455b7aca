"""The alert lifecycle as a declarative transition table: (state, action) -> next state and who may do it.

    new -> acknowledged -> responding -> resolved | false_alarm

Reopening: a resolved alert may be reopened (back to acknowledged) by an operator or admin within the
reopen window; a false alarm may be reopened only by an admin, and it starts over as new, escalation and all.
"""

from __future__ import annotations

from dataclasses import dataclass

from hifazat.alerts.models import AlertStatus as S

RESPONDERS = frozenset({"admin", "operator", "responder"})
CONTROL_ROOM = frozenset({"admin", "operator"})
ADMINS = frozenset({"admin"})


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
