"""NUL characters are refused up front with the field named, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _site(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "residence",
        "province": "PK-SD",
        "geometry": {"type": "Point", "coordinates": [67.0, 24.9]},
        "radius_m": 200,
    }


def _count(client: TestClient, admin: dict[str, str]) -> int:
    return len(client.get("/api/v1/sites?limit=500", headers=admin).json()["items"])


def test_nul_in_json_body_is_422_naming_the_field(client: TestClient, admin: dict[str, str]) -> None:
    before = _count(client, admin)
    r = client.post("/api/v1/sites", headers=admin, json=_site("Camp\x00A"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"] == [{"field": "name", "reason": "must not contain NUL (\\u0000) characters"}]
    assert _count(client, admin) == before
    ok = client.post("/api/v1/sites", headers=admin, json=_site("Camp A"))
    assert ok.status_code == 201
    r = client.patch(
        f"/api/v1/sites/{ok.json()['id']}", headers=admin, json={"project_id": "x\x00y", "name": "B"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "project_id"
    assert client.get(f"/api/v1/sites/{ok.json()['id']}", headers=admin).json()["name"] == "Camp A"


def test_nul_in_nested_key_list_path_and_query(client: TestClient, admin: dict[str, str]) -> None:
    body = _site("Camp")
    body["geometry"] = {"type": "Point", "coordinates": [67.0, 24.9], "bad\x00key": 1}
    r = client.post("/api/v1/sites", headers=admin, json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "geometry.bad\x00key"
    r = client.get("/api/v1/persons/abc%00def", headers=admin)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "path"
    r = client.get("/api/v1/persons?q=wei%00", headers=admin)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "q"


def test_nul_in_login_form_is_refused(client: TestClient) -> None:
    r = client.post("/api/v1/auth/token", data={"username": "ad\x00min", "password": "x"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "username"
