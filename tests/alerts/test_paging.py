"""Paging that fits, on the demo scenario: the built-in escalation tells the owner, the police with
jurisdiction and the national operations centre at once, then the army division and the ministry; the
demo's own policies are written with names and resolved when it loads."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from hifazat.alerts import escalation
from hifazat.auth.models import User
from hifazat.notify.models import Delivery
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import settle
from tests.alerts.demo_world import CLIFTON, OWNER, Demo
from tests.conftest import ADMIN_PASSWORD


def paged(alert_id: str, level: int) -> set[str]:
    """Usernames with a delivery about the alert at this escalation level."""
    with unit_of_work(readonly=True) as s:
        return set(
            s.scalars(
                select(User.username)
                .join(Delivery, Delivery.user_id == User.id)
                .where(Delivery.ref_id == alert_id, Delivery.reason == f"level-{level}")
            )
        )


def test_an_sos_under_the_built_in_policy_pages_the_police_and_the_noc_at_level_0(demo: Demo) -> None:
    alert_id = demo.alert_in("new")
    first = paged(alert_id, 0)
    assert {"noc.operator", "sindh.spu", "company.security"} <= first
    assert not first & {"isb.police", "punjab.spu", "army.ssd", "admin"}  # not their place, not yet
    created = datetime.fromisoformat(demo.ok(OWNER, "GET", f"/api/v1/alerts/{alert_id}")["created_at"])
    assert escalation.climb("test", now=created + timedelta(hours=1)) == [(alert_id, 1)]
    assert {"army.ssd", "admin"} <= paged(alert_id, 1)
    seen = demo.ok("sindh.spu", "GET", f"/api/v1/alerts/{alert_id}")
    assert {"jurisdiction", "shared"} <= set(seen["relations"])


def test_the_demo_policies_are_written_with_names_and_resolved_at_load(demo: Demo) -> None:
    policies = demo.ok("admin", "GET", "/api/v1/escalation-policies")["items"]
    port_qasim = next(p for p in policies if p["name"].startswith("Port Qasim plant"))
    me = {u: demo.ok(u, "GET", "/api/v1/me") for u in ("shield.manager", "sindh.spu", "noc.operator")}
    first = port_qasim["levels"][0]["targets"]
    for user in ("shield.manager", "sindh.spu", "noc.operator"):
        assert {"kind": "role", "role": "operator", "agency_id": me[user]["agency"]["id"]} in first
    assert {"kind": "user", "id": me["noc.operator"]["id"]} in port_qasim["levels"][1]["targets"]
    # an SOS at the plant follows it: the guard company is paged with the police and the NOC
    sites = demo.ok(OWNER, "GET", "/api/v1/sites?q=main compound&limit=10")["items"]
    [plant] = [s["id"] for s in sites if s["name"].startswith("Port Qasim power plant")]
    body = {"kind": "sos", "lat": CLIFTON[0], "lon": CLIFTON[1], "person_id": demo.person, "site_id": plant}
    alert = demo.ok(OWNER, "POST", "/api/v1/alerts", body)
    assert alert["escalation_policy_id"] == port_qasim["id"]
    settle(alert["id"])
    assert {"shield.manager", "sindh.spu", "noc.operator", "company.security"} <= paged(alert["id"], 0)


def test_the_policy_page_names_its_targets_and_picks_them_by_name(demo: Demo) -> None:
    web = TestClient(demo.client.app)
    r = web.post(
        "/api/v1/auth/token?set_cookie=true",
        data={"username": "admin", "password": ADMIN_PASSWORD},
        headers={"Origin": "http://testserver"},
    )
    assert r.status_code == 200, r.text
    page = web.get("/alerts/policies")
    assert page.status_code == 200
    # the Port Qasim policy, by name rather than by id (17.6: "Agency: … / role: …", "user: <name>")
    assert "Agency: Shield Guard Services (Pvt) Ltd / role: operator" in page.text
    assert "user: NOC Duty Operations Officer" in page.text
    # The editor's level: pickers whose labels are names (ids only as option values), no typed targets.
    picker = page.text[page.text.index('id="level-template"') :]
    for name in ("Sindh SPU", "noc.operator", "SSD-DSU-QRF (SSD)", ">operators<", 'name="delay"'):
        assert name in picker, name
    assert "agency:" not in page.text[page.text.index('id="policy-form"') :].split("<script")[0]
