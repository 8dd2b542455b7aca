"""Routes: /alerts (SOS, manual, lifecycle, dispatch, CAP), /escalation-policies, /alert-rules, /polls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hifazat.alerts import (
    cap,
    dispatch,
    escalation,
    labels,
    lifecycle,
    notifications,
    polls,
    raising,
    rules,
    service,
    transitions,
)
from hifazat.alerts.models import Alert, CapScope
from hifazat.alerts.schemas import (
    AlertIn,
    AnswerIn,
    AssignIn,
    AssignmentPatch,
    NoteIn,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    PollIn,
    RuleIn,
    TransitionIn,
)
from hifazat.auth.deps import CurrentUser
from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal, require
from hifazat.auth.service import bearer_of, principal_for_token, principal_from_request
from hifazat.core.db import utcnow
from hifazat.core.errors import forbidden, invalid
from hifazat.platform.db import unit_of_work
from hifazat.platform.deps import DbSession, Page
from hifazat.platform.sqlite.api import run_urgent
from hifazat.platform.stream import answer_after_streams

router = APIRouter(prefix="/api/v1")
# POST /alerts alone, included before every other router (`create_app`): FastAPI matches a request against
# routes in order, and an SOS behind the whole API spent a fifth of its time in matching.
urgent_router = APIRouter(prefix="/api/v1")
TAG: list[Any] = ["alerts"]
JSON = "application/json"
Action = Literal["acknowledge", "respond", "resolve", "false_alarm", "reopen"]
F = Annotated[str | None, Query(max_length=40)]


@urgent_router.post(
    "/alerts",
    status_code=201,
    tags=TAG,
    summary="Raise an alert (SOS or manual)",
    response_class=Response,
    responses={201: {"description": "The alert, as GET /alerts/{id} shows it", "content": {JSON: {}}}},
)
async def create_alert(body: AlertIn, request: Request) -> Response:
    """`kind=sos` needs `lat`/`lon` and one of `person_id`, `device_id` or `for_self`; anyone signed in may
    raise one. Other kinds are manual alerts by operators. Answered only after the alert is committed."""
    # Urgent: the write lock before any background writer. The answer is encoded there too, so the event
    # loop only sends it.
    content = await run_urgent(_create_alert, body, request)
    await answer_after_streams()  # the dashboards' live streams see the alert before its caller's answer
    return Response(content, status_code=201, media_type=JSON)


def _create_alert(body: AlertIn, request: Request) -> bytes:

    with unit_of_work(readonly=True) as session:  # sign-in check without the write lock
        principal = principal_from_request(session, request)
    with unit_of_work() as session:
        alert = raising.create(session, body, principal)
        # The creator's agency owns the alert or was shared it: its stance needs no look-up of guards.
        data = service.present(
            session, alert, raising.creator_stance(session, alert, principal), assignments=[]
        )
    return orjson.dumps(data)


@router.get("/alerts", tags=TAG, summary="Alerts visible to you, newest first")
def list_alerts(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    status: F = None,
    kind: F = None,
    severity: F = None,
    open: bool = False,
) -> dict[str, Any]:
    rows, nxt = service.list_alerts(
        session,
        principal,
        status=status,
        kind=kind,
        severity=severity,
        open_only=open,
        limit=page.limit,
        cursor=page.cursor,
    )
    items = []
    for a in rows:
        stance = service.stance_for(session, a, principal)
        if stance.view is not None:
            items.append(service.present(session, a, stance))
    return {"items": items, "next_cursor": nxt}


@router.get("/alerts/{alert_id}", tags=TAG, summary="One alert")
def read_alert(alert_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """`actions` lists exactly what you may do now (`relations` says why: owner, jurisdiction, ...)."""
    alert, stance = service.get_alert(session, alert_id, principal)
    return service.present(session, alert, stance)


@router.get("/alerts/{alert_id}/timeline", tags=TAG, summary="Who did what, when")
def read_timeline(alert_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    alert, stance = service.get_alert(session, alert_id, principal)
    if stance.view is None or stance.view.level != "full":
        return {"items": []}
    return {"items": service.timeline_json(session, alert, principal)}


@router.post("/alerts/{alert_id}/actions/{action}", tags=TAG, summary="Move an alert through its lifecycle")
def act(
    alert_id: str,
    action: Action,
    session: DbSession,
    principal: CurrentUser,
    body: TransitionIn | None = None,
) -> dict[str, Any]:
    """acknowledge, respond, resolve, false_alarm, reopen. A transition the current state does not allow
    answers 409 naming the current state and the actions it allows."""
    alert = transitions.transition(
        session, alert_id=alert_id, action=action, note=body.note if body else "", principal=principal
    )
    _, stance = service.get_alert(session, alert.id, principal)
    return service.present(session, alert, stance)


@router.post("/alerts/{alert_id}/notes", status_code=201, tags=TAG, summary="Add a note to the timeline")
def add_note(alert_id: str, body: NoteIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """For the owner, the national centre, the jurisdictions, and agencies assigned, guarding or shared."""
    alert, _ = service.get_alert(session, alert_id, principal, action="note")
    return service.event_json(service.add_note(session, alert, principal, body.note))


@router.get("/alerts/{alert_id}/recommendations", tags=TAG, summary="Nearest available units")
def recommend(
    alert_id: str,
    session: DbSession,
    principal: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """The nearest available units you may dispatch (the owner and the national centre: any unit they
    see; others: their own)."""
    alert, stance = service.get_alert(session, alert_id, principal)
    return {"items": dispatch.recommend(session, alert, principal, limit, stance=stance)}


@router.post("/alerts/{alert_id}/assignments", status_code=201, tags=TAG, summary="Dispatch units")
def assign(alert_id: str, body: AssignIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    require(principal, "alerts", "write")
    alert, stance = service.get_alert(session, alert_id, principal, action="dispatch")
    rows = dispatch.assign(session, alert, body.unit_ids, principal, body.note, stance=stance)
    return {"items": [service.assignment_json(a) for a in rows], "alert_status": alert.status}


@router.patch("/alerts/{alert_id}/assignments/{assignment_id}", tags=TAG, summary="Unit status")
def unit_status(
    alert_id: str, assignment_id: str, body: AssignmentPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    """en_route -> on_scene -> clear (or en_route -> clear). Clear frees the unit (registry: available)."""
    require(principal, "alerts", "write")
    alert, stance = service.get_alert(session, alert_id, principal, action="update_assignment")
    row = dispatch.set_status(session, alert, assignment_id, body.status, principal, stance=stance)
    return service.assignment_json(row)


@router.get("/alerts/{alert_id}/deliveries", tags=TAG, summary="Notification deliveries for this alert")
def deliveries(alert_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    alert, stance = service.get_alert(session, alert_id, principal)
    full = stance.view is not None and stance.view.level == "full"
    rows = notifications.deliveries(session, alert.id, principal) if full else []
    return {"available": rows is not None, "items": rows or []}


def _host(request: Request) -> str:
    return request.url.hostname or "localhost"


def _sender_name(session: Any, agency_id: str) -> str:
    agency = session.get(Agency, agency_id)
    return agency.name if agency else "Hifazat"


@router.get(
    "/alerts/{alert_id}/cap",
    tags=TAG,
    summary="The alert as OASIS CAP 1.2 XML",
    response_class=Response,
    responses={200: {"content": {"application/cap+xml": {}}}},
)
def alert_cap(alert_id: str, request: Request, session: DbSession, principal: CurrentUser) -> Response:
    alert, stance = service.get_alert(session, alert_id, principal)
    if stance.view is None or stance.view.level != "full":
        raise forbidden("your sharing agreement gives a summary of this alert, not its CAP message")
    body = cap.cap_xml(
        alert,
        host=_host(request),
        sender_name=_sender_name(session, alert.agency_id),
        addresses=[alert.agency_id, *service.shared_with(session, alert.id)],
    )
    return Response(body, media_type="application/cap+xml")


def _feed(request: Request, session: Any, limit: int) -> Response:
    """Public alerts for everyone; restricted ones too for a signed-in caller who may see them."""

    token = bearer_of(request)
    principal: Principal | None = principal_for_token(session, token) if token else None
    stmt = select(Alert)
    if principal is None:
        stmt = stmt.where(Alert.cap_scope == CapScope.public.value)
    else:
        stmt = stmt.where(
            or_(
                Alert.cap_scope == CapScope.public.value,
                (Alert.cap_scope == CapScope.restricted.value) & service.alert_scope(principal),
            )
        )
    rows = session.scalars(stmt.order_by(Alert.id.desc()).limit(limit)).all()
    entries = [(a, _sender_name(session, a.agency_id)) for a in rows]
    base = str(request.base_url).rstrip("/")
    body = cap.atom_feed(entries, base_url=base, host=_host(request), now=utcnow())
    return Response(body, media_type="application/atom+xml")


@router.get("/cap/feed.atom", tags=TAG, summary="Atom feed of public (and, signed in, restricted) alerts")
def cap_feed(
    request: Request, session: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Response:
    return _feed(request, session, limit)


root_router = APIRouter()


@root_router.get("/cap/feed.atom", include_in_schema=False)
def cap_feed_root(
    request: Request, session: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Response:
    return _feed(request, session, limit)


# --- escalation policies --------------------------------------------------------------------------------

PTAG: list[Any] = ["escalation"]


def _policy(row: Any, session: Session, principal: Principal) -> dict[str, Any]:
    out = PolicyOut.model_validate(row, from_attributes=True).model_dump(mode="json")
    out["level_labels"] = labels.level_labels(session, principal, out["levels"])  # beside the ids
    return out


@router.post("/escalation-policies", status_code=201, tags=PTAG, summary="Create an escalation policy")
def create_policy(body: PolicyIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _policy(escalation.create_policy(session, body, principal), session, principal)


@router.get("/escalation-policies", tags=PTAG, summary="Escalation policies of your agency tree")
def list_policies(session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return {"items": [_policy(p, session, principal) for p in escalation.list_policies(session, principal)]}


@router.get("/escalation-policies/{policy_id}", tags=PTAG)
def read_policy(policy_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _policy(escalation.get_policy(session, policy_id, principal), session, principal)


@router.patch("/escalation-policies/{policy_id}", tags=PTAG)
def patch_policy(
    policy_id: str, body: PolicyPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return _policy(escalation.update_policy(session, policy_id, body, principal), session, principal)


@router.delete("/escalation-policies/{policy_id}", status_code=204, tags=PTAG)
def delete_policy(policy_id: str, session: DbSession, principal: CurrentUser) -> Response:
    escalation.delete_policy(session, policy_id, principal)
    return Response(status_code=204)


# --- rules ----------------------------------------------------------------------------------------------


@router.get("/alert-rules", tags=PTAG, summary="Effective rules: tracking event kind -> alert")
def list_rules(
    session: DbSession, principal: CurrentUser, agency_id: Annotated[str | None, Query(max_length=36)] = None
) -> dict[str, Any]:
    require(principal, "alert_rules", "read")
    target = agency_id or principal.agency_id
    if target is None or (not principal.system and target not in principal.tree):
        raise invalid("agency_id", "must be your agency or one below it")
    return {"agency_id": target, "items": rules.effective_rules(session, target)}


@router.put("/alert-rules/{event_kind}", tags=PTAG, summary="Set your agency's rule for one event kind")
def put_rule(event_kind: str, body: RuleIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row = rules.put_rule(session, event_kind, body, principal)
    return {
        "id": row.id,
        "agency_id": row.agency_id,
        "event_kind": row.event_kind,
        "severity": row.severity,
        "suppress_s": row.suppress_s,
        "enabled": row.enabled,
    }


# --- polls ----------------------------------------------------------------------------------------------

QTAG: list[Any] = ["polls"]


def _poll_full(session: Any, poll: Any) -> dict[str, Any]:
    data = polls.poll_json(session, poll)
    data["recipients"] = polls.recipients_json(session, poll)
    return data


@router.post("/polls", status_code=201, tags=QTAG, summary='Send an "Are you safe?" poll')
def create_poll(body: PollIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _poll_full(session, polls.create(session, body, principal))


@router.get("/polls", tags=QTAG, summary="Polls visible to you, newest first")
def list_polls(session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return {"items": [polls.poll_json(session, p) for p in polls.list_polls(session, principal)]}


@router.get("/polls/{poll_id}", tags=QTAG, summary="A poll with its live tally and every answer")
def read_poll(poll_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _poll_full(session, polls.get(session, poll_id, principal))


@router.post("/polls/{poll_id}/answers", tags=QTAG, summary="Record an answer (safe / need_help)")
def answer_poll(poll_id: str, body: AnswerIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row = polls.answer_api(session, poll_id, body.person_id, body.answer, principal)
    poll = polls.get(session, poll_id, principal)
    return {
        "person_id": row.person_id,
        "answer": row.answer,
        "alert_id": row.alert_id,
        "tally": polls.tally(session, poll),
    }


@router.post("/polls/{poll_id}/close", tags=QTAG, summary="Close a poll before its deadline")
def close_poll(poll_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return polls.poll_json(session, polls.close(session, poll_id, principal))


ACTIONS = lifecycle.ACTIONS
