"""Who is looking at a page: the session cookie resolved server-side, or a redirect to /login; and the
signed-in page render, which looks the viewer's agency up for the shell's header."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal, require
from hifazat.auth.service import COOKIE, principal_for_token
from hifazat.core.errors import Problem
from hifazat.platform.deps import DbSession
from hifazat.web import templating


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


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    session: Session | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The shell's render for a page someone may be signed in to: the header names their agency."""
    agency = None
    if principal is not None and session is not None and principal.agency_id:
        agency = session.get(Agency, principal.agency_id)
    return templating.render(
        request, template, viewer=principal, agency=agency, status_code=status_code, **context
    )


def problem_page(request: Request, p: Problem, principal: Principal, session: Session) -> HTMLResponse:
    """The API's Problem as the shell's error page, with its status."""
    return render(
        request,
        "error.html",
        principal=principal,
        session=session,
        status_code=p.status,
        title=p.title,
        detail=p.detail or p.title,
        status=p.status,
    )


def may(principal: Principal, kind: str, action: str) -> bool:
    """Whether the policy table lets these roles do `action` on `kind` (for showing a link or a button)."""
    try:
        require(principal, kind, action)
    except Problem:
        return False
    return True
