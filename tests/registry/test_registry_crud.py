"""Create, read, update, soft-delete, filters, search and cursor pagination on every registry path."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.core.db import new_id
from hifazat.core.pagination import encode_cursor
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work

PASSWORD = "correct-horse-battery"
POLYGON = {
    "type": "Polygon",
    "coordinates": [[[67.0, 24.8], [67.01, 24.8], [67.01, 24.81], [67.0, 24.81], [67.0, 24.8]]],
}

LAHORE = {"type": "Point", "coordinates": [74.3, 31.5]}


def _audit_count() -> int:
    with unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _create(client: TestClient, h: dict[str, str], kind: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/v1/{kind}", headers=h, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _site_body(n: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Site {n}",
        "kind": "project_site",
        "geometry": POLYGON,
        "address": f"Plot {n}, Port Qasim",
        "province": "PK-SD",  # where POLYGON lies (a typed place must agree with the geometry, 18.6)
        "district": "Karachi South",
        "perimeter_wall": True,
        "cctv": True,
        "guard_posts": 4,
        **extra,
    }


def _walk(client: TestClient, h: dict[str, str], path: str, limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        url = f"{path}{'&' if '?' in path else '?'}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(url, headers=h)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= limit
        ids += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")


@pytest.fixture
def psc(world: Any) -> dict[str, str]:
    return dict(world.headers["psc-admin"])


def _bodies(client: TestClient, h: dict[str, str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """kind -> (create body, patch body)."""
    site = _create(client, h, "sites", _site_body(99))
    unit = _create(client, h, "units", {"call_sign": "BASE-1", "kind": "escort"})
    project = _create(client, h, "projects", {"name": "Base project", "code": "BASE"})
    return {
        "projects": (
            {
                "name": "Thar Coal Block II",
                "code": "tcb-2",
                "province": "PK-SD",
                "cpec": True,
                "sponsor_country": "cn",
            },
            {"status": "suspended", "description": "paused for monsoon"},
        ),
        "sites": (_site_body(1, project_id=project["id"]), {"guard_posts": 6, "razor_wire": True}),
        "persons": (
            {
                "given_name": "Wei",
                "family_name": "Chen",
                "nationality": "cn",
                "passport_number": "e 1234 5678",
                "residence_site_id": site["id"],
                "project_id": project["id"],
                "phone": "+92 321 5550101",
                "emergency_contact_name": "Chen Li",
                "emergency_contact_phone": "+86 10 5555 0101",
            },
            {"status": "departed", "notes": "flew home"},
        ),
        "units": (
            {"call_sign": "ALPHA-1", "kind": "private_guard_team", "strength": 6, "base_site_id": site["id"]},
            {"status": "responding", "strength": 8},
        ),
        "vehicles": (
            {
                "registration": "bkr-441",
                "make_model": "Toyota Land Cruiser",
                "armoured_level": "B6",
                "unit_id": unit["id"],
            },
            {"status": "maintenance", "seats": 7},
        ),
    }


def test_crud_every_registry_kind(client: TestClient, psc: dict[str, str]) -> None:
    for kind, (body, patch) in _bodies(client, psc).items():
        before = _audit_count()
        created = _create(client, psc, kind, body)
        assert _audit_count() == before + 1, kind
        rid = created["id"]
        got = client.get(f"/api/v1/{kind}/{rid}", headers=psc)
        assert got.status_code == 200
        assert got.json() == created
        r = client.patch(f"/api/v1/{kind}/{rid}", headers=psc, json=patch)
        assert r.status_code == 200, r.text
        for key, value in patch.items():
            assert r.json()[key] == value, (kind, key)
        assert _audit_count() == before + 2
        # A patch that changes nothing writes nothing.
        assert client.patch(f"/api/v1/{kind}/{rid}", headers=psc, json=patch).status_code == 200
        assert _audit_count() == before + 2
        assert rid in {i["id"] for i in client.get(f"/api/v1/{kind}", headers=psc).json()["items"]}
        assert client.delete(f"/api/v1/{kind}/{rid}", headers=psc).status_code == 204
        assert _audit_count() == before + 3
        assert client.get(f"/api/v1/{kind}/{rid}", headers=psc).status_code == 404
        assert client.patch(f"/api/v1/{kind}/{rid}", headers=psc, json=patch).status_code == 404
        assert client.delete(f"/api/v1/{kind}/{rid}", headers=psc).status_code == 404
        assert rid not in {i["id"] for i in client.get(f"/api/v1/{kind}", headers=psc).json()["items"]}


def test_normalisation_on_create(client: TestClient, psc: dict[str, str]) -> None:
    bodies = _bodies(client, psc)
    person = _create(client, psc, "persons", bodies["persons"][0])
    assert person["nationality"] == "CN"
    assert person["passport_number"] == "E12345678"  # an admin sees it unmasked
    assert person["province"] == "PK-SD"  # from the residence site
    project = _create(client, psc, "projects", bodies["projects"][0])
    assert project["code"] == "TCB-2"
    assert project["sponsor_country"] == "CN"
    vehicle = _create(client, psc, "vehicles", bodies["vehicles"][0])
    assert vehicle["registration"] == "BKR-441"
    unit = _create(client, psc, "units", bodies["units"][0])
    assert unit["province"] == "PK-SD"
    site = _create(client, psc, "sites", _site_body(5))
    assert site["radius_m"] is None
    assert site["center_lat"] == pytest.approx(24.805)
    assert site["center_lon"] == pytest.approx(67.005)
    circle = _create(
        client,
        psc,
        "sites",
        _site_body(6, geometry=LAHORE, radius_m=250, province="PK-PB", district="Lahore"),
    )
    assert circle["radius_m"] == 250
    assert circle["center_lat"] == 31.5


def test_filters_and_search(client: TestClient, psc: dict[str, str], world: Any) -> None:
    site_a = _create(client, psc, "sites", _site_body(1))
    site_b = _create(
        client,
        psc,
        "sites",
        _site_body(2, kind="residence", province="PK-PB", district="Lahore", geometry=LAHORE, radius_m=250),
    )
    people = [
        ("Li", "Na", "CN", "AB1234567", site_a["id"], "in_country"),
        ("Wang", "Fang", "CN", "AB7654321", site_b["id"], "departed"),
        ("John", "Smith", "GB", "GB0000001", site_b["id"], "in_country"),
    ]
    ids = {}
    for given, family, nat, passport, site_id, status in people:
        p = _create(
            client,
            psc,
            "persons",
            {
                "given_name": given,
                "family_name": family,
                "nationality": nat,
                "passport_number": passport,
                "residence_site_id": site_id,
                "status": status,
            },
        )
        ids[family] = p["id"]

    def names(url: str) -> set[str]:
        r = client.get(url, headers=psc)
        assert r.status_code == 200, r.text
        return {i["family_name"] for i in r.json()["items"]}

    assert names("/api/v1/persons?nationality=cn") == {"Na", "Fang"}
    assert names("/api/v1/persons?status=departed") == {"Fang"}
    assert names(f"/api/v1/persons?residence_site_id={site_b['id']}") == {"Fang", "Smith"}
    assert names("/api/v1/persons?province=PK-SD") == {"Na"}
    assert names("/api/v1/persons?q=smi") == {"Smith"}
    assert names("/api/v1/persons?q=WANG") == {"Fang"}
    # Exact passport search goes through the blind index (spaces and case do not matter).
    assert names("/api/v1/persons?q=ab7654321") == {"Fang"}
    assert names("/api/v1/persons?q=AB%207654%20321") == {"Fang"}
    assert names("/api/v1/persons?q=AB76543") == set()  # no partial matching on ciphertext
    assert names("/api/v1/persons?nationality=CN&status=in_country") == {"Na"}

    def sites(url: str) -> set[str]:
        return {i["name"] for i in client.get(url, headers=psc).json()["items"]}

    assert sites("/api/v1/sites?kind=residence") == {"Site 2"}
    assert sites("/api/v1/sites?province=PK-SD") == {"Site 1"}
    assert sites("/api/v1/sites?q=lahore") == {"Site 2"}
    assert sites("/api/v1/sites?q=port%20qasim") == {"Site 1", "Site 2"}

    _create(client, psc, "units", {"call_sign": "Bravo-2", "kind": "escort", "base_site_id": site_b["id"]})
    _create(client, psc, "units", {"call_sign": "Charlie-3", "kind": "quick_reaction", "status": "off_duty"})
    units = lambda url: {i["call_sign"] for i in client.get(url, headers=psc).json()["items"]}  # noqa: E731
    assert units("/api/v1/units?kind=escort") == {"Bravo-2"}
    assert units("/api/v1/units?status=off_duty") == {"Charlie-3"}
    assert units("/api/v1/units?province=PK-PB") == {"Bravo-2"}
    assert units("/api/v1/units?q=charlie") == {"Charlie-3"}

    _create(client, psc, "vehicles", {"registration": "ABC-1", "armoured_level": "B7"})
    _create(client, psc, "vehicles", {"registration": "XYZ-2", "make_model": "Hilux"})
    regs = lambda url: {i["registration"] for i in client.get(url, headers=psc).json()["items"]}  # noqa: E731
    assert regs("/api/v1/vehicles?armoured_level=B7") == {"ABC-1"}
    assert regs("/api/v1/vehicles?q=hilux") == {"XYZ-2"}

    _create(client, psc, "projects", {"name": "Gwadar Port", "province": "PK-BA", "status": "planned"})
    _create(client, psc, "projects", {"name": "Dasu Dam", "province": "PK-KP", "code": "DASU"})
    projects = lambda url: {i["name"] for i in client.get(url, headers=psc).json()["items"]}  # noqa: E731
    assert projects("/api/v1/projects?status=planned") == {"Gwadar Port"}
    assert projects("/api/v1/projects?q=dasu") == {"Dasu Dam"}
    assert projects(f"/api/v1/projects?agency_id={world.agency['police']}") == set()


def test_cursor_pagination_walks_everything_once(
    client: TestClient, admin: dict[str, str], psc: dict[str, str], world: Any
) -> None:
    for kind in ("persons", "projects", "sites", "units", "vehicles", "agencies", "users"):
        _walk_kind(client, admin, psc, world, kind)


def _walk_kind(client: TestClient, admin: dict[str, str], psc: dict[str, str], world: Any, kind: str) -> None:
    n = 7
    for i in range(n):
        body: dict[str, Any] = {
            "persons": {"given_name": f"P{i}", "family_name": "Walk", "nationality": "CN"},
            "projects": {"name": f"Project {i}"},
            "sites": _site_body(i),
            "units": {"call_sign": f"U-{i}", "kind": "escort"},
            "vehicles": {"registration": f"WALK-{i}"},
            "agencies": {"name": f"Walk agency {i}", "kind": "other", "parent_id": world.agency["psc"]},
            "users": {
                "username": f"walker-{i}",
                "password": PASSWORD,
                "full_name": f"Walker {i}",
                "agency_id": world.agency["psc"],
                "roles": ["responder"],
            },
        }[kind]
        _create(client, psc, kind, body)
    h = admin if kind in ("agencies",) else psc
    expected = {i["id"] for i in client.get(f"/api/v1/{kind}?limit=500", headers=h).json()["items"]}
    assert len(expected) >= n
    for limit in (1, 2, 3, len(expected)):
        ids = _walk(client, h, f"/api/v1/{kind}", limit)
        assert len(ids) == len(set(ids)), "duplicates across pages"
        assert set(ids) == expected, "gaps across pages"
        assert ids == sorted(ids)


def test_pagination_is_stable_under_inserts(client: TestClient, psc: dict[str, str]) -> None:
    for i in range(4):
        _create(client, psc, "vehicles", {"registration": f"OLD-{i}"})
    first = client.get("/api/v1/vehicles?limit=2", headers=psc).json()
    _create(client, psc, "vehicles", {"registration": "NEW-1"})
    rest = _walk(client, psc, f"/api/v1/vehicles?cursor={first['next_cursor']}", 2)
    seen = [i["registration"] for i in first["items"]]
    regs = {v["id"]: v["registration"] for v in client.get("/api/v1/vehicles", headers=psc).json()["items"]}
    assert seen + [regs[i] for i in rest] == ["OLD-0", "OLD-1", "OLD-2", "OLD-3", "NEW-1"]


def test_bad_cursor_is_422_with_field(client: TestClient, psc: dict[str, str]) -> None:
    for cursor, path in itertools.product(
        ["!!!", "zz", "dGVzdA", encode_cursor("x" * 70), "%00", encode_cursor("1' OR '1'='1")],
        ("/api/v1/persons", "/api/v1/agencies", "/api/v1/vehicles"),
    ):
        r = client.get(f"{path}?cursor={cursor}", headers=psc)
        assert r.status_code == 422, (path, cursor, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "cursor"


def test_bad_audit_cursor(client: TestClient, admin: dict[str, str]) -> None:
    for cursor in ("!!!", "dGVzdA", encode_cursor("12a")):
        r = client.get(f"/api/v1/audit?cursor={cursor}", headers=admin)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "cursor"


def test_limit_bounds(client: TestClient, psc: dict[str, str]) -> None:
    for bad in ("0", "501", "x"):
        r = client.get(f"/api/v1/sites?limit={bad}", headers=psc)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "limit"


def test_uniqueness_conflicts_are_409(client: TestClient, psc: dict[str, str], world: Any) -> None:
    police = world.headers["police-admin"]
    _create(client, psc, "vehicles", {"registration": "DUP-1"})
    before = _audit_count()
    # Registrations are unique across agencies (case and spacing normalised).
    for h, reg in ((psc, "dup-1"), (police, "DUP-1")):
        r = client.post("/api/v1/vehicles", headers=h, json={"registration": reg})
        assert r.status_code == 409, r.text
        assert r.json()["errors"][0]["field"] == "registration"
    _create(client, psc, "projects", {"name": "A", "code": "CPEC-1"})
    r = client.post("/api/v1/projects", headers=police, json={"name": "B", "code": "cpec-1"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "code"
    unit = _create(client, psc, "units", {"call_sign": "TIGER", "kind": "escort"})
    r = client.post("/api/v1/units", headers=psc, json={"call_sign": "TIGER", "kind": "escort"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "call_sign"
    # Call signs are per agency: the police may have its own TIGER.
    _create(client, police, "units", {"call_sign": "TIGER", "kind": "police_protection"})
    # A retired unit's call sign stays taken (the constraint covers history): still a 409, never a 500.
    assert client.delete(f"/api/v1/units/{unit['id']}", headers=psc).status_code == 204
    before = _audit_count()
    r = client.post("/api/v1/units", headers=psc, json={"call_sign": "TIGER", "kind": "escort"})
    assert r.status_code == 409, r.text
    other = _create(client, psc, "units", {"call_sign": "LION", "kind": "escort"})
    r = client.patch(f"/api/v1/units/{other['id']}", headers=psc, json={"call_sign": "TIGER"})
    assert r.status_code == 409
    v2 = _create(client, psc, "vehicles", {"registration": "DUP-2"})
    r = client.patch(f"/api/v1/vehicles/{v2['id']}", headers=psc, json={"registration": "DUP-1"})
    assert r.status_code == 409
    assert _audit_count() == before + 2  # only LION and DUP-2 were written


def test_references_must_be_visible(client: TestClient, psc: dict[str, str], world: Any) -> None:
    police = world.headers["police-admin"]
    psc_site = _create(
        client,
        psc,
        "sites",
        _site_body(1, province="PK-PB", district="Lahore", geometry=LAHORE, radius_m=250),
    )
    for body, field in (
        (
            {"given_name": "A", "family_name": "B", "nationality": "CN", "residence_site_id": psc_site["id"]},
            "residence_site_id",
        ),
        ({"given_name": "A", "family_name": "B", "nationality": "CN", "project_id": new_id()}, "project_id"),
        (
            {"given_name": "A", "family_name": "B", "nationality": "CN", "employer_agency_id": new_id()},
            "employer_agency_id",
        ),
    ):
        r = client.post("/api/v1/persons", headers=police, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field
    r = client.post(
        "/api/v1/units",
        headers=police,
        json={"call_sign": "X", "kind": "escort", "base_site_id": psc_site["id"]},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "base_site_id"
    # Owner: a record may be registered for one's own agency or one below, not for another.
    r = client.post(
        "/api/v1/vehicles", headers=police, json={"registration": "OWN-1", "agency_id": world.agency["psc"]}
    )
    assert r.status_code == 403


def test_roles(client: TestClient, world: Any, admin: dict[str, str]) -> None:
    liaison = world.headers["liaison"]
    op = world.headers["psc-operator"]
    assert client.post("/api/v1/vehicles", headers=op, json={"registration": "OP-1"}).status_code == 201
    assert client.post("/api/v1/vehicles", headers=liaison, json={"registration": "LI-1"}).status_code == 403
    assert client.post("/api/v1/agencies", headers=op, json={"name": "X", "kind": "other"}).status_code == 403
    assert client.get("/api/v1/users", headers=op).status_code == 403


def test_agencies_crud(client: TestClient, admin: dict[str, str], world: Any) -> None:
    before = _audit_count()
    a = _create(
        client,
        admin,
        "agencies",
        {
            "name": "Balochistan Levies",
            "short_name": "Levies",
            "kind": "provincial_police",
            "parent_id": world.root_id,
            "jurisdiction": ["pk-ba", "PK-BA:Gwadar"],
            "contact_email": "ops@levies.example.org",
            "contact_phone": "+92 81 1234567",
        },
    )
    assert a["jurisdiction"] == ["PK-BA", "PK-BA:Gwadar"]
    assert _audit_count() == before + 1
    assert (
        client.get(f"/api/v1/agencies/{a['id']}", headers=world.headers["liaison"]).json()["name"]
        == a["name"]
    )
    r = client.patch(
        f"/api/v1/agencies/{a['id']}", headers=admin, json={"short_name": "BL", "contact_phone": None}
    )
    assert r.status_code == 200
    assert r.json()["short_name"] == "BL"
    assert r.json()["contact_phone"] is None
    for key in ("name", "kind", "jurisdiction", "country"):
        r = client.patch(f"/api/v1/agencies/{a['id']}", headers=admin, json={key: None})
        assert r.status_code == 422, (key, r.text)
        assert r.json()["errors"][0]["field"] == key
    names = lambda url: {i["name"] for i in client.get(url, headers=admin).json()["items"]}  # noqa: E731
    assert names("/api/v1/agencies?q=levies") == {"Balochistan Levies"}
    assert names("/api/v1/agencies?kind=foreign_embassy") == {"Embassy"}
    assert names(f"/api/v1/agencies?parent_id={world.agency['psc']}") == set()
    r = client.post("/api/v1/agencies", headers=admin, json={"name": "balochistan levies", "kind": "other"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "name"
    # No cycles in the tree.
    child = _create(
        client, admin, "agencies", {"name": "Levies Gwadar", "kind": "other", "parent_id": a["id"]}
    )
    r = client.patch(f"/api/v1/agencies/{a['id']}", headers=admin, json={"parent_id": child["id"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "parent_id"
    # An agency with users cannot be retired; one without can.
    r = client.delete(f"/api/v1/agencies/{world.agency['psc']}", headers=admin)
    assert r.status_code == 409
    assert client.delete(f"/api/v1/agencies/{child['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/agencies/{child['id']}", headers=admin).status_code == 404
    assert child["id"] not in {i["id"] for i in client.get("/api/v1/agencies", headers=admin).json()["items"]}
    # Agency admins retire only agencies below their own.
    r = client.delete(f"/api/v1/agencies/{world.agency['psc']}", headers=world.headers["psc-admin"])
    assert r.status_code == 403


def test_agency_validation(client: TestClient, admin: dict[str, str]) -> None:
    before = _audit_count()
    cases = [
        ({"name": "X", "kind": "cartel"}, "kind"),
        ({"name": "X", "kind": "other", "country": "China"}, "country"),
        ({"name": "X", "kind": "other", "jurisdiction": ["PK-XX"]}, "jurisdiction.0"),
        ({"name": "X", "kind": "other", "contact_email": "not-an-email"}, "contact_email"),
        ({"name": "", "kind": "other"}, "name"),
        ({"name": "X", "kind": "other", "parent_id": new_id()}, "parent_id"),
        ({"name": "X", "kind": "other", "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/agencies", headers=admin, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, r.json()
    assert _audit_count() == before


def test_users_crud(
    client: TestClient, admin: dict[str, str], world: Any, login_as: Callable[..., Any]
) -> None:
    psc_admin = world.headers["psc-admin"]
    u = _create(
        client,
        psc_admin,
        "users",
        {
            "username": "Guard.Lead",
            "password": PASSWORD,
            "full_name": "Guard Lead",
            "email": "lead@psc.example.org",
            "agency_id": world.agency["psc"],
            "roles": ["responder", "operator", "responder"],
        },
    )
    assert u["roles"] == ["operator", "responder"]
    assert u["username"] == "guard.lead"
    assert "password" not in u
    assert "password_hash" not in u
    assert client.get(f"/api/v1/users/{u['id']}", headers=psc_admin).status_code == 200
    # Another agency's admin: 404, like a missing user.
    assert client.get(f"/api/v1/users/{u['id']}", headers=world.headers["police-admin"]).status_code == 404
    r = client.patch(f"/api/v1/users/{u['id']}", headers=psc_admin, json={"roles": ["responder"]})
    assert r.status_code == 200
    assert r.json()["roles"] == ["responder"]
    users = lambda url: {i["username"] for i in client.get(url, headers=psc_admin).json()["items"]}  # noqa: E731
    assert users("/api/v1/users") == {"psc-admin", "psc-operator", "guard.lead"}
    assert users("/api/v1/users?role=responder") == {"guard.lead"}
    assert users("/api/v1/users?q=lead") == {"guard.lead"}
    assert len(users("/api/v1/users")) < len(
        {i["username"] for i in client.get("/api/v1/users", headers=admin).json()["items"]}
    )
    # Creating users elsewhere, duplicates, self-demotion.
    r = client.post(
        "/api/v1/users",
        headers=psc_admin,
        json={
            "username": "x-user",
            "password": PASSWORD,
            "full_name": "X",
            "agency_id": world.agency["police"],
            "roles": ["operator"],
        },
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/users",
        headers=psc_admin,
        json={
            "username": "GUARD.LEAD",
            "password": PASSWORD,
            "full_name": "X",
            "agency_id": world.agency["psc"],
            "roles": ["operator"],
        },
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "username"
    me = client.get("/api/v1/me", headers=psc_admin).json()
    r = client.patch(f"/api/v1/users/{me['id']}", headers=psc_admin, json={"roles": ["operator"]})
    assert r.status_code == 422
    assert client.delete(f"/api/v1/users/{me['id']}", headers=psc_admin).status_code == 422
    for body, field in (
        ({"roles": []}, "roles"),
        ({"roles": ["emperor"]}, "roles.0"),
        ({"active": None}, "active"),
        ({"email": "nope"}, "email"),
    ):
        r = client.patch(f"/api/v1/users/{u['id']}", headers=psc_admin, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field
    assert client.delete(f"/api/v1/users/{u['id']}", headers=psc_admin).status_code == 204
    assert client.get(f"/api/v1/users/{u['id']}", headers=psc_admin).status_code == 404
    assert "guard.lead" not in users("/api/v1/users")
    # Users see themselves.
    op = world.headers["psc-operator"]
    me_op = client.get("/api/v1/me", headers=op).json()
    assert client.get(f"/api/v1/users/{me_op['id']}", headers=op).status_code == 200
