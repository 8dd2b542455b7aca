"""The threat-levels page: the current level of each district (filter by province) and, for a caller who
may set levels, the form that sets one through the JSON API (static/js/movements.js)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hifazat.auth.web_session import PageUser, problem_page, render
from hifazat.core import places
from hifazat.core.errors import Problem
from hifazat.core.validators import PROVINCES
from hifazat.platform.deps import DbSession
from hifazat.threat import service
from hifazat.threat.models import Level

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


@router.get("/threat-levels")
def levels_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    province = (request.query_params.get("province") or "").strip()
    chosen = province if province in PROVINCES else None
    try:
        rows = service.current_levels(session, principal, chosen)
    except Problem as p:
        return problem_page(request, p, principal, session)
    return render(
        request,
        "threat/levels.html",
        principal=principal,
        session=session,
        levels=[service.present(r) for r in rows],
        chosen=chosen or "",
        provinces=PROVINCES,
        districts={code: list(places.districts_of(code)) for code in PROVINCES},
        level_names=[lvl.value for lvl in Level],
        can_set=principal.has(*service.SETTERS) and bool(principal.jurisdiction),
    )
