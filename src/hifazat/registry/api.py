"""Routes: /persons, /projects, /sites, /units, /vehicles — one thin router per kind, built from a table."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from hifazat.auth.deps import CurrentUser
from hifazat.auth.policy import view_of
from hifazat.platform.deps import DbSession, Page
from hifazat.registry import schemas, service

router = APIRouter(prefix="/api/v1")

Q = Annotated[str | None, Query(max_length=100, description="Free-text search")]
F = Annotated[str | None, Query(max_length=64)]


def _page(kind: str, rows: Any, nxt: str | None, session: Any, principal: Any) -> dict[str, Any]:

    items = []
    for r in rows:
        view = view_of(r, kind, principal)
        if view is not None:
            items.append(service.present(kind, r, view, principal))
    return {"items": items, "next_cursor": nxt}


def _item_routes(
    router: APIRouter, kind: str, create_model: type[BaseModel], patch_model: type[BaseModel]
) -> None:
    tag: list[str | Enum] = [kind]

    def create(body: BaseModel, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
        row = service.create(session, kind, body, principal)
        _, view = service.get(session, kind, row.id, principal)
        return service.present(kind, row, view, principal)

    create.__annotations__["body"] = create_model
    router.add_api_route(
        f"/{kind}", create, methods=["POST"], status_code=201, tags=tag, summary=f"Register one of {kind}"
    )

    def read(entity_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
        row, view = service.get(session, kind, entity_id, principal)
        return service.present(kind, row, view, principal)

    router.add_api_route(
        f"/{kind}/{{entity_id}}", read, methods=["GET"], tags=tag, summary=f"Read one of {kind}"
    )

    def patch(entity_id: str, body: BaseModel, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
        row = service.update(session, kind, entity_id, body, principal)
        _, view = service.get(session, kind, row.id, principal)
        return service.present(kind, row, view, principal)

    patch.__annotations__["body"] = patch_model
    router.add_api_route(
        f"/{kind}/{{entity_id}}", patch, methods=["PATCH"], tags=tag, summary=f"Change one of {kind}"
    )

    def delete(entity_id: str, session: DbSession, principal: CurrentUser) -> Response:
        service.delete(session, kind, entity_id, principal)
        return Response(status_code=204)

    router.add_api_route(
        f"/{kind}/{{entity_id}}",
        delete,
        methods=["DELETE"],
        status_code=204,
        tags=tag,
        summary=f"Retire one of {kind} (soft delete)",
    )


@router.get("/persons", tags=["persons"])
def list_persons(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Q = None,
    nationality: F = None,
    status: F = None,
    project_id: F = None,
    residence_site_id: F = None,
    employer_agency_id: F = None,
    province: F = None,
    agency_id: F = None,
) -> dict[str, Any]:
    """Protected persons visible to you. `q` matches names, phone, or an exact passport number."""
    filters = dict(
        nationality=nationality and nationality.upper(),
        status=status,
        project_id=project_id,
        residence_site_id=residence_site_id,
        employer_agency_id=employer_agency_id,
        province=province,
        agency_id=agency_id,
    )
    rows, nxt = service.list_rows(
        session, "persons", principal, q=q, filters=filters, limit=page.limit, cursor=page.cursor
    )
    return _page("persons", rows, nxt, session, principal)


@router.get("/projects", tags=["projects"])
def list_projects(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Q = None,
    status: F = None,
    province: F = None,
    agency_id: F = None,
) -> dict[str, Any]:
    filters = dict(status=status, province=province, agency_id=agency_id)
    rows, nxt = service.list_rows(
        session, "projects", principal, q=q, filters=filters, limit=page.limit, cursor=page.cursor
    )
    return _page("projects", rows, nxt, session, principal)


@router.get("/sites", tags=["sites"])
def list_sites(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Q = None,
    kind: F = None,
    province: F = None,
    project_id: F = None,
    agency_id: F = None,
) -> dict[str, Any]:
    filters = dict(kind=kind, province=province, project_id=project_id, agency_id=agency_id)
    rows, nxt = service.list_rows(
        session, "sites", principal, q=q, filters=filters, limit=page.limit, cursor=page.cursor
    )
    return _page("sites", rows, nxt, session, principal)


@router.get("/units", tags=["units"])
def list_units(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Q = None,
    kind: F = None,
    status: F = None,
    province: F = None,
    base_site_id: F = None,
    agency_id: F = None,
) -> dict[str, Any]:
    filters = dict(
        kind=kind, status=status, province=province, base_site_id=base_site_id, agency_id=agency_id
    )
    rows, nxt = service.list_rows(
        session, "units", principal, q=q, filters=filters, limit=page.limit, cursor=page.cursor
    )
    return _page("units", rows, nxt, session, principal)


@router.get("/vehicles", tags=["vehicles"])
def list_vehicles(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Q = None,
    armoured_level: F = None,
    status: F = None,
    unit_id: F = None,
    agency_id: F = None,
) -> dict[str, Any]:
    filters = dict(armoured_level=armoured_level, status=status, unit_id=unit_id, agency_id=agency_id)
    rows, nxt = service.list_rows(
        session, "vehicles", principal, q=q, filters=filters, limit=page.limit, cursor=page.cursor
    )
    return _page("vehicles", rows, nxt, session, principal)


for _kind, _in, _patch in (
    ("persons", schemas.PersonIn, schemas.PersonPatch),
    ("projects", schemas.ProjectIn, schemas.ProjectPatch),
    ("sites", schemas.SiteIn, schemas.SitePatch),
    ("units", schemas.UnitIn, schemas.UnitPatch),
    ("vehicles", schemas.VehicleIn, schemas.VehiclePatch),
):
    _item_routes(router, _kind, _in, _patch)
