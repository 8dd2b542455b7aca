"""Server-rendered dashboard pages: login, the map of sites, list/detail/create pages for the registry,
agencies and users, and the audit log. Data is read through the same services and policy as the API;
forms write through the JSON API with fetch, so every rule and error comes from one place."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic_core import PydanticUndefined

from hifazat.auth import service as auth_service
from hifazat.auth.policy import Principal
from hifazat.core.errors import Problem
from hifazat.platform.deps import DbSession
from hifazat.registry.models import SiteKind
from hifazat.web import hooks, views
from hifazat.web.forms import FormField, fields_for, initial
from hifazat.web.session import PageUser, cookie_principal, safe_next
from hifazat.web.templating import humanize, render
from hifazat.web.templating import when as _when

router = APIRouter(include_in_schema=False)

MAX_Q = 100
MAX_CURSOR = 200
PAGE_SIZE = 50


def problem_page(request: Request, p: Problem, principal: Principal, session: Any) -> HTMLResponse:
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


def _param(request: Request, name: str, limit: int = 64) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value[:limit] or None


def _page_size(request: Request) -> int:
    raw = request.query_params.get("limit", "")
    return max(1, min(int(raw), 200)) if raw.isdigit() else PAGE_SIZE


# --- login / logout -------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, session: DbSession) -> Response:
    target = safe_next(request.query_params.get("next"))
    if cookie_principal(request, session) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", next=target)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        # No Origin: the SameSite=Strict cookie is still never sent cross-site.
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", request.url.netloc)


@router.post("/logout")
def logout_page(request: Request, session: DbSession) -> Response:
    """Revoke the session token and clear the cookie (form post from the page header)."""
    if not _same_origin(request):
        return Response("cross-origin logout refused", status_code=403, media_type="text/plain")
    principal = cookie_principal(request, session)
    if principal is not None:
        auth_service.logout(session, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth_service.COOKIE)
    return response


# --- map ------------------------------------------------------------------------------------------------


@router.get("/")
def map_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    return render(
        request,
        "map.html",
        principal=principal,
        session=session,
        site_kinds=[k.value for k in SiteKind],
        map_scripts=list(hooks.MAP_SCRIPTS),
        map_styles=list(hooks.MAP_STYLES),
        can_add_site=views.may(principal, "sites", "write"),
    )


# --- lists ----------------------------------------------------------------------------------------------


def _list_page(kind: str) -> Callable[..., HTMLResponse]:
    spec = views.KINDS[kind]

    def page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
        q = _param(request, "q", MAX_Q)
        cursor = _param(request, "cursor", MAX_CURSOR)
        filters = {f.key: _param(request, f.key) for f in spec.filters}
        limit = _page_size(request)
        try:
            items, nxt = views.list_records(
                session, principal, kind, q=q, filters=filters, cursor=cursor, limit=limit
            )
        except Problem as p:
            return problem_page(request, p, principal, session)
        kept: dict[str, Any] = {k: v for k, v in {"q": q, **filters}.items() if v}
        if limit != PAGE_SIZE:
            kept["limit"] = limit
        return render(
            request,
            "list.html",
            principal=principal,
            session=session,
            spec=spec,
            kind=kind,
            items=items,
            names=views.ref_names(session, principal, views.refs_in(items)),
            refs=views.REFS,
            q=q or "",
            filters=filters,
            filter_options={
                f.key: list(f.choices)
                if f.choices is not None
                else views.options(session, principal, f.ref or "")
                for f in spec.filters
                if f.choices is not None or f.ref
            },
            next_url=f"/{kind}?" + urlencode({**kept, "cursor": nxt}) if nxt else None,
            first_url=f"/{kind}?" + urlencode(kept) if cursor else None,
            can_create=spec.create is not None and views.may(principal, kind, "write"),
        )

    page.__name__ = f"{kind}_list_page"
    return page


@router.get("/audit")
def audit_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    keys = ("entity", "entity_id", "actor", "action")
    filters = {k: _param(request, k) for k in keys}
    cursor = _param(request, "cursor", MAX_CURSOR)
    try:
        items, nxt = views.list_audit(session, principal, filters, cursor)
    except Problem as p:
        return problem_page(request, p, principal, session)
    kept = {k: v for k, v in filters.items() if v}
    linkable = {*views.REGISTRY, "agencies", "users"}
    return render(
        request,
        "audit.html",
        principal=principal,
        session=session,
        items=items,
        filters=filters,
        linkable=linkable,
        pretty=lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=True),
        next_url="/audit?" + urlencode({**kept, "cursor": nxt}) if nxt else None,
        first_url="/audit?" + urlencode(kept) if cursor else None,
    )


# --- one record -----------------------------------------------------------------------------------------


def _display_rows(kind: str, rec: views.Record, names: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for key, value in rec.data.items():
        if key in views.HIDDEN:
            continue
        row: dict[str, Any] = {
            "key": key,
            "label": humanize(key),
            "value": value,
            "href": None,
            "badge": None,
            "muted": False,
        }
        if key in rec.redacted:
            row.update(value="", badge="redacted")
        elif key in views.REFS and isinstance(value, str):
            ref_kind = views.REFS[key]
            name = names.get(ref_kind, {}).get(value)
            if name:
                row.update(value=name, href=f"/{ref_kind}/{value}")
            else:
                row.update(value="not visible to you", muted=True)
        elif key == "passport_number" and isinstance(value, str) and value.startswith("*"):
            row["badge"] = "masked"
        elif key.endswith("_at"):
            row["value"] = _when(value)
        elif isinstance(value, bool):
            row["value"] = "yes" if value else "no"
        elif isinstance(value, list):
            row["value"] = ", ".join(str(v) for v in value) or "—"
        elif isinstance(value, dict):
            row["value"] = json.dumps(value, sort_keys=True)
        if row["value"] is None or row["value"] == "":
            row["value"] = "—" if row["badge"] is None else ""
        rows.append(row)
    return rows


def _readonly_reason(kind: str, rec: views.Record, principal: Principal) -> str:
    if rec.writable:
        return ""
    if kind in views.REGISTRY and rec.data.get("agency_id") not in principal.tree:
        return (
            "This record belongs to another agency; yours sees it through its jurisdiction "
            "or a sharing agreement, and only the owning agency may change it."
        )
    return "Your roles allow reading this record, not changing it."


def _initial_for(f: FormField, data: dict[str, Any]) -> str:
    if f.widget in ("password",) or f.name == "passport_number":
        return ""  # write-only: empty means keep
    value = data.get(f.name)
    if f.widget == "multi":
        chosen = set(value or ())
        return ", ".join(v for v, _ in f.choices if v in chosen)
    return initial(value)


def _form_context(
    session: Any,
    principal: Principal,
    kind: str,
    fields: list[FormField],
    data: dict[str, Any],
    mode: str,
) -> dict[str, Any]:
    opts: dict[str, list[tuple[str, str]]] = {}
    for f in fields:
        if f.ref:
            ref = f.ref
            if ref == "owner" and kind in ("users", "agencies") and principal.platform_admin:
                ref = "agencies"
            opts[f.name] = views.options(session, principal, ref)
            current = data.get(f.name)
            if isinstance(current, str) and current and current not in {o[0] for o in opts[f.name]}:
                opts[f.name].insert(0, (current, current))
    return {
        "fields": fields,
        "initials": {f.name: _initial_for(f, data) for f in fields},
        "options": opts,
        "values": data,
        "mode": mode,
    }


def _detail_page(kind: str) -> Callable[..., HTMLResponse]:
    spec = views.KINDS[kind]

    def page(request: Request, entity_id: str, session: DbSession, principal: PageUser) -> HTMLResponse:
        try:
            rec = views.get_record(session, principal, kind, entity_id[:64])
        except Problem as p:
            return problem_page(request, p, principal, session)
        names = views.ref_names(session, principal, views.refs_in([rec.data]))
        fields = fields_for(spec.patch) if rec.writable and spec.patch else []
        return render(
            request,
            "detail.html",
            principal=principal,
            session=session,
            spec=spec,
            kind=kind,
            rec=rec,
            title=views.label_of(kind, rec.data),
            rows=_display_rows(kind, rec, names),
            saved=request.query_params.get("saved") == "1",
            readonly_reason=_readonly_reason(kind, rec, principal),
            can_audit=views.may(principal, "audit", "read"),
            form=_form_context(session, principal, kind, fields, rec.data, "edit"),
        )

    page.__name__ = f"{kind}_detail_page"
    return page


def _new_page(kind: str) -> Callable[..., HTMLResponse]:
    spec = views.KINDS[kind]
    assert spec.create is not None
    create = spec.create

    def page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
        if not views.may(principal, kind, "write"):
            p = Problem(403, "Forbidden", f"your roles do not allow registering {kind}")
            return problem_page(request, p, principal, session)
        fields = fields_for(create)
        defaults: dict[str, Any] = {"agency_id": principal.agency_id}
        for name, info in create.model_fields.items():
            if not info.is_required() and info.default not in (None, PydanticUndefined):
                default = info.default
                defaults.setdefault(name, getattr(default, "value", default))
        return render(
            request,
            "new.html",
            principal=principal,
            session=session,
            spec=spec,
            kind=kind,
            form=_form_context(session, principal, kind, fields, defaults, "create"),
        )

    page.__name__ = f"{kind}_new_page"
    return page


for _kind in ("persons", "sites", "projects", "units", "vehicles", "agencies", "users"):
    router.add_api_route(f"/{_kind}", _list_page(_kind), methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"/{_kind}/new", _new_page(_kind), methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(
        f"/{_kind}/{{entity_id}}", _detail_page(_kind), methods=["GET"], response_class=HTMLResponse
    )
