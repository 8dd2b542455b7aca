"""Demo data: the private security companies' licences and people, with their checks (days relative to
the day of the load, so a demo loaded any day tells the same story). Fictional people, fictional CNICs.

The story the seed tells: a guard of a Karachi security company shot the workers he was hired to protect.
Here Shield's Port Qasim guard Imran Qureshi is armed and posted, and his psychological evaluation has
lapsed: the clearance rule refuses him armed duty, and his page says why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LicenceSpec:
    company: str  # agency key (data_organisations.AGENCIES)
    kind: str  # noc | provincial
    number: str
    category: str
    province: str | None
    issued_days: int  # days from the load day (negative: in the past)
    expires_days: int
    status: str = "active"


@dataclass(frozen=True)
class PersonnelSpec:
    company: str
    given: str
    family: str
    role: str
    cnic: str
    born: str  # ISO date
    armed: bool
    province: str
    district: str
    # kind -> (result, done days ago, valid days from done); a kind absent is missing
    checks: tuple[tuple[str, str, int, int], ...] = ()


# The six checks armed duty needs, all passed a while ago and valid for another year.
_VETTED = (
    ("police_verification", "pass", 200, 565),
    ("background_check", "pass", 200, 930),
    ("biometric_verification", "pass", 400, 1825),
    ("physical_fitness", "pass", 60, 180),
    ("psychological_evaluation", "pass", 90, 365),
    ("weapons_training", "pass", 120, 365),
)


def _lapsed(kind: str, done: int, valid: int) -> tuple[tuple[str, str, int, int], ...]:
    return tuple((k, r, d, v) if k != kind else (k, "pass", done, valid) for k, r, d, v in _VETTED)


LICENCES: tuple[LicenceSpec, ...] = (
    LicenceSpec("shield", "noc", "MOI-NOC-PSC-0412", "guarding, escort", None, -700, 395),
    LicenceSpec("shield", "provincial", "SD-HD-PSC-1187", "armed guarding", "PK-SD", -500, 230),
    LicenceSpec("sentinel", "noc", "MOI-NOC-PSC-0533", "guarding", None, -300, 430),
    # Sentinel's Punjab licence is suspended pending the ordered audit of security companies.
    LicenceSpec(
        "sentinel", "provincial", "PB-HD-PSC-2290", "armed guarding", "PK-PB", -400, 330, "suspended"
    ),
)

PERSONNEL: tuple[PersonnelSpec, ...] = (
    # The Karachi guard of the seed: armed, posted at Port Qasim, psychological evaluation lapsed.
    PersonnelSpec(
        "shield",
        "Imran",
        "Qureshi",
        "guard",
        "42201-5318842-3",
        "1992-03-14",
        True,
        "PK-SD",
        "Malir",
        _lapsed("psychological_evaluation", 380, 365),
    ),
    PersonnelSpec(
        "shield",
        "Farhan",
        "Siddiqui",
        "guard",
        "42101-7720431-5",
        "1988-08-02",
        True,
        "PK-SD",
        "Malir",
        _VETTED,
    ),
    PersonnelSpec(
        "shield",
        "Naveed",
        "Baloch",
        "escort",
        "42301-2209876-1",
        "1985-11-20",
        True,
        "PK-SD",
        "Karachi South",
        _VETTED,
    ),
    # Physical fitness runs out within the warning window: his supervisors are told.
    PersonnelSpec(
        "shield",
        "Shahid",
        "Memon",
        "supervisor",
        "42201-9034417-7",
        "1969-01-09",
        True,
        "PK-SD",
        "Malir",
        _lapsed("physical_fitness", 170, 180),
    ),
    PersonnelSpec(
        "shield", "Zubair", "Ahmed", "driver", "42101-6652093-9", "1994-06-30", False, "PK-SD", "Malir"
    ),
    # Aged past the armed-duty limit: kept on, unarmed duty only.
    PersonnelSpec(
        "shield",
        "Ghulam",
        "Rasool",
        "guard",
        "42401-1187264-3",
        "1963-02-11",
        True,
        "PK-SD",
        "Korangi",
        _VETTED,
    ),
    PersonnelSpec(
        "sentinel",
        "Usman",
        "Butt",
        "guard",
        "35202-4471180-5",
        "1991-09-17",
        True,
        "PK-PB",
        "Lahore",
        _VETTED,
    ),
    PersonnelSpec(
        "sentinel",
        "Kashif",
        "Javed",
        "escort",
        "35201-8830245-1",
        "1987-12-05",
        True,
        "PK-PB",
        "Lahore",
        _VETTED,
    ),
)
