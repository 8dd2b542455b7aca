"""The evidence page of a case (/cases/{id}/evidence): its items with their custody chains, an upload
form and a custody form for who may write. Read through the same service and policy as the API; the
forms write through the JSON API (static/js/evidence.js). Linked from nowhere yet: the case page will."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hifazat.auth.web_session import PageUser, problem_page, render
from hifazat.core.errors import Problem
from hifazat.incidents import evidence
from hifazat.incidents.evidence_custody import Custody
from hifazat.platform.deps import DbSession

router = APIRouter(include_in_schema=False)


@router.get("/cases/{case_id}/evidence")
def evidence_page(case_id: str, request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        case = evidence.readable_case(session, case_id, principal)
    except Problem as p:
        return problem_page(request, p, principal, session)
    writable = evidence.may_write(session, case, principal)
    return render(
        request,
        "incidents/evidence.html",
        principal=principal,
        session=session,
        case=case,
        items=[evidence.present(session, ev, writable) for ev in evidence.list_for_case(session, case)],
        writable=writable,
        custody_actions=[c.value for c in Custody if c is not Custody.collected],
    )
