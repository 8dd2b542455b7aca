"""Movement requests: a valid one stored with its districts; every invalid key refused naming the field and
storing nothing; who sees a movement."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hifazat.auth.policy import SYSTEM, View
from hifazat.movements import service
from hifazat.movements.models import Movement
from hifazat.platform.db import unit_of_work
from tests.conftest import ADMIN_PASSWORD, login
from tests.movements.conftest import URL, Fleet


def _count() -> int:
    with unit_of_work(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(Movement)) or 0)


def _problem(r: Any, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in r.json()["errors"]}, r.text


def test_a_request_is_stored_with_the_districts_its_route_crosses(fleet: Fleet) -> None:
    r = fleet.file()
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["status"] == "draft"
    assert m["agency_id"] == fleet.w.agency["psc"]
    assert m["person_ids"] == [fleet.person]
    assert m["convoy"]["order"] == [fleet.vehicle]
    assert m["check_in_interval_min"] == 30
    assert m["districts"][0].startswith("PK-SD:")
    assert len(m["districts"]) >= 2
    assert m["districts"][-1] == "PK-SD:Hyderabad"
    assert m["actions"] == ["cancel", "submit"]
    assert m["province"] == "PK-SD"


def test_waypoints_build_the_route(fleet: Fleet) -> None:
    pts = [[67.01, 24.86], {"lat": 25.39, "lon": 68.37}]
    r = fleet.file(route=None, waypoints=pts)
    assert r.status_code == 201, r.text
    assert r.json()["route"] == {"type": "LineString", "coordinates": [[67.01, 24.86], [68.37, 25.39]]}


BAD: list[tuple[str, dict[str, Any]]] = [
    ("route", {"route": {"type": "Point", "coordinates": [67.0, 24.8]}}),
    ("route", {"route": {"type": "LineString", "coordinates": [[67.0, 24.8]]}}),
    ("route", {"route": {"type": "LineString", "coordinates": [[67.0, 24.8], [67.0, 24.8]]}}),
    ("route", {"route": {"type": "LineString", "coordinates": [[67.0, 24.8], [267.0, 24.8]]}}),
    ("route", {"route": None}),
    ("waypoints", {"route": None, "waypoints": [[67.0, 24.8], "x"]}),
    ("depart_before", {"depart_after": "2030-01-02T10:00:00Z", "depart_before": "2030-01-02T09:00:00Z"}),
    (
        "arrive_by",
        {"depart_after": "2030-01-02T10:00:00Z", "depart_before": None, "arrive_by": "2030-01-01T10:00:00Z"},
    ),
    ("depart_after", {"depart_after": "2030-01-02T10:00:00"}),  # no offset: ambiguous
    ("person_ids", {"person_ids": ["nope"]}),
    ("vehicle_ids", {"vehicle_ids": ["nope"], "convoy": {}}),
    ("escort_unit_ids", {"escort_unit_ids": ["nope"]}),
    ("escort_personnel_ids", {"escort_personnel_ids": ["nope"]}),
    ("origin_site_id", {"origin_site_id": "nope"}),
    ("destination_site_id", {"destination_site_id": "nope"}),
    ("convoy", {"convoy": {"order": ["not-in-the-list"]}}),
    ("check_in_interval_min", {"check_in_interval_min": 0}),
    ("agency_id", {"agency_id": "nope"}),
    ("surprise", {"surprise": 1}),
]


@pytest.mark.parametrize(("field", "over"), BAD, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD)])
def test_invalid_requests_name_the_field_and_store_nothing(
    fleet: Fleet, field: str, over: dict[str, Any]
) -> None:
    _problem(fleet.file(**over), 422, field)
    assert _count() == 0


def test_records_the_caller_cannot_see_count_as_unknown(fleet: Fleet, world: Any) -> None:
    # Another company sees none of this company's people, vehicles, units or sites: all unknown to it.
    c, h = world.client, world.root_admin
    r = c.post("/api/v1/agencies", headers=h, json={"name": "Other", "kind": "private_security_company"})
    assert r.status_code == 201, r.text
    user = {
        "username": "o-admin",
        "full_name": "O Admin",
        "password": ADMIN_PASSWORD,
        "agency_id": r.json()["id"],
        "roles": ["admin"],
    }
    assert c.post("/api/v1/users", headers=h, json=user).status_code == 201
    other = login(c, "o-admin", ADMIN_PASSWORD)
    _problem(c.post(URL, headers=other, json=fleet.body()), 422, "person_ids")
    _problem(
        c.post(URL, headers=other, json=fleet.body(person_ids=[], vehicle_ids=[], convoy={})),
        422,
        "escort_unit_ids",
    )
    assert _count() == 0


def test_who_may_request_and_who_sees(fleet: Fleet, world: Any) -> None:
    c = world.client
    assert fleet.file("liaison").status_code == 403
    assert fleet.file("police-admin", agency_id=world.agency["psc"]).status_code == 403
    m = fleet.file().json()
    for who, code in (("psc-operator", 200), ("police-operator", 200), ("liaison", 404)):
        assert c.get(f"{URL}/{m['id']}", headers=world.headers[who]).status_code == code, who
    assert [i["id"] for i in c.get(URL, headers=world.headers["police-operator"]).json()["items"]] == [
        m["id"]
    ]
    assert c.get(URL, headers=world.headers["liaison"]).json()["items"] == []
    assert c.get(f"{URL}/nope", headers=world.headers["psc-admin"]).status_code == 404


def test_a_summary_view_withholds_all_but_the_summary(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    with unit_of_work(readonly=True) as s:
        row = s.get(Movement, mid)
        assert row is not None
        data = service.present(row, View("summary"), SYSTEM)
        full = service.present(row, View("full", redact=frozenset({"comms_plan"})), SYSTEM)
    assert data["person_ids"] is None
    assert data["route"] is None
    assert data["status"] == "draft"
    assert data["districts"]
    assert "person_ids" in data["redacted"]
    assert full["comms_plan"] is None
    assert full["redacted"] == ["comms_plan"]
    assert full["person_ids"] == [fleet.person]
