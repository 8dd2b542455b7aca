"""The movements pages: the list (/movements) and one movement with its route on the map and the caller's
moves (/movements/{id}). Read through the same service and policy as the API; every button writes through
the JSON API (static/js/movements.js)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hifazat.auth.access import visible_select
from hifazat.auth.web_session import PageUser, problem_page, render
from hifazat.core.errors import Problem
from hifazat.movements import service
from hifazat.movements.models import MovementStatus
from hifazat.platform.deps import DbSession
from hifazat.registry.models import Site

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


@router.get("/movements")
def list_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    status = (request.query_params.get("status") or "").strip()
    chosen = status if status in {s.value for s in MovementStatus} else None
    try:
        rows, _ = service.list_rows(session, principal, status=chosen, limit=200, cursor=None)
    except Problem as p:
        return problem_page(request, p, principal, session)
    items = [service.present(r, service.get(session, r.id, principal)[1], principal) for r in rows]
    return render(
        request,
        "movements/list.html",
        principal=principal,
        session=session,
        movements=items,
        chosen=chosen or "",
        statuses=[s.value for s in MovementStatus],
        site_names=_site_names(session, principal, items),
    )


@router.get("/movements/{movement_id}")
def movement_page(
    movement_id: str, request: Request, session: DbSession, principal: PageUser
) -> HTMLResponse:
    try:
        row, view = service.get(session, movement_id, principal)
    except Problem as p:
        return problem_page(request, p, principal, session)
    data = service.present(row, view, principal)
    return render(
        request,
        "movements/movement.html",
        principal=principal,
        session=session,
        movement=data,
        site_names=_site_names(session, principal, [data]),
    )


def _site_names(session: DbSession, principal: PageUser, items: list[dict[str, object]]) -> dict[str, str]:
    """The names of the sites the caller sees (an id stays an id otherwise)."""
    ids = {str(i[k]) for i in items for k in ("origin_site_id", "destination_site_id")}
    if not ids:
        return {}
    stmt = visible_select(Site, "sites", principal).where(Site.id.in_(ids))
    return {s.id: s.name for s in session.scalars(stmt)}
