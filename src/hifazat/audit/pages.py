"""The audit log page (/audit): the API's own listing (same scoping and filters), newest first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from hifazat.audit import api as audit_api
from hifazat.auth.policy import Principal
from hifazat.auth.web_session import PageUser, problem_page, render
from hifazat.core.errors import Problem
from hifazat.platform.deps import DbSession, PageParams
from hifazat.web.helpers import MAX_CURSOR, param

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)

# Entities whose id links to their record page (/{entity}/{id}). Strings, not imports: audit sits below
# the registry in the domain order.
LINKABLE = frozenset({"persons", "sites", "projects", "units", "vehicles", "agencies", "users"})


def list_audit(
    session: Session, principal: Principal, filters: dict[str, str | None], cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    page = PageParams(limit=50, cursor=cursor)
    out = audit_api.list_audit(
        session,
        principal,
        page,
        entity=filters.get("entity"),
        entity_id=filters.get("entity_id"),
        actor=filters.get("actor"),
        action=filters.get("action"),
        since=None,
        until=None,
    )
    return list(out["items"]), out["next_cursor"]


@router.get("/audit")
def audit_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    keys = ("entity", "entity_id", "actor", "action")
    filters = {k: param(request, k) for k in keys}
    cursor = param(request, "cursor", MAX_CURSOR)
    try:
        items, nxt = list_audit(session, principal, filters, cursor)
    except Problem as p:
        return problem_page(request, p, principal, session)
    kept = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "audit.html",
        principal=principal,
        session=session,
        items=items,
        filters=filters,
        linkable=LINKABLE,
        pretty=lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=True),
        next_url="/audit?" + urlencode({**kept, "cursor": nxt}) if nxt else None,
        first_url="/audit?" + urlencode(kept) if cursor else None,
    )
