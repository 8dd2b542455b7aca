"""What each list/detail page shows, and how it reads its data: through the same service functions and
policy as the JSON API (list_rows/present, agency_query, user_query, the audit route), never around them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth import schemas as auth_schemas
from hifazat.auth import service as auth_service
from hifazat.auth.access import visible_select
from hifazat.auth.models import Agency, AgencyKind, Role, User
from hifazat.auth.policy import Principal, can_administer, require, view_of
from hifazat.core.errors import Problem
from hifazat.core.pagination import paginate
from hifazat.core.validators import PROVINCES
from hifazat.platform.deps import PageParams
from hifazat.registry import schemas as reg_schemas
from hifazat.registry import service as registry
from hifazat.registry.models import (
    ArmourLevel,
    PersonStatus,
    ProjectStatus,
    SiteKind,
    UnitKind,
    UnitStatus,
)

REGISTRY = ("persons", "sites", "projects", "units", "vehicles")
LABEL_FIELDS: dict[str, tuple[str, ...]] = {
    "persons": ("given_name", "family_name"),
    "sites": ("name",),
    "projects": ("name",),
    "units": ("call_sign",),
    "vehicles": ("registration",),
    "agencies": ("name",),
    "users": ("username",),
}
# Which field of a record refers to which kind (for names and links on the pages).
REFS: dict[str, str] = {
    "agency_id": "agencies",
    "employer_agency_id": "agencies",
    "parent_id": "agencies",
    "project_id": "projects",
    "residence_site_id": "sites",
    "base_site_id": "sites",
    "unit_id": "units",
}
# Skipped in the record table: internal, or shown another way.
HIDDEN = frozenset({"view", "redacted", "geometry", "radius_m"})


def _choices(values: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(v.value if hasattr(v, "value") else v), str(getattr(v, "value", v))) for v in values)


PROVINCE_CHOICES = tuple(PROVINCES.items())


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


def label_of(kind: str, rec: Any) -> str:
    get: Callable[[str], Any] = rec.get if isinstance(rec, Mapping) else (lambda k: getattr(rec, k, None))
    parts = [str(get(f)) for f in LABEL_FIELDS.get(kind, ("id",)) if get(f)]
    return " ".join(parts) or str(get("id") or "")


KINDS: dict[str, PageKind] = {
    "persons": PageKind(
        "persons",
        "Protected persons",
        "person",
        (
            Column("name", "Name", link=True),
            Column("nationality", "Nationality"),
            Column("status", "Status", badge=True),
            Column("province", "Province"),
            Column("project_id", "Project"),
            Column("agency_id", "Agency"),
            Column("view", "View", badge=True),
        ),
        (
            Filter("nationality", "Nationality"),
            Filter("status", "Status", _choices(PersonStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("project_id", "Project", ref="projects"),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.PersonIn,
        reg_schemas.PersonPatch,
        "Name, phone or exact passport number",
    ),
    "sites": PageKind(
        "sites",
        "Sites",
        "site",
        (
            Column("name", "Name", link=True),
            Column("kind", "Kind", badge=True),
            Column("province", "Province"),
            Column("district", "District"),
            Column("project_id", "Project"),
            Column("agency_id", "Agency"),
        ),
        (
            Filter("kind", "Kind", _choices(SiteKind)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("project_id", "Project", ref="projects"),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.SiteIn,
        reg_schemas.SitePatch,
        "Name, address or district",
    ),
    "projects": PageKind(
        "projects",
        "Projects",
        "project",
        (
            Column("name", "Name", link=True),
            Column("code", "Code"),
            Column("status", "Status", badge=True),
            Column("province", "Province"),
            Column("cpec", "CPEC"),
            Column("agency_id", "Agency"),
        ),
        (
            Filter("status", "Status", _choices(ProjectStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.ProjectIn,
        reg_schemas.ProjectPatch,
        "Name or code",
    ),
    "units": PageKind(
        "units",
        "Security units",
        "unit",
        (
            Column("call_sign", "Call sign", link=True),
            Column("kind", "Kind"),
            Column("status", "Status", badge=True),
            Column("strength", "Strength"),
            Column("province", "Province"),
            Column("base_site_id", "Base"),
            Column("agency_id", "Agency"),
        ),
        (
            Filter("kind", "Kind", _choices(UnitKind)),
            Filter("status", "Status", _choices(UnitStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.UnitIn,
        reg_schemas.UnitPatch,
        "Call sign",
    ),
    "vehicles": PageKind(
        "vehicles",
        "Vehicles",
        "vehicle",
        (
            Column("registration", "Registration", link=True),
            Column("make_model", "Make / model"),
            Column("armoured_level", "Armour"),
            Column("status", "Status", badge=True),
            Column("unit_id", "Unit"),
            Column("agency_id", "Agency"),
        ),
        (
            Filter("armoured_level", "Armour", _choices(ArmourLevel)),
            Filter("status", "Status", _choices(("available", "in_use", "maintenance", "retired"))),
            Filter("unit_id", "Unit", ref="units"),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.VehicleIn,
        reg_schemas.VehiclePatch,
        "Registration or make",
    ),
    "agencies": PageKind(
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
        (Filter("kind", "Kind", _choices(AgencyKind)),),
        auth_schemas.AgencyIn,
        auth_schemas.AgencyPatch,
        "Name or short name",
    ),
    "users": PageKind(
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
        (Filter("role", "Role", _choices(Role)), Filter("agency_id", "Agency", ref="agencies")),
        auth_schemas.UserIn,
        auth_schemas.UserPatch,
        "User name or full name",
    ),
}


def may(principal: Principal, kind: str, action: str) -> bool:
    try:
        require(principal, kind, action)
    except Problem:
        return False
    return True


# --- lists ----------------------------------------------------------------------------------------------


def list_records(
    session: Session,
    principal: Principal,
    kind: str,
    *,
    q: str | None,
    filters: dict[str, str | None],
    cursor: str | None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of records as the caller may see them (same scoping and shaping as the API)."""
    if kind in REGISTRY:
        if filters.get("nationality"):
            filters["nationality"] = (filters["nationality"] or "").upper()
        rows, nxt = registry.list_rows(
            session, kind, principal, q=q, filters=filters, limit=limit, cursor=cursor
        )
        items = []
        for r in rows:
            view = view_of(r, kind, principal)
            if view is not None:
                items.append(registry.present(kind, r, view, principal))
        return items, nxt
    if kind == "agencies":
        require(principal, "agencies", "read")
        stmt = auth_service.agency_query(q, filters.get("kind"), None)
        rows, nxt = paginate(session, stmt, Agency.id, limit, cursor)
        return [auth_schemas.AgencyOut.model_validate(r).model_dump(mode="json") for r in rows], nxt
    if kind == "users":
        require(principal, "users", "read")
        stmt = auth_service.user_query(principal, q, filters.get("agency_id"), filters.get("role"))
        rows, nxt = paginate(session, stmt, User.id, limit, cursor)
        return [auth_schemas.UserOut.model_validate(r).model_dump(mode="json") for r in rows], nxt
    raise KeyError(kind)


def list_audit(
    session: Session, principal: Principal, filters: dict[str, str | None], cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    from hifazat.audit import api as audit_api

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


# --- one record -----------------------------------------------------------------------------------------


@dataclass
class Record:
    data: dict[str, Any]
    writable: bool
    deletable: bool
    level: str = "full"
    redacted: frozenset[str] = frozenset()


def get_record(session: Session, principal: Principal, kind: str, entity_id: str) -> Record:
    """The record as the caller may see it; raises the API's Problem (404 when not visible)."""
    if kind in REGISTRY:
        row, view = registry.get(session, kind, entity_id, principal)
        data = registry.present(kind, row, view, principal)
        writable = view.writable and may(principal, kind, "write")
        return Record(data, writable, writable, view.level, frozenset(data.get("redacted") or ()))
    if kind == "agencies":
        require(principal, "agencies", "read")
        agency = auth_service.get_agency(session, entity_id)
        data = auth_schemas.AgencyOut.model_validate(agency).model_dump(mode="json")
        writable = may(principal, "agencies", "write") and can_administer(principal, agency.id)
        return Record(data, writable, writable and agency.id != principal.agency_id)
    if kind == "users":
        user = auth_service.get_user(session, entity_id, principal)
        data = auth_schemas.UserOut.model_validate(user).model_dump(mode="json")
        writable = may(principal, "users", "write") and can_administer(principal, user.agency_id)
        return Record(data, writable, writable and user.id != principal.user_id)
    raise KeyError(kind)


# --- names and options for references ---------------------------------------------------------------------


def _registry_model(kind: str) -> Any:
    return registry.SPECS[kind].model


def ref_names(
    session: Session, principal: Principal, wanted: dict[str, set[str]]
) -> dict[str, dict[str, str]]:
    """{kind: {id: label}} for the referenced ids the caller may see; others stay bare ids."""
    out: dict[str, dict[str, str]] = {}
    for kind, ids in wanted.items():
        ids = {i for i in ids if i}
        if not ids:
            continue
        if kind == "agencies":
            rows: Iterable[Any] = session.scalars(select(Agency).where(Agency.id.in_(ids)))
        elif kind in REGISTRY:
            model = _registry_model(kind)
            rows = session.scalars(visible_select(model, kind, principal).where(model.id.in_(ids)))
        else:
            continue
        out[kind] = {r.id: label_of(kind, r) for r in rows}
    return out


def refs_in(items: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for item in items:
        for key, kind in REFS.items():
            value = item.get(key)
            if isinstance(value, str) and value:
                wanted.setdefault(kind, set()).add(value)
    return wanted


def options(session: Session, principal: Principal, ref: str) -> list[tuple[str, str]]:
    """Choices for a reference field: what the caller may see (or, for an owner, may write for)."""
    if ref in ("agencies", "owner"):
        stmt = select(Agency).where(Agency.deleted_at.is_(None))
        if ref == "owner":
            stmt = stmt.where(Agency.id.in_(principal.tree))
        rows: Iterable[Any] = session.scalars(stmt.order_by(Agency.name))
        return [(r.id, r.name) for r in rows]
    if ref in REGISTRY:
        model = _registry_model(ref)
        order = getattr(model, LABEL_FIELDS[ref][-1])
        rows = session.scalars(visible_select(model, ref, principal).order_by(order).limit(500))
        return sorted(((r.id, label_of(ref, r)) for r in rows), key=lambda o: o[1].lower())
    return []
