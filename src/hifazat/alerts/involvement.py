"""The facts the policy's alert decision reads (`auth/acting.py`): who, besides its owner and the
jurisdictions it lies in, has a stake in an alert. Read here, decided there.

* assigned: the agencies whose units are dispatched to it;
* guards: the agencies whose units are based at its site or at the residence of its person, or escort
  its person (an active escort assignment);
* shared: the agencies it was escalated or shared to.

`involvement` answers for one alert (cached per session, cleared when a dispatch changes it); `clause`
is the same rule as SQL, so lists and pages count only what the caller may see.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from hifazat.alerts.models import Alert, AlertShare, Assignment
from hifazat.auth.acting import Involvement
from hifazat.auth.policy import Principal
from hifazat.registry.models import Person, Unit
from hifazat.tracking.models import EscortAssignment

_CACHE = "hifazat_alert_involvement"


def _units_of(tree: Iterable[str]) -> ColumnElement[bool]:
    return Unit.agency_id.in_(list(tree)) & Unit.deleted_at.is_(None)


def _guard_agencies(session: Session, alert: Alert) -> frozenset[str]:
    """Agencies whose units guard the alert's site or its person's residence, or escort its person."""
    sites = [s for s in (alert.site_id,) if s]
    if alert.person_id:
        residence = session.scalar(select(Person.residence_site_id).where(Person.id == alert.person_id))
        if residence:
            sites.append(residence)
    where: list[ColumnElement[bool]] = []
    if sites:
        where.append(Unit.base_site_id.in_(sites))
    if alert.person_id:
        escorting = select(EscortAssignment.unit_id).where(
            EscortAssignment.person_id == alert.person_id,
            EscortAssignment.active.is_(True),
            EscortAssignment.deleted_at.is_(None),
        )
        where.append(Unit.id.in_(escorting))
    if not where:
        return frozenset()
    rows = session.scalars(select(Unit.agency_id).where(Unit.deleted_at.is_(None), or_(*where)))
    return frozenset(rows)


def _assigned_agencies(session: Session, alert_id: str) -> frozenset[str]:
    rows = session.scalars(
        select(Unit.agency_id)
        .join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.alert_id == alert_id)
    )
    return frozenset(rows)


def involvement(session: Session, alert: Alert, shares: Iterable[str]) -> Involvement:
    """The alert's stakeholders (its explicit `shares` given by the caller, which caches them)."""
    cache: dict[str, tuple[frozenset[str], frozenset[str]]] = session.info.setdefault(_CACHE, {})
    if alert.id not in cache:
        cache[alert.id] = (_assigned_agencies(session, alert.id), _guard_agencies(session, alert))
    assigned, guards = cache[alert.id]
    return Involvement(alert.scope, frozenset(shares), assigned, guards)


def fresh_involvement(alert: Alert, shares: Iterable[str]) -> Involvement:
    """A just-raised alert's: no units assigned yet, guards not looked up (the SOS lane's answer, whose
    caller is its owner or shared with already, which covers whatever guarding would add)."""
    return Involvement(alert.scope, frozenset(shares))


def forget(session: Session, alert_id: str) -> None:
    """A dispatch changed who is assigned: the next read looks again."""
    session.info.get(_CACHE, {}).pop(alert_id, None)


def clause(principal: Principal) -> ColumnElement[bool]:
    """Alerts shared with, assigned to, or guarded by the caller's agency tree, as SQL."""
    if not principal.tree:
        return false()
    tree = list(principal.tree)
    shared = select(AlertShare.alert_id).where(AlertShare.agency_id.in_(tree))
    assigned = select(Assignment.alert_id).join(Unit, Unit.id == Assignment.unit_id).where(_units_of(tree))
    guarded_sites = select(Unit.base_site_id).where(_units_of(tree), Unit.base_site_id.is_not(None))
    residents = select(Person.id).where(Person.residence_site_id.in_(guarded_sites))
    escorted = (
        select(EscortAssignment.person_id)
        .join(Unit, Unit.id == EscortAssignment.unit_id)
        .where(_units_of(tree), EscortAssignment.active.is_(True), EscortAssignment.deleted_at.is_(None))
    )
    return or_(
        Alert.id.in_(shared),
        Alert.id.in_(assigned),
        Alert.site_id.in_(guarded_sites),
        Alert.person_id.in_(residents),
        Alert.person_id.in_(escorted),
    )
