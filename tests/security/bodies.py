"""Request bodies for the matrix's rows, made for one login: a record of its own agency at its own place,
so that a permitted caller's request is one the service would take."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hifazat.core import places
from tests.conftest import ADMIN_PASSWORD
from tests.security.matrix import agency_of
from tests.security.specimens import Specimens, square

# Where each agency stands: (lat, lon, province); the others at the ministry in Islamabad.
PLACE = {
    "sindh": (24.8138, 67.0300, "PK-SD"),
    "company": (24.7912, 67.3618, "PK-SD"),
    "shield": (24.7850, 67.3694, "PK-SD"),
    "punjab": (31.5204, 74.3587, "PK-PB"),
    "sentinel": (31.5000, 74.3300, "PK-PB"),
    "balochistan": (25.1264, 62.3225, "PK-BA"),
    "army": (35.2100, 73.0000, "PK-KP"),
}
ISLAMABAD = (33.7000, 73.0500, "PK-IS")
PERSON_OF = {
    "punjab": "LHR-OLMT",
    "sentinel": "LHR-OLMT",
    "balochistan": "GWD-NGIA",
    "army": "DASU-HPP",
    "isb": "none",
}
_n = itertools.count(1)


@dataclass
class Ctx:
    login: str
    specimens: Specimens
    agency_ids: dict[str, str]
    target: str | None = None  # the record the request acts on, when it has one

    @property
    def agency(self) -> str:
        return agency_of(self.login)

    @property
    def place(self) -> tuple[float, float, str]:
        return PLACE.get(self.agency, ISLAMABAD)

    def any_person(self) -> str:
        """A person the login sees: of the project in its own province."""
        return self.specimens[("persons", PERSON_OF.get(self.agency, "PQ-CFPP"))]


def _n_str() -> str:
    return f"{next(_n):04d}"


def _site(c: Ctx) -> dict[str, Any]:
    lat, lon, province = c.place
    return {
        "name": f"Matrix site {_n_str()}",
        "kind": "office",
        "geometry": square(lat, lon, 0.001),
        "province": province,
    }


def _alert(c: Ctx) -> dict[str, Any]:
    lat, lon, _ = c.place
    return {"kind": "suspicious_activity", "lat": lat, "lon": lon, "title": "matrix"}


def _incident(c: Ctx) -> dict[str, Any]:
    lat, lon, _ = c.place
    return {"type": "other", "lat": lat, "lon": lon, "summary": "matrix"}


def _zone(c: Ctx) -> dict[str, Any]:
    lat, lon, _ = c.place
    return {"name": f"Matrix zone {_n_str()}", "kind": "restricted", "geometry": square(lat, lon, 0.002)}


def _escort(c: Ctx) -> dict[str, Any]:
    unit = c.specimens.get(("units", c.agency)) or c.specimens[("units", "sindh")]
    return {"person_id": c.any_person(), "unit_id": unit}


def _agreement(c: Ctx) -> dict[str, Any]:
    # Already ended: creating it must not widen what anyone sees while the matrix runs.
    now = datetime.now(UTC)
    return {
        "name": f"Matrix agreement {_n_str()}",
        "grantor_id": c.agency_ids[c.agency],
        "grantee_id": c.agency_ids["isb" if c.agency == "noc" else "noc"],
        "entity_kinds": ["sites"],
        "valid_from": (now - timedelta(days=2)).isoformat(),
        "valid_to": (now - timedelta(days=1)).isoformat(),
    }


def _answer(c: Ctx) -> dict[str, Any]:
    person = "PQ-CFPP" if c.target in (None, "company", "sindh", "shield") else "LHR-OLMT"
    return {"person_id": c.specimens[("persons", person)], "answer": "safe"}


def _assign(c: Ctx) -> dict[str, Any]:
    unit = c.specimens.get(("units", c.agency)) or c.specimens[("units", "sindh")]
    return {"unit_ids": [unit]}


def _threat_level(c: Ctx) -> dict[str, Any]:
    lat, lon, province = c.place
    place = places.place_of(lat, lon)
    district = place[1] if place else None
    return {"province": province, "district": district, "level": "elevated", "reason": "matrix"}


def _duty(c: Ctx) -> dict[str, Any]:
    """An unarmed post of a company's guard in its province, each a week apart (no overlap, full rest)."""
    company, site = ("sentinel", "punjab") if c.agency == "sentinel" else ("shield", "sindh")
    start = datetime(2031, 1, 1, 8, tzinfo=UTC) + timedelta(days=7 * next(_n))
    return {
        "personnel_id": c.specimens[("personnel", company)],
        "kind": "site_post",
        "site_id": c.specimens[("sites", site)],
        "armed": False,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
    }


BODIES: dict[str, Callable[[Ctx], dict[str, Any]]] = {
    "empty": lambda c: {},
    "note": lambda c: {"note": "matrix"},
    "preferences": lambda c: {},
    "agencies": lambda c: {
        "name": f"Matrix agency {_n_str()}",
        "kind": "private_security_company",
        "parent_id": c.agency_ids[c.agency],
    },
    "users": lambda c: {
        "username": f"matrix{_n_str()}",
        "password": ADMIN_PASSWORD,
        "full_name": "Matrix User",
        "agency_id": c.agency_ids[c.agency],
        "roles": ["operator"],
    },
    "agreements": _agreement,
    "persons": lambda c: {"given_name": "Matrix", "family_name": f"Probe {_n_str()}", "nationality": "CN"},
    "projects": lambda c: {"name": f"Matrix project {_n_str()}"},
    "sites": _site,
    "units": lambda c: {"call_sign": f"MX-{_n_str()}", "kind": "other"},
    "vehicles": lambda c: {"registration": f"MX-{_n_str()}"},
    "devices": lambda c: {"kind": "phone", "name": "matrix phone"},
    "zones": _zone,
    "escorts": _escort,
    "webhooks": lambda c: {"name": f"matrix {_n_str()}", "url": "https://matrix.example/hook"},
    "alerts": _alert,
    "incidents": _incident,
    "incident_action": lambda c: {"note": "matrix", "resolution": "matrix", "reason": "matrix"},
    # cases: on the login's own incident specimen (already in a case: 409), else on none it sees (422)
    "cases": lambda c: {
        "title": "matrix",
        "incident_ids": [c.specimens.get(("incidents", c.agency), "missing")],
    },
    "case_move": lambda c: {"findings": "matrix", "note": "matrix"},
    "case_task": lambda c: {"title": "matrix"},
    "case_milestone": lambda c: {"kind": "hearing", "title": "matrix"},
    "case_corrective": lambda c: {
        "kind": "preventive",
        "description": "matrix",
        "owner_agency_id": c.agency_ids[c.agency],
    },
    "assign": _assign,
    "assignment": lambda c: {"status": "en_route"},
    "escalation_policies": lambda c: {
        "name": f"matrix {_n_str()}",
        "levels": [{"timeout_s": 300, "targets": [{"kind": "role", "role": "operator"}]}],
    },
    "rule": lambda c: {"severity": "low"},
    "polls": lambda c: {"person_ids": [c.any_person()]},
    "answer": _answer,
    # --- personnel
    "licences": lambda c: {
        "agency_id": c.agency_ids["shield"],
        "kind": "noc",
        "number": f"MATRIX-NOC-{_n_str()}",
        "issued_on": "2026-01-01",
        "expires_on": "2030-01-01",
    },
    "personnel": lambda c: {
        "given_name": "Matrix",
        "family_name": f"Guard {_n_str()}",
        "role": "guard",
        "cnic": f"42101-{next(_n):07d}-1",
        "date_of_birth": "1990-01-01",
    },
    "check": lambda c: {"kind": "refresher_training", "result": "pass", "done_on": "2026-01-01"},
    "threat_level": _threat_level,
    "duty": lambda c: _duty(c),
}
