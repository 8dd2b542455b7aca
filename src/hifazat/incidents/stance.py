"""Who may do what to an incident: the alerts' rule (`auth/acting.py`), applied to an incident's scope.

  owner          the owning agency's tree                        everything: edit, notes, every move
  national       a whole-country jurisdiction (the ops centre)   everything
  jurisdiction   the incident lies in the agency's province      notes and every move (the police of
                 or district                                     the place verify and investigate), no edit
  partner        a sharing agreement covers it                   read at the agreement's level, nothing else

The relations are the policy's (`acting.relations_to`); the caller's roles then narrow each action
(`ACTION_ROLES`), and the incident's state narrows the moves further (`lifecycle.py`).
"""

from __future__ import annotations

from hifazat.auth.acting import Involvement, Relation, Stance, relations_to
from hifazat.auth.policy import Principal, View, view_in
from hifazat.incidents import lifecycle
from hifazat.incidents.models import Incident

KIND = "incidents"
UPDATE, NOTE = "update", "note"
# Who files and edits a report: everyone but the partner's liaison and the auditor (who only read).
WRITERS = frozenset({"admin", "operator", "responder", "investigator", "analyst"})
ACTION_ROLES: dict[str, frozenset[str]] = {
    UPDATE: WRITERS,
    NOTE: WRITERS,
    "verify": lifecycle.REVIEWERS,
    "investigate": lifecycle.INVESTIGATORS,
    "close": lifecycle.INVESTIGATORS,
    "dismiss": lifecycle.REVIEWERS,
}
_EVERYTHING = frozenset(ACTION_ROLES)
RELATION_ACTIONS: dict[Relation, frozenset[str]] = {
    Relation.owner: _EVERYTHING,
    Relation.national: _EVERYTHING,
    Relation.jurisdiction: _EVERYTHING - {UPDATE},
}


def stance_for(incident: Incident, principal: Principal) -> Stance:
    """The caller's stance: its relations, its view (None: the incident is hidden from it) and what it may."""
    relations = relations_to(principal, Involvement(incident.scope)) & set(RELATION_ACTIONS)
    if not relations:
        view = view_in(incident.scope, KIND, principal, lambda key: getattr(incident, key, None))
        if view is None:
            return Stance(principal, frozenset(), None, frozenset(), False)
        partner = View(view.level, view.redact)
        return Stance(principal, frozenset({Relation.partner}), partner, frozenset(), False)
    allowed: set[str] = set()
    for relation in relations:
        allowed |= RELATION_ACTIONS[relation]
    may = frozenset(a for a in allowed if principal.has(*ACTION_ROLES[a]))
    return Stance(principal, frozenset(relations), View("full", writable=UPDATE in may), may, False)


def actions_for(incident: Incident, stance: Stance) -> list[str]:
    """What the caller may do now: the moves the state allows and its stance permits, then edit and note."""
    out = [a for a in lifecycle.allowed_actions(incident.status) if stance.allows(a)]
    if incident.status in lifecycle.OPEN_STATES:
        out += [a for a in (UPDATE, NOTE) if stance.allows(a)]
    elif stance.allows(NOTE):
        out.append(NOTE)
    return out
