"""The shapes of the demo scenario's records (one NamedTuple per kind) and the reader of its CSV tables
in `demo/data/`; the tables themselves are `data_organisations.py` and `data_registry.py`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).parent / "data"
ROOT = "moi"  # key of the ministry that `hifazat init` creates (settings.admin_agency)


class AgencySpec(NamedTuple):
    key: str
    name: str
    short_name: str
    kind: str
    parent: str | None  # key of the parent agency; None = top level
    jurisdiction: tuple[str, ...]
    country: str = "PK"


class AgreementSpec(NamedTuple):
    name: str
    grantor: str
    grantee: str
    kinds: tuple[str, ...]
    filters: dict[str, str]  # values starting with "project:" name a project code
    level: str
    redact: tuple[str, ...] = ()


class PolicySpec(NamedTuple):
    """An escalation policy written with names, resolved at load: each target is {"role": ..., "agency":
    short name}, {"user": username}, {"unit": call sign, "agency": short name} or {"agency": short name}."""

    name: str
    owner: str  # agency key
    site: str | None  # site key
    severity: str | None
    levels: tuple[tuple[int, tuple[dict[str, str], ...]], ...]  # (timeout_s, targets)


class UserSpec(NamedTuple):
    username: str
    full_name: str
    agency: str
    roles: tuple[str, ...]
    what: str  # printed next to the login by `hifazat demo`


class ProjectSpec(NamedTuple):
    code: str
    name: str
    province: str
    cpec: bool
    status: str
    description: str


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


class PersonSpec(NamedTuple):
    given: str
    family: str
    nationality: str
    project: str | None
    residence: str
    status: str = "in_country"
    notes: str = ""


class UnitSpec(NamedTuple):
    call_sign: str
    agency: str
    kind: str
    strength: int
    status: str
    base: str


class VehicleSpec(NamedTuple):
    registration: str
    agency: str
    make_model: str
    armour: str
    seats: int
    unit: str | None  # call sign in the same agency
    status: str = "available"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a CSV table shipped in demo/data/ (one record a line, easy to review and extend)."""
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def site_spec(row: dict[str, str]) -> SiteSpec:
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
