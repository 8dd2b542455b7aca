"""Routes: /licences, /personnel, /personnel/{id}/checks and /personnel/{id}/clearance. Thin: parse,
call the service (which authorises), shape the answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hifazat.auth.deps import CurrentUser
from hifazat.auth.policy import view_of
from hifazat.core.errors import invalid
from hifazat.personnel import checks, licences, people, schemas
from hifazat.personnel.models import LicenceKind, LicenceStatus, PersonnelRole, PersonnelStatus
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1")
F = Annotated[str | None, Query(max_length=64)]
LICENCES: list[str | Enum] = ["licences"]
PERSONNEL: list[str | Enum] = ["personnel"]


@router.get("/licences", tags=LICENCES, summary="Licences visible to you")
def list_licences(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    agency_id: F = None,
    kind: LicenceKind | None = None,
    status: LicenceStatus | None = None,
    province: F = None,
) -> dict[str, Any]:
    filters = {"agency_id": agency_id, "kind": kind, "status": status, "province": province}
    rows, nxt = licences.list_rows(session, principal, filters=filters, limit=page.limit, cursor=page.cursor)
    authority = licences.licensing_authority(session, principal)
    items = [licences.present(r, authority) for r in rows if view_of(r, "licences", principal)]
    return {"items": items, "next_cursor": nxt}


@router.post("/licences", status_code=201, tags=LICENCES, summary="Register a company's licence (ministry)")
def create_licence(body: schemas.LicenceIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row = licences.create(session, body, principal)
    return licences.present(row, True)


@router.get("/licences/{licence_id}", tags=LICENCES, summary="Read one licence")
def read_licence(licence_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row, _ = licences.get(session, licence_id, principal)
    return licences.present(row, licences.licensing_authority(session, principal))


@router.patch("/licences/{licence_id}", tags=LICENCES, summary="Change a licence's details (ministry)")
def update_licence(
    licence_id: str, body: schemas.LicencePatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return licences.present(licences.update(session, licence_id, body, principal), True)


@router.post(
    "/licences/{licence_id}/actions/{action}", tags=LICENCES, summary="Suspend, reinstate or revoke a licence"
)
def licence_action(
    licence_id: str,
    action: str,
    session: DbSession,
    principal: CurrentUser,
    body: schemas.ActionIn | None = None,
) -> dict[str, Any]:
    row = licences.transition(session, licence_id, action, body.note if body else None, principal)
    return licences.present(row, True)


@router.get("/personnel", tags=PERSONNEL, summary="Personnel visible to you")
def list_personnel(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Annotated[str | None, Query(max_length=100, description="Names, or an exact CNIC")] = None,
    cnic: Annotated[str | None, Query(max_length=20, description="Exact CNIC (#####-#######-#)")] = None,
    role: PersonnelRole | None = None,
    status: PersonnelStatus | None = None,
    armed: bool | None = None,
    province: F = None,
    agency_id: F = None,
) -> dict[str, Any]:
    """`cnic` and a CNIC in `q` match only where you read the CNIC in full (no oracle for masked ones)."""
    if cnic is not None:
        try:
            cnic = schemas.check_cnic(cnic)
        except ValueError as exc:
            raise invalid("cnic", str(exc)) from None
    filters = {"role": role, "status": status, "armed": armed, "province": province, "agency_id": agency_id}
    rows, nxt = people.list_rows(
        session, principal, q=q, cnic=cnic, filters=filters, limit=page.limit, cursor=page.cursor
    )
    items = [people.present(r, v, principal) for r in rows if (v := view_of(r, "personnel", principal))]
    return {"items": items, "next_cursor": nxt}


@router.post("/personnel", status_code=201, tags=PERSONNEL, summary="Register a guard, escort, driver...")
def create_personnel(body: schemas.PersonnelIn, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row = people.create(session, body, principal)
    _, view = people.get(session, row.id, principal)
    return people.present(row, view, principal)


@router.get("/personnel/{personnel_id}", tags=PERSONNEL, summary="Read one person")
def read_personnel(personnel_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    row, view = people.get(session, personnel_id, principal)
    return people.present(row, view, principal)


@router.patch("/personnel/{personnel_id}", tags=PERSONNEL, summary="Change one person")
def update_personnel(
    personnel_id: str, body: schemas.PersonnelPatch, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    row = people.update(session, personnel_id, body, principal)
    _, view = people.get(session, row.id, principal)
    return people.present(row, view, principal)


@router.get("/personnel/{personnel_id}/checks", tags=PERSONNEL, summary="A person's checks, latest first")
def list_checks(personnel_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    rows = checks.list_checks(session, personnel_id, principal)
    return {"items": [checks.present(r) for r in rows], "next_cursor": None}


@router.post("/personnel/{personnel_id}/checks", status_code=201, tags=PERSONNEL, summary="Record a check")
def record_check(
    personnel_id: str, body: schemas.CheckIn, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    return checks.present(checks.record(session, personnel_id, body, principal))


def _utc(value: datetime | None, default: datetime) -> datetime:
    if value is None:
        return default
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get(
    "/personnel/{personnel_id}/clearance", tags=PERSONNEL, summary="May this person stand armed duty then?"
)
def clearance(
    personnel_id: str,
    session: DbSession,
    principal: CurrentUser,
    at_from: Annotated[datetime | None, Query(alias="from", description="Shift start; default now")] = None,
    at_to: Annotated[datetime | None, Query(alias="to", description="Shift end; default from + 8 h")] = None,
) -> dict[str, Any]:
    """`{"cleared", "from", "to", "reasons"}`: every failing condition of the armed-duty rule."""
    start = _utc(at_from, datetime.now(UTC))
    end = _utc(at_to, start + timedelta(hours=8))
    return checks.clearance(session, personnel_id, start, end, principal)
