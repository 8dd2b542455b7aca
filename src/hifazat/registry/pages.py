"""The registry's dashboard pages: the map of sites ("/") and the list, detail and create pages of
persons, sites, projects, units and vehicles (see auth/record_pages.py for how those render)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hifazat.auth.record_pages import add_record_routes
from hifazat.auth.web_session import PageUser, may, render
from hifazat.platform.deps import DbSession
from hifazat.registry import views
from hifazat.registry.models import SiteKind
from hifazat.web import map_layers

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)


@router.get("/")
def map_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    return render(
        request,
        "map.html",
        principal=principal,
        session=session,
        site_kinds=[k.value for k in SiteKind],
        map_scripts=map_layers.scripts(),
        map_styles=map_layers.styles(),
        can_add_site=may(principal, "sites", "write"),
    )


for _kind in views.REGISTRY:
    add_record_routes(router, views.KINDS[_kind], views.RegistryRecords(_kind), views.REFS)
