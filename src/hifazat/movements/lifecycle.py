"""The movement lifecycle as a transition table: (state, action) -> next state and who may.

    draft -> submitted -> approved -> in_progress -> arrived
    submitted -> rejected (a note says why)
    draft | submitted | approved -> cancelled

`requester`: the requesting agency's tree (its staff); `authority`: staff of an agency whose jurisdiction
covers a district the route crosses (the police of the route, the ministry), never the requesting agency
itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from hifazat.movements.models import MovementStatus as S

STAFF = frozenset({"admin", "operator"})


@dataclass(frozen=True)
class Transition:
    to: str
    by: str  # "requester" or "authority"
    needs_note: bool = False


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.draft, "submit"): Transition(S.submitted, "requester"),
    (S.submitted, "approve"): Transition(S.approved, "authority"),
    (S.submitted, "reject"): Transition(S.rejected, "authority", needs_note=True),
    (S.approved, "start"): Transition(S.in_progress, "requester"),
    (S.in_progress, "arrive"): Transition(S.arrived, "requester"),
    **{
        (state, "cancel"): Transition(S.cancelled, "requester")
        for state in (S.draft, S.submitted, S.approved)
    },
}
ACTIONS = tuple(sorted({a for _, a in TRANSITIONS}))
ROLES = {action: STAFF for action in ACTIONS}
EDITABLE = frozenset({S.draft.value})


def lookup(status: str, action: str) -> Transition | None:
    return TRANSITIONS.get((status, action))


def allowed_actions(status: str) -> list[str]:
    return sorted(a for (s, a) in TRANSITIONS if s == status)
