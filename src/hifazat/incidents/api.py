"""The incidents API: file, list (filters, search, cursor pages), read, edit, move through the lifecycle,
add notes, read the timeline (JSON or CSV). Thin: parse, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hifazat.alerts.models import Severity
from hifazat.auth.deps import CurrentUser
from hifazat.core.validators import ProvinceCode
from hifazat.incidents import service, timeline, transitions, writing
from hifazat.incidents.models import IncidentStatus, IncidentType
from hifazat.incidents.schemas import Action, ActionIn, IncidentIn, IncidentPatch, NoteIn
from hifazat.platform.audit.chain import stamp
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1")
TAG: list[Any] = ["incidents"]
Id = Annotated[str | None, Query(max_length=36)]


@router.post("/incidents", status_code=201, tags=TAG, summary="File an incident (or one from an alert)")
def create_incident(body: IncidentIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """`occurred_at` may not be in the future; the province and district follow `lat`/`lon`, else the site.
    With `alert_id`, what is not given comes from the alert (type by its kind, position, site, time)."""
    incident = writing.create(session, body, principal)
    _, stance = service.get_incident(session, incident.id, principal)
    return service.present_one(session, incident, stance)


@router.get("/incidents", tags=TAG, summary="Incidents visible to you, newest first")
def list_incidents(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    type: IncidentType | None = None,
    status: IncidentStatus | None = None,
    severity: Severity | None = None,
    province: ProvinceCode | None = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    site_id: Id = None,
    alert_id: Id = None,
    occurred_from: Annotated[datetime | None, Query(description="occurred_at at or after")] = None,
    occurred_to: Annotated[datetime | None, Query(description="occurred_at before")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in summary or description")] = None,
) -> dict[str, Any]:
    filters = {
        "type": type,
        "status": status,
        "severity": severity,
        "province": province,
        "district": district,
        "site_id": site_id,
        "alert_id": alert_id,
    }
    rows, nxt = service.list_incidents(
        session,
        principal,
        filters={k: (str(v) if v is not None else None) for k, v in filters.items()},
        q=q,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=page.limit,
        cursor=page.cursor,
    )
    return {"items": service.present_many(session, rows, principal), "next_cursor": nxt}


@router.get("/incidents/{incident_id}", tags=TAG, summary="One incident")
def read_incident(incident_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """`actions` lists exactly what you may do now (`relations` says why: owner, national, jurisdiction)."""
    incident, stance = service.get_incident(session, incident_id, principal)
    return service.present_one(session, incident, stance)


@router.patch("/incidents/{incident_id}", tags=TAG, summary="Edit an open incident")
def update_incident(
    incident_id: str, body: IncidentPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    """`involved`, when given, replaces the whole list."""
    incident = writing.update(session, incident_id, body, principal)
    _, stance = service.get_incident(session, incident.id, principal)
    return service.present_one(session, incident, stance)


@router.post(
    "/incidents/{incident_id}/actions/{action}", tags=TAG, summary="Move an incident through its lifecycle"
)
def act(
    incident_id: str,
    action: Action,
    session: DbSession,
    principal: CurrentUser,
    body: ActionIn | None = None,
) -> dict[str, Any]:
    """verify, investigate, close (needs `resolution`), dismiss (needs `reason`). A move the current state
    does not allow answers 409 naming the current state and the actions it allows."""
    incident = transitions.transition(
        session, incident_id=incident_id, action=action, body=body or ActionIn(), principal=principal
    )
    _, stance = service.get_incident(session, incident.id, principal)
    return service.present_one(session, incident, stance)


@router.post("/incidents/{incident_id}/notes", status_code=201, tags=TAG, summary="Add a note")
def add_note(incident_id: str, body: NoteIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    ev = transitions.add_note(session, incident_id, body.note, principal)
    return {"id": ev.id, "action": ev.action, "actor": ev.actor, "note": ev.note, "at": stamp(ev.at)}


@router.get(
    "/incidents/{incident_id}/timeline",
    tags=TAG,
    summary="Who did what, when: the incident's and its alert's timeline",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def read_timeline(
    incident_id: str,
    session: DbSession,
    principal: CurrentUser,
    format: Literal["json", "csv"] = "json",
    source: Literal["incident", "alert"] | None = None,
    action: Annotated[str | None, Query(max_length=30)] = None,
) -> Any:
    """A summary view (a partner's) has no timeline: the list is empty."""
    incident, stance = service.get_incident(session, incident_id, principal)
    full = stance.view is not None and stance.view.level == "full"
    items = timeline.timeline(session, incident, principal, source=source, action=action) if full else []
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="incident-{incident.id}-timeline.csv"'}
        return Response(timeline.as_csv(items), media_type="text/csv", headers=headers)
    return {"items": items}
