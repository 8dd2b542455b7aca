"""Place is derived, not typed (18.6): a site's province and district come from its geometry, a typed
one that disagrees is refused naming the field, and a project's typed province must be one its sites lie
in. Without anything to place a record by, a typed province stands only inside the caller's jurisdiction
or on its own agency tree's record (every registry write is the latter, else it is 403 before)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

KARACHI = {"type": "Point", "coordinates": [67.0011, 24.8607]}  # Karachi South, PK-SD
LAHORE = {"type": "Point", "coordinates": [74.3587, 31.5204]}  # Lahore, PK-PB
DUBAI = {"type": "Point", "coordinates": [55.27, 25.2]}  # outside every province


def _site(geometry: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "Camp", "kind": "residence", "geometry": geometry, "radius_m": 200, **extra}


def _problem(r: Any, status: int, field: str) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert [e["field"] for e in body["errors"]] == [field]
    return str(body["detail"])


def _count(client: TestClient, h: dict[str, str], kind: str) -> int:
    return len(client.get(f"/api/v1/{kind}?limit=200", headers=h).json()["items"])


def test_a_site_takes_province_and_district_from_its_geometry(client: TestClient, world: Any) -> None:
    h = world.headers["psc-admin"]
    r = client.post("/api/v1/sites", headers=h, json=_site(KARACHI))
    assert r.status_code == 201, r.text
    assert (r.json()["province"], r.json()["district"]) == ("PK-SD", "Karachi South")
    agreeing = _site(LAHORE, province="PK-PB", district="lahore")
    r = client.post("/api/v1/sites", headers=h, json=agreeing)
    assert r.status_code == 201, r.text
    assert (r.json()["province"], r.json()["district"]) == ("PK-PB", "Lahore")  # the data's spelling


def test_a_typed_place_that_disagrees_is_422_and_nothing_is_stored(client: TestClient, world: Any) -> None:
    """The finding's shape for sites: Karachi coordinates typed as Punjab would hide it from Sindh police."""
    h = world.headers["psc-admin"]
    before = _count(client, h, "sites")
    r = client.post("/api/v1/sites", headers=h, json=_site(KARACHI, province="PK-PB"))
    assert "lies in PK-SD, not PK-PB" in _problem(r, 422, "province")
    r = client.post("/api/v1/sites", headers=h, json=_site(KARACHI, district="Lahore"))
    assert "lies in PK-SD, which has no district Lahore" in _problem(r, 422, "district")
    assert _count(client, h, "sites") == before
    # The shipped cells are approximate: another district of the same province is the caller's to give.
    r = client.post("/api/v1/sites", headers=h, json=_site(KARACHI, district="karachi east"))
    assert r.status_code == 201, r.text
    assert (r.json()["province"], r.json()["district"]) == ("PK-SD", "Karachi East")


def test_patching_the_place_must_agree_and_moving_the_geometry_moves_it(
    client: TestClient, world: Any
) -> None:
    psc, police = world.headers["psc-admin"], world.headers["police-operator"]
    site = client.post("/api/v1/sites", headers=psc, json=_site(KARACHI)).json()
    person = client.post(
        "/api/v1/persons",
        headers=psc,
        json={"given_name": "A", "family_name": "B", "nationality": "CN", "residence_site_id": site["id"]},
    ).json()
    assert person["province"] == "PK-SD"
    r = client.patch(f"/api/v1/sites/{site['id']}", headers=psc, json={"province": "PK-PB"})
    _problem(r, 422, "province")
    assert client.get(f"/api/v1/sites/{site['id']}", headers=police).status_code == 200  # still in Sindh
    r = client.patch(f"/api/v1/sites/{site['id']}", headers=psc, json={"geometry": LAHORE})
    assert r.status_code == 200, r.text
    assert (r.json()["province"], r.json()["district"]) == ("PK-PB", "Lahore")
    # the resident follows the site out of the Sindh police's jurisdiction
    assert client.get(f"/api/v1/persons/{person['id']}", headers=psc).json()["province"] == "PK-PB"
    assert client.get(f"/api/v1/sites/{site['id']}", headers=police).status_code == 404


def test_outside_every_province_a_typed_province_stands_only_where_allowed(
    client: TestClient, world: Any
) -> None:
    psc = world.headers["psc-admin"]
    r = client.post("/api/v1/sites", headers=psc, json=_site(DUBAI))
    assert "outside every province" in _problem(r, 422, "province")
    r = client.post("/api/v1/sites", headers=psc, json=_site(DUBAI, province="PK-PB"))
    assert r.status_code == 201, r.text  # its own agency's record
    assert (r.json()["province"], r.json()["district"]) == ("PK-PB", None)
    # Sindh police placing a record of another agency: refused before any place is looked at.
    body = _site(DUBAI, province="PK-PB", agency_id=world.agency["psc"])
    assert client.post("/api/v1/sites", headers=world.headers["police-admin"], json=body).status_code == 403


def test_a_projects_typed_province_must_be_one_its_sites_lie_in(client: TestClient, world: Any) -> None:
    psc = world.headers["psc-admin"]
    r = client.post("/api/v1/projects", headers=psc, json={"name": "Plant", "province": "PK-PB"})
    assert r.status_code == 201, r.text  # no sites yet: its own record, typed province taken
    project = r.json()
    site = _site(KARACHI, project_id=project["id"])
    assert client.post("/api/v1/sites", headers=psc, json=site).status_code == 201
    r = client.patch(f"/api/v1/projects/{project['id']}", headers=psc, json={"province": "PK-KP"})
    assert "the project's sites lie in PK-SD, not PK-KP" in _problem(r, 422, "province")
    r = client.patch(f"/api/v1/projects/{project['id']}", headers=psc, json={"province": "PK-SD"})
    assert r.status_code == 200, r.text
    assert r.json()["province"] == "PK-SD"
    body = {"name": "Other", "province": "PK-PB", "agency_id": world.agency["psc"]}
    assert (
        client.post("/api/v1/projects", headers=world.headers["police-admin"], json=body).status_code == 403
    )
