"""Incidents fixtures: the alerts' Karachi scene (a residence, bases, two Chinese workers, units of the
security company `psc`; the Sindh police `police` with jurisdiction PK-SD; an embassy liaison), and a
helper to file an incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.alerts.conftest import KHI, Scene, scene  # noqa: F401  (the scene fixture, reused)
from tests.alerts.demo_world import demo  # noqa: F401  (the demo scenario fixture, reused)

BASE = "/api/v1/incidents"


def ago(**kw: float) -> str:
    return (datetime.now(UTC) - timedelta(**kw)).isoformat()


def body(sc: Scene, **extra: Any) -> dict[str, Any]:
    """The Karachi insider shooting as a report: a guard fired on two Chinese workers, both injured."""
    return {
        "type": "insider_use_of_force",
        "severity": "critical",
        "summary": "Guard opened fire on two Chinese workers",
        "description": "A private guard fired on the workers at the residence gate.",
        "occurred_at": ago(hours=2),
        "lat": KHI[0],
        "lon": KHI[1],
        "involved": [
            {"role": "victim", "person_id": sc.ids["li"], "outcome": "injured"},
            {"role": "victim", "person_id": sc.ids["zhang"], "outcome": "injured"},
            {
                "role": "perpetrator",
                "name": "Guard on duty",
                "nationality": "PK",
                "outcome": "unharmed",
                "is_security_personnel": True,
            },
        ],
        **extra,
    }


def file(sc: Scene, user: str = "psc-operator", status: int = 201, **extra: Any) -> dict[str, Any]:
    return sc.post(user, BASE, body(sc, **extra), status)


@pytest.fixture
def incident(scene: Scene) -> dict[str, Any]:  # noqa: F811
    return file(scene)


def refused(r: Any, status: int, field: str | None = None) -> None:
    """`r` is a problem+json of this status, naming `field` first when given."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    if field is not None:
        assert r.json()["errors"][0]["field"] == field, r.text


def stranger(sc: Scene, jurisdiction: tuple[str, ...] = ("PK-PB",)) -> dict[str, str]:
    """The headers of an operator of an agency that sees nothing of Karachi (Punjab's police)."""
    from tests.conftest import ADMIN_PASSWORD, login  # the shared helpers, not fixtures

    admin = sc.world.root_admin
    agency = sc.post(
        "admin",
        "/api/v1/agencies",
        {"name": "Punjab SPU", "kind": "provincial_police", "jurisdiction": list(jurisdiction)},
    )["id"]
    user = {
        "username": "punjab-op",
        "password": ADMIN_PASSWORD,
        "full_name": "Punjab Op",
        "agency_id": agency,
        "roles": ["operator"],
    }
    assert sc.client.post("/api/v1/users", headers=admin, json=user).status_code == 201
    return login(sc.client, "punjab-op", ADMIN_PASSWORD)
