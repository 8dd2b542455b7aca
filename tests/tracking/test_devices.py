"""Devices, zones and escort assignments: CRUD, validation, scoping, secrets, privacy."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.tracking.conftest import site_body


def test_device_lifecycle_and_unique_identifier(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    d = make_device(identifier="IMEI-3567", name="Guard phone")
    assert d["secret"]
    assert d["has_secret"] is True
    assert d["status"] == "active"
    assert d["last_position"] is None
    assert d["stale"] is False
    r = client.post("/api/v1/devices", headers=admin, json={"identifier": "IMEI-3567", "kind": "tracker"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "identifier"
    r = client.patch(
        f"/api/v1/devices/{d['id']}", headers=admin, json={"status": "suspended", "name": "Spare"}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "suspended"
    assert r.json()["name"] == "Spare"
    assert "secret" not in r.json()
    r = client.get("/api/v1/devices", headers=admin, params={"q": "imei"})
    assert [x["id"] for x in r.json()["items"]] == [d["id"]]
    r = client.delete(f"/api/v1/devices/{d['id']}", headers=admin)
    assert r.status_code == 204
    assert client.get(f"/api/v1/devices/{d['id']}", headers=admin).status_code == 404
    audit = client.get("/api/v1/audit", headers=admin, params={"entity": "devices"})
    if audit.status_code == 200:
        actions = {e["action"] for e in audit.json()["items"]}
        assert {"create", "update", "delete"} <= actions


def test_device_validation(client: TestClient, admin: dict[str, str]) -> None:
    cases = [
        ({"identifier": "bad id!", "kind": "phone"}, "identifier"),
        ({"identifier": "ok-1", "kind": "drone"}, "kind"),
        ({"identifier": "ok-2", "kind": "phone", "owner_kind": "person"}, "body"),
        ({"identifier": "ok-3", "kind": "phone", "owner_kind": "person", "owner_id": "nope"}, "owner_id"),
        ({"identifier": "ok-4", "kind": "phone", "secret": "short"}, "secret"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/devices", headers=admin, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(e["field"] == field for e in r.json()["errors"]), r.json()
    assert client.get("/api/v1/devices", headers=admin).json()["items"] == []


def test_owner_province_and_agency_scope(world: World, make_device: Any) -> None:
    c = world.client
    police = world.headers["police-admin"]
    r = c.post("/api/v1/sites", headers=police, json=site_body("Residence", 24.81, 67.03))
    assert r.status_code == 201, r.text
    r = c.post(
        "/api/v1/persons",
        headers=police,
        json={
            "given_name": "Li",
            "family_name": "Wei",
            "nationality": "CN",
            "residence_site_id": r.json()["id"],
        },
    )
    assert r.status_code == 201, r.text
    person = r.json()
    d = make_device(headers=police, owner_kind="person", owner_id=person["id"])
    assert d["owner_kind"] == "person"
    assert d["province"] == "PK-SD"
    # another agency neither sees it nor may attach its own device to that person
    psc = world.headers["psc-admin"]
    assert c.get(f"/api/v1/devices/{d['id']}", headers=psc).status_code == 404
    r = c.post(
        "/api/v1/devices",
        headers=psc,
        json={"identifier": "psc-1", "kind": "phone", "owner_kind": "person", "owner_id": person["id"]},
    )
    assert r.status_code == 422
    assert c.patch(f"/api/v1/devices/{d['id']}", headers=psc, json={"name": "x"}).status_code == 404


def test_secret_rotation_invalidates_old_secret(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    d = make_device(secret="first-secret-123")
    body = {"_type": "location", "lat": 24.9, "lon": 67.1, "tst": int(time.time())}
    assert (
        client.post("/ingest/owntracks", json=body, auth=(d["identifier"], "first-secret-123")).status_code
        == 200
    )
    r = client.post(f"/api/v1/devices/{d['id']}/secret", headers=admin)
    assert r.status_code == 200
    new = r.json()["secret"]
    body["tst"] += 1
    assert (
        client.post("/ingest/owntracks", json=body, auth=(d["identifier"], "first-secret-123")).status_code
        == 401
    )
    assert client.post("/ingest/owntracks", json=body, auth=(d["identifier"], new)).status_code == 200


def test_zones_crud_and_validation(client: TestClient, admin: dict[str, str]) -> None:
    circle = {
        "name": "Bazaar",
        "kind": "red_zone",
        "geometry": {"type": "Point", "coordinates": [67.0, 24.86]},
    }
    r = client.post("/api/v1/zones", headers=admin, json=circle)
    assert r.status_code == 422  # a circle needs radius_m
    r = client.post("/api/v1/zones", headers=admin, json={**circle, "radius_m": 500})
    assert r.status_code == 201, r.text
    zone = r.json()
    assert zone["kind"] == "red_zone"
    assert zone["radius_m"] == 500
    line = {"type": "LineString", "coordinates": [[72.9, 35.2], [73.2, 35.3]]}
    r = client.post(
        "/api/v1/zones", headers=admin, json={"name": "KKH", "kind": "corridor", "geometry": line}
    )
    assert r.status_code == 422  # needs width_m
    r = client.post(
        "/api/v1/zones",
        headers=admin,
        json={"name": "KKH", "kind": "corridor", "geometry": line, "width_m": 400},
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/zones", headers=admin, json={"name": "X", "kind": "restricted", "geometry": line}
    )
    assert r.status_code == 422
    bad_ring = {"type": "Polygon", "coordinates": [[[67, 24], [67.1, 24], [67.1, 24.1], [67, 24.2]]]}
    r = client.post(
        "/api/v1/zones", headers=admin, json={"name": "Y", "kind": "safe_zone", "geometry": bad_ring}
    )
    assert r.status_code == 422
    assert "not closed" in r.text
    r = client.patch(f"/api/v1/zones/{zone['id']}", headers=admin, json={"radius_m": 900, "active": False})
    assert r.status_code == 200
    assert r.json()["radius_m"] == 900
    assert r.json()["active"] is False
    assert len(client.get("/api/v1/zones", headers=admin).json()["items"]) == 2
    assert client.delete(f"/api/v1/zones/{zone['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/zones/{zone['id']}", headers=admin).status_code == 404


def test_escort_validation(world: World) -> None:
    c = world.client
    police = world.headers["police-admin"]
    r = c.post("/api/v1/escorts", headers=police, json={"person_id": "nope", "unit_id": "nope"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "person_id"
    r = c.get("/api/v1/escorts", headers=police)
    assert r.status_code == 200
    assert r.json()["items"] == []


def test_registration_proposes_a_long_random_identifier(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/api/v1/devices", headers=admin, json={"kind": "phone", "secret": "long-enough-secret"})
    assert r.status_code == 201, r.text
    ident = r.json()["identifier"]
    assert len(ident) >= 20
    assert ident.isalnum()
    again = client.post(
        "/api/v1/devices", headers=admin, json={"kind": "phone", "secret": "long-enough-secret"}
    )
    assert again.json()["identifier"] != ident
    # an owner may still enter the phone's own identifier; a bad one is still a 422 naming the field
    own = client.post("/api/v1/devices", headers=admin, json={"kind": "phone", "identifier": "imei-35000"})
    assert own.json()["identifier"] == "imei-35000"
    bad = client.post("/api/v1/devices", headers=admin, json={"kind": "phone", "identifier": "_x"})
    assert bad.status_code == 422
