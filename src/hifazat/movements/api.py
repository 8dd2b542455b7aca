"""The movements API: request, list, read, and move through the lifecycle. Thin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hifazat.auth.deps import CurrentUser
from hifazat.movements import service
from hifazat.movements.models import MovementStatus
from hifazat.movements.schemas import ActionIn, MovementIn
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1")
TAG: list[Any] = ["movements"]


@router.post("/movements", status_code=201, tags=TAG, summary="Request a movement (a draft until submitted)")
def create_movement(body: MovementIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row = service.create(session, body, principal)
    _, view = service.get(session, row.id, principal)
    return service.present(row, view, principal)


@router.get("/movements", tags=TAG, summary="Movements visible to you")
def list_movements(
    session: DbSession, principal: CurrentUser, page: Page, status: MovementStatus | None = None
) -> dict[str, Any]:
    rows, nxt = service.list_rows(
        session, principal, status=status.value if status else None, limit=page.limit, cursor=page.cursor
    )
    items = []
    for row in rows:
        _, view = service.get(session, row.id, principal)
        items.append(service.present(row, view, principal))
    return {"items": items, "next_cursor": nxt}


@router.get("/movements/{movement_id}", tags=TAG, summary="One movement, with the actions you may take")
def get_movement(movement_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row, view = service.get(session, movement_id, principal)
    return service.present(row, view, principal)


@router.post("/movements/{movement_id}/actions/{action}", tags=TAG, summary="Move a movement on")
def act(
    movement_id: str, action: str, session: DbSession, principal: CurrentUser, body: ActionIn | None = None
) -> dict[str, Any]:
    row = service.transition(session, movement_id, action, body or ActionIn(), principal)
    _, view = service.get(session, row.id, principal)
    return service.present(row, view, principal)


@router.post("/movements/{movement_id}/evaluate", tags=TAG, summary="Check a movement against the protocol")
def evaluate(movement_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """The default rule set for the highest threat level along the route; computes, stores nothing."""
    return service.evaluate(session, movement_id, principal)
