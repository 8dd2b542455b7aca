"""A licence's lifecycle as a transition table: (status, action) -> next status.

active <-> suspended,  active | suspended -> revoked (final)
"""

from __future__ import annotations

from hifazat.personnel.models import LicenceStatus as S

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.active, "suspend"): S.suspended,
    (S.suspended, "reinstate"): S.active,
    (S.active, "revoke"): S.revoked,
    (S.suspended, "revoke"): S.revoked,
}
ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))


def allowed_actions(status: str) -> list[str]:
    return sorted(action for (state, action) in TRANSITIONS if state == status)


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))
