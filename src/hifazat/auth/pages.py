"""The auth domain's dashboard pages: sign-in (/login), sign-out (/logout), and the list, detail and
create pages of agencies, users and sharing agreements (rendered by auth/record_pages.py). Data is read
through the same services and policy as the API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hifazat.auth import schemas as auth_schemas
from hifazat.auth import service as auth_service
from hifazat.auth.models import Agency, AgencyKind, Role, ShareLevel, SharingAgreement, User
from hifazat.auth.origin import may_come_from
from hifazat.auth.policy import Principal, can_administer, require
from hifazat.auth.record_pages import (
    AgencyRefs,
    Column,
    Filter,
    PageKind,
    Record,
    RefSource,
    add_record_routes,
    choices,
)
from hifazat.auth.web_session import cookie_principal, may, render, safe_next
from hifazat.core.like import contains_ci
from hifazat.core.pagination import paginate
from hifazat.platform.deps import DbSession
from hifazat.web.forms import FormField

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)


# --- login / logout -------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, session: DbSession) -> Response:
    target = safe_next(request.query_params.get("next"))
    if cookie_principal(request, session) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", next=target)


@router.post("/logout")
def logout_page(request: Request, session: DbSession) -> Response:
    """Revoke the session token and clear the cookie (form post from the page header)."""
    if not may_come_from(request):
        return Response("cross-origin logout refused", status_code=403, media_type="text/plain")
    principal = cookie_principal(request, session)
    if principal is not None:
        auth_service.logout(session, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth_service.COOKIE)
    return response


# --- agencies and users ---------------------------------------------------------------------------------

AGENCIES = PageKind(
    "agencies",
    "Agencies",
    "agency",
    (
        Column("name", "Name", link=True),
        Column("short_name", "Short name"),
        Column("kind", "Kind"),
        Column("parent_id", "Parent"),
        Column("jurisdiction", "Jurisdiction"),
        Column("country", "Country"),
    ),
    (Filter("kind", "Kind", choices(AgencyKind)),),
    auth_schemas.AgencyIn,
    auth_schemas.AgencyPatch,
    "Name or short name",
)
USERS = PageKind(
    "users",
    "Users",
    "user",
    (
        Column("username", "User name", link=True),
        Column("full_name", "Full name"),
        Column("agency_id", "Agency"),
        Column("roles", "Roles"),
        Column("active", "Active", badge=True),
        Column("last_login_at", "Last login"),
    ),
    (Filter("role", "Role", choices(Role)), Filter("agency_id", "Agency", ref="agencies")),
    auth_schemas.UserIn,
    auth_schemas.UserPatch,
    "User name or full name",
    label_fields=("username",),
)
AGREEMENTS = PageKind(
    "sharing-agreements",
    "Sharing agreements",
    "sharing agreement",
    (
        Column("name", "Name", link=True),
        Column("grantor_id", "Grantor"),
        Column("grantee_id", "Grantee"),
        Column("entity_kinds", "Kinds"),
        Column("level", "View", badge=True),
        Column("valid_from", "From"),
        Column("valid_to", "Until"),
    ),
    create=auth_schemas.AgreementIn,
    search_hint="Name",
    api="sharing-agreements",
    perm="agreements",
    controls=(
        FormField(
            "entity_kinds",
            "Kinds shared",
            "multi",
            True,
            choices=tuple((k, k.replace("_", " ")) for k in auth_schemas.SHAREABLE_KINDS),
        ),
        FormField("level", "View", "select", choices=choices(ShareLevel)),  # what the grantee sees
        FormField("redact_fields", "Withheld fields", "list", help="separate several with commas"),
    ),
    delete_label="End agreement",
)
# A platform admin registers agencies and users for any agency, not only its own tree.
REFS: Mapping[str, RefSource] = {
    "agencies": AgencyRefs(),
    "owner": AgencyRefs(owner=True, any_for_platform_admin=True),
}


class AgencyRecords:
    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        require(principal, "agencies", "read")
        stmt = auth_service.agency_query(q, filters.get("kind"), None)
        rows, nxt = paginate(session, stmt, Agency.id, limit, cursor)
        return [auth_schemas.AgencyOut.model_validate(r).model_dump(mode="json") for r in rows], nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        require(principal, "agencies", "read")
        agency = auth_service.get_agency(session, entity_id)
        data = auth_schemas.AgencyOut.model_validate(agency).model_dump(mode="json")
        writable = may(principal, "agencies", "write") and can_administer(principal, agency.id)
        return Record(data, writable, writable and agency.id != principal.agency_id)


class UserRecords:
    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        require(principal, "users", "read")
        stmt = auth_service.user_query(principal, q, filters.get("agency_id"), filters.get("role"))
        rows, nxt = paginate(session, stmt, User.id, limit, cursor)
        return [auth_schemas.UserOut.model_validate(r).model_dump(mode="json") for r in rows], nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        user = auth_service.get_user(session, entity_id, principal)
        data = auth_schemas.UserOut.model_validate(user).model_dump(mode="json")
        writable = may(principal, "users", "write") and can_administer(principal, user.agency_id)
        return Record(data, writable, writable and user.id != principal.user_id)


class AgreementRecords:
    """The agreements the caller's tree grants or receives (`agreement_query`); ended, never edited."""

    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        require(principal, "agreements", "read")
        stmt = auth_service.agreement_query(principal)
        if q:
            stmt = stmt.where(contains_ci(SharingAgreement.name, q))
        rows, nxt = paginate(session, stmt, SharingAgreement.id, limit, cursor)
        return [auth_schemas.AgreementOut.model_validate(r).model_dump(mode="json") for r in rows], nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        require(principal, "agreements", "read")
        row = auth_service.get_agreement(session, entity_id, principal)
        data = auth_schemas.AgreementOut.model_validate(row).model_dump(mode="json")
        ends = may(principal, "agreements", "write") and can_administer(principal, row.grantor_id)
        return Record(data, False, ends)


add_record_routes(router, AGENCIES, AgencyRecords(), REFS)
add_record_routes(router, AGREEMENTS, AgreementRecords(), REFS)
add_record_routes(router, USERS, UserRecords(), REFS)
