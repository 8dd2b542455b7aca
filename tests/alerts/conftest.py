"""Alerts fixtures: a Karachi scene (residence, unit bases, protected persons, units) on top of `world`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.alerts.models import EscalationTimer
from hifazat.platform.db import unit_of_work
from tests.conftest import World

KHI = (24.8607, 67.0011)  # Karachi residence centre (lat, lon)


def circle(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


@dataclass
class Scene:
    world: World
    client: TestClient
    ids: dict[str, str] = field(default_factory=dict)

    def h(self, user: str) -> dict[str, str]:
        return self.world.root_admin if user == "admin" else self.world.headers[user]

    def post(self, user: str, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        r = self.client.post(path, headers=self.h(user), json=body)
        assert r.status_code == status, r.text
        return dict(r.json())

    def sos(self, user: str = "psc-operator", person: str = "li", **extra: Any) -> dict[str, Any]:
        body = {"kind": "sos", "lat": KHI[0] + 0.001, "lon": KHI[1], "person_id": self.ids[person], **extra}
        alert = self.post(user, "/api/v1/alerts", body)
        settle(alert["id"])
        return alert

    def act(self, user: str, alert_id: str, action: str, status: int = 200) -> dict[str, Any]:
        r = self.client.post(f"/api/v1/alerts/{alert_id}/actions/{action}", headers=self.h(user), json={})
        assert r.status_code == status, r.text
        return dict(r.json())


def settle(alert_id: str, limit_s: float = 10.0) -> None:
    """Wait until the running app's escalation loop has told level 0 (the SOS lane defers it)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with unit_of_work(readonly=True) as s:
            pending = s.scalar(
                select(func.count()).where(
                    EscalationTimer.alert_id == alert_id,
                    EscalationTimer.level == 0,
                    EscalationTimer.state == "pending",
                )
            )
        if not pending:
            return
        time.sleep(0.02)
    raise AssertionError("level 0 of the alert was never notified")


def count(model: Any, *where: Any) -> int:
    with unit_of_work(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def scene(world: World, client: TestClient) -> Scene:
    sc = Scene(world, client)
    psc = "psc-admin"
    sc.ids["residence"] = sc.post(
        psc,
        "/api/v1/sites",
        {
            "name": "Clifton Residence",
            "kind": "residence",
            "radius_m": 300,
            "geometry": circle(*KHI),
            "province": "PK-SD",
        },
    )["id"]
    sc.ids["far_base"] = sc.post(
        psc,
        "/api/v1/sites",
        {
            "name": "Korangi Base",
            "kind": "base",
            "radius_m": 100,
            "geometry": circle(24.83, 67.12),
            "province": "PK-SD",
        },
    )["id"]
    sc.ids["near_base"] = sc.post(
        psc,
        "/api/v1/sites",
        {
            "name": "Saddar Base",
            "kind": "base",
            "radius_m": 100,
            "geometry": circle(24.87, 67.01),
            "province": "PK-SD",
        },
    )["id"]
    for key, given, phone in (("li", "Li", "+92 300 1234567"), ("zhang", "Zhang", "0301-7654321")):
        sc.ids[key] = sc.post(
            psc,
            "/api/v1/persons",
            {
                "given_name": given,
                "family_name": "Wei",
                "nationality": "CN",
                "residence_site_id": sc.ids["residence"],
                "phone": phone,
            },
        )["id"]
    sc.ids["qrf_far"] = sc.post(
        psc,
        "/api/v1/units",
        {"call_sign": "QRF-FAR", "kind": "quick_reaction", "base_site_id": sc.ids["far_base"]},
    )["id"]
    sc.ids["qrf_near"] = sc.post(
        psc,
        "/api/v1/units",
        {"call_sign": "QRF-NEAR", "kind": "quick_reaction", "base_site_id": sc.ids["near_base"]},
    )["id"]
    sc.ids["qrf_off"] = sc.post(
        psc,
        "/api/v1/units",
        {
            "call_sign": "QRF-OFF",
            "kind": "quick_reaction",
            "base_site_id": sc.ids["near_base"],
            "status": "off_duty",
        },
    )["id"]
    return sc


from tests.alerts.demo_world import demo  # noqa: E402,F401  (the demo scenario's fixture, for alert tests)
