"""The incident lifecycle as a declarative transition table: (state, action) -> next state, who may, and
what the move must say.

    reported -> verified -> under_investigation -> closed (with a resolution)
    reported | verified | under_investigation -> dismissed (with a reason)
"""

from __future__ import annotations

from dataclasses import dataclass

from hifazat.incidents.models import IncidentStatus as S

CONTROL_ROOM = frozenset({"admin", "operator"})
REVIEWERS = CONTROL_ROOM | {"analyst"}  # an analyst reviews incoming reports (DESIGN.md, "Who uses it")
INVESTIGATORS = CONTROL_ROOM | {"investigator"}


@dataclass(frozen=True)
class Transition:
    to: str
    roles: frozenset[str]
    needs: str | None = None  # the body field the move must carry (a resolution, a reason)
    closes: bool = False


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.reported, "verify"): Transition(S.verified, REVIEWERS),
    (S.verified, "investigate"): Transition(S.under_investigation, INVESTIGATORS),
    (S.under_investigation, "close"): Transition(S.closed, INVESTIGATORS, needs="resolution", closes=True),
    **{
        (state, "dismiss"): Transition(S.dismissed, REVIEWERS, needs="reason", closes=True)
        for state in (S.reported, S.verified, S.under_investigation)
    },
}
ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))
OPEN_STATES = frozenset({S.reported.value, S.verified.value, S.under_investigation.value})


def allowed_actions(status: str) -> list[str]:
    return sorted(action for (state, action) in TRANSITIONS if state == status)


def lookup(status: str, action: str) -> Transition | None:
    return TRANSITIONS.get((status, action))
