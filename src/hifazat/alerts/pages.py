"""Dashboard pages: the live alert inbox (/alerts), an alert (/alerts/{id}), the escalation-policy editor
(/alerts/policies) and safety polls (/polls, /polls/{id}). Data is read through the same services and
policy as the API; every button writes through the JSON API (static/js/alerts.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hifazat.alerts import dispatch, escalation, labels, lifecycle, notifications, polls, service
from hifazat.alerts.models import AlertKind, Severity
from hifazat.auth.access import visible_select
from hifazat.auth.models import Agency, Role, User
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


def _age(seconds: int | None) -> str:
    """A position's age as a duty officer reads it: 45 s, 2 min, 3 h, 2 days."""
    if seconds is None:
        return ""
    for unit, size in (("days", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@router.get("/alerts")
def inbox(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    rows, _ = service.list_alerts(session, principal, limit=100)
    items = []
    for a in rows:
        stance = service.stance_for(session, a, principal)
        if stance.view is not None:
            items.append(service.present(session, a, stance))
    persons = list(
        session.scalars(visible_select(Person, "persons", principal).order_by(Person.family_name).limit(500))
    )
    sites = list(session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(500)))
    return render(
        request,
        "alerts/inbox.html",
        principal=principal,
        session=session,
        alerts=items,
        persons=persons,
        sites=sites,
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
    sites = list(session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(500)))
    agencies = list(session.scalars(select(Agency).where(Agency.deleted_at.is_(None)).order_by(Agency.name)))
    # The pickers: every agency (agencies are public to every role), the users of the caller's own tree
    # (user lists are an admin's of that tree), the units the caller sees.
    users = list(
        session.scalars(
            select(User)
            .where(User.deleted_at.is_(None), User.agency_id.in_(principal.tree))
            .order_by(User.username)
            .limit(500)
        )
    )
    units = list(
        session.scalars(visible_select(Unit, "units", principal).order_by(Unit.call_sign).limit(500))
    )
    agency_label = {a.id: a.short_name or a.name for a in agencies}
    names = {
        **{f"agency:{a.id}": a.short_name or a.name for a in agencies},
        **{f"user:{u.id}": u.username for u in users},
        **{f"unit:{u.id}": f"{u.call_sign} ({agency_label.get(u.agency_id, '?')})" for u in units},
        **{f"site:{s.id}": s.name for s in sites},
    }
    return render(
        request,
        "alerts/policies.html",
        principal=principal,
        session=session,
        policies=rows,
        sites=sites,
        agencies=agencies,
        users=users,
        units=units,
        roles=[r.value for r in Role],
        names=names,
        agency_label=agency_label,
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
    unit_names = _names(session, Unit, {a["unit_id"] for a in data["assignments"]}, lambda u: u.call_sign)
    agency_names = _names(
        session, Agency, {alert.agency_id, *data["shared_with"]}, lambda a: a.short_name or a.name
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
        position_age=_age(data["position_age_s"]),
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
