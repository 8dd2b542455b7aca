"""The chain of custody as a transition table: the item's last step -> the steps that may follow it.

    collected    (the upload)  -> received, handed_over, examined, sealed, returned
    received | handed_over | examined -> received, handed_over, examined, sealed, returned
    sealed       -> handed_over, examined      (a sealed item only moves or is opened for examination)
    returned     -> nothing                    (back with its owner: the chain is closed)

`handed_over` names the new holder (`to_user_id`); `received` makes the actor the holder unless it names
another. `collected` is only ever the first step, recorded by the upload."""

from __future__ import annotations

from enum import StrEnum


class Custody(StrEnum):
    collected = "collected"
    received = "received"
    handed_over = "handed_over"
    examined = "examined"
    sealed = "sealed"
    returned = "returned"


C = Custody
_MOVING = frozenset({C.received, C.handed_over, C.examined, C.sealed, C.returned})
NEXT: dict[str, frozenset[Custody]] = {
    C.collected: _MOVING,
    C.received: _MOVING,
    C.handed_over: _MOVING,
    C.examined: _MOVING,
    C.sealed: frozenset({C.handed_over, C.examined}),
    C.returned: frozenset(),
}
NEEDS_RECIPIENT = frozenset({C.handed_over})


def allowed_after(state: str) -> list[str]:
    return sorted(a.value for a in NEXT.get(state, frozenset()))
