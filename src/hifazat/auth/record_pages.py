"""List, detail and create pages for any kind of record a domain registers (persons, sites, ..., agencies,
users): what a page shows (`PageKind`), where its records come from (a `RecordSource`) and how references
get their names and options (a `RefSource` per kind). Records are read through the same services and policy
as the JSON API; forms write through the API with fetch, so every rule and error comes from one place.

It lives in auth because every page here is judged by the policy; domains declare their kinds and call
`add_record_routes`. Templates: list.html, detail.html, new.html (in auth/templates)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal
from hifazat.auth.record_forms import form_context, options_of
from hifazat.auth.web_session import PageUser, may, problem_page, render
from hifazat.core.errors import Problem
from hifazat.core.validators import PROVINCES
from hifazat.platform.deps import DbSession
from hifazat.web.forms import FormField, fields_for
from hifazat.web.helpers import MAX_CURSOR, MAX_Q, PAGE_SIZE, page_size, param
from hifazat.web.templating import humanize, when

TEMPLATES = Path(__file__).parent / "templates"  # list.html, detail.html, new.html

# Which field of a record refers to which kind (for names and links on the pages).
REFS: dict[str, str] = {
    "agency_id": "agencies",
    "employer_agency_id": "agencies",
    "parent_id": "agencies",
    "project_id": "projects",
    "residence_site_id": "sites",
    "base_site_id": "sites",
    "unit_id": "units",
    "person_id": "persons",
    "grantor_id": "agencies",
    "grantee_id": "agencies",
}
# Skipped in the record table: internal, or shown another way.
HIDDEN = frozenset({"view", "redacted", "geometry", "radius_m"})
PROVINCE_CHOICES = tuple(PROVINCES.items())


def choices(values: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(v.value if hasattr(v, "value") else v), str(getattr(v, "value", v))) for v in values)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    link: bool = False  # link to this record's own page
    badge: bool = False  # status-like value rendered as a coloured badge


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    choices: tuple[tuple[str, str], ...] | None = None  # None = free text
    ref: str | None = None  # options from the records of this kind


def label_of(fields: tuple[str, ...], rec: Any) -> str:
    """A record's name from its label fields (a dict from the API or a row), else its id."""
    get: Callable[[str], Any] = rec.get if isinstance(rec, Mapping) else (lambda k: getattr(rec, k, None))
    parts = [str(get(f)) for f in fields if get(f)]
    return " ".join(parts) or str(get("id") or "")


@dataclass(frozen=True)
class PageKind:
    kind: str
    title: str
    singular: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    create: type[BaseModel] | None = None
    patch: type[BaseModel] | None = None
    search_hint: str = "Search"
    skip_create: frozenset[str] = field(default_factory=frozenset)
    label_fields: tuple[str, ...] = ("name",)
    # Owned by one agency, which alone may change it (others see it by jurisdiction or sharing).
    agency_owned: bool = False
    # A detail page that shows more than the record (a person's checks): a template extending
    # detail.html, and what it needs beside the record, read through the domain's own services.
    detail_template: str = "detail.html"
    detail_extra: Callable[[Session, Principal, Record], dict[str, Any]] | None = None
    api: str = ""  # the API's collection under /api/v1 when it is not named `kind` (sharing-agreements)
    perm: str = ""  # the policy's (and the audit log's) kind when it is not `kind` (agreements)
    controls: tuple[FormField, ...] = ()  # form controls chosen here instead of derived from the model
    list_page: bool = True  # False: the domain renders its own list at /{kind} (devices)
    has_map: bool = False  # the forms draw a shape (Leaflet on the page)
    end_field: str = ""  # an "End" button PATCHes this false and ends_at now (escorts)
    delete_label: str = "Retire"

    def label(self, rec: Any) -> str:
        return label_of(self.label_fields, rec)

    @property
    def api_path(self) -> str:
        return self.api or self.kind

    @property
    def policy_kind(self) -> str:
        return self.perm or self.kind

    def form_fields(self, model: type[BaseModel]) -> list[FormField]:
        chosen = {c.name: c for c in self.controls}
        return [chosen.get(f.name, f) for f in fields_for(model, self.skip_create)]


@dataclass
class Record:
    data: dict[str, Any]
    writable: bool
    deletable: bool
    level: str = "full"
    redacted: frozenset[str] = frozenset()


class RecordSource(Protocol):
    """One kind's records as the caller may see them; raises the API's Problem (404 when not visible)."""

    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record: ...


class RefSource(Protocol):
    """Names and options for fields that refer to one kind of record."""

    def names(self, session: Session, principal: Principal, ids: set[str]) -> dict[str, str]: ...

    def options(self, session: Session, principal: Principal) -> list[tuple[str, str]]: ...


@dataclass(frozen=True)
class AgencyRefs:
    """Agencies as references: every agency by name; as an owner only the caller's tree (`owner`), or
    every agency for a platform admin registering agencies and users (`any_for_platform_admin`)."""

    owner: bool = False
    any_for_platform_admin: bool = False

    def names(self, session: Session, principal: Principal, ids: set[str]) -> dict[str, str]:
        rows = session.scalars(select(Agency).where(Agency.id.in_(ids)))
        return {r.id: label_of(("name",), r) for r in rows}

    def options(self, session: Session, principal: Principal) -> list[tuple[str, str]]:
        stmt = select(Agency).where(Agency.deleted_at.is_(None))
        if self.owner and not (self.any_for_platform_admin and principal.platform_admin):
            stmt = stmt.where(Agency.id.in_(principal.tree))
        return [(r.id, r.name) for r in session.scalars(stmt.order_by(Agency.name))]


def ref_names(
    session: Session, principal: Principal, refs: Mapping[str, RefSource], wanted: dict[str, set[str]]
) -> dict[str, dict[str, str]]:
    """{kind: {id: label}} for the referenced ids the caller may see; others stay bare ids."""
    out: dict[str, dict[str, str]] = {}
    for kind, ids in wanted.items():
        ids = {i for i in ids if i}
        if ids and kind in refs:
            out[kind] = refs[kind].names(session, principal, ids)
    return out


def refs_in(items: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for item in items:
        for key, kind in REFS.items():
            value = item.get(key)
            if isinstance(value, str) and value:
                wanted.setdefault(kind, set()).add(value)
    return wanted


# --- the pages ------------------------------------------------------------------------------------------


def _list_page(spec: PageKind, source: RecordSource, refs: Mapping[str, RefSource]) -> Callable[..., Any]:
    kind = spec.kind

    def page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
        q = param(request, "q", MAX_Q)
        cursor = param(request, "cursor", MAX_CURSOR)
        filters = {f.key: param(request, f.key) for f in spec.filters}
        limit = page_size(request)
        try:
            items, nxt = source.list_records(
                session, principal, q=q, filters=filters, cursor=cursor, limit=limit
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
            names=ref_names(session, principal, refs, refs_in(items)),
            refs=REFS,
            q=q or "",
            filters=filters,
            filter_options={
                f.key: list(f.choices)
                if f.choices is not None
                else options_of(session, principal, refs, f.ref or "")
                for f in spec.filters
                if f.choices is not None or f.ref
            },
            next_url=f"/{kind}?" + urlencode({**kept, "cursor": nxt}) if nxt else None,
            first_url=f"/{kind}?" + urlencode(kept) if cursor else None,
            can_create=spec.create is not None and may(principal, spec.policy_kind, "write"),
        )

    page.__name__ = f"{kind}_list_page"
    return page


def _display_rows(rec: Record, names: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for key, value in rec.data.items():
        if key in HIDDEN:
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
        elif key in REFS and isinstance(value, str):
            ref_kind = REFS[key]
            name = names.get(ref_kind, {}).get(value)
            if name:
                row.update(value=name, href=f"/{ref_kind}/{value}")
            else:
                row.update(value="not visible to you", muted=True)
        elif key in ("passport_number", "cnic") and isinstance(value, str) and value.startswith("*"):
            row["badge"] = "masked"
        elif key.endswith("_at"):
            row["value"] = when(value)
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


def _readonly_reason(spec: PageKind, rec: Record, principal: Principal) -> str:
    if rec.writable:
        return ""
    if spec.agency_owned and rec.data.get("agency_id") not in principal.tree:
        return (
            "This record belongs to another agency; yours sees it through its jurisdiction "
            "or a sharing agreement, and only the owning agency may change it."
        )
    return "Your roles allow reading this record, not changing it."


def _detail_page(spec: PageKind, source: RecordSource, refs: Mapping[str, RefSource]) -> Callable[..., Any]:
    kind = spec.kind

    def page(request: Request, entity_id: str, session: DbSession, principal: PageUser) -> HTMLResponse:
        try:
            rec = source.get_record(session, principal, entity_id[:64])
        except Problem as p:
            return problem_page(request, p, principal, session)
        names = ref_names(session, principal, refs, refs_in([rec.data]))
        fields = spec.form_fields(spec.patch) if rec.writable and spec.patch else []
        try:
            extra = spec.detail_extra(session, principal, rec) if spec.detail_extra else {}
        except Problem as p:
            return problem_page(request, p, principal, session)
        return render(
            request,
            spec.detail_template,
            principal=principal,
            session=session,
            spec=spec,
            kind=kind,
            rec=rec,
            title=spec.label(rec.data),
            rows=_display_rows(rec, names),
            saved=request.query_params.get("saved") == "1",
            readonly_reason=_readonly_reason(spec, rec, principal),
            can_audit=may(principal, "audit", "read"),
            form=form_context(session, principal, refs, fields, rec.data, "edit"),
            **extra,
        )

    page.__name__ = f"{kind}_detail_page"
    return page


def _new_page(spec: PageKind, refs: Mapping[str, RefSource]) -> Callable[..., Any]:
    kind = spec.kind
    assert spec.create is not None
    create = spec.create

    def page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
        if not may(principal, spec.policy_kind, "write"):
            p = Problem(403, "Forbidden", f"your roles do not allow registering {spec.title.lower()}")
            return problem_page(request, p, principal, session)
        fields = spec.form_fields(create)
        defaults: dict[str, Any] = {"agency_id": principal.agency_id}
        for name, info in create.model_fields.items():
            if info.is_required():
                continue
            # A default made per record (a device's random identifier) is proposed in the form.
            default = info.get_default(call_default_factory=True)
            if default not in (None, PydanticUndefined):
                defaults.setdefault(name, getattr(default, "value", default))
        return render(
            request,
            "new.html",
            principal=principal,
            session=session,
            spec=spec,
            kind=kind,
            form=form_context(session, principal, refs, fields, defaults, "create"),
        )

    page.__name__ = f"{kind}_new_page"
    return page


def add_record_routes(
    router: APIRouter, spec: PageKind, source: RecordSource, refs: Mapping[str, RefSource]
) -> None:
    """GET /{kind}, /{kind}/new and /{kind}/{entity_id} on `router` (the new page before the detail)."""
    kind = spec.kind
    if spec.list_page:
        router.add_api_route(
            f"/{kind}", _list_page(spec, source, refs), methods=["GET"], response_class=HTMLResponse
        )
    if spec.create is not None:
        router.add_api_route(
            f"/{kind}/new", _new_page(spec, refs), methods=["GET"], response_class=HTMLResponse
        )
    router.add_api_route(
        f"/{kind}/{{entity_id}}",
        _detail_page(spec, source, refs),
        methods=["GET"],
        response_class=HTMLResponse,
    )
