"""Routes: /auth/token, /auth/logout, /me, /agencies, /users, /sharing-agreements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status

from hifazat.auth import service
from hifazat.auth.deps import CurrentUser
from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.auth.origin import require_own_origin
from hifazat.auth.policy import require
from hifazat.auth.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    AgreementIn,
    AgreementOut,
    MeOut,
    Paged,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from hifazat.core.errors import Problem, invalid
from hifazat.core.pagination import paginate
from hifazat.platform.db import unit_of_work
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1")


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
def token(
    request: Request,
    response: Response,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    grant_type: Annotated[str | None, Form()] = None,
    set_cookie: Annotated[bool, Query(description="Also set the session cookie (dashboard login)")] = False,
) -> TokenOut:
    """OAuth2 password grant. Failures are counted; repeated failures lock the account for a while."""
    if grant_type not in (None, "", "password"):
        raise invalid("grant_type", "only the password grant is supported", status=400)
    if set_cookie:  # before the password is even checked: a foreign page learns nothing from the answer
        require_own_origin(request, what="cookie login")
    client = request.client.host if request.client else None
    # Own transaction: a failed attempt must still be counted and audited, then answered with an error.
    with unit_of_work() as session:
        result = service.login(session, username=username, password=password, client=client)
    if result.problem is not None:
        raise result.problem
    assert result.token is not None
    if set_cookie:
        response.set_cookie(
            service.COOKIE,
            result.token,
            max_age=result.expires_in,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return TokenOut(access_token=result.token, expires_in=result.expires_in)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def logout(session: DbSession, principal: CurrentUser, response: Response) -> Response:
    service.logout(session, principal)
    response.delete_cookie(service.COOKIE)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(session: DbSession, principal: CurrentUser) -> MeOut:
    assert principal.user_id
    assert principal.agency_id
    user = service.get_user(session, principal.user_id, principal)
    agency = service.get_agency(session, principal.agency_id)
    return MeOut(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        agency=AgencyOut.model_validate(agency),
        roles=sorted(principal.roles),
        jurisdiction=list(principal.jurisdiction),
        sharing=[
            {"agreement_id": g.agreement_id, "kinds": sorted(g.kinds), "level": g.level, "filters": g.filters}
            for g in principal.grants
        ],
    )


# --- agencies -------------------------------------------------------------------------------------------


@router.get("/agencies", response_model=Paged, tags=["agencies"])
def list_agencies(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    parent_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Paged:
    require(principal, "agencies", "read")
    rows, nxt = paginate(
        session, service.agency_query(q, kind, parent_id), Agency.id, page.limit, page.cursor
    )
    return Paged(items=[AgencyOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.post("/agencies", response_model=AgencyOut, status_code=201, tags=["agencies"])
def create_agency(body: AgencyIn, session: DbSession, principal: CurrentUser) -> Agency:
    return service.create_agency(session, data=body, principal=principal)


@router.get("/agencies/{agency_id}", response_model=AgencyOut, tags=["agencies"])
def get_agency(agency_id: str, session: DbSession, principal: CurrentUser) -> Agency:
    require(principal, "agencies", "read")
    return service.get_agency(session, agency_id)


@router.patch("/agencies/{agency_id}", response_model=AgencyOut, tags=["agencies"])
def patch_agency(agency_id: str, body: AgencyPatch, session: DbSession, principal: CurrentUser) -> Agency:
    changes = body.model_dump(mode="json", exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise invalid("name", "cannot be empty")
    return service.update_agency(session, agency_id=agency_id, changes=changes, principal=principal)


@router.delete("/agencies/{agency_id}", status_code=204, tags=["agencies"])
def delete_agency(agency_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_agency(session, agency_id=agency_id, principal=principal)
    return Response(status_code=204)


# --- users ----------------------------------------------------------------------------------------------


@router.get("/users", response_model=Paged, tags=["users"])
def list_users(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    q: Annotated[str | None, Query(max_length=100)] = None,
    agency_id: Annotated[str | None, Query(max_length=36)] = None,
    role: Annotated[str | None, Query(max_length=20)] = None,
) -> Paged:
    require(principal, "users", "read")

    stmt = service.user_query(principal, q, agency_id, role)
    rows, nxt = paginate(session, stmt, User.id, page.limit, page.cursor)
    return Paged(items=[UserOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def create_user(body: UserIn, session: DbSession, principal: CurrentUser) -> object:
    return service.create_user(session, data=body, principal=principal)


@router.get("/users/{user_id}", response_model=UserOut, tags=["users"])
def get_user(user_id: str, session: DbSession, principal: CurrentUser) -> object:
    return service.get_user(session, user_id, principal)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def patch_user(user_id: str, body: UserPatch, session: DbSession, principal: CurrentUser) -> object:
    changes = body.model_dump(mode="json", exclude_unset=True)
    for key in ("full_name", "roles", "active"):
        if key in changes and changes[key] is None:
            raise invalid(key, "cannot be null")
    return service.update_user(session, user_id=user_id, changes=changes, principal=principal)


@router.delete("/users/{user_id}", status_code=204, tags=["users"])
def delete_user(user_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_user(session, user_id=user_id, principal=principal)
    return Response(status_code=204)


# --- sharing agreements ---------------------------------------------------------------------------------


@router.get("/sharing-agreements", response_model=Paged, tags=["sharing"])
def list_agreements(session: DbSession, principal: CurrentUser, page: Page) -> Paged:
    require(principal, "agreements", "read")

    rows, nxt = paginate(
        session, service.agreement_query(principal), SharingAgreement.id, page.limit, page.cursor
    )
    return Paged(items=[AgreementOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.post("/sharing-agreements", response_model=AgreementOut, status_code=201, tags=["sharing"])
def create_agreement(body: AgreementIn, session: DbSession, principal: CurrentUser) -> object:
    return service.create_agreement(session, data=body, principal=principal)


@router.get("/sharing-agreements/{agreement_id}", response_model=AgreementOut, tags=["sharing"])
def get_agreement(agreement_id: str, session: DbSession, principal: CurrentUser) -> object:
    require(principal, "agreements", "read")
    return service.get_agreement(session, agreement_id, principal)


@router.delete("/sharing-agreements/{agreement_id}", status_code=204, tags=["sharing"])
def delete_agreement(agreement_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_agreement(session, agreement_id=agreement_id, principal=principal)
    return Response(status_code=204)


__all__ = ["Problem", "router"]
