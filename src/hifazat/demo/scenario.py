"""The demo scenario: who protects whom, where, with what — loaded through the real, audited services.

Built around the case in the project's seed (Karachi, November 2024: a private guard fired on two Chinese
workers; the ministry promised more protection where foreigners live and work, better communication and a
joint strategy with the partner embassy). Agencies, sharing agreements, users, CPEC-style projects with
sites at real coordinates (Karachi, Islamabad, Lahore, Gwadar, Dasu and the Karakoram Highway), about 40
protected persons, security units and vehicles.

Companies and every person are fictional; places are real. Coordinates were placed from public sources:
within a few hundred metres in the cities, within a few kilometres at the remote sites (the Dasu dam and
camps, the new Gwadar airport). Good enough for a map and a geofence demo, not for navigation.
The long tables (sites, persons, units, vehicles) live as CSV in `demo/data/`; passport numbers, phones
and emergency contacts are derived from the person's name, so reruns (and reordered rows) find the same
record.
`load` is idempotent: each record is looked up by its natural key (agency name, user name, project code,
site name within its agency, passport number, call sign within its agency, vehicle registration) and only
created when missing, so a second run changes nothing and writes nothing to the audit log.
"""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.auth import service as auth_service
from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.auth.policy import Principal, system_actor
from hifazat.auth.schemas import AgencyIn, AgreementIn, UserIn
from hifazat.config import get_settings
from hifazat.registry import service as registry
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle
from hifazat.registry.schemas import PersonIn, ProjectIn, SiteIn, UnitIn, VehicleIn
from hifazat.security import crypto

DATA = Path(__file__).parent / "data"
ROOT = "moi"  # key of the ministry that `hifazat init` creates (settings.admin_agency)

# --- agencies -------------------------------------------------------------------------------------------


class AgencySpec(NamedTuple):
    key: str
    name: str
    short_name: str
    kind: str
    parent: str | None  # key of the parent agency; None = top level
    jurisdiction: tuple[str, ...]
    country: str = "PK"


AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("noc", "MoI National Operations Centre", "NOC", "federal_ministry", ROOT, ("PK",)),
    AgencySpec(
        "sindh", "Sindh Police — Special Protection Unit", "Sindh SPU", "provincial_police", ROOT, ("PK-SD",)
    ),
    AgencySpec("isb", "Islamabad Capital Police", "ICT Police", "provincial_police", ROOT, ("PK-IS",)),
    AgencySpec("punjab", "Punjab Police — SPU", "Punjab SPU", "provincial_police", ROOT, ("PK-PB",)),
    AgencySpec(
        "balochistan",
        "Balochistan Levies / Police",
        "Balochistan Police",
        "provincial_police",
        ROOT,
        ("PK-BA",),
    ),
    AgencySpec(
        "army",
        "Army Special Security Division",
        "SSD",
        "army_security_division",
        ROOT,
        ("PK-KP", "PK-BA", "PK-GB"),
    ),
    AgencySpec("shield", "Shield Guard Services (Pvt) Ltd", "Shield", "private_security_company", ROOT, ()),
    AgencySpec("sentinel", "Sentinel Security (Pvt) Ltd", "Sentinel", "private_security_company", ROOT, ()),
    AgencySpec(
        "company",
        "Silk Road Power & Infrastructure Co. (Pvt) Ltd",
        "SRPIC",
        "project_company",
        ROOT,
        (),
    ),
    AgencySpec(
        "embassy",
        "Embassy of the People's Republic of China — Security Liaison Office",
        "CN Embassy SLO",
        "foreign_embassy",
        None,
        (),
        "CN",
    ),
)

# --- sharing agreements ---------------------------------------------------------------------------------


class AgreementSpec(NamedTuple):
    name: str
    grantor: str
    grantee: str
    kinds: tuple[str, ...]
    filters: dict[str, str]  # values starting with "project:" name a project code
    level: str
    redact: tuple[str, ...] = ()


_CN = {"nationality": "CN"}
AGREEMENTS: tuple[AgreementSpec, ...] = (
    # The project company and the guard companies tell the embassy about its nationals, passport hidden.
    *(
        AgreementSpec(
            "Chinese nationals under protection",
            g,
            "embassy",
            ("persons",),
            _CN,
            "full",
            ("passport_number",),
        )
        for g in ("company", "shield", "sentinel")
    ),
    # ... and where they live and work (sites carry no nationality, so this one is unfiltered, summary).
    *(
        AgreementSpec("Residences and project sites", g, "embassy", ("sites",), {}, "summary")
        for g in ("company", "shield", "sentinel")
    ),
    # The ministry's whole tree: every Chinese national it registers, names and status only.
    AgreementSpec(
        "Joint strategy: status of Chinese nationals", ROOT, "embassy", ("persons",), _CN, "summary"
    ),
    # The project company lets each guard company see the people and sites of the project it guards.
    AgreementSpec(
        "Port Qasim guarding contract",
        "company",
        "shield",
        ("persons", "sites"),
        {"project_id": "project:PQ-CFPP"},
        "summary",
    ),
    AgreementSpec(
        "Orange Line depot guarding contract",
        "company",
        "sentinel",
        ("persons", "sites"),
        {"project_id": "project:LHR-OLMT"},
        "summary",
    ),
)

# --- users ----------------------------------------------------------------------------------------------


class UserSpec(NamedTuple):
    username: str
    full_name: str
    agency: str
    roles: tuple[str, ...]
    what: str  # printed next to the login by `hifazat demo`


USERS: tuple[UserSpec, ...] = (
    UserSpec(
        "noc.operator",
        "NOC Duty Operations Officer",
        "noc",
        ("operator",),
        "NOC operations officer: whole country, live map, dispatch",
    ),
    UserSpec(
        "noc.analyst",
        "NOC Threat Analyst",
        "noc",
        ("analyst",),
        "NOC analyst: incident reports and risk levels, whole country",
    ),
    UserSpec(
        "moi.auditor",
        "MoI Internal Audit Officer",
        ROOT,
        ("auditor",),
        "ministry auditor: the whole tamper-evident audit log",
    ),
    UserSpec(
        "sindh.spu",
        "Sindh SPU Control Room Officer",
        "sindh",
        ("operator",),
        "Sindh SPU control room: everything in Sindh (Karachi)",
    ),
    UserSpec(
        "sindh.responder",
        "Sindh SPU Protection Team Leader",
        "sindh",
        ("responder",),
        "Sindh SPU field responder, Karachi",
    ),
    UserSpec(
        "police.investigator",
        "Sindh Police Investigating Officer",
        "sindh",
        ("investigator",),
        "Sindh Police investigator: the Karachi case, sees passport numbers",
    ),
    UserSpec(
        "isb.police",
        "Islamabad Police Operations Officer",
        "isb",
        ("operator",),
        "Islamabad Capital Police operations: Islamabad only",
    ),
    UserSpec(
        "punjab.spu",
        "Punjab SPU Operations Officer",
        "punjab",
        ("operator",),
        "Punjab SPU operations: Lahore and Punjab",
    ),
    UserSpec(
        "balochistan.police",
        "Balochistan Police Operations Officer",
        "balochistan",
        ("operator",),
        "Balochistan Levies / Police operations: Gwadar",
    ),
    UserSpec(
        "army.ssd",
        "SSD Operations Officer",
        "army",
        ("operator",),
        "Army SSD operations: Khyber Pakhtunkhwa, Balochistan, Gilgit-Baltistan",
    ),
    UserSpec(
        "army.qrf",
        "SSD Quick Reaction Force Commander",
        "army",
        ("responder",),
        "Army SSD quick reaction force (Dasu, Gwadar)",
    ),
    UserSpec(
        "shield.manager",
        "Shield Guard Services Site Security Manager",
        "shield",
        ("admin", "operator"),
        "private security company manager: own guards, Port Qasim project",
    ),
    UserSpec(
        "shield.guard",
        "Shield Guard Services Guard Supervisor",
        "shield",
        ("responder",),
        "private guard supervisor, Port Qasim",
    ),
    UserSpec(
        "sentinel.manager",
        "Sentinel Security Site Security Manager",
        "sentinel",
        ("admin", "operator"),
        "private security company manager: own guards, Orange Line depot",
    ),
    UserSpec(
        "company.security",
        "SRPIC Head of Security",
        "company",
        ("admin", "operator"),
        "project company security head: its projects, sites, staff",
    ),
    UserSpec(
        "embassy.liaison",
        "Embassy Security Liaison Officer",
        "embassy",
        ("liaison",),
        "embassy liaison: Chinese nationals only, passports redacted",
    ),
)

# --- projects -------------------------------------------------------------------------------------------


class ProjectSpec(NamedTuple):
    code: str
    name: str
    province: str
    cpec: bool
    status: str
    description: str


PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        "PQ-CFPP",
        "Port Qasim 1,320 MW Coal-Fired Power Plant",
        "PK-SD",
        True,
        "active",
        "Two 660 MW supercritical units with a coal jetty at Port Qasim, 37 km east of Karachi; "
        "CPEC early-harvest project, operations and maintenance by Chinese staff.",
    ),
    ProjectSpec(
        "KHI-K2K3",
        "Karachi Nuclear Power Plant Units 2 and 3 (support works)",
        "PK-SD",
        False,
        "active",
        "Support and maintenance contract at the Karachi nuclear site, Paradise Point.",
    ),
    ProjectSpec(
        "LHR-OLMT",
        "Lahore Orange Line Metro Train (operations and maintenance)",
        "PK-PB",
        True,
        "active",
        "27 km metro line from Ali Town to Dera Gujran; rolling-stock depot at Dera Gujran.",
    ),
    ProjectSpec(
        "GWD-PORT",
        "Gwadar Port multipurpose terminal and free zone",
        "PK-BA",
        True,
        "active",
        "Deep-sea port terminal on the East Bay of Gwadar and the adjoining free zone.",
    ),
    ProjectSpec(
        "GWD-NGIA",
        "New Gwadar International Airport",
        "PK-BA",
        True,
        "active",
        "Greenfield airport at Gurandani, north-east of Gwadar: handover and maintenance works.",
    ),
    ProjectSpec(
        "DASU-HPP",
        "Dasu Hydropower Project, Stage I (2,160 MW)",
        "PK-KP",
        False,
        "active",
        "RCC gravity dam on the Indus about 7 km upstream of Dasu, Upper Kohistan; main civil works by a "
        "Chinese contractor, staff commute on the Karakoram Highway between camp and dam.",
    ),
)

# --- sites ----------------------------------------------------------------------------------------------


class SiteSpec(NamedTuple):
    key: str
    name: str
    kind: str
    owner: str
    project: str | None
    lat: float
    lon: float
    size_m: tuple[float, float] | float  # (width, height) of a rectangle, or the radius of a circle
    province: str
    district: str
    address: str
    # perimeter wall, razor wire, CCTV, guard posts, access control
    posture: tuple[bool, bool, bool, int, bool]


def _read(name: str) -> list[dict[str, str]]:
    """Rows of a CSV table shipped in demo/data/ (one record a line, easy to review and extend)."""
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _site(row: dict[str, str]) -> SiteSpec:
    w, _, h = row["size_m"].partition("x")
    return SiteSpec(
        row["key"],
        row["name"],
        row["kind"],
        row["owner"],
        row["project"] or None,
        float(row["lat"]),
        float(row["lon"]),
        (float(w), float(h)) if h else float(w),
        row["province"],
        row["district"],
        row["address"],
        (row["wall"] == "1", row["wire"] == "1", row["cctv"] == "1", int(row["posts"]), row["access"] == "1"),
    )


SITES: tuple[SiteSpec, ...] = tuple(_site(r) for r in _read("sites.csv"))


# --- protected persons ----------------------------------------------------------------------------------


class PersonSpec(NamedTuple):
    given: str
    family: str
    nationality: str
    project: str | None
    residence: str
    status: str = "in_country"
    notes: str = ""


PERSONS: tuple[PersonSpec, ...] = tuple(
    PersonSpec(
        r["given"],
        r["family"],
        r["nationality"],
        r["project"] or None,
        r["residence"],
        r["status"],
        r["notes"],
    )
    for r in _read("persons.csv")
)
_RELATIONS = ("spouse", "father", "mother", "brother", "sister")
_HOME_GIVEN = ("Li", "Ping", "Hua", "Fang", "Jun", "Yan", "Qing", "Hong")
_CN_MOBILE = (130, 131, 135, 136, 137, 138, 139, 150, 151, 158, 159, 186, 187, 188)


def _seed(spec: PersonSpec) -> int:
    """A stable number per person (from the name), so rows may be added or reordered without renumbering."""
    digest = hashlib.sha256(f"{spec.given}|{spec.family}|{spec.nationality}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def passport_of(spec: PersonSpec) -> str:
    """The person's (fictional) passport number, in the style of the issuing country."""
    prefix = {"CN": "E", "DE": "C", "KR": "M", "TR": "U", "JP": "TK"}.get(spec.nationality, "P")
    digits = 9 - len(prefix)
    return f"{prefix}{_seed(spec) % 10**digits:0{digits}d}"


def _pk_mobile(i: int) -> str:
    network = (300, 301, 302, 303, 311, 312, 321, 333, 334, 345)[i % 10]
    return f"+92 {network} {i // 10 % 10_000_000:07d}"


def _home_contact(i: int, spec: PersonSpec) -> tuple[str, str]:
    if spec.nationality == "CN":
        name = f"{spec.family} {_HOME_GIVEN[i % len(_HOME_GIVEN)]} ({_RELATIONS[i % len(_RELATIONS)]})"
        prefix = _CN_MOBILE[i % len(_CN_MOBILE)]
        return name, f"+86 {prefix} {(1000 + i * 37) % 10000:04d} {(5000 + i * 113) % 10000:04d}"
    codes = {"DE": "+49 151", "KR": "+82 10", "TR": "+90 532", "JP": "+81 90"}
    number = f"{(2000 + i * 53) % 10000:04d} {(3000 + i * 71) % 10000:04d}"
    relation = _RELATIONS[i % len(_RELATIONS)]
    return f"{spec.family} family ({relation})", f"{codes.get(spec.nationality, '+44 7700')} {number}"


# --- units and vehicles ---------------------------------------------------------------------------------


class UnitSpec(NamedTuple):
    call_sign: str
    agency: str
    kind: str
    strength: int
    status: str
    base: str


UNITS: tuple[UnitSpec, ...] = tuple(
    UnitSpec(r["call_sign"], r["agency"], r["kind"], int(r["strength"]), r["status"], r["base"])
    for r in _read("units.csv")
)


class VehicleSpec(NamedTuple):
    registration: str
    agency: str
    make_model: str
    armour: str
    seats: int
    unit: str | None  # call sign in the same agency
    status: str = "available"


VEHICLES: tuple[VehicleSpec, ...] = tuple(
    VehicleSpec(
        r["registration"],
        r["agency"],
        r["make_model"],
        r["armour"],
        int(r["seats"]),
        r["unit"] or None,
        r["status"],
    )
    for r in _read("vehicles.csv")
)


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
        contact_name, contact_phone = _home_contact(_seed(spec) % 10_000, spec)
        company = self.agencies["company"]
        data = PersonIn(
            given_name=spec.given,
            family_name=spec.family,
            nationality=spec.nationality,
            passport_number=passport,
            employer_agency_id=company,
            project_id=self.projects[spec.project] if spec.project else None,
            residence_site_id=self.sites[spec.residence],
            phone=_pk_mobile(_seed(spec) >> 16),
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
    return [(u.username, u.what) for u in USERS]
