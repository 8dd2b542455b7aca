"""The demo scenario: who protects whom, where, with what — loaded through the real, audited services.

Built around the case in the project's seed (Karachi, November 2024: a private guard fired on two Chinese
workers; the ministry promised more protection where foreigners live and work, better communication and a
joint strategy with the partner embassy). Agencies, sharing agreements, users, CPEC-style projects with
sites at real coordinates (Karachi, Islamabad, Lahore, Gwadar, Dasu and the Karakoram Highway), about 40
protected persons, security units and vehicles.

Companies and every person are fictional; places are real. Coordinates were placed from public sources:
within a few hundred metres in the cities, within a few kilometres at the remote sites (the Dasu dam and
camps, the new Gwadar airport). Good enough for a map and a geofence demo, not for navigation.
The tables are data modules: `data_organisations.py` (agencies, agreements, users, projects) and
`data_registry.py` (sites, persons, units, vehicles, read from the CSV in `demo/data/`), their record shapes
`specs.py`; passport numbers, phones and emergency contacts are derived from the person's name
(`identities.py`), so reruns (and reordered rows) find the same record. This module is the loader.
`load` is idempotent: each record is looked up by its natural key (agency name, user name, project code,
site name within its agency, passport number, call sign within its agency, vehicle registration) and only
created when missing, so a second run changes nothing and writes nothing to the audit log.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.alerts import escalation
from hifazat.alerts.models import EscalationPolicy
from hifazat.alerts.schemas import PolicyIn
from hifazat.auth import service as auth_service
from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.auth.policy import Principal, system_actor
from hifazat.auth.schemas import AgencyIn, AgreementIn, UserIn
from hifazat.config import get_settings
from hifazat.demo import cases as demo_cases
from hifazat.demo import duties as demo_duties
from hifazat.demo import incidents as demo_incidents
from hifazat.demo import personnel as demo_personnel
from hifazat.demo import threat_levels as demo_threat_levels
from hifazat.demo import zones as demo_zones
from hifazat.demo.data_organisations import AGENCIES, AGREEMENTS, POLICIES, PROJECTS, USERS
from hifazat.demo.data_registry import PERSONS, SITES, UNITS, VEHICLES
from hifazat.demo.identities import home_contact, passport_of, pk_mobile, seed
from hifazat.demo.specs import (
    ROOT,
    AgencySpec,
    AgreementSpec,
    PersonSpec,
    PolicySpec,
    ProjectSpec,
    SiteSpec,
    UnitSpec,
    UserSpec,
    VehicleSpec,
)
from hifazat.registry import service as registry
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle
from hifazat.registry.schemas import PersonIn, ProjectIn, SiteIn, UnitIn, VehicleIn
from hifazat.security import crypto

__all__ = [
    "AGENCIES",
    "AGREEMENTS",
    "PERSONS",
    "POLICIES",
    "PROJECTS",
    "SITES",
    "UNITS",
    "USERS",
    "VEHICLES",
    "load",
    "passport_of",
    "rectangle",
]


# --- geometry -------------------------------------------------------------------------------------------

_M_PER_DEG_LAT = 111_320.0


def rectangle(lat: float, lon: float, width_m: float, height_m: float) -> dict[str, Any]:
    """A closed GeoJSON Polygon of width x height metres centred on (lat, lon)."""
    dlat = height_m / 2 / _M_PER_DEG_LAT
    dlon = width_m / 2 / (_M_PER_DEG_LAT * math.cos(math.radians(lat)))
    ring = [
        [round(lon - dlon, 6), round(lat - dlat, 6)],
        [round(lon + dlon, 6), round(lat - dlat, 6)],
        [round(lon + dlon, 6), round(lat + dlat, 6)],
        [round(lon - dlon, 6), round(lat + dlat, 6)],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


# --- the loader -----------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.actor: Principal = system_actor("demo")
        self.agencies: dict[str, str] = {}
        self.projects: dict[str, str] = {}
        self.sites: dict[str, str] = {}
        self.units: dict[tuple[str, str], str] = {}

    def root(self) -> None:
        name = get_settings().admin_agency
        root = self.session.scalar(
            select(Agency).where(Agency.parent_id.is_(None), Agency.deleted_at.is_(None), Agency.name == name)
        )
        if root is None:
            raise RuntimeError(f"agency {name!r} not found: run `hifazat init` before loading the demo")
        self.agencies[ROOT] = root.id

    def agency(self, spec: AgencySpec) -> None:
        found = self.session.scalar(select(Agency).where(func.lower(Agency.name) == spec.name.lower()))
        if found is None:
            data = AgencyIn(
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                parent_id=self.agencies[spec.parent] if spec.parent else None,
                jurisdiction=list(spec.jurisdiction),
                country=spec.country,
            )
            found = auth_service.create_agency(self.session, data=data, principal=self.actor)
        self.agencies[spec.key] = found.id

    def agreement(self, spec: AgreementSpec) -> None:
        grantor, grantee = self.agencies[spec.grantor], self.agencies[spec.grantee]
        exists = self.session.scalar(
            select(SharingAgreement.id).where(
                SharingAgreement.grantor_id == grantor,
                SharingAgreement.grantee_id == grantee,
                SharingAgreement.name == spec.name,
            )
        )
        if exists is not None:
            return
        filters = {
            k: self.projects[v.removeprefix("project:")] if v.startswith("project:") else v
            for k, v in spec.filters.items()
        }
        data = AgreementIn(
            name=spec.name,
            grantor_id=grantor,
            grantee_id=grantee,
            entity_kinds=list(spec.kinds),
            filters=filters,
            level=spec.level,
            redact_fields=list(spec.redact),
        )
        auth_service.create_agreement(self.session, data=data, principal=self.actor)

    def user(self, spec: UserSpec, password: str) -> None:
        exists = self.session.scalar(select(User.id).where(func.lower(User.username) == spec.username))
        if exists is not None:
            return
        data = UserIn(
            username=spec.username,
            password=password,
            full_name=spec.full_name,
            agency_id=self.agencies[spec.agency],
            roles=list(spec.roles),
        )
        auth_service.create_user(self.session, data=data, principal=self.actor)

    def project(self, spec: ProjectSpec) -> None:
        found = self.session.scalar(select(Project.id).where(Project.code == spec.code))
        if found is None:
            data = ProjectIn(
                name=spec.name,
                code=spec.code,
                description=spec.description,
                status=spec.status,
                province=spec.province,
                cpec=spec.cpec,
                sponsor_country="CN",
                agency_id=self.agencies["company"],
            )
            found = registry.create(self.session, "projects", data, self.actor).id
        self.projects[spec.code] = found

    def site(self, spec: SiteSpec) -> None:
        owner = self.agencies[spec.owner]
        found = self.session.scalar(select(Site.id).where(Site.agency_id == owner, Site.name == spec.name))
        if found is None:
            if isinstance(spec.size_m, tuple):
                geometry, radius = rectangle(spec.lat, spec.lon, *spec.size_m), None
            else:
                geometry, radius = {"type": "Point", "coordinates": [spec.lon, spec.lat]}, spec.size_m
            wall, wire, cctv, posts, access = spec.posture
            data = SiteIn(
                name=spec.name,
                kind=spec.kind,
                project_id=self.projects[spec.project] if spec.project else None,
                geometry=geometry,
                radius_m=radius,
                address=spec.address,
                province=spec.province,
                district=spec.district,
                perimeter_wall=wall,
                razor_wire=wire,
                cctv=cctv,
                guard_posts=posts,
                access_control=access,
                agency_id=owner,
            )
            found = registry.create(self.session, "sites", data, self.actor).id
        self.sites[spec.key] = found

    def person(self, spec: PersonSpec) -> None:
        passport = passport_of(spec)
        exists = self.session.scalar(
            select(Person.id).where(Person.passport_index == crypto.blind_index(passport))
        )
        if exists is not None:
            return
        contact_name, contact_phone = home_contact(seed(spec) % 10_000, spec)
        company = self.agencies["company"]
        data = PersonIn(
            given_name=spec.given,
            family_name=spec.family,
            nationality=spec.nationality,
            passport_number=passport,
            employer_agency_id=company,
            project_id=self.projects[spec.project] if spec.project else None,
            residence_site_id=self.sites[spec.residence],
            phone=pk_mobile(seed(spec) >> 16),
            emergency_contact_name=contact_name,
            emergency_contact_phone=contact_phone,
            status=spec.status,
            notes=spec.notes,
            agency_id=company,
        )
        registry.create(self.session, "persons", data, self.actor)

    def unit(self, spec: UnitSpec) -> None:
        owner = self.agencies[spec.agency]
        found = self.session.scalar(
            select(Unit.id).where(Unit.agency_id == owner, Unit.call_sign == spec.call_sign)
        )
        if found is None:
            data = UnitIn(
                call_sign=spec.call_sign,
                kind=spec.kind,
                strength=spec.strength,
                status=spec.status,
                base_site_id=self.sites[spec.base],
                agency_id=owner,
            )
            found = registry.create(self.session, "units", data, self.actor).id
        self.units[(spec.agency, spec.call_sign)] = found

    def vehicle(self, spec: VehicleSpec) -> None:
        exists = self.session.scalar(select(Vehicle.id).where(Vehicle.registration == spec.registration))
        if exists is not None:
            return
        data = VehicleIn(
            registration=spec.registration,
            make_model=spec.make_model,
            armoured_level=spec.armour,
            seats=spec.seats,
            unit_id=self.units[(spec.agency, spec.unit)] if spec.unit else None,
            status=spec.status,
            agency_id=self.agencies[spec.agency],
        )
        registry.create(self.session, "vehicles", data, self.actor)

    def policy(self, spec: PolicySpec) -> None:
        owner = self.agencies[spec.owner]
        exists = self.session.scalar(
            select(EscalationPolicy.id).where(
                EscalationPolicy.agency_id == owner,
                EscalationPolicy.name == spec.name,
                EscalationPolicy.deleted_at.is_(None),
            )
        )
        if exists is not None:
            return
        levels = [
            {"timeout_s": timeout, "targets": [self.target(t) for t in targets]}
            for timeout, targets in spec.levels
        ]
        data = PolicyIn.model_validate(
            {
                "name": spec.name,
                "agency_id": owner,
                "site_id": self.sites[spec.site] if spec.site else None,
                "severity": spec.severity,
                "levels": levels,
            }
        )
        escalation.create_policy(self.session, data, self.actor)

    def target(self, named: dict[str, str]) -> dict[str, str]:
        """A policy target written with names as the ids the policy stores (unknown names fail the load)."""
        agency = self.agency_named(named["agency"]) if "agency" in named else None
        if "user" in named:
            uid = self.session.scalar(
                select(User.id).where(func.lower(User.username) == named["user"].lower())
            )
            if uid is None:
                raise ValueError(f"escalation target: no user {named['user']!r}")
            return {"kind": "user", "id": uid}
        if "unit" in named:
            unit = self.session.scalar(
                select(Unit.id).where(Unit.agency_id == agency, Unit.call_sign == named["unit"])
            )
            if unit is None:
                raise ValueError(f"escalation target: no unit {named['unit']!r} in {named['agency']!r}")
            return {"kind": "unit", "id": unit}
        if "role" in named:
            return {"kind": "role", "role": named["role"], "agency_id": agency or ""}
        return {"kind": "agency", "id": agency or ""}

    def agency_named(self, name: str) -> str:
        found = self.session.scalar(
            select(Agency.id).where(
                Agency.deleted_at.is_(None),
                (func.lower(Agency.short_name) == name.lower()) | (func.lower(Agency.name) == name.lower()),
            )
        )
        if found is None:
            raise ValueError(f"escalation target: no agency named {name!r}")
        return str(found)


def load(session: Session, *, password: str) -> list[tuple[str, str]]:
    """Load the scenario (idempotent) and return (username, description) of every demo login.

    Needs `hifazat init` to have created the ministry. Never commits: the caller's unit of work does.
    """
    loader = _Loader(session)
    loader.root()
    for agency in AGENCIES:
        loader.agency(agency)
    for user in USERS:
        loader.user(user, password)
    for project in PROJECTS:
        loader.project(project)
    for agreement in AGREEMENTS:
        loader.agreement(agreement)
    for site in SITES:
        loader.site(site)
    for person in PERSONS:
        loader.person(person)
    for unit in UNITS:
        loader.unit(unit)
    for vehicle in VEHICLES:
        loader.vehicle(vehicle)
    for policy in POLICIES:
        loader.policy(policy)
    demo_zones.load(session, loader.actor, loader.agencies)  # a convoy corridor, a red zone
    demo_incidents.load(session, loader.actor, loader.agencies, loader.sites)
    demo_cases.load(session, loader.agencies)  # the case on the seed shooting
    demo_personnel.load(session, loader.agencies, loader.agencies[ROOT])  # licences, guards, checks
    demo_duties.load(session, loader.agencies, loader.sites)  # a week at Port Qasim, one refused
    demo_threat_levels.load(session, loader.agencies[ROOT])  # the story's districts
    return [(u.username, u.what) for u in USERS]
