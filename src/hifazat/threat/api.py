"""The threat-levels API: the current level per district, a district's history, and setting a level."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from hifazat.auth.deps import CurrentUser
from hifazat.core.validators import ProvinceCode
from hifazat.platform.deps import DbSession
from hifazat.threat import service
from hifazat.threat.schemas import LevelIn

router = APIRouter(prefix="/api/v1")
TAG: list[Any] = ["threat"]


@router.get("/threat-levels", tags=TAG, summary="The current threat level of each district that has one")
def list_levels(
    session: DbSession, principal: CurrentUser, province: ProvinceCode | None = None
) -> dict[str, Any]:
    rows = service.current_levels(session, principal, province)
    return {"items": [service.present(r) for r in rows], "default": service.DEFAULT}


@router.post("/threat-levels", status_code=201, tags=TAG, summary="Set a district's threat level")
def set_level(body: LevelIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row = service.set_level(
        session, principal, body.province, body.district, body.level.value, body.reason, source="manual"
    )
    return service.present(row)


@router.get("/threat-levels/history", tags=TAG, summary="Every setting of one district's level, newest first")
def level_history(
    session: DbSession,
    principal: CurrentUser,
    province: ProvinceCode,
    district: Annotated[str, Query(min_length=1, max_length=100)],
) -> dict[str, Any]:
    rows = service.history(session, principal, province, district)
    return {"items": [service.present(r) for r in rows]}
