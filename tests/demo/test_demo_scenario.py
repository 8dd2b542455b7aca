"""The demo scenario: idempotent, audited, realistic, and scoped as the policy says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.demo import scenario
from hifazat.platform.audit.log import verify
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle
from tests.demo.conftest import DEMO_PASSWORD

Loader = Callable[[], list[tuple[str, str]]]
MODELS = (Agency, User, SharingAgreement, Project, Site, Person, Unit, Vehicle, AuditEntry)

# Rough boxes (lat_min, lat_max, lon_min, lon_max) of each province, and of Pakistan as a whole.
PAKISTAN = (23.6, 37.1, 60.8, 77.9)
PROVINCE_BOXES = {
    "PK-SD": (23.6, 28.6, 66.6, 71.2),
    "PK-BA": (24.8, 32.1, 60.8, 70.3),
    "PK-KP": (31.2, 36.9, 69.2, 74.5),
    "PK-PB": (27.7, 34.0, 69.3, 75.4),
    "PK-IS": (33.5, 33.8, 72.8, 73.4),
    "PK-GB": (34.9, 37.1, 72.5, 77.9),
}


def _counts() -> dict[str, int]:
    with unit_of_work(readonly=True) as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS}


def _login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, f"{username}: {r.text}"
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    return {"Authorization": f"Bearer {body['access_token']}"}


def _all(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):  # bounded: the demo holds a few dozen rows per kind
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, headers=headers, params=query)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("pagination did not end")


def test_load_twice_changes_nothing_and_the_chain_verifies(load_demo: Loader) -> None:
    first = load_demo()
    after_first = _counts()
    second = load_demo()
    assert second == first
    assert _counts() == after_first  # not one row, not one audit entry more
    assert after_first["persons"] == len(scenario.PERSONS) >= 38
    assert after_first["sites"] == len(scenario.SITES)
    assert after_first["agencies"] == len(scenario.AGENCIES) + 1  # plus the ministry from init
    assert after_first["users"] == len(scenario.USERS) + 1  # plus the admin from init
    assert after_first["units"] == len(scenario.UNITS)
    assert after_first["vehicles"] == len(scenario.VEHICLES)
    assert after_first["sharing_agreements"] == len(scenario.AGREEMENTS)
    with unit_of_work(readonly=True) as s:
        result = verify(s)
        assert result.ok, result
        # every record went through the audited services: one "create" entry by "demo" per loaded row
        audit_kinds = {"sharing_agreements": "agreements"}
        for table in (
            "agencies",
            "users",
            "sharing_agreements",
            "projects",
            "sites",
            "persons",
            "units",
            "vehicles",
        ):
            by_demo = s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action == "create",
                    AuditEntry.actor == "demo",
                    AuditEntry.entity == audit_kinds.get(table, table),
                )
            )
            from_init = 1 if table in ("agencies", "users") else 0
            assert by_demo == after_first[table] - from_init, table
        # the ministry stays the root, the embassy is top level, everything else hangs under the ministry
        agencies = {a.name: a for a in s.scalars(select(Agency))}
        root = agencies["Ministry of Interior"]
        embassy = agencies["Embassy of the People's Republic of China — Security Liaison Office"]
        assert root.parent_id is None
        assert embassy.parent_id is None
        assert embassy.country == "CN"
        assert all(a.parent_id == root.id for a in agencies.values() if a not in (root, embassy))
        assert agencies["Army Special Security Division"].jurisdiction == ["PK-KP", "PK-BA", "PK-GB"]
        # nothing of the passports is stored in plain
        plain = {scenario.passport_of(p) for p in scenario.PERSONS}
        assert len(plain) == len(scenario.PERSONS)  # no two persons share a number
        stored = s.execute(select(Person.passport_enc, Person.passport_index, Person.notes)).all()
        assert not any(p in str(row) for row in stored for p in plain)
        departed = s.scalar(select(func.count()).select_from(Person).where(Person.status == "departed"))
        assert departed == 2
    _check_geography()


def _check_geography() -> None:
    with unit_of_work(readonly=True) as s:
        sites = s.scalars(select(Site)).all()
        persons = s.scalars(select(Person)).all()
        site_by_id = {x.id: x for x in sites}
    assert {x.province for x in sites} >= {"PK-SD", "PK-BA", "PK-KP", "PK-PB", "PK-IS", "PK-GB"}
    for site in sites:
        lat_lo, lat_hi, lon_lo, lon_hi = PAKISTAN
        assert lat_lo < site.center_lat < lat_hi, site.name
        assert lon_lo < site.center_lon < lon_hi, site.name
        lat_lo, lat_hi, lon_lo, lon_hi = PROVINCE_BOXES[site.province]
        assert lat_lo < site.center_lat < lat_hi, (site.name, site.province)
        assert lon_lo < site.center_lon < lon_hi, (site.name, site.province)
        if site.geometry["type"] == "Polygon":
            assert site.kind == "project_site"
            ring = site.geometry["coordinates"][0]
            width_deg = max(p[0] for p in ring) - min(p[0] for p in ring)
            assert 0.002 < width_deg < 0.02, site.name  # a few hundred metres
        else:
            assert site.radius_m is not None, site.name
            assert 30 <= site.radius_m <= 400, site.name
    by_name = {x.name: x for x in sites}
    assert by_name["Port Qasim power plant — main compound"].district == "Malir"
    assert by_name["Dasu dam site — main works"].province == "PK-KP"
    assert by_name["Dasu dam site — main works"].district == "Upper Kohistan"
    assert by_name["KKH checkpoint — Chilas"].province == "PK-GB"
    assert by_name["Gwadar Port — multipurpose terminal"].province == "PK-BA"
    assert by_name["Orange Line — Dera Gujran depot"].province == "PK-PB"
    # each person's province is the one of their residence
    for p in persons:
        assert p.residence_site_id is not None
        assert p.province == site_by_id[p.residence_site_id].province


def test_every_login_works_and_each_sees_what_the_policy_grants(
    client: TestClient, load_demo: Loader
) -> None:
    logins = load_demo()
    _check_logins(client, logins)
    _check_embassy(client)
    _check_sindh(client)
    _check_national(client)


def _check_logins(client: TestClient, logins: list[tuple[str, str]]) -> None:
    assert len(logins) == len({u for u, _ in logins}) >= 15
    for username, what in logins:
        assert what
        headers = _login(client, username)
        me = client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["username"] == username
    wrong = client.post(
        "/api/v1/auth/token", data={"username": "noc.operator", "password": "not-the-demo-pw"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")


def _check_embassy(client: TestClient) -> None:
    """The liaison sees only Chinese nationals, passports redacted; other persons answer 404."""
    liaison = _login(client, "embassy.liaison")
    persons = _all(client, "/api/v1/persons", liaison)
    cn_total = sum(1 for p in scenario.PERSONS if p.nationality == "CN")
    assert len(persons) == cn_total
    assert {p["nationality"] for p in persons} == {"CN"}
    for p in persons:
        assert p["passport_number"] is None
        assert "passport_number" in p["redacted"]
        assert p["view"] == "full"  # the project company's agreement, not the ministry's summary
    # a non-Chinese person answers 404, exactly like a missing one
    investigator = _login(client, "police.investigator")
    becker = _all(client, "/api/v1/persons", investigator, q="Becker")
    assert len(becker) == 1
    assert becker[0]["nationality"] == "DE"
    assert client.get(f"/api/v1/persons/{becker[0]['id']}", headers=liaison).status_code == 404
    # the investigator (Sindh jurisdiction) sees the passport number in full
    assert becker[0]["passport_number"].startswith("C")
    assert "*" not in becker[0]["passport_number"]
    # sites come as a summary: where, not how they are guarded
    me = client.get("/api/v1/me", headers=liaison).json()
    shared = [s for s in _all(client, "/api/v1/sites", liaison) if s["agency_id"] != me["agency"]["id"]]
    assert {s["kind"] for s in shared} >= {"residence", "project_site"}
    assert all(s["guard_posts"] is None and s["center_lat"] is not None for s in shared)
    assert all("guard_posts" in s["redacted"] for s in shared)


def _check_sindh(client: TestClient) -> None:
    """Sindh SPU sees Karachi persons through its jurisdiction, not Islamabad ones."""
    spu = _login(client, "sindh.spu")
    persons = _all(client, "/api/v1/persons", spu)
    karachi = {(p.given, p.family) for p in scenario.PERSONS if _province(p.residence) == "PK-SD"}
    assert {(p["given_name"], p["family_name"]) for p in persons} == karachi
    assert {p["province"] for p in persons} == {"PK-SD"}
    assert all(p["passport_number"] is None or p["passport_number"].startswith("******") for p in persons)
    admin_headers = _login(client, "noc.operator")
    islamabad = _all(client, "/api/v1/persons", admin_headers, province="PK-IS")
    assert islamabad, "the NOC sees the whole country"
    for p in islamabad:
        assert client.get(f"/api/v1/persons/{p['id']}", headers=spu).status_code == 404
    # the army division sees Dasu and Gwadar, not Karachi
    army = _login(client, "army.ssd")
    provinces = {p["province"] for p in _all(client, "/api/v1/persons", army)}
    assert provinces == {"PK-KP", "PK-BA"}


def _check_national(client: TestClient) -> None:
    """The whole-country operator sees every unit and every vehicle (vehicles say no place of their own)."""
    noc = _login(client, "noc.operator")
    assert len(_all(client, "/api/v1/units", noc)) == len(scenario.UNITS)
    assert len(_all(client, "/api/v1/vehicles", noc)) == len(scenario.VEHICLES)
    # a provincial control room still sees only its own vehicles (the province does not cover them)
    spu = _login(client, "sindh.spu")
    own = {v.registration for v in scenario.VEHICLES if v.agency == "sindh"}
    assert {v["registration"] for v in _all(client, "/api/v1/vehicles", spu)} == own


def _province(site_key: str) -> str:
    return next(s.province for s in scenario.SITES if s.key == site_key)
