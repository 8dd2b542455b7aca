"""Routes: /duties (the roster). Thin: parse, call the service (which authorises and judges), shape."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hifazat.auth.deps import CurrentUser
from hifazat.auth.policy import view_of
from hifazat.personnel import duties, duty_schemas, schemas
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1")
F = Annotated[str | None, Query(max_length=64)]
TAGS: list[str | Enum] = ["duties"]


def _utc(v: datetime | None) -> datetime | None:
    if v is None:
        return None
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


@router.get("/duties", tags=TAGS, summary="Duties visible to you")
def list_duties(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    personnel_id: F = None,
    site_id: F = None,
    at_from: Annotated[datetime | None, Query(alias="from", description="Overlapping from")] = None,
    at_to: Annotated[datetime | None, Query(alias="to", description="Overlapping until")] = None,
) -> dict[str, Any]:
    filters = {"personnel_id": personnel_id, "site_id": site_id}
    rows, nxt = duties.list_rows(
        session,
        principal,
        filters=filters,
        at_from=_utc(at_from),
        at_to=_utc(at_to),
        limit=page.limit,
        cursor=page.cursor,
    )
    items = [duties.present(r, principal) for r in rows if view_of(r, duties.KIND, principal)]
    return {"items": items, "next_cursor": nxt}


@router.post("/duties", status_code=201, tags=TAGS, summary="Put a person on duty (the hard rule judges it)")
def create_duty(body: duty_schemas.DutyIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """422 `Duty Refused` with `reasons`: every failing condition of the rule; nothing is stored then."""
    return duties.present(duties.create(session, body, principal), principal)


@router.get("/duties/{duty_id}", tags=TAGS, summary="Read one duty")
def read_duty(duty_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    return duties.present(duties.get(session, duty_id, principal), principal)


@router.patch("/duties/{duty_id}", tags=TAGS, summary="Change a duty's shift or arms (judged again)")
def update_duty(
    duty_id: str, body: duty_schemas.DutyPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return duties.present(duties.update(session, duty_id, body, principal), principal)


@router.post("/duties/{duty_id}/actions/{action}", tags=TAGS, summary="Cancel a duty")
def duty_action(
    duty_id: str,
    action: str,
    session: DbSession,
    principal: CurrentUser,
    body: schemas.ActionIn | None = None,
) -> dict[str, Any]:
    row = duties.cancel(session, duty_id, action, body.note if body else None, principal)
    return duties.present(row, principal)
