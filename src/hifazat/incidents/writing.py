"""Filing and editing an incident: its place (from the coordinates, else the site, as for alerts), its
people, the prefill from an alert, each write audited with its timeline line and event. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts import service as alerts
from hifazat.alerts.models import Alert, AlertKind
from hifazat.auth.access import get_visible
from hifazat.auth.policy import Principal, can_write_agency, require
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, conflict, invalid
from hifazat.core.places import place_of
from hifazat.incidents import lifecycle, service
from hifazat.incidents.models import Incident, IncidentEvent, IncidentStatus, IncidentType, Involved
from hifazat.incidents.schemas import IncidentIn, IncidentPatch, InvolvedIn
from hifazat.incidents.service import KIND
from hifazat.incidents.stance import UPDATE, stance_for
from hifazat.platform.audit.writes import NO_EVENT, audited_action, audited_create, audited_update, values_of
from hifazat.registry.models import Person, Site

# What an alert of each kind most likely was; anything not named here is `other` until someone says.
TYPE_OF_ALERT: dict[str, IncidentType] = {
    AlertKind.attack: IncidentType.armed_attack,
    AlertKind.intrusion: IncidentType.crime,
    AlertKind.suspicious_activity: IncidentType.threat_or_intimidation,
    AlertKind.fire: IncidentType.accident,
    AlertKind.medical: IncidentType.accident,
}


def place_for(lat: float | None, lon: float | None, site: Site | None) -> tuple[str | None, str | None]:
    """Province and district: the coordinates' (core/places.py), else the site's; the site's district
    fills in only within the same province (as an alert's place is found, `alerts/raising.py`)."""
    found = place_of(lat, lon) if lat is not None and lon is not None else None
    province, district = found if found else (None, None)
    if site is not None:
        if province is None:
            province, district = site.province, site.district
        elif district is None and site.province == province:
            district = site.district
    return province, district


def _pair(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise invalid("lon" if lon is None else "lat", "lat and lon go together: give both or neither")


def _visible(session: Session, model: Any, kind: str, row_id: str, principal: Principal, field: str) -> Any:
    """A referenced record the caller sees, or 422 naming the field (unknown and hidden read alike)."""
    try:
        row, _ = get_visible(session, model, kind, row_id, principal)
    except Problem as exc:
        raise invalid(field, f"no such {kind[:-1]} visible to you") from exc
    return row


def _alert(session: Session, alert_id: str, principal: Principal) -> Alert:
    """The alert an incident is created from: one the caller sees in full, with no incident yet."""
    try:
        alert, stance = alerts.get_alert(session, alert_id, principal)
    except Problem as exc:
        raise invalid("alert_id", "no such alert visible to you") from exc
    if stance.view is None or stance.view.level != "full":
        raise invalid("alert_id", "no such alert visible to you")
    existing = session.scalar(select(Incident).where(Incident.alert_id == alert.id))
    if existing is not None:
        # Its id only to a caller who sees it (an agency assigned to the alert may not see the incident).
        seen = stance_for(existing, principal).view is not None
        raise Problem(
            409,
            "Conflict",
            f"alert {alert.id} already has its incident" + (f" {existing.id}" if seen else ""),
            errors=[{"field": "alert_id", "reason": "already has an incident"}],
            incident_id=existing.id if seen else None,
        )
    return alert


def _people(session: Session, items: list[InvolvedIn], principal: Principal) -> list[dict[str, Any]]:
    """The involved as column values; a person must be visible, and gives the nationality by default."""
    out = []
    for i, item in enumerate(items):
        nationality = item.nationality
        if item.person_id:
            field = f"involved.{i}.person_id"
            person = _visible(session, Person, "persons", item.person_id, principal, field)
            nationality = nationality or person.nationality
            if not nationality:
                raise invalid(f"involved.{i}.nationality", "the person has none on record: give it")
        out.append({**item.model_dump(mode="json"), "nationality": nationality, "position": i})
    return out


def _replace_people(
    session: Session, incident: Incident, people: list[dict[str, Any]], principal: Principal
) -> bool:
    """Put `people` in place of the incident's involved, audited as one change; False when they are the
    same people already recorded (nothing written)."""
    old = list(session.scalars(select(Involved).where(Involved.incident_id == incident.id)))
    before = [values_of(p, ("id", "incident_id")) for p in sorted(old, key=lambda p: p.position)]
    if before == people:
        return False
    for row in old:
        session.delete(row)
    session.flush()
    for values in people:
        session.add(Involved(incident_id=incident.id, **values))
    _audit_people(session, incident, principal, before, people)
    return True


def _audit_people(
    session: Session,
    incident: Incident,
    principal: Principal,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
) -> None:
    """Who was involved, on the audit chain: the incident's entry cannot show its child rows."""
    audited_action(
        session,
        principal=principal,
        action="involved",
        entity=KIND,
        entity_id=incident.id,
        before={"involved": before},
        after={"involved": after},
        owner_agency_id=incident.agency_id,
    )


def add_event(
    session: Session,
    incident: Incident,
    principal: Principal,
    action: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> IncidentEvent:
    ev = IncidentEvent(
        incident_id=incident.id,
        at=utcnow(),
        actor_id=principal.user_id,
        actor=principal.username,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    session.add(ev)
    return ev


def _owner(data: IncidentIn, principal: Principal) -> str:
    if data.agency_id:
        if not can_write_agency(principal, data.agency_id):
            raise invalid("agency_id", "you may only file incidents for your own agency or one below it")
        return data.agency_id
    if principal.agency_id is None:
        raise invalid("agency_id", "is required for this caller")
    return principal.agency_id


def create(session: Session, data: IncidentIn, principal: Principal) -> Incident:
    """POST /incidents: a report, from scratch or from an alert (whose facts fill what is not given)."""
    require(principal, KIND, "write")
    alert = _alert(session, data.alert_id, principal) if data.alert_id else None
    given = data.model_fields_set
    lat, lon = (data.lat, data.lon) if {"lat", "lon"} & given or alert is None else (alert.lat, alert.lon)
    _pair(lat, lon)
    site_id = data.site_id if "site_id" in given or alert is None else alert.site_id
    site = _visible(session, Site, "sites", site_id, principal, "site_id") if site_id else None
    kind = data.type or (TYPE_OF_ALERT.get(alert.kind, IncidentType.other) if alert else None)
    if kind is None:
        raise invalid("type", "is required (or create the incident from an alert_id)")
    summary = data.summary or (alert.title if alert else None)
    if not summary:
        raise invalid("summary", "is required (or create the incident from an alert_id)")
    occurred: datetime = data.occurred_at or (alert.created_at if alert else utcnow())
    people = _people(session, data.involved, principal)
    province, district = place_for(lat, lon, site)
    incident = Incident(
        agency_id=_owner(data, principal),
        province=province,
        district=district,
        type=str(kind),
        severity=str(data.severity or (alert.severity if alert else "medium")),
        status=IncidentStatus.reported.value,
        summary=summary[:300],
        description=data.description or (alert.description if alert and "description" not in given else ""),
        occurred_at=occurred,
        lat=lat,
        lon=lon,
        site_id=site.id if site else None,
        alert_id=alert.id if alert else None,
        created_by=principal.user_id,
    )
    audited_create(session, incident, kind=KIND, principal=principal, subject=NO_EVENT)
    if people:
        for values in people:
            session.add(Involved(incident_id=incident.id, **values))
        _audit_people(session, incident, principal, [], people)
    add_event(
        session,
        incident,
        principal,
        "created",
        to_status=incident.status,
        data={"alert_id": alert.id} if alert else {},
    )
    session.flush()
    service.emit_changed(session, incident, "created")
    return incident


def update(session: Session, incident_id: str, data: IncidentPatch, principal: Principal) -> Incident:
    """PATCH /incidents/{id}: the owner's (or the national centre's) edit of an open incident; `involved`,
    when given, replaces the list. The place follows the coordinates and the site."""
    require(principal, KIND, "write")
    incident, _ = service.get_incident(session, incident_id, principal, action=UPDATE)
    if incident.status not in lifecycle.OPEN_STATES:
        raise conflict(f"a {incident.status} incident is no longer edited; add a note instead", "status")
    given = data.model_dump(exclude_unset=True, mode="python")
    changes: dict[str, Any] = {
        k: (str(v) if k in ("type", "severity") and v is not None else v)
        for k, v in given.items()
        if k not in ("involved", "lat", "lon", "site_id")
    }
    for key in ("type", "severity", "summary", "description", "occurred_at"):
        if key in changes and changes[key] is None:
            raise invalid(key, "may not be cleared")
    if {"lat", "lon", "site_id"} & given.keys():
        lat = given.get("lat", incident.lat)
        lon = given.get("lon", incident.lon)
        _pair(lat, lon)
        site_id = given.get("site_id", incident.site_id)
        site = _visible(session, Site, "sites", site_id, principal, "site_id") if site_id else None
        province, district = place_for(lat, lon, site)
        changes.update(lat=lat, lon=lon, site_id=site_id, province=province, district=district)
    people = _people(session, data.involved, principal) if data.involved is not None else None
    changed = audited_update(session, incident, changes, kind=KIND, principal=principal, subject=NO_EVENT)
    if people is not None and _replace_people(session, incident, people, principal):
        changed["involved"] = len(people)
    if changed:
        add_event(session, incident, principal, "updated", data={"fields": sorted(changed)})
        session.flush()
        service.emit_changed(session, incident, "updated")
    return incident
