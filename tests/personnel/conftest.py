"""Personnel fixtures: the shared world (the ministry's admin, a Sindh police agency, a private security
company `psc`, an embassy) plus a second security company, and helpers that register through the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, World, login

CNIC = "42101-1234567-1"


class Staff:
    def __init__(self, world: World) -> None:
        self.w = world
        c, admin = world.client, world.root_admin
        r = c.post(
            "/api/v1/agencies",
            headers=admin,
            json={"name": "Other Guards", "kind": "private_security_company", "parent_id": world.root_id},
        )
        assert r.status_code == 201, r.text
        self.other = r.json()["id"]
        r = c.post(
            "/api/v1/users",
            headers=admin,
            json={
                "username": "other-admin",
                "full_name": "Other Admin",
                "password": ADMIN_PASSWORD,
                "agency_id": self.other,
                "roles": ["admin"],
            },
        )
        assert r.status_code == 201, r.text
        self.other_admin = login(c, "other-admin", ADMIN_PASSWORD)

    @property
    def client(self) -> TestClient:
        return self.w.client

    def person(self, who: str = "psc-admin", **over: Any) -> dict[str, Any]:
        body = {
            "given_name": "Asif",
            "family_name": "Khan",
            "role": "guard",
            "cnic": CNIC,
            "date_of_birth": "1990-05-01",
            "armed": True,
            "province": "PK-SD",
            "district": "Karachi South",
            **over,
        }
        r = self.client.post("/api/v1/personnel", headers=self.w.headers[who], json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def licence(self, kind: str = "noc", **over: Any) -> dict[str, Any]:
        body = {
            "agency_id": self.w.agency["psc"],
            "kind": kind,
            "number": f"{kind.upper()}-{len(over)}-001",
            "category": "guarding",
            "issued_on": (date.today() - timedelta(days=100)).isoformat(),
            "expires_on": (date.today() + timedelta(days=300)).isoformat(),
            **({"province": "PK-SD"} if kind == "provincial" else {}),
            **over,
        }
        r = self.client.post("/api/v1/licences", headers=self.w.root_admin, json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def check(self, person_id: str, kind: str, result: str = "pass", **over: Any) -> dict[str, Any]:
        body = {"kind": kind, "result": result, "done_on": (date.today() - timedelta(days=10)).isoformat()}
        r = self.client.post(
            f"/api/v1/personnel/{person_id}/checks",
            headers=self.w.headers["psc-admin"],
            json={**body, **over},
        )
        assert r.status_code == 201, r.text
        return dict(r.json())


@pytest.fixture
def staff(world: World) -> Staff:
    return Staff(world)
