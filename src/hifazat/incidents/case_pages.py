"""Case pages: the case board (/cases: open cases with their overdue counts) and a case (/cases/{id}: its
incidents, investigators, tasks, milestones and actions, overdue ones highlighted, with the forms to add
them). Read through the same services as the API; every form writes through the JSON API (forms.js)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal
from hifazat.auth.web_session import PageUser, problem_page, render
from hifazat.core.errors import Problem
from hifazat.incidents import case_present, cases
from hifazat.incidents.case_models import Case, CaseIncident, CaseStatus
from hifazat.incidents.case_stance import CASE_WRITERS, stance_for
from hifazat.incidents.case_work_models import ActionKind, MilestoneKind
from hifazat.platform.deps import DbSession

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


def case_of_incident(
    session: Session, principal: Principal | None, incident_id: str
) -> dict[str, str] | None:
    """The incident page's link to its case, when the caller sees that case."""
    if principal is None:
        return None
    link = session.scalar(select(CaseIncident).where(CaseIncident.incident_id == incident_id))
    case = session.get(Case, link.case_id) if link is not None else None
    if case is None or stance_for(case, principal).view is None:
        return None
    return {"id": case.id, "title": case.title, "status": case.status}


@router.get("/cases")
def board_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        rows, _ = cases.list_cases(session, principal, status=CaseStatus.open.value, limit=200)
    except Problem as p:
        return problem_page(request, p, principal, session)
    return render(
        request,
        "cases/board.html",
        principal=principal,
        session=session,
        cases=case_present.present_many(session, rows, principal),
        can_write=principal.has(*CASE_WRITERS),
    )


@router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    try:
        case, stance = cases.get_case(session, case_id, principal)
    except Problem as p:
        return problem_page(request, p, principal, session)
    data = case_present.present(session, case, stance)
    lead = session.get(Agency, case.agency_id)
    return render(
        request,
        "cases/case.html",
        principal=principal,
        session=session,
        case=data,
        lead=(lead.short_name or lead.name) if lead else case.agency_id,
        may=set(data["actions"]),
        milestone_kinds=[k.value for k in MilestoneKind],
        action_kinds=[k.value for k in ActionKind],
    )
