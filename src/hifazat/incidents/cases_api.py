"""The cases API: open a case on incidents, list, read, edit, close and reopen it; its tasks, milestones
and corrective/preventive actions; its timeline (JSON or CSV). Thin: parse, call the service, shape."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from hifazat.auth.deps import CurrentUser
from hifazat.incidents import case_present, case_timeline, case_work, cases
from hifazat.incidents.case_models import CaseStatus
from hifazat.incidents.case_schemas import (
    CaseIn,
    CaseMove,
    CasePatch,
    CloseIn,
    CorrectiveIn,
    CorrectivePatch,
    MilestoneIn,
    MilestonePatch,
    TaskIn,
    TaskPatch,
)
from hifazat.incidents.case_work_models import CaseAction, CaseMilestone, CaseTask
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1")
TAG: list[Any] = ["cases"]
BASE = "/cases/{case_id}"


def _one(session: DbSession, case_id: str, principal: CurrentUser) -> dict[str, Any]:
    case, stance = cases.get_case(session, case_id, principal)
    return case_present.present(session, case, stance)


@router.post("/cases", status_code=201, tags=TAG, summary="Open a case on one or more incidents")
def create_case(body: CaseIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """Your agency leads it; each incident must be visible to you and in no case yet (409 naming it)."""
    case = cases.create(session, body, principal)
    return _one(session, case.id, principal)


@router.get("/cases", tags=TAG, summary="Cases visible to you, newest first")
def list_cases(
    session: DbSession, principal: CurrentUser, page: Page, status: CaseStatus | None = None
) -> dict[str, Any]:
    rows, nxt = cases.list_cases(
        session, principal, status=status.value if status else None, limit=page.limit, cursor=page.cursor
    )
    return {"items": case_present.present_many(session, rows, principal), "next_cursor": nxt}


@router.get(BASE, tags=TAG, summary="One case, with its incidents, investigators and work")
def read_case(case_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """`actions` lists what you may do now; each task, milestone and corrective action says `overdue`."""
    return _one(session, case_id, principal)


@router.patch(BASE, tags=TAG, summary="Edit an open case")
def update_case(case_id: str, body: CasePatch, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    cases.update(session, case_id, body, principal)
    return _one(session, case_id, principal)


@router.post(f"{BASE}/actions/{{action}}", tags=TAG, summary="Close (with findings) or reopen a case")
def move_case(
    case_id: str, action: CaseMove, session: DbSession, principal: CurrentUser, body: CloseIn | None = None
) -> dict[str, Any]:
    """A move the state does not allow answers 409 naming the current state and the allowed moves."""
    cases.move(session, case_id, action, body or CloseIn(), principal)
    return _one(session, case_id, principal)


# Tasks, milestones, corrective actions: the same three routes each, on their own model and bodies.
def _items(session: DbSession, case_id: str, model: type[Any], principal: CurrentUser) -> dict[str, Any]:
    case, _ = cases.get_case(session, case_id, principal)
    return {"items": [case_work.item_json(i) for i in case_work.items_of(session, model, [case.id])]}


@router.post(f"{BASE}/tasks", status_code=201, tags=TAG, summary="Add a task")
def add_task(case_id: str, body: TaskIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """`assignee_id`: a user of your agency."""
    return case_work.item_json(case_work.add(session, case_id, CaseTask, body, principal))


@router.get(f"{BASE}/tasks", tags=TAG, summary="The case's tasks")
def list_tasks(case_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _items(session, case_id, CaseTask, principal)


@router.patch(f"{BASE}/tasks/{{task_id}}", tags=TAG, summary="Edit a task (or mark it done)")
def edit_task(
    case_id: str, task_id: str, body: TaskPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return case_work.item_json(case_work.edit(session, case_id, CaseTask, task_id, body, principal))


@router.post(f"{BASE}/milestones", status_code=201, tags=TAG, summary="Add a milestone")
def add_milestone(
    case_id: str, body: MilestoneIn, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    """`kind`: fir_registered, suspect_identified, suspect_arrested, charge_sheet_filed, hearing,
    findings_published, other; `done_at` not in the future."""
    return case_work.item_json(case_work.add(session, case_id, CaseMilestone, body, principal))


@router.get(f"{BASE}/milestones", tags=TAG, summary="The case's milestones")
def list_milestones(case_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _items(session, case_id, CaseMilestone, principal)


@router.patch(f"{BASE}/milestones/{{milestone_id}}", tags=TAG, summary="Edit a milestone (or mark it done)")
def edit_milestone(
    case_id: str, milestone_id: str, body: MilestonePatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return case_work.item_json(case_work.edit(session, case_id, CaseMilestone, milestone_id, body, principal))


@router.post(
    f"{BASE}/corrective-actions", status_code=201, tags=TAG, summary="Add a corrective or preventive action"
)
def add_corrective(
    case_id: str, body: CorrectiveIn, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    """Owned by a user of your agency (`owner_user_id`) or an agency (`owner_agency_id`): exactly one."""
    return case_work.item_json(case_work.add(session, case_id, CaseAction, body, principal))


@router.get(f"{BASE}/corrective-actions", tags=TAG, summary="The case's corrective and preventive actions")
def list_corrective(case_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return _items(session, case_id, CaseAction, principal)


@router.patch(f"{BASE}/corrective-actions/{{action_id}}", tags=TAG, summary="Edit a corrective action")
def edit_corrective(
    case_id: str, action_id: str, body: CorrectivePatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return case_work.item_json(case_work.edit(session, case_id, CaseAction, action_id, body, principal))


@router.get(
    f"{BASE}/timeline",
    tags=TAG,
    summary="The case's timeline merged with its incidents'",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def read_timeline(
    case_id: str,
    session: DbSession,
    principal: CurrentUser,
    format: Literal["json", "csv"] = "json",
    kind: case_timeline.Kind | None = None,
) -> Any:
    """A summary view (a partner's) has no timeline: the list is empty."""
    case, stance = cases.get_case(session, case_id, principal)
    full = stance.view is not None and stance.view.level == "full"
    items = case_timeline.timeline(session, case, principal, kind=kind) if full else []
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="case-{case.id}-timeline.csv"'}
        return Response(case_timeline.as_csv(items), media_type="text/csv", headers=headers)
    return {"items": items}
