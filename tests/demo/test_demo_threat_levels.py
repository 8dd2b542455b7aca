"""The demo's threat levels: the story's districts carry a level and its reason, set once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.demo.threat_levels import LEVELS
from hifazat.platform.db import unit_of_work
from hifazat.threat.models import ThreatLevel
from tests.demo.conftest import DEMO_PASSWORD
from tests.demo.test_demo_scenario import Loader


def test_the_storys_districts_carry_their_levels_once(client: TestClient, load_demo: Loader) -> None:
    load_demo()
    load_demo()
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(ThreatLevel)) == len(LEVELS)
    r = client.post("/api/v1/auth/token", data={"username": "shield.manager", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    current = client.get("/api/v1/threat-levels", headers=headers)
    assert current.status_code == 200, current.text
    levels = {(i["province"], i["district"]): i["level"] for i in current.json()["items"]}
    assert levels[("PK-KP", "Upper Kohistan")] == "critical"
    assert levels[("PK-SD", "Malir")] == "high"
    assert levels == {(p, d): level for p, d, level, _ in LEVELS}
    reasons = {i["reason"] for i in current.json()["items"]}
    assert all(reasons)
