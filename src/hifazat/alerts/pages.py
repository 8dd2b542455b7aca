"""Dashboard pages: the live alert inbox (/alerts), an alert (/alerts/{id}), the escalation-policy editor
(/alerts/policies) and safety polls (/polls, /polls/{id}). Data is read through the same services and
policy as the API; every button writes through the JSON API (static/js/alerts.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hifazat.alerts import dispatch, escalation, labels, lifecycle, notifications, pickers, polls, service
from hifazat.alerts.models import AlertKind, Severity
from hifazat.auth.access import visible_select
from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal
from hifazat.auth.web_session import PageUser, render
from hifazat.core.errors import Problem
from hifazat.notify.service import alarm_sound
from hifazat.platform.deps import DbSession
from hifazat.registry.models import Person, Site, Unit

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)
# Badge colours from the shared stylesheet's palette (template globals the alerts domain declares).
TEMPLATE_GLOBALS: dict[str, Any] = {}
TEMPLATE_GLOBALS["ALERT_STATUS_BADGE"] = {
    "new": "b-alert",
    "acknowledged": "b-maintenance",
    "responding": "b-assigned",
    "resolved": "b-ok",
    "false_alarm": "b-false",
}
TEMPLATE_GLOBALS["SEVERITY_BADGE"] = {
    "critical": "b-alert",
    "high": "b-maintenance",
    "medium": "b-assigned",
    "low": "b-false",
}


def _error(request: Request, p: Problem, principal: Principal, session: Any) -> HTMLResponse:
    return render(
        request,
        "error.html",
        principal=principal,
        session=session,
        status_code=p.status,
        title=p.title,
        detail=p.detail or p.title,
        status=p.status,
    )


def _names(session: Any, model: Any, ids: set[str], label: Any) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {r.id: label(r) for r in session.scalars(select(model).where(model.id.in_(ids)))}


@router.get("/alerts")
def inbox(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    rows, _ = service.list_alerts(session, principal, limit=100)
    items = []
    for a in rows:
        stance = service.stance_for(session, a, principal)
        if stance.view is not None:
            items.append(service.present(session, a, stance))
    return render(
        request,
        "alerts/inbox.html",
        principal=principal,
        session=session,
        alerts=items,
        pick=pickers.alert_form(session, principal),
        kinds=[k.value for k in AlertKind if k != AlertKind.sos],
        severities=[s.value for s in Severity],
        can_write=principal.has("admin", "operator", "responder"),
        alarm_sound=alarm_sound(session, principal),
    )


@router.get("/alerts/policies")
def policies_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        rows = escalation.list_policies(session, principal)
    except Problem as p:
        return _error(request, p, principal, session)
    return render(
        request,
        "alerts/policies.html",
        principal=principal,
        session=session,
        policies=rows,
        policies_json=[
            {"id": p.id, "name": p.name, "site_id": p.site_id, "severity": p.severity, "levels": p.levels}
            for p in rows
        ],
        pick=pickers.policy_editor(session, principal),
        level_labels=lambda targets: labels.level_labels(session, principal, [{"targets": targets}])[0],
        severities=[s.value for s in Severity],
        can_write=principal.has("admin"),
    )


@router.get("/alerts/{alert_id}")
def alert_page(alert_id: str, request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        alert, stance = service.get_alert(session, alert_id, principal)
    except Problem as p:
        return _error(request, p, principal, session)
    data = service.present(session, alert, stance)
    full = stance.view is not None and stance.view.level == "full"
    timeline = service.timeline_json(session, alert, principal) if full else []
    may = set(data["actions"])
    recs = dispatch.recommend(session, alert, principal, 8, stance=stance) if "dispatch" in may else []
    deliveries = notifications.deliveries(session, alert.id, principal) if full else []
    # A summary view (a partner's agreement) carries neither assignments nor shares: nothing to name.
    unit_names = _names(
        session, Unit, {a["unit_id"] for a in data["assignments"] or []}, lambda u: u.call_sign
    )
    agency_names = _names(
        session, Agency, {alert.agency_id, *(data["shared_with"] or [])}, lambda a: a.short_name or a.name
    )
    person = session.get(Person, alert.person_id) if alert.person_id and full else None
    return render(
        request,
        "alerts/alert.html",
        principal=principal,
        session=session,
        alert=data,
        timeline=timeline,
        recommendations=recs,
        deliveries=deliveries,
        unit_names=unit_names,
        agency_names=agency_names,
        person=person,
        may=may,
        position_age=pickers.age_label(data["position_age_s"]),
        movable={a.id for a in service.movable(session, stance, service.assignments_of(session, alert.id))},
        actions=[a for a in data["actions"] if a in lifecycle.ACTIONS],
    )


@router.get("/polls")
def polls_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    rows = [polls.poll_json(session, p) for p in polls.list_polls(session, principal)]
    sites = list(session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(500)))
    return render(
        request,
        "alerts/polls.html",
        principal=principal,
        session=session,
        polls=rows,
        sites=sites,
        can_write=principal.has("admin", "operator"),
    )


@router.get("/polls/{poll_id}")
def poll_page(poll_id: str, request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        poll = polls.get(session, poll_id, principal)
    except Problem as p:
        return _error(request, p, principal, session)
    return render(
        request,
        "alerts/poll.html",
        principal=principal,
        session=session,
        poll=polls.poll_json(session, poll),
        recipients=polls.recipients_json(session, poll),
        can_write=principal.has("admin", "operator"),
    )
