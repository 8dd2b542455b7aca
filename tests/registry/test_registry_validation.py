"""Rejected requests answer problem+json naming field and reason, and write nothing at all."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle

SQUARE = [[67.0, 24.8], [67.01, 24.8], [67.01, 24.81], [67.0, 24.81], [67.0, 24.8]]


def _counts() -> dict[str, int]:
    with unit_of_work(readonly=True) as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (AuditEntry, OutboxEvent, Person, Project, Site, Unit, Vehicle)
        }


def _site(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Validation site",
        "kind": "project_site",
        "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
        "province": "PK-SD",
        **extra,
    }


def _person(**extra: Any) -> dict[str, Any]:
    return {"given_name": "Ana", "family_name": "Lee", "nationality": "CN", **extra}


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "sites",
        _site(geometry={"type": "Polygon", "coordinates": [[*SQUARE[:-1], [67.0, 24.9]]]}),
        "geometry",
        "not closed",
    ),
    (
        "sites",
        _site(
            geometry={
                "type": "Polygon",
                "coordinates": [[[67.0, 24.8], [67.01, 24.81], [67.01, 24.8], [67.0, 24.81], [67.0, 24.8]]],
            }
        ),
        "geometry",
        "Self-intersection",
    ),
    ("sites", _site(geometry={"type": "Point", "coordinates": [67.0, 24.8]}), "geometry", "radius_m"),
    (
        "sites",
        _site(geometry={"type": "Point", "coordinates": [67.0, 24.8]}, radius_m=0),
        "geometry",
        "radius_m",
    ),
    (
        "sites",
        _site(geometry={"type": "Point", "coordinates": [267.0, 24.8]}, radius_m=5),
        "geometry",
        "range",
    ),
    ("sites", _site(geometry={"type": "Polygon", "coordinates": [SQUARE[:3]]}), "geometry", "at least 4"),
    ("sites", _site(geometry={"type": "LineString", "coordinates": SQUARE}), "geometry", "Polygon"),
    ("sites", _site(geometry={"type": "Polygon", "coordinates": "nope"}), "geometry", "linear rings"),
    ("sites", _site(geometry={"type": "Polygon", "coordinates": [[["a", "b"]] * 4]}), "geometry", "numbers"),
    ("sites", _site(province="PK-XX"), "province", "ISO 3166-2"),
    ("sites", _site(province="Sindh"), "province", "ISO 3166-2"),
    ("sites", _site(kind="castle"), "kind", "project_site"),
    ("sites", _site(guard_posts=-1), "guard_posts", "greater than or equal"),
    ("sites", _site(name=""), "name", "at least 1"),
    ("sites", {k: v for k, v in _site().items() if k != "geometry"}, "geometry", "required"),
    ("sites", _site(colour="red"), "colour", "not permitted"),
    ("persons", _person(nationality="CHN"), "nationality", "ISO 3166-1"),
    ("persons", _person(nationality="1X"), "nationality", "ISO 3166-1"),
    ("persons", _person(status="missing"), "status", "in_country"),
    ("persons", _person(passport_number="AB-12"), "passport_number", "letters or digits"),
    ("persons", _person(phone="call me"), "phone", "phone number"),
    ("persons", _person(given_name="   "), "given_name", "at least 1"),
    ("projects", {"name": "P", "status": "dreaming"}, "status", "planned"),
    ("projects", {"name": "P", "province": "PK-ZZ"}, "province", "ISO 3166-2"),
    ("projects", {"name": "P", "sponsor_country": "China"}, "sponsor_country", "ISO 3166-1"),
    ("projects", {"name": "P", "code": "no spaces please"}, "code", "upper-case"),
    ("units", {"call_sign": "A", "kind": "tank"}, "kind", "police_protection"),
    ("units", {"call_sign": "A", "kind": "escort", "status": "asleep"}, "status", "available"),
    ("units", {"call_sign": "A", "kind": "escort", "strength": 0}, "strength", "greater than or equal"),
    ("vehicles", {"registration": "!"}, "registration", "letters, digits"),
    ("vehicles", {"registration": "ABC-1", "armoured_level": "B9"}, "armoured_level", "B4"),
    ("vehicles", {"registration": "ABC-1", "status": "stolen"}, "status", "pattern"),
]


def test_rejected_create_writes_nothing(client: TestClient, admin: dict[str, str]) -> None:
    # One app for all the cases (each is independent: nothing may be written by any of them).
    failures = []
    for kind, body, field, reason in CASES:
        before = _counts()
        r = client.post(f"/api/v1/{kind}", headers=admin, json=body)
        problem = r.json()
        fields = {e["field"]: e["reason"] for e in problem.get("errors") or []}
        if (
            r.status_code != 422
            or not r.headers["content-type"].startswith("application/problem+json")
            or problem.get("title") != "Validation Failed"
            or field not in fields
            or reason.lower() not in fields[field].lower()
            or _counts() != before
        ):
            failures.append((kind, body, field, reason, r.status_code, problem))
    assert not failures, "\n".join(map(str, failures))


def test_rejected_updates_change_nothing(client: TestClient, admin: dict[str, str]) -> None:
    site = client.post("/api/v1/sites", headers=admin, json=_site()).json()
    person = client.post("/api/v1/persons", headers=admin, json=_person(passport_number="ZX9876543")).json()
    before = _counts()
    bad = [
        (
            "sites",
            site,
            {"geometry": {"type": "Polygon", "coordinates": [[*SQUARE[:-1], [67.0, 24.9]]]}},
            "geometry",
        ),
        ("sites", site, {"geometry": {"type": "Point", "coordinates": [67.0, 24.8]}}, "geometry"),
        ("sites", site, {"geometry": None}, "geometry"),
        ("sites", site, {"province": "XX"}, "province"),
        ("sites", site, {"name": None}, "name"),
        ("persons", person, {"nationality": "ZZZ"}, "nationality"),
        ("persons", person, {"status": None}, "status"),
        ("persons", person, {"agency_id": site["agency_id"]}, "agency_id"),
        ("persons", person, {"residence_site_id": "no-such-site"}, "residence_site_id"),
    ]
    for kind, row, patch, field in bad:
        r = client.patch(f"/api/v1/{kind}/{row['id']}", headers=admin, json=patch)
        assert r.status_code == 422, (patch, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, (patch, r.json())
    assert _counts() == before
    assert client.get(f"/api/v1/sites/{site['id']}", headers=admin).json() == site
    assert client.get(f"/api/v1/persons/{person['id']}", headers=admin).json() == person


def test_circle_patch_keeps_shape_consistent(client: TestClient, admin: dict[str, str]) -> None:
    site = client.post("/api/v1/sites", headers=admin, json=_site()).json()
    r = client.patch(
        f"/api/v1/sites/{site['id']}",
        headers=admin,
        json={"geometry": {"type": "Point", "coordinates": [73.1, 33.7]}, "radius_m": 300},
    )
    assert r.status_code == 200, r.text
    assert r.json()["radius_m"] == 300
    assert r.json()["center_lat"] == 33.7
    r = client.patch(f"/api/v1/sites/{site['id']}", headers=admin, json={"radius_m": 900})
    assert r.status_code == 200
    assert r.json()["radius_m"] == 900
    r = client.patch(f"/api/v1/sites/{site['id']}", headers=admin, json={"radius_m": 10**9})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "geometry"
    r = client.patch(
        f"/api/v1/sites/{site['id']}",
        headers=admin,
        json={"geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
    )
    assert r.status_code == 200
    assert r.json()["radius_m"] is None


def test_malformed_bodies(client: TestClient, admin: dict[str, str]) -> None:
    before = _counts()
    for content in (b"", b"[]", b"null", b"{", b'"text"', b"{}"):
        r = client.post(
            "/api/v1/persons", headers={**admin, "content-type": "application/json"}, content=content
        )
        assert r.status_code == 422, (content, r.text)
        assert r.json()["errors"]
    assert _counts() == before
