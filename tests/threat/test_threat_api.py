"""Threat levels: setting one (who may, where), the current level per district, the history, the errors."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.auth.policy import system_actor
from hifazat.platform.db import unit_of_work
from hifazat.threat import service
from hifazat.threat.models import ThreatLevel
from tests.conftest import World

URL = "/api/v1/threat-levels"


def _set(c: TestClient, h: dict[str, str], **over: Any) -> Any:
    body = {
        "province": "PK-SD",
        "district": "Karachi South",
        "level": "high",
        "reason": "attack nearby",
        **over,
    }
    return c.post(URL, headers=h, json=body)


def _count() -> int:
    with unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(ThreatLevel)) or 0)


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if field:
        assert field in {e["field"] for e in r.json()["errors"]}, r.text


def test_set_then_current_and_history(world: World) -> None:
    c, h = world.client, world.headers["police-operator"]
    r = _set(c, h, level="elevated", reason="protest")
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["level"], first["set_by_name"], first["source"]) == (
        "elevated",
        "police-operator",
        "manual",
    )
    assert first["set_by"]
    assert _set(c, h, level="critical", district="karachi south").status_code == 201  # spelling normalised
    assert _set(c, h, district="Karachi East", level="low").status_code == 201
    cur = c.get(URL, headers=world.headers["psc-operator"], params={"province": "PK-SD"}).json()
    levels = {i["district"]: i["level"] for i in cur["items"]}
    assert levels == {"Karachi South": "critical", "Karachi East": "low"}
    assert cur["default"] == "low"
    assert c.get(URL, headers=h, params={"province": "PK-PB"}).json()["items"] == []
    hist = c.get(
        f"{URL}/history", headers=h, params={"province": "PK-SD", "district": "Karachi South"}
    ).json()
    assert [i["level"] for i in hist["items"]] == ["critical", "elevated"]


def test_who_may_set(world: World) -> None:
    c = world.client
    # the ministry (whole country) anywhere; the Sindh police in Sindh only; a company and a liaison nowhere
    assert _set(c, world.root_admin, province="PK-PB", district="Lahore").status_code == 201
    _problem(_set(c, world.headers["police-admin"], province="PK-PB", district="Lahore"), 403)
    _problem(_set(c, world.headers["psc-admin"]), 403)
    _problem(_set(c, world.headers["liaison"]), 403)
    assert _count() == 1


def test_refused_settings_store_nothing(world: World) -> None:
    c, h = world.client, world.headers["police-operator"]
    _problem(_set(c, h, province="PK-XX"), 422, "province")
    _problem(_set(c, h, district="Lahore"), 422, "district")  # Lahore is Punjab's
    _problem(_set(c, h, level="severe"), 422, "level")
    _problem(_set(c, h, reason="  "), 422, "reason")
    _problem(_set(c, h, set_by="someone"), 422, "set_by")  # not the caller's to say
    _problem(c.get(f"{URL}/history", headers=h, params={"province": "PK-SD", "district": "Atlantis"}), 422)
    assert _count() == 0


def test_a_feed_sets_through_the_service(world: World) -> None:
    with unit_of_work() as s:
        row = service.set_level(
            s, system_actor("intel"), "PK-SD", "Karachi South", "high", "reports", "intel"
        )
        assert row.source == "intel"
        assert service.levels_of(s, [("PK-SD", "Karachi South"), ("PK-SD", "Karachi East")]) == {
            ("PK-SD", "Karachi South"): "high",
            ("PK-SD", "Karachi East"): "low",
        }
