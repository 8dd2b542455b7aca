"""An SOS is never refused for lack of coordinates: it takes the last known position of its device or
of its person's devices and says how old it was; with none known it is raised, its position unknown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from hifazat.tracking.cache import get_cache
from tests.alerts.conftest import KHI, Scene, settle
from tests.alerts.test_pages import web


@pytest.fixture(autouse=True)
def _fresh_tracking_state() -> Iterator[None]:
    get_cache().clear()  # devices made by this test are found by the next batch
    yield
    get_cache().clear()


def device(scene: Scene, ident: str, **fields: str) -> dict[str, Any]:
    return scene.post("psc-admin", "/api/v1/devices", {"identifier": ident, "kind": "phone", **fields})


def report(scene: Scene, identifier: str, lat: float, lon: float, age_s: int) -> None:
    at = int(time.time() * 1000) - age_s * 1000
    r = scene.client.post(
        "/api/v1/positions",
        headers=scene.h("psc-admin"),
        json=[{"device": identifier, "lat": lat, "lon": lon, "at": at}],
    )
    assert r.status_code == 200, r.text


def sos(scene: Scene, **subject: Any) -> dict[str, Any]:
    alert = scene.post("psc-operator", "/api/v1/alerts", {"kind": "sos", **subject})
    settle(alert["id"])
    return alert


def test_with_a_device_it_takes_the_device_s_last_position_and_says_its_age(scene: Scene) -> None:
    dev = device(scene, "sos-phone-1", owner_kind="person", owner_id=scene.ids["li"])
    report(scene, dev["identifier"], KHI[0] + 0.002, KHI[1] + 0.003, age_s=120)
    a = sos(scene, device_id=dev["id"])
    assert (a["lat"], a["lon"]) == (pytest.approx(KHI[0] + 0.002), pytest.approx(KHI[1] + 0.003))
    assert a["position_known"] is True
    assert 118 <= a["position_age_s"] <= 180
    assert a["position_at"] < a["created_at"]
    assert a["province"] == "PK-SD"
    again = scene.client.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("psc-operator")).json()
    assert again["position_at"] == a["position_at"]
    assert again["position_age_s"] == a["position_age_s"]
    page = web(scene, "psc-operator").get(f"/alerts/{a['id']}")
    assert page.status_code == 200
    assert "last known, 2 min old when raised" in page.text


def test_with_a_person_it_takes_the_newest_fix_of_their_devices(scene: Scene) -> None:
    old = device(scene, "sos-phone-2", owner_kind="person", owner_id=scene.ids["zhang"])
    new = device(scene, "sos-tag-2", owner_kind="person", owner_id=scene.ids["zhang"])
    report(scene, old["identifier"], 24.80, 67.00, age_s=3600)
    report(scene, new["identifier"], 24.85, 67.02, age_s=30)
    a = sos(scene, person_id=scene.ids["zhang"])
    assert (a["lat"], a["lon"]) == (pytest.approx(24.85), pytest.approx(67.02))
    assert 28 <= a["position_age_s"] <= 90


def test_without_any_known_position_it_is_raised_and_says_so(scene: Scene) -> None:
    a = sos(scene, person_id=scene.ids["li"])
    assert a["status"] == "new"
    assert a["lat"] is None
    assert a["lon"] is None
    assert a["position_known"] is False
    assert a["position_at"] is None
    assert a["position_age_s"] is None
    assert a["province"] == "PK-SD"  # from the person's residence
    me = sos(scene, for_self=True)
    assert me["position_known"] is False
    page = web(scene, "psc-operator").get(f"/alerts/{a['id']}")
    assert "unknown — no device of the person had reported one" in page.text


def test_given_coordinates_are_fixed_when_raised(scene: Scene) -> None:
    a = sos(scene, person_id=scene.ids["li"], lat=KHI[0], lon=KHI[1])
    assert a["position_known"] is True
    assert a["position_at"] == a["created_at"]
    assert a["position_age_s"] == 0


def test_a_manual_alert_about_a_device_takes_its_last_position_too(scene: Scene) -> None:
    """The dashboard's alert form picks a person or device instead of typing a position."""
    dev = device(scene, "manual-tag-1", owner_kind="person", owner_id=scene.ids["li"])
    report(scene, dev["identifier"], KHI[0] + 0.004, KHI[1] - 0.002, age_s=600)
    a = scene.post("psc-operator", "/api/v1/alerts", {"kind": "suspicious_activity", "device_id": dev["id"]})
    settle(a["id"])
    assert (a["lat"], a["lon"]) == (pytest.approx(KHI[0] + 0.004), pytest.approx(KHI[1] - 0.002))
    assert 598 <= a["position_age_s"] <= 660
    assert a["province"] == "PK-SD"
    plain = scene.post("psc-operator", "/api/v1/alerts", {"kind": "suspicious_activity"})
    assert plain["lat"] is None  # about no one: nothing to take a position from
    page = web(scene, "psc-operator").get(f"/alerts/{a['id']}?raised=1")
    assert "from the last known position (10 min old)" in page.text


def test_the_inbox_offers_devices_by_name_and_fix_age_never_by_identifier(scene: Scene) -> None:
    dev = device(scene, "secret-ident-77", owner_kind="person", owner_id=scene.ids["li"], name="Li's phone")
    report(scene, dev["identifier"], KHI[0], KHI[1], age_s=7200)
    page = web(scene, "psc-operator").get("/alerts")
    assert page.status_code == 200
    assert f'value="device:{dev["id"]}"' in page.text
    assert "Li&#39;s phone" in page.text or "Li's phone" in page.text
    assert "last fix 2 h ago" in page.text
    assert "secret-ident-77" not in page.text
