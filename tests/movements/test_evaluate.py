"""Evaluation against the default rule set: each rule passing and failing, the highest level along the route
deciding, and a failing rule blocking approval (nothing changed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.movements.conftest import URL, Fleet


def _set(fleet: Fleet, district: str, level: str) -> None:
    body = {"province": "PK-SD", "district": district, "level": level, "reason": "test"}
    r = fleet.client.post("/api/v1/threat-levels", headers=fleet.w.root_admin, json=body)
    assert r.status_code == 201, r.text


def _eval(fleet: Fleet, mid: str, who: str = "psc-admin") -> dict[str, Any]:
    r = fleet.client.post(f"{URL}/{mid}/evaluate", headers=fleet.w.headers[who])
    assert r.status_code == 200, r.text
    return dict(r.json())


def _by_rule(result: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in result["rules"]:  # a vehicle-by-vehicle rule: the worst of its lines
        out[r["rule"]] = "fail" if "fail" in (out.get(r["rule"]), r["outcome"]) else r["outcome"]
    return out


def _at_local(days: int, hour: int) -> datetime:
    d = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return d - timedelta(hours=5)  # `hour` local (UTC+05:00) as UTC


def test_at_low_every_rule_passes(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    result = _eval(fleet, mid)
    assert result["outcome"] == "pass"
    assert result["level"] == "low"
    assert set(_by_rule(result).values()) == {"pass"}


def test_the_highest_level_along_the_route_decides(fleet: Fleet) -> None:
    _set(fleet, "Hyderabad", "critical")
    depart = _at_local(5, 9)
    mid = fleet.file(
        depart_after=depart.isoformat(),
        depart_before=(depart + timedelta(hours=1)).isoformat(),
        arrive_by=(depart + timedelta(hours=4)).isoformat(),
        check_in_interval_min=60,
    ).json()["id"]
    result = _eval(fleet, mid, "police-operator")
    assert (result["level"], result["outcome"]) == ("critical", "fail")
    rules = _by_rule(result)
    # 5 days' notice (96 h needed) and daylight pass; check-ins every 60 > 15 min and an escort of 2 < 8 fail;
    # the B6 vehicle passes
    assert rules == {
        "minimum_notice": "pass",
        "no_movement_between": "pass",
        "check_in_interval": "fail",
        "bullet_proof_vehicle": "pass",
        "min_escort_strength": "fail",
    }
    assert all(r["segment"] == "PK-SD:Hyderabad" for r in result["rules"])
    [armour] = [r for r in result["rules"] if r["rule"] == "bullet_proof_vehicle"]
    assert armour["vehicle_id"] == fleet.vehicle


def test_each_rule_fails_at_high(fleet: Fleet) -> None:
    _set(fleet, "Hyderabad", "high")
    plain = fleet._post("/api/v1/vehicles", fleet.w.headers["psc-admin"], {"registration": "SOFT-1"})
    depart = _at_local(1, 20)  # 8 pm local tomorrow: too soon and after dark
    mid = fleet.file(
        depart_after=depart.isoformat(),
        depart_before=None,
        arrive_by=None,
        vehicle_ids=[plain],
        convoy={},
        escort_unit_ids=[],
        check_in_interval_min=None,
    ).json()["id"]
    rules = _by_rule(_eval(fleet, mid))
    assert rules == dict.fromkeys(rules, "fail")
    assert len(rules) == 5


def test_night_rule_warns_without_an_arrival_time(fleet: Fleet) -> None:
    _set(fleet, "Hyderabad", "elevated")
    depart = _at_local(4, 9)
    mid = fleet.file(depart_after=depart.isoformat(), depart_before=None, arrive_by=None).json()["id"]
    result = _eval(fleet, mid)
    assert _by_rule(result)["no_movement_between"] == "warn"
    assert result["outcome"] == "warn"


def test_a_failing_rule_blocks_approval(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    assert fleet.act(mid, "submit", "psc-admin").status_code == 200
    _set(fleet, "Hyderabad", "critical")  # tightened after filing: 2 days' notice is not enough now
    r = fleet.act(mid, "approve", "police-operator")
    assert r.status_code == 409, r.text
    assert r.json()["evaluation"]["outcome"] == "fail"
    assert "minimum_notice" in r.json()["detail"]
    assert (
        fleet.client.get(f"{URL}/{mid}", headers=fleet.w.headers["psc-admin"]).json()["status"] == "submitted"
    )


def test_evaluate_is_for_who_sees_the_movement(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    r = fleet.client.post(f"{URL}/{mid}/evaluate", headers=fleet.w.headers["liaison"])
    assert r.status_code == 404
