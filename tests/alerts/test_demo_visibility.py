"""What the guard supervisor and the embassy liaison see on the demo scenario (issue 17's findings): the
devices of the people they look after, and the alerts of their sites and nationals."""

from __future__ import annotations

import time

from tests.alerts.demo_world import OWNER, Demo


def test_a_person_s_device_follows_the_person(demo: Demo) -> None:
    body = {
        "identifier": "demo-yuting-phone",
        "kind": "phone",
        "owner_kind": "person",
        "owner_id": demo.person,
    }
    dev = demo.ok(OWNER, "POST", "/api/v1/devices", body)
    fix = {"device": dev["identifier"], "lat": 24.8155, "lon": 67.028, "at": int(time.time() * 1000) - 5000}
    r = demo.call(OWNER, "POST", "/api/v1/positions", [fix])
    assert r.status_code == 200, r.text
    # the embassy: its national, in full under the company's agreement (identifier: the owner's only)
    liaison = demo.ok("embassy.liaison", "GET", f"/api/v1/devices/{dev['id']}")
    assert liaison["identifier"] is None
    assert liaison["last_position"] is not None
    assert demo.call("embassy.liaison", "GET", f"/api/v1/devices/{dev['id']}/positions").status_code == 200
    listed = demo.ok("embassy.liaison", "GET", "/api/v1/devices")["items"]
    assert [d["id"] for d in listed] == [dev["id"]]
    # the guard company: a person of the project it guards, as a summary: no position, no track
    guard = demo.ok("shield.guard", "GET", f"/api/v1/devices/{dev['id']}")
    assert "last_position" not in guard
    assert demo.call("shield.guard", "GET", f"/api/v1/devices/{dev['id']}/positions").status_code == 403
    assert (
        demo.call("shield.guard", "PATCH", f"/api/v1/devices/{dev['id']}", {"name": "x"}).status_code == 403
    )
    assert dev["id"] in [d["id"] for d in demo.ok("shield.guard", "GET", "/api/v1/devices")["items"]]
    # a police force elsewhere: nothing
    assert demo.call("isb.police", "GET", f"/api/v1/devices/{dev['id']}").status_code == 404
    assert demo.ok("isb.police", "GET", "/api/v1/devices")["items"] == []


def test_guards_and_the_embassy_find_the_alerts_that_concern_them(demo: Demo) -> None:
    alert_id = demo.alert_in("new")
    for user in ("shield.guard", "shield.manager", "embassy.liaison"):
        items = demo.ok(user, "GET", "/api/v1/alerts")["items"]
        assert alert_id in [a["id"] for a in items], user
    [summary] = [
        a for a in demo.ok("embassy.liaison", "GET", "/api/v1/alerts")["items"] if a["id"] == alert_id
    ]
    assert summary["view"] == "summary"
    assert summary["lat"] is None  # where exactly is the agreement's to give, and it gives a summary
    assert summary["nationality"] == "CN"
    assert alert_id not in [a["id"] for a in demo.ok("sentinel.manager", "GET", "/api/v1/alerts")["items"]]
