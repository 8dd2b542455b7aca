"""The demo's incidents: the Karachi insider shooting of the seed under investigation, seen by the police
of Sindh and the national centre, and nothing of any incident by the partner embassy (no agreement names
incidents yet); a second load files nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from hifazat.demo import scenario
from hifazat.incidents.models import Incident
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.alerts.demo_world import DEMO_PASSWORD, Demo

BASE = "/api/v1/incidents"


def test_the_karachi_shooting_and_who_sees_it(demo: Demo) -> None:
    found = demo.ok("sindh.spu", "GET", BASE, None)["items"]
    shooting = next(i for i in found if i["type"] == "insider_use_of_force")
    assert shooting["status"] == "under_investigation"
    assert shooting["casualties"] == {"CN": {"injured": 2, "killed": 0}}
    assert shooting["district"] == "Malir"
    assert any(p["is_security_personnel"] and p["role"] == "perpetrator" for p in shooting["involved"])
    assert "close" in shooting["actions"]
    timeline = demo.ok("sindh.spu", "GET", f"{BASE}/{shooting['id']}/timeline")["items"]
    assert [e["action"] for e in timeline] == ["created", "verify", "investigate"]
    assert len(demo.ok("noc.operator", "GET", BASE)["items"]) == 3
    assert demo.ok("embassy.liaison", "GET", BASE)["items"] == []
    assert demo.call("embassy.liaison", "GET", f"{BASE}/{shooting['id']}").status_code == 404
    closed = demo.ok("company.security", "GET", BASE, None)["items"]
    assert [i["status"] for i in closed] == ["closed"]  # its own accident only


def test_a_second_load_files_nothing(demo: Demo) -> None:
    with unit_of_work(readonly=True) as s:
        before = (
            s.scalar(select(func.count()).select_from(Incident)),
            s.scalar(select(func.max(AuditEntry.seq))),
        )
    with unit_of_work() as s:
        scenario.load(s, password=DEMO_PASSWORD)
    with unit_of_work(readonly=True) as s:
        after = (
            s.scalar(select(func.count()).select_from(Incident)),
            s.scalar(select(func.max(AuditEntry.seq))),
        )
    assert after == before
