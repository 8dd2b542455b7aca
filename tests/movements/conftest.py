"""Movement fixtures: the shared world's security company (`psc`) with two sites (Karachi, Hyderabad), a
protected person, a vehicle, an escort unit and an escort; helpers that file through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.security.specimens import square

KARACHI = (24.86, 67.01)
HYDERABAD = (25.39, 68.37)
URL = "/api/v1/movements"


class Fleet:
    def __init__(self, world: World) -> None:
        self.w = world
        h = world.headers["psc-admin"]
        self.origin = self._post("/api/v1/sites", h, self._site("Plant", KARACHI))
        self.destination = self._post("/api/v1/sites", h, self._site("Camp", HYDERABAD))
        self.person = self._post(
            "/api/v1/persons",
            h,
            {"given_name": "Li", "family_name": "Wei", "nationality": "CN", "residence_site_id": self.origin},
        )
        self.vehicle = self._post("/api/v1/vehicles", h, {"registration": "BP-101", "armoured_level": "B6"})
        self.unit = self._post("/api/v1/units", h, {"call_sign": "SHIELD-1", "kind": "private_guard_team"})
        self.escort = self._post(
            "/api/v1/personnel",
            h,
            {
                "given_name": "Asif",
                "family_name": "Khan",
                "role": "escort",
                "cnic": "42101-1234567-1",
                "date_of_birth": "1990-05-01",
                "armed": True,
                "province": "PK-SD",
            },
        )

    @staticmethod
    def _site(name: str, at: tuple[float, float]) -> dict[str, Any]:
        return {"name": name, "kind": "office", "geometry": square(at[0], at[1], 0.001), "province": "PK-SD"}

    def _post(self, url: str, h: dict[str, str], body: dict[str, Any]) -> str:
        r = self.w.client.post(url, headers=h, json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    @property
    def client(self) -> TestClient:
        return self.w.client

    def body(self, **over: Any) -> dict[str, Any]:
        depart = datetime.now(UTC) + timedelta(days=2)
        return {
            "person_ids": [self.person],
            "vehicle_ids": [self.vehicle],
            "escort_unit_ids": [self.unit],
            "escort_personnel_ids": [self.escort],
            "origin_site_id": self.origin,
            "destination_site_id": self.destination,
            "route": {
                "type": "LineString",
                "coordinates": [[KARACHI[1], KARACHI[0]], [67.6, 25.0], [HYDERABAD[1], HYDERABAD[0]]],
            },
            "depart_after": depart.isoformat(),
            "depart_before": (depart + timedelta(hours=2)).isoformat(),
            "arrive_by": (depart + timedelta(hours=5)).isoformat(),
            "purpose": "site visit",
            "convoy": {"order": [self.vehicle], "leader": self.escort},
            "comms_plan": "radio ch 4; satphone backup",
            "check_in_interval_min": 30,
            **over,
        }

    def file(self, who: str = "psc-admin", **over: Any) -> Any:
        return self.client.post(URL, headers=self.w.headers[who], json=self.body(**over))

    def act(self, movement_id: str, action: str, who: str, note: str | None = None) -> Any:
        h = self.w.headers.get(who, self.w.root_admin)
        return self.client.post(f"{URL}/{movement_id}/actions/{action}", headers=h, json={"note": note})


@pytest.fixture
def fleet(world: World) -> Fleet:
    return Fleet(world)
