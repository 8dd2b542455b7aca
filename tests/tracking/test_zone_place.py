"""A zone's province comes from its geometry (18.6): a typed one must agree; outside every province the
typed one stands only inside the caller's jurisdiction or on its own agency tree's zone."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

KARACHI = {"type": "Point", "coordinates": [67.0011, 24.8607]}
LAHORE = {"type": "Point", "coordinates": [74.3587, 31.5204]}
DUBAI = {"type": "Point", "coordinates": [55.27, 25.2]}


def _zone(geometry: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "Bazaar", "kind": "red_zone", "geometry": geometry, "radius_m": 500, **extra}


def _field(r: Any) -> str:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return str(r.json()["errors"][0]["field"])


def test_a_zone_is_placed_by_its_geometry(client: TestClient, world: Any) -> None:
    h, police = world.headers["psc-admin"], world.headers["police-operator"]
    r = client.post("/api/v1/zones", headers=h, json=_zone(KARACHI))
    assert r.status_code == 201, r.text
    zone = r.json()
    assert zone["province"] == "PK-SD"
    assert client.get(f"/api/v1/zones/{zone['id']}", headers=police).status_code == 200
    r = client.post("/api/v1/zones", headers=h, json=_zone(KARACHI, province="PK-SD"))
    assert r.status_code == 201, r.text


def test_a_typed_province_that_disagrees_is_422(client: TestClient, world: Any) -> None:
    h = world.headers["psc-admin"]
    before = len(client.get("/api/v1/zones", headers=h).json()["items"])
    r = client.post("/api/v1/zones", headers=h, json=_zone(KARACHI, province="PK-PB"))
    assert _field(r) == "province"
    assert "lies in PK-SD, not PK-PB" in r.text
    assert len(client.get("/api/v1/zones", headers=h).json()["items"]) == before


def test_patching_the_province_must_agree_and_the_geometry_moves_it(client: TestClient, world: Any) -> None:
    h = world.headers["psc-admin"]
    zone = client.post("/api/v1/zones", headers=h, json=_zone(KARACHI)).json()
    assert _field(client.patch(f"/api/v1/zones/{zone['id']}", headers=h, json={"province": "PK-PB"})) == (
        "province"
    )
    r = client.patch(f"/api/v1/zones/{zone['id']}", headers=h, json={"geometry": LAHORE})
    assert r.status_code == 200, r.text
    assert r.json()["province"] == "PK-PB"


def test_outside_every_province_the_typed_one_stands_for_own_zones(client: TestClient, world: Any) -> None:
    police = world.headers["police-admin"]
    r = client.post("/api/v1/zones", headers=police, json=_zone(DUBAI))
    assert r.status_code == 201, r.text
    assert r.json()["province"] is None
    r = client.post("/api/v1/zones", headers=police, json=_zone(DUBAI, province="PK-PB"))
    assert r.status_code == 201, r.text  # outside its jurisdiction, but its own agency's zone
    assert r.json()["province"] == "PK-PB"
    body = _zone(DUBAI, province="PK-PB", agency_id=world.agency["psc"])
    assert client.post("/api/v1/zones", headers=police, json=body).status_code == 403
