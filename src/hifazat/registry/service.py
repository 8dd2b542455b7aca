"""Registry services: one generic, audited CRUD path configured per entity kind. Never commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.models import Agency
from hifazat.auth.policy import (
    SENSITIVE_ID_ROLES,
    Fields,
    Principal,
    View,
    can_write_agency,
    require,
    where_readable,
)
from hifazat.core.errors import Problem, conflict, forbidden, invalid
from hifazat.core.geometry import validate_geometry
from hifazat.core.like import contains_ci
from hifazat.core.pagination import paginate
from hifazat.platform.audit.writes import audited_create, audited_delete, audited_update
from hifazat.registry import places, schemas
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle
from hifazat.security import crypto


@dataclass(frozen=True)
class Spec:
    kind: str
    model: type[Any]
    out: type[BaseModel]
    summary: frozenset[str]
    search: tuple[str, ...]
    filters: tuple[str, ...]
    # field -> (model, kind) of a referenced record the caller must be able to see
    refs: dict[str, tuple[type[Any], str]] = field(default_factory=dict)
    unique: tuple[str, ...] = ()
    prepare: Callable[[Session, dict[str, Any], Any | None], None] | None = None


def _site_prepare(session: Session, values: dict[str, Any], row: Site | None) -> None:
    if "geometry" in values or "radius_m" in values:
        geometry = values.get("geometry") or (row.geometry if row else None)
        radius = values.get("radius_m", row.radius_m if row else None)
        if geometry is None:
            raise invalid("geometry", "is required")
        try:
            geometry, lat, lon = validate_geometry(geometry, radius)
        except ValueError as exc:
            raise invalid("geometry", str(exc)) from exc
        values.update(
            geometry=geometry,
            center_lat=lat,
            center_lon=lon,
            radius_m=radius if geometry["type"] == "Point" else None,
        )


def _province_from(site_field: str) -> Callable[[Session, dict[str, Any], Any | None], None]:
    def prepare(session: Session, values: dict[str, Any], row: Any | None) -> None:
        if site_field in values:
            site = session.get(Site, values[site_field]) if values[site_field] else None
            values["province"] = site.province if site else None
            values["district"] = site.district if site else None

    return prepare


def _person_prepare(session: Session, values: dict[str, Any], row: Person | None) -> None:
    _province_from("residence_site_id")(session, values, row)
    if "passport_number" in values:
        plain = values.pop("passport_number")
        values["passport_enc"] = crypto.encrypt(plain) if plain else None
        values["passport_index"] = crypto.blind_index(plain) if plain else None
        values["passport_last"] = plain[-3:] if plain else None


SPECS: dict[str, Spec] = {
    "projects": Spec(
        "projects",
        Project,
        schemas.ProjectOut,
        frozenset({"id", "agency_id", "name", "code", "status", "province", "cpec"}),
        search=("name", "code"),
        filters=("status", "province", "agency_id"),
        unique=("code",),
    ),
    "sites": Spec(
        "sites",
        Site,
        schemas.SiteOut,
        frozenset({"id", "agency_id", "name", "kind", "center_lat", "center_lon", "province", "district"}),
        search=("name", "address", "district"),
        filters=("kind", "province", "project_id", "agency_id"),
        refs={"project_id": (Project, "projects")},
        prepare=_site_prepare,
    ),
    "persons": Spec(
        "persons",
        Person,
        schemas.PersonOut,
        frozenset(
            {
                "id",
                "agency_id",
                "given_name",
                "family_name",
                "nationality",
                "status",
                "province",
                "project_id",
                "employer_agency_id",
            }
        ),
        search=("given_name", "family_name", "phone"),
        filters=(
            "nationality",
            "status",
            "project_id",
            "residence_site_id",
            "employer_agency_id",
            "province",
            "agency_id",
        ),
        refs={"project_id": (Project, "projects"), "residence_site_id": (Site, "sites")},
        prepare=_person_prepare,
    ),
    "units": Spec(
        "units",
        Unit,
        schemas.UnitOut,
        frozenset({"id", "agency_id", "call_sign", "kind", "status", "province"}),
        search=("call_sign",),
        filters=("kind", "status", "province", "base_site_id", "agency_id"),
        refs={"base_site_id": (Site, "sites")},
        prepare=_province_from("base_site_id"),
    ),
    "vehicles": Spec(
        "vehicles",
        Vehicle,
        schemas.VehicleOut,
        frozenset({"id", "agency_id", "registration", "armoured_level", "status"}),
        search=("registration", "make_model"),
        filters=("armoured_level", "status", "unit_id", "agency_id"),
        refs={"unit_id": (Unit, "units")},
        unique=("registration",),
    ),
}


def _check_refs(session: Session, spec: Spec, values: dict[str, Any], principal: Principal) -> None:
    for fname, (model, kind) in spec.refs.items():
        ref_id = values.get(fname)
        if ref_id:
            try:
                get_visible(session, model, kind, ref_id, principal)
            except Problem as exc:
                raise invalid(fname, f"no such {kind.rstrip('s')} visible to you") from exc
    emp = values.get("employer_agency_id")
    if emp:
        ag = session.get(Agency, emp)
        if ag is None or ag.deleted_at is not None:
            raise invalid("employer_agency_id", "no such agency")


def _check_unique(session: Session, spec: Spec, values: dict[str, Any], except_id: str | None) -> None:
    for fname in spec.unique:
        value = values.get(fname)
        if value is None:
            continue
        col = getattr(spec.model, fname)
        q = session.query(spec.model.id).filter(col == value)  # uniqueness spans all agencies
        if except_id:
            q = q.filter(spec.model.id != except_id)
        if q.first() is not None:
            raise conflict(f"{fname} {value!r} is already registered", field=fname)
    if spec.kind == "units" and "call_sign" in values:
        agency_id = values.get("agency_id")
        # Like the unique constraint, this spans retired units too: a call sign is never reused.
        q2 = session.query(Unit.id).filter(Unit.call_sign == values["call_sign"], Unit.agency_id == agency_id)
        if except_id:
            q2 = q2.filter(Unit.id != except_id)
        if q2.first() is not None:
            raise conflict(
                f"call sign {values['call_sign']!r} is already used in this agency", field="call_sign"
            )


def create(session: Session, kind: str, data: BaseModel, principal: Principal) -> Any:
    spec = SPECS[kind]
    require(principal, kind, "write")
    values = data.model_dump(mode="json", exclude_none=False)
    owner = values.pop("agency_id", None) or principal.agency_id
    if not can_write_agency(principal, owner):
        raise forbidden("you may only register records for your own agency or one below it")
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    values["agency_id"] = owner
    _check_refs(session, spec, values, principal)
    if spec.prepare:
        spec.prepare(session, values, None)
    _place(session, kind, values, None, principal, owner)
    _check_unique(session, spec, values, None)
    return audited_create(session, spec.model(**values), kind=kind, principal=principal)


def get(session: Session, kind: str, entity_id: str, principal: Principal) -> tuple[Any, View]:
    require(principal, kind, "read")
    spec = SPECS[kind]
    return get_visible(session, spec.model, kind, entity_id, principal)


def update(session: Session, kind: str, entity_id: str, patch: BaseModel, principal: Principal) -> Any:
    spec = SPECS[kind]
    require(principal, kind, "write")
    row, _ = get_visible(session, spec.model, kind, entity_id, principal, for_write=True)
    values = patch.model_dump(mode="json", exclude_unset=True)
    required = {n for n, f in spec.model.__table__.columns.items() if not f.nullable}
    for fname, value in values.items():
        if value is None and fname in required:
            raise invalid(fname, "cannot be null")
    _check_refs(session, spec, values, principal)
    if spec.prepare:
        spec.prepare(session, values, row)
    _place(session, kind, values, row, principal, row.agency_id)
    _check_unique(
        session, spec, {**values, "agency_id": row.agency_id} if "call_sign" in values else values, row.id
    )
    audited_update(session, row, values, kind=kind, principal=principal)
    if kind == "sites" and ("province" in values or "district" in values):
        _follow_site_place(session, row, principal)
    return row


def _place(
    session: Session, kind: str, values: dict[str, Any], row: Any, principal: Principal, owner: str
) -> None:
    """Place is derived, not typed (18.6): sites from their geometry, projects from their sites."""
    if kind == "sites":
        places.place_site(values, row, principal, owner)
    elif kind == "projects":
        places.place_project(session, values, row, principal, owner)


def _follow_site_place(session: Session, site: Site, principal: Principal) -> None:
    """Persons living at a site and units based there carry its province and district (their scope for
    jurisdiction): keep them. The audit entry names only what changed."""
    for model, ref, ref_kind in (
        (Person, Person.residence_site_id, "persons"),
        (Unit, Unit.base_site_id, "units"),
    ):
        rows = session.scalars(
            select(model).where(
                ref == site.id,
                model.deleted_at.is_(None),
                model.province.is_distinct_from(site.province)
                | model.district.is_distinct_from(site.district),
            )
        ).all()
        for dependant in rows:
            place = {"province": site.province, "district": site.district}
            audited_update(session, dependant, place, kind=ref_kind, principal=principal)


def delete(session: Session, kind: str, entity_id: str, principal: Principal) -> None:
    require(principal, kind, "write")
    row, _ = get_visible(session, SPECS[kind].model, kind, entity_id, principal, for_write=True)
    audited_delete(session, row, kind=kind, principal=principal)


def list_rows(
    session: Session,
    kind: str,
    principal: Principal,
    *,
    q: str | None,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Any], str | None]:
    spec = SPECS[kind]
    require(principal, kind, "read")
    stmt = visible_select(spec.model, kind, principal)

    def on(fname: str, condition: Any) -> Any:  # a field the caller cannot read in full never matches
        return where_readable(spec.model, kind, principal, fname, condition)

    for fname, value in filters.items():
        if value is not None:
            stmt = stmt.where(on(fname, getattr(spec.model, fname) == value))
    if q:
        conds: list[Any] = [on(c, contains_ci(getattr(spec.model, c), q)) for c in spec.search]
        if kind == "persons" and len(q) >= 5:
            conds.append(on("passport_number", Person.passport_index == crypto.blind_index(q)))
        stmt = stmt.where(or_(*conds))
    return paginate(session, stmt, spec.model.id, limit, cursor)


def fields() -> tuple[Fields, ...]:
    """Each kind's fields as the policy judges searches and filters on them (the summary `present` keeps;
    passport numbers unmasked only for the roles that need them)."""
    needs = {"persons": {"passport_number": SENSITIVE_ID_ROLES}}
    return tuple(Fields(k, s.summary, needs.get(k, {})) for k, s in SPECS.items())


def present(kind: str, row: Any, view: View, principal: Principal) -> dict[str, Any]:
    """The record as this caller may see it: summary fields only, redactions applied, IDs masked."""
    spec = SPECS[kind]
    out = spec.out.model_validate(row, from_attributes=True) if kind != "persons" else _person_out(row)
    data = out.model_dump(mode="json")
    if kind == "persons":
        data["passport_number"] = _passport_view(row, view, principal)
        data["view"] = view.level
    redacted = sorted(view.redact & set(data))
    if view.level != "full":
        keep = spec.summary | {"view", "redacted"}
        redacted = sorted(set(redacted) | {k for k in data if k not in keep and data[k] is not None})
        data = {k: (v if k in keep else None) for k, v in data.items()}
    for k in view.redact:
        if k in data:
            data[k] = None
    if "redacted" in data or redacted:
        data["redacted"] = redacted
    return data


def _person_out(row: Person) -> schemas.PersonOut:
    values = {k: getattr(row, k) for k in schemas.PersonOut.model_fields if hasattr(row, k)}
    values.pop("passport_number", None)
    return schemas.PersonOut(**values)


def _passport_view(row: Person, view: View, principal: Principal) -> str | None:
    if not row.passport_enc:
        return None
    if view.level == "full" and principal.has(*SENSITIVE_ID_ROLES) and "passport_number" not in view.redact:
        return crypto.decrypt(row.passport_enc)
    return "*" * 6 + (row.passport_last or "")
