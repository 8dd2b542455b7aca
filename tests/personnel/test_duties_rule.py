"""The hard rule through /api/v1/duties: every refusal reason alone, all of them together, overlap and rest
between shifts, one person at two sites at once; a refusal is 422 problem+json and stores nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.personnel.conftest import Staff
from tests.personnel.duty_helpers import DAY, codes, count, duty, licensed, post, site, vetted

TODAY = date.today()


def _suspend(c: TestClient, h: dict[str, str], person: str) -> None:
    r = c.patch(f"/api/v1/personnel/{person}", headers=h, json={"status": "suspended"})
    assert r.status_code == 200, r.text


def _refused_alone(staff: Staff, person: str, site_id: str, code: str, **over: Any) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    before = count(c, h)
    r = post(c, h, duty(person, site_id, **over))
    assert codes(r) == [code], r.json()
    assert r.json()["title"] == "Duty Refused"
    assert code in r.json()["detail"]
    assert count(c, h) == before


def test_check_missing_alone(staff: Staff) -> None:
    licensed(staff)
    _refused_alone(staff, vetted(staff, skip=("weapons_training",)), site(staff), "check_missing")


def test_check_expired_alone(staff: Staff) -> None:
    licensed(staff)
    g = vetted(staff, skip=("physical_fitness",))
    staff.check(g, "physical_fitness", expires_on=TODAY.isoformat())  # lapses before tomorrow's shift
    _refused_alone(staff, g, site(staff), "check_expired")


def test_check_failed_alone(staff: Staff) -> None:
    licensed(staff)
    g = vetted(staff)
    staff.check(g, "psychological_evaluation", "fail", done_on=(TODAY - timedelta(days=2)).isoformat())
    _refused_alone(staff, g, site(staff), "check_failed")


def test_licence_invalid_alone(staff: Staff) -> None:
    staff.licence("noc")  # no provincial licence for Sindh
    _refused_alone(staff, vetted(staff), site(staff), "licence_invalid")


def test_age_limit_alone(staff: Staff) -> None:
    licensed(staff)
    born = TODAY.replace(year=TODAY.year - 61).isoformat()
    _refused_alone(staff, vetted(staff, date_of_birth=born), site(staff), "age_limit")


def test_suspended_alone_armed_or_not(staff: Staff) -> None:
    licensed(staff)
    g, s = vetted(staff), site(staff)
    _suspend(staff.client, staff.w.headers["psc-admin"], g)
    _refused_alone(staff, g, s, "suspended")
    _refused_alone(staff, g, s, "suspended", armed=False)


def test_overlap_alone_and_two_sites_at_once(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    licensed(staff)
    g, s1 = vetted(staff), site(staff)
    s2 = site(staff)
    first = post(c, h, duty(g, s1))
    assert first.status_code == 201, first.text
    # the same person at another site, the shifts crossing by an hour
    r = post(c, h, duty(g, s2, DAY + timedelta(hours=7), armed=False))
    assert codes(r) == ["overlap"]
    assert r.json()["reasons"][0]["duty_id"] == first.json()["id"]
    assert count(c, h) == 1


def test_rest_period_alone_and_its_edge(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    g, s = staff.person(armed=False)["id"], site(staff)
    assert post(c, h, duty(g, s, armed=False)).status_code == 201  # 08:00-16:00
    r = post(c, h, duty(g, s, DAY + timedelta(hours=12), armed=False))  # 4 h of rest after it
    assert codes(r) == ["rest_period"]
    assert r.json()["reasons"][0]["rest_hours"] == 4.0
    r = post(c, h, duty(g, s, DAY - timedelta(hours=10), armed=False))  # ends 2 h before it
    assert codes(r) == ["rest_period"]
    # exactly the configured 8 h is enough, before and after
    assert post(c, h, duty(g, s, DAY + timedelta(hours=16), armed=False)).status_code == 201
    assert post(c, h, duty(g, s, DAY - timedelta(hours=16), armed=False)).status_code == 201


def test_every_reason_together(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    born = TODAY.replace(year=TODAY.year - 65).isoformat()
    g = vetted(staff, skip=("weapons_training", "physical_fitness"), date_of_birth=born)
    staff.check(g, "physical_fitness", expires_on=TODAY.isoformat())
    staff.check(g, "psychological_evaluation", "fail", done_on=(TODAY - timedelta(days=2)).isoformat())
    s = site(staff)
    assert post(c, h, duty(g, s, armed=False)).status_code == 201  # 08:00-16:00
    later = DAY + timedelta(hours=32)
    assert post(c, h, duty(g, s, later, armed=False)).status_code == 201
    _suspend(c, h, g)
    # 12:00 tomorrow for 24 h: over the first, only 4 h of rest before the second
    r = post(c, h, duty(g, s, DAY + timedelta(hours=4), hours=24))
    got = codes(r)
    want = {
        "suspended",
        "age_limit",
        "check_missing",
        "check_expired",
        "check_failed",
        "licence_invalid",
        "overlap",
        "rest_period",
    }
    assert set(got) == want, got
    assert got.count("licence_invalid") == 2  # neither the NOC nor the provincial licence
    assert all(x["detail"] for x in r.json()["reasons"])
    assert count(c, h) == 2
