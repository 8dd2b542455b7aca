"""The personnel pages: personnel list, detail (with the person's checks and today's clearance) and new;
licences list, detail and new. Read through the domain's services and the policy, as the JSON API is;
the forms write through the API (auth/record_pages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import create_model
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, view_of
from hifazat.auth.record_pages import (
    PROVINCE_CHOICES,
    AgencyRefs,
    Column,
    Filter,
    PageKind,
    Record,
    RefSource,
    add_record_routes,
    choices,
)
from hifazat.auth.web_session import may
from hifazat.personnel import checks, licences, people, schemas
from hifazat.personnel.models import CheckKind, LicenceKind, LicenceStatus, PersonnelRole, PersonnelStatus

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


# The edit form: every field but the CNIC (a form would echo the number back into the page). The form
# writes through PATCH /api/v1/personnel/{id}, which validates; this model only lays the fields out.
_FORM_FIELDS: dict[str, Any] = {
    n: (f.annotation, f) for n, f in schemas.PersonnelPatch.model_fields.items() if n != "cnic"
}
PersonnelPagePatch = create_model(
    "PersonnelPagePatch",
    __base__=schemas.Strict,
    **_FORM_FIELDS,
)


def _person_extra(session: Session, principal: Principal, rec: Record) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "checks": [checks.present(c) for c in checks.list_checks(session, rec.data["id"], principal)],
        "clearance": checks.clearance(session, rec.data["id"], now, now + timedelta(hours=8), principal),
        "check_kinds": [k.value for k in CheckKind],
        "can_record_check": rec.writable and may(principal, checks.KIND, "write"),
    }


KINDS: dict[str, PageKind] = {
    "personnel": PageKind(
        "personnel",
        "Personnel",
        "person",
        (
            Column("name", "Name", link=True),
            Column("role", "Role"),
            Column("armed", "Armed"),
            Column("status", "Status", badge=True),
            Column("province", "Province"),
            Column("agency_id", "Employer"),
        ),
        (
            Filter("role", "Role", choices(PersonnelRole)),
            Filter("status", "Status", choices(PersonnelStatus)),
            Filter("province", "Province", PROVINCE_CHOICES),
            Filter("agency_id", "Employer", ref="agencies"),
        ),
        schemas.PersonnelIn,
        PersonnelPagePatch,
        "Name or exact CNIC",
        label_fields=("given_name", "family_name"),
        agency_owned=True,
        detail_template="personnel/person.html",
        detail_extra=_person_extra,
    ),
    "licences": PageKind(
        "licences",
        "Licences",
        "licence",
        (
            Column("number", "Number", link=True),
            Column("kind", "Kind"),
            Column("status", "Status", badge=True),
            Column("expires_on", "Expires"),
            Column("province", "Province"),
            Column("agency_id", "Company"),
        ),
        (
            Filter("kind", "Kind", choices(LicenceKind)),
            Filter("status", "Status", choices(LicenceStatus)),
            Filter("agency_id", "Company", ref="agencies"),
        ),
        schemas.LicenceIn,
        schemas.LicencePatch,
        "Search",
        label_fields=("number",),
    ),
}


@dataclass(frozen=True)
class PersonnelRecords:
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
        rows, nxt = people.list_rows(
            session, principal, q=q, cnic=None, filters=filters, limit=limit, cursor=cursor
        )
        return [
            people.present(r, v, principal) for r in rows if (v := view_of(r, people.KIND, principal))
        ], nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        row, view = people.get(session, entity_id, principal)
        data = people.present(row, view, principal)
        writable = view.writable and may(principal, people.KIND, "write")
        return Record(data, writable, False, view.level, frozenset(data.get("redacted") or ()))


@dataclass(frozen=True)
class LicenceRecords:
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
        rows, nxt = licences.list_rows(session, principal, filters=filters, limit=limit, cursor=cursor)
        authority = licences.licensing_authority(session, principal)
        return [licences.present(r, authority) for r in rows if view_of(r, "licences", principal)], nxt

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        row, _ = licences.get(session, entity_id, principal)
        writable = licences.licensing_authority(session, principal)
        return Record(licences.present(row, writable), writable, False)


REFS: Mapping[str, RefSource] = {"agencies": AgencyRefs(), "owner": AgencyRefs(owner=True)}

add_record_routes(router, KINDS["personnel"], PersonnelRecords(), REFS)
add_record_routes(router, KINDS["licences"], LicenceRecords(), REFS)
