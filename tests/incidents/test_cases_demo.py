"""The demo's case: the Sindh SPU's investigation of the seed shooting, its FIR milestone done, its charge
sheet overdue, two tasks; seen by the national centre, hidden from the embassy; a second load writes
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from hifazat.demo import scenario
from hifazat.incidents.case_models import Case
from hifazat.platform.db import unit_of_work
from tests.alerts.demo_world import DEMO_PASSWORD, Demo

BASE = "/api/v1/cases"


def test_the_case_on_the_seed_shooting(demo: Demo) -> None:
    items = demo.ok("sindh.spu", "GET", BASE, None)["items"]
    assert [c["title"] for c in items] == ["Port Qasim colony shooting"]
    case = demo.ok("sindh.spu", "GET", f"{BASE}/{items[0]['id']}")
    assert case["incidents"][0]["summary"] == "Guard fired on two Chinese workers, Port Qasim colony"
    assert [u["username"] for u in case["investigators"]] == ["police.investigator"]
    kinds = {m["kind"]: m for m in case["milestones"]}
    assert kinds["fir_registered"]["done_at"] is not None
    assert kinds["fir_registered"]["overdue"] is False
    assert kinds["charge_sheet_filed"]["overdue"] is True
    assert len(case["tasks"]) == 2
    assert case["overdue"] == {"tasks": 1, "milestones": 1, "corrective_actions": 0}
    assert "close" in case["actions"]
    assert demo.ok("noc.operator", "GET", f"{BASE}/{case['id']}")["actions"] == []
    assert demo.call("embassy.liaison", "GET", f"{BASE}/{case['id']}").status_code == 404


def test_a_second_load_writes_no_case(demo: Demo) -> None:
    with unit_of_work() as s:
        scenario.load(s, password=DEMO_PASSWORD)
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
