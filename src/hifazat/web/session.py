"""Who is looking at a page: the session cookie resolved server-side, or a redirect to /login."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from hifazat.auth.policy import Principal
from hifazat.auth.service import COOKIE, principal_for_token
from hifazat.platform.deps import DbSession


def safe_next(value: str | None) -> str:
    """Only a local path may be a post-login target (no scheme, no //host, no backslash tricks)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 for c in value):
        return "/"
    return value


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(safe_next(target), safe="")


def cookie_principal(request: Request, session: DbSession) -> Principal | None:
    token = request.cookies.get(COOKIE)
    return principal_for_token(session, token) if token else None


def page_principal(request: Request, session: DbSession) -> Principal:
    """Dependency for pages: the signed-in principal, else 303 to /login?next=<this page>."""
    principal = cookie_principal(request, session)
    if principal is None:
        raise HTTPException(status_code=303, detail="sign in first", headers={"Location": login_url(request)})
    request.state.principal = principal
    return principal


PageUser = Annotated[Principal, Depends(page_principal)]
