"""Helpers for the duty tests: a Karachi site, a fully vetted armed guard, and a duty body."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.personnel.conftest import Staff

VETTING = (
    "police_verification",
    "background_check",
    "biometric_verification",
    "physical_fitness",
    "psychological_evaluation",
    "weapons_training",
)
# Tomorrow 08:00 UTC: every shift in these tests is in the future, so the compliance job judges it.
DAY = datetime.combine(date.today() + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=8)


def site(staff: Staff, who: str = "police-admin") -> str:
    body = {
        "name": "Port Qasim camp",
        "kind": "project_site",
        "province": "PK-SD",
        "district": "Malir",
        "geometry": {"type": "Point", "coordinates": [67.36, 24.79]},
        "radius_m": 300,
    }
    r = staff.client.post("/api/v1/sites", headers=staff.w.headers[who], json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def licensed(staff: Staff) -> None:
    staff.licence("noc")
    staff.licence("provincial")


def vetted(staff: Staff, skip: tuple[str, ...] = (), **over: Any) -> str:
    person = staff.person(**over)
    for kind in VETTING:
        if kind not in skip:
            staff.check(person["id"], kind)
    return str(person["id"])


def duty(person: str, site_id: str, start: datetime = DAY, hours: float = 8, **over: Any) -> dict[str, Any]:
    return {
        "personnel_id": person,
        "kind": "site_post",
        "site_id": site_id,
        "armed": True,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        **over,
    }


def post(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/duties", headers=headers, json=body)


def codes(r: Any) -> list[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return [x["code"] for x in r.json()["reasons"]]


def count(client: TestClient, headers: dict[str, str]) -> int:
    return len(client.get("/api/v1/duties?limit=500", headers=headers).json()["items"])
