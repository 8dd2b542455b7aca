"""What another agency does to an alert is in the owner's audit log too: Sindh Police acknowledging,
dispatching and noting on the project company's Karachi SOS (the entries are Sindh's by actor and the
company's by record)."""

from __future__ import annotations

from tests.alerts.demo_world import OWNER, Demo


def test_the_owner_reads_what_the_jurisdiction_did_to_its_alert(demo: Demo) -> None:
    alert_id = demo.alert_in("new")
    base = f"/api/v1/alerts/{alert_id}"
    demo.ok("sindh.spu", "POST", f"{base}/actions/acknowledge", {})
    demo.ok("sindh.spu", "POST", f"{base}/notes", {"note": "SPU on the way"})
    unit = demo.ok("sindh.spu", "GET", f"{base}/recommendations")["items"][0]["unit_id"]
    demo.ok("sindh.spu", "POST", f"{base}/assignments", {"unit_ids": [unit]})
    log = demo.ok(OWNER, "GET", "/api/v1/audit", None)
    mine = [e for e in log["items"] if e["entity_id"] == alert_id and e["actor"] == "sindh.spu"]
    assert {e["action"] for e in mine} >= {"acknowledge", "note", "assign"}, mine
    company = demo.ok(OWNER, "GET", base)["agency_id"]
    assert all(e["owner_agency_id"] == company for e in mine)
    demo.close(alert_id)
