"""Dashboard pages: the incident list with its filters and map (/incidents), the report form, usable on a
phone (/incidents/new, also from an alert: ?alert_id=), and an incident with its timeline and its moves
(/incidents/{id}). Read through the same services and policy as the API; every button writes through the
JSON API (static/js/incidents.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hifazat.alerts import service as alerts
from hifazat.alerts.models import Severity
from hifazat.auth.access import visible_select
from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal
from hifazat.auth.web_session import PageUser, problem_page, render
from hifazat.core.errors import Problem
from hifazat.core.validators import PROVINCES
from hifazat.incidents import lifecycle, service, timeline
from hifazat.incidents.case_pages import case_of_incident
from hifazat.incidents.models import Incident, IncidentStatus, IncidentType, Outcome, Role
from hifazat.incidents.stance import WRITERS
from hifazat.incidents.writing import TYPE_OF_ALERT
from hifazat.platform.deps import DbSession
from hifazat.registry.models import Person, Site

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)
FILTERS = ("type", "status", "severity", "province", "q")


def incident_link(principal: Principal | None, alert: dict[str, Any]) -> str | None:
    """The alert page's "Create incident" link: for a caller who files incidents and sees the alert in
    full (the form itself opens the incident instead when the alert already has one)."""
    if principal is None or alert.get("view") != "full" or not principal.has(*WRITERS):
        return None
    return f"/incidents/new?alert_id={alert['id']}"


TEMPLATE_GLOBALS: dict[str, Any] = {
    "incident_link": incident_link,
    "INCIDENT_STATUS_BADGE": {
        "reported": "b-alert",
        "verified": "b-maintenance",
        "under_investigation": "b-assigned",
        "closed": "b-ok",
        "dismissed": "b-false",
    },
}


def _choices() -> dict[str, Any]:
    return {
        "types": [t.value for t in IncidentType],
        "statuses": [s.value for s in IncidentStatus],
        "severities": [s.value for s in Severity],
        "roles": [r.value for r in Role],
        "outcomes": [o.value for o in Outcome],
        "provinces": PROVINCES,
    }


@router.get("/incidents")
def list_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    chosen = {k: (request.query_params.get(k) or "").strip()[:200] for k in FILTERS}
    filters = {k: chosen[k] or None for k in ("type", "status", "severity", "province")}
    try:
        q = chosen["q"] or None
        rows, _ = service.list_incidents(session, principal, filters=filters, q=q, limit=200)
    except Problem as p:
        return problem_page(request, p, principal, session)
    items = service.present_many(session, rows, principal)
    points = [
        {"id": i["id"], "lat": i["lat"], "lon": i["lon"], "summary": i["summary"], "status": i["status"]}
        for i in items
        if i["lat"] is not None
    ]
    return render(
        request,
        "incidents/list.html",
        principal=principal,
        session=session,
        incidents=items,
        points=points,
        chosen=chosen,
        can_write=principal.has(*WRITERS),
        **_choices(),
    )


@router.get("/incidents/new", response_model=None)
def new_page(
    request: Request,
    session: DbSession,
    principal: PageUser,
    alert_id: str | None = Query(default=None, max_length=36),
) -> HTMLResponse | RedirectResponse:
    alert = None
    if alert_id:
        existing = session.scalar(
            visible_select(Incident, "incidents", principal).where(Incident.alert_id == alert_id)
        )
        if existing is not None:
            return RedirectResponse(f"/incidents/{existing.id}", status_code=303)
        try:
            row, stance = alerts.get_alert(session, alert_id, principal)
        except Problem as p:
            return problem_page(request, p, principal, session)
        alert = alerts.present(session, row, stance)
    persons = list(
        session.scalars(visible_select(Person, "persons", principal).order_by(Person.family_name).limit(500))
    )
    sites = list(session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(500)))
    return render(
        request,
        "incidents/new.html",
        principal=principal,
        session=session,
        alert=alert,
        alert_type=TYPE_OF_ALERT.get(alert["kind"], "other") if alert else None,
        persons=persons,
        sites=sites,
        can_write=principal.has(*WRITERS),
        **_choices(),
    )


@router.get("/incidents/{incident_id}")
def incident_page(
    incident_id: str, request: Request, session: DbSession, principal: PageUser
) -> HTMLResponse:
    try:
        incident, stance = service.get_incident(session, incident_id, principal)
    except Problem as p:
        return problem_page(request, p, principal, session)
    data = service.present_one(session, incident, stance)
    full = data["view"] == "full"
    owner = session.get(Agency, incident.agency_id)
    site = session.get(Site, incident.site_id) if incident.site_id and full else None
    people = {p["person_id"] for p in data["involved"] or [] if p["person_id"]}
    names = {
        p.id: f"{p.given_name} {p.family_name}"
        for p in (
            session.scalars(visible_select(Person, "persons", principal).where(Person.id.in_(people)))
            if people
            else []
        )
    }
    return render(
        request,
        "incidents/incident.html",
        principal=principal,
        session=session,
        incident=data,
        owner=(owner.short_name or owner.name) if owner else incident.agency_id,
        site=site,
        person_names=names,
        timeline=timeline.timeline(session, incident, principal) if full else [],
        moves=[a for a in data["actions"] if a in lifecycle.ACTIONS],
        may=set(data["actions"]),
        linked_case=case_of_incident(session, principal, incident.id) if full else None,
    )
