"""Who may act on an alert, and how: the part of the policy (`policy.py` exposes it) that answers for a
record many agencies have a stake in.

An alert belongs to its owner, and it concerns other agencies too. Each stake is a `Relation`:

  owner          the owning agency's tree                                  everything
  national       a whole-country jurisdiction (the national ops centre)    everything
  jurisdiction   the alert lies in the agency's province or district       acknowledge, dispatch its own
                                                                             units, update their assignments,
                                                                             notes
  shared         the alert was escalated or shared to the agency            as jurisdiction
  assigned       a unit of the agency is assigned to it                     acknowledge, update its own
                                                                             units' assignments, notes
  guard          a unit of the agency guards the site, or the residence    acknowledge, notes
                 of the person, or escorts the person
  partner        a sharing agreement covers it (nationals of an embassy)   read, at the agreement's level

What a relation allows is then narrowed by the caller's roles (`ACTION_ROLES`) and, by the alerts domain,
by the alert's state (its transition table). The alerts domain computes the facts (`Involvement`: who is
assigned, who guards, whom it was shared with); the decision is here and nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hifazat.auth.policy import WHOLE_COUNTRY, Principal, View, in_jurisdiction, view_in
from hifazat.core.scope import Scope


class Relation(enum.StrEnum):
    owner = "owner"
    national = "national"
    jurisdiction = "jurisdiction"
    shared = "shared"
    assigned = "assigned"
    guard = "guard"
    partner = "partner"


LIFECYCLE = ("acknowledge", "respond", "resolve", "false_alarm", "reopen")
DISPATCH, UPDATE_ASSIGNMENT, NOTE = "dispatch", "update_assignment", "note"
ALERT_ACTIONS = (*LIFECYCLE, DISPATCH, UPDATE_ASSIGNMENT, NOTE)

RESPONDERS = frozenset({"admin", "operator", "responder"})
CONTROL_ROOM = frozenset({"admin", "operator"})
ADMINS = frozenset({"admin"})
# Which roles may take each action, wherever their relation allows it. Reopening a false alarm (which
# starts escalation over) is narrower still: the transition table asks for ADMINS there.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "acknowledge": RESPONDERS,
    "respond": RESPONDERS,
    "resolve": CONTROL_ROOM,
    "false_alarm": CONTROL_ROOM,
    "reopen": CONTROL_ROOM,
    DISPATCH: RESPONDERS,
    UPDATE_ASSIGNMENT: RESPONDERS,
    NOTE: RESPONDERS | {"investigator", "analyst"},
}

_EVERYTHING = frozenset(ALERT_ACTIONS)
_CONTROL_ROOM_SHARE = frozenset({"acknowledge", DISPATCH, UPDATE_ASSIGNMENT, NOTE})
RELATION_ACTIONS: dict[Relation, frozenset[str]] = {
    Relation.owner: _EVERYTHING,
    Relation.national: _EVERYTHING,
    Relation.jurisdiction: _CONTROL_ROOM_SHARE,
    Relation.shared: _CONTROL_ROOM_SHARE,
    Relation.assigned: frozenset({"acknowledge", UPDATE_ASSIGNMENT, NOTE}),
    Relation.guard: frozenset({"acknowledge", NOTE}),
    Relation.partner: frozenset(),
}
# Relations whose agency may dispatch (and update) any unit it can see; the others only their own units.
ANY_UNIT = frozenset({Relation.owner, Relation.national})


@dataclass(frozen=True, slots=True)
class Involvement:
    """The facts about one alert that the decision reads: where it is, and who else has a stake."""

    scope: Scope
    shared: frozenset[str] = frozenset()  # agencies it was explicitly shared (escalated) with
    assigned: frozenset[str] = frozenset()  # agencies whose units are assigned to it
    guards: frozenset[str] = frozenset()  # agencies whose units guard its site or its person


@dataclass(frozen=True, slots=True)
class Stance:
    """How one caller stands to one alert: its relations, its view, and what its roles let it do (before
    the alert's state is considered)."""

    principal: Principal
    relations: frozenset[Relation]
    view: View | None
    may: frozenset[str]
    any_unit: bool

    def allows(self, action: str) -> bool:
        return action in self.may

    def may_move_unit(self, unit_agency_id: str | None) -> bool:
        """May dispatch this unit, or change its assignment: any unit it sees, or its own tree's."""
        return self.principal.system or self.any_unit or unit_agency_id in self.principal.tree

    def has_role(self, roles: frozenset[str]) -> bool:
        """Whether the caller holds one of `roles` (a transition's own, narrower than `ACTION_ROLES`)."""
        return self.principal.has(*roles)


def relations_to(principal: Principal, inv: Involvement) -> set[Relation]:
    """Every stake the caller's agency has in the alert (none: it does not see it, or sees only what a
    sharing agreement grants)."""
    if principal.system:
        return {Relation.owner}
    tree = principal.tree
    out: set[Relation] = set()
    if inv.scope.agency_id in tree:
        out.add(Relation.owner)
    if WHOLE_COUNTRY in principal.jurisdiction:
        out.add(Relation.national)
    elif principal.jurisdiction and in_jurisdiction(inv.scope, principal.jurisdiction):
        out.add(Relation.jurisdiction)
    for relation, agencies in (
        (Relation.shared, inv.shared),
        (Relation.assigned, inv.assigned),
        (Relation.guard, inv.guards),
    ):
        if tree & agencies:
            out.add(relation)
    return out


def _roles_allow(principal: Principal, actions: Iterable[str]) -> frozenset[str]:
    return frozenset(a for a in actions if principal.has(*ACTION_ROLES[a]))


def alert_stance(
    principal: Principal, inv: Involvement, kind: str, field: Callable[[str], Any] | None = None
) -> Stance:
    """The caller's stance to an alert. A caller with no relation sees it only through a sharing
    agreement (a partner: the agreement's level, no actions), or not at all."""
    get = field or (lambda _key: None)
    relations = relations_to(principal, inv)
    if not relations:
        view = view_in(inv.scope, kind, principal, get)
        if view is None:
            return Stance(principal, frozenset(), None, frozenset(), False)
        partner = View(view.level, view.redact)
        return Stance(principal, frozenset({Relation.partner}), partner, frozenset(), False)
    allowed: set[str] = set()
    for relation in relations:
        allowed |= RELATION_ACTIONS[relation]
    may = _roles_allow(principal, allowed)
    owner = Relation.owner in relations
    view = View("full", writable=owner or bool(may))
    return Stance(principal, frozenset(relations), view, may, bool(relations & ANY_UNIT))
