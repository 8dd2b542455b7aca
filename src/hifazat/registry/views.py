"""What the registry's list/detail pages show, and how they read: through the registry's own service
(list_rows, get, present) and the policy, exactly as the JSON API does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hifazat.auth.access import visible_select
from hifazat.auth.policy import Principal, view_of
from hifazat.auth.record_pages import (
    PROVINCE_CHOICES,
    AgencyRefs,
    Column,
    Filter,
    PageKind,
    Record,
    RefSource,
    choices,
    label_of,
)
from hifazat.auth.web_session import may
from hifazat.registry import schemas as reg_schemas
from hifazat.registry import service as registry
from hifazat.registry.models import ArmourLevel, PersonStatus, ProjectStatus, SiteKind, UnitKind, UnitStatus

REGISTRY = ("persons", "sites", "projects", "units", "vehicles")

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
            Filter("status", "Status", choices(PersonStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("project_id", "Project", ref="projects"),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.PersonIn,
        reg_schemas.PersonPatch,
        "Name, phone or exact passport number",
        label_fields=("given_name", "family_name"),
        agency_owned=True,
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
            Filter("kind", "Kind", choices(SiteKind)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("project_id", "Project", ref="projects"),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.SiteIn,
        reg_schemas.SitePatch,
        "Name, address or district",
        agency_owned=True,
        has_map=True,
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
            Filter("status", "Status", choices(ProjectStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.ProjectIn,
        reg_schemas.ProjectPatch,
        "Name or code",
        agency_owned=True,
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
            Filter("kind", "Kind", choices(UnitKind)),
            Filter("status", "Status", choices(UnitStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.UnitIn,
        reg_schemas.UnitPatch,
        "Call sign",
        label_fields=("call_sign",),
        agency_owned=True,
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
            Filter("armoured_level", "Armour", choices(ArmourLevel)),
            Filter("status", "Status", choices(("available", "in_use", "maintenance", "retired"))),
            Filter("unit_id", "Unit", ref="units"),
            Filter("agency_id", "Agency", ref="agencies"),
        ),
        reg_schemas.VehicleIn,
        reg_schemas.VehiclePatch,
        "Registration or make",
        label_fields=("registration",),
        agency_owned=True,
    ),
}


@dataclass(frozen=True)
class RegistryRecords:
    """One registry kind's records as the caller may see them (same scoping and shaping as the API)."""

    kind: str

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
        if filters.get("nationality"):
            filters["nationality"] = (filters["nationality"] or "").upper()
        rows, nxt = registry.list_rows(
            session, self.kind, principal, q=q, filters=filters, limit=limit, cursor=cursor
        )
        items = []
        for r in rows:
            view = view_of(r, self.kind, principal)
            if view is not None:
                items.append(registry.present(self.kind, r, view, principal))
        return items, nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        row, view = registry.get(session, self.kind, entity_id, principal)
        data = registry.present(self.kind, row, view, principal)
        writable = view.writable and may(principal, self.kind, "write")
        return Record(data, writable, writable, view.level, frozenset(data.get("redacted") or ()))


@dataclass(frozen=True)
class RegistryRefs:
    """A registry kind as a reference: names and options of the records the caller may see."""

    kind: str

    def _model(self) -> Any:
        return registry.SPECS[self.kind].model

    def names(self, session: Session, principal: Principal, ids: set[str]) -> dict[str, str]:
        model = self._model()
        rows = session.scalars(visible_select(model, self.kind, principal).where(model.id.in_(ids)))
        fields = KINDS[self.kind].label_fields
        return {r.id: label_of(fields, r) for r in rows}

    def options(self, session: Session, principal: Principal) -> list[tuple[str, str]]:
        model = self._model()
        fields = KINDS[self.kind].label_fields
        order = getattr(model, fields[-1])
        rows = session.scalars(visible_select(model, self.kind, principal).order_by(order).limit(500))
        return sorted(((r.id, label_of(fields, r)) for r in rows), key=lambda o: o[1].lower())


# What a registry page's reference fields resolve against: agencies, and the registry's own kinds.
REFS: Mapping[str, RefSource] = {
    "agencies": AgencyRefs(),
    "owner": AgencyRefs(owner=True),
    **{kind: RegistryRefs(kind) for kind in REGISTRY},
}
