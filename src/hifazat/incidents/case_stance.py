"""Who may do what to a case, and the case's lifecycle as a transition table.

  owner          the lead agency's tree            everything its roles allow: edit, work, close, reopen
  national       a whole-country jurisdiction      reads in full (the ops centre follows every case)
  jurisdiction   the case lies in the agency's     reads in full (the police of the place)
                 province or district
  partner        a sharing agreement names cases   read at the agreement's level, nothing else

Only the lead agency's staff write (issue 19): the case is its investigation. The relations are the
policy's (`acting.relations_to`), as for incidents (`stance.py`).

    open -> closed (with findings) -> open (reopen)
"""

from __future__ import annotations

from dataclasses import dataclass

from hifazat.auth.acting import Involvement, Relation, Stance, relations_to
from hifazat.auth.policy import Principal, View, view_in
from hifazat.incidents.case_models import Case, CaseStatus

KIND = "cases"
UPDATE, WORK = "update", "work"  # edit the case; add and edit its tasks, milestones and actions
CASE_WRITERS = frozenset({"admin", "operator", "investigator"})
REOPENERS = frozenset({"admin", "operator"})  # reopening a closed investigation is the control room's


@dataclass(frozen=True)
class Transition:
    to: str
    roles: frozenset[str]
    needs: str | None = None  # the body field the move must carry


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (CaseStatus.open, "close"): Transition(CaseStatus.closed, CASE_WRITERS, needs="findings"),
    (CaseStatus.closed, "reopen"): Transition(CaseStatus.open, REOPENERS),
}
ACTION_ROLES: dict[str, frozenset[str]] = {
    UPDATE: CASE_WRITERS,
    WORK: CASE_WRITERS,
    "close": CASE_WRITERS,
    "reopen": REOPENERS,
}
_READS = frozenset({Relation.owner, Relation.national, Relation.jurisdiction})


def allowed_moves(status: str) -> list[str]:
    return sorted(action for (state, action) in TRANSITIONS if state == status)


def stance_for(case: Case, principal: Principal) -> Stance:
    """The caller's stance: relations, view (None: hidden) and what it may (the owner's staff only)."""
    relations = relations_to(principal, Involvement(case.scope)) & _READS
    if not relations:
        view = view_in(case.scope, KIND, principal, lambda key: getattr(case, key, None))
        if view is None:
            return Stance(principal, frozenset(), None, frozenset(), False)
        return Stance(
            principal, frozenset({Relation.partner}), View(view.level, view.redact), frozenset(), False
        )
    may: frozenset[str] = frozenset()
    if Relation.owner in relations:
        may = frozenset(a for a, roles in ACTION_ROLES.items() if principal.has(*roles))
    return Stance(principal, frozenset(relations), View("full", writable=UPDATE in may), may, False)


def actions_for(case: Case, stance: Stance) -> list[str]:
    """What the caller may do now: the moves the state allows and its stance permits, then edit and work."""
    out = [a for a in allowed_moves(case.status) if stance.allows(a)]
    if case.status == CaseStatus.open:
        out += [a for a in (UPDATE, WORK) if stance.allows(a)]
    return out
