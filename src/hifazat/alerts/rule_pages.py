"""Dashboard page of the alert rules (/alert-rules): for each tracking event kind, the rule in force for an
agency of the caller's tree (its own, an ancestor's or the built-in one) and, for an admin, a form that
sets the agency's own rule through `PUT /api/v1/alert-rules/{event_kind}` (static/js/forms.js)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hifazat.alerts import rules
from hifazat.alerts.models import Severity
from hifazat.auth.models import Agency
from hifazat.auth.policy import require
from hifazat.auth.web_session import PageUser, may, problem_page, render
from hifazat.core.errors import Problem, invalid
from hifazat.platform.deps import DbSession
from hifazat.web.helpers import param

router = APIRouter(include_in_schema=False)


@router.get("/alert-rules")
def rules_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        require(principal, "alert_rules", "read")
        target = param(request, "agency_id", 36) or principal.agency_id
        # The same bound as the API's list: the caller's own agency or one below it.
        if target is None or (not principal.system and target not in principal.tree):
            raise invalid("agency_id", "must be your agency or one below it")
    except Problem as p:
        return problem_page(request, p, principal, session)
    mine = select(Agency).where(Agency.id.in_(principal.tree), Agency.deleted_at.is_(None))
    agencies = {a.id: a.name for a in session.scalars(mine.order_by(Agency.name))}
    items = rules.effective_rules(session, target)
    for item in items:
        by = item["defined_by"]
        definer = None if by == "built-in" else session.get(Agency, by)  # agencies are public by name
        item["defined_by_name"] = definer.name if definer is not None else "built-in"
        item["own"] = by == target
    return render(
        request,
        "alerts/rules.html",
        principal=principal,
        session=session,
        items=items,
        agency_id=target,
        agencies=agencies,
        severities=[s.value for s in Severity],
        can_write=may(principal, "alert_rules", "write"),
        saved=request.query_params.get("saved") == "1",
    )
