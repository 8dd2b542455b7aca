"""Every alert change reaches dashboards as the SSE event `alert`, filtered by who may see the alert."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import httpx

from hifazat.alerts import escalation
from hifazat.core.db import utcnow
from tests.alerts.conftest import settle
from tests.conftest import ADMIN_PASSWORD


def _token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def collect(
    base: str, token: str, out: list[dict[str, Any]], ready: threading.Event, stop: threading.Event
) -> None:
    with httpx.stream("GET", f"{base}/api/v1/stream?events=alert", headers=_h(token), timeout=20) as r:
        event: dict[str, Any] = {}
        for line in r.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and event:
                out.append(event)
                event = {}
                if out[-1]["data"].get("change") == "acknowledge":
                    return


def test_alert_events_on_the_stream_follow_visibility_and_shares(live_server: str, initialised: Any) -> None:
    base = live_server
    admin = _token(base, "admin")
    ha = _h(admin)
    embassy = httpx.post(
        f"{base}/api/v1/agencies", headers=ha, json={"name": "Embassy", "kind": "foreign_embassy"}
    )
    assert embassy.status_code == 201, embassy.text
    emb_id = embassy.json()["id"]
    r = httpx.post(
        f"{base}/api/v1/users",
        headers=ha,
        json={
            "username": "liaison",
            "full_name": "Liaison",
            "password": ADMIN_PASSWORD,
            "agency_id": emb_id,
            "roles": ["liaison"],
        },
    )
    assert r.status_code == 201, r.text
    policy = {
        "name": "to the embassy",
        "levels": [
            {"timeout_s": 60, "targets": [{"kind": "role", "role": "operator"}]},
            {"timeout_s": 60, "targets": [{"kind": "agency", "id": emb_id}]},
        ],
    }
    assert httpx.post(f"{base}/api/v1/escalation-policies", headers=ha, json=policy).status_code == 201
    liaison = _token(base, "liaison")
    got_admin: list[dict[str, Any]] = []
    got_liaison: list[dict[str, Any]] = []
    stop = threading.Event()
    readies = [threading.Event(), threading.Event()]
    threads = [
        threading.Thread(target=collect, args=(base, admin, got_admin, readies[0], stop), daemon=True),
        threading.Thread(target=collect, args=(base, liaison, got_liaison, readies[1], stop), daemon=True),
    ]
    for t in threads:
        t.start()
    assert all(r.wait(10) for r in readies)
    r = httpx.post(
        f"{base}/api/v1/alerts", headers=ha, json={"kind": "sos", "lat": 24.86, "lon": 67.0, "for_self": True}
    )
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    settle(alert_id)
    assert escalation.climb("test", now=utcnow() + timedelta(seconds=61)) == [(alert_id, 1)]
    # the acknowledgement is the last event both readers wait for
    assert httpx.post(f"{base}/api/v1/alerts/{alert_id}/actions/acknowledge", headers=ha).status_code == 200
    for t in threads:
        t.join(10)
    changes = [(e["event"], e["data"]["id"], e["data"]["change"]) for e in got_admin]
    assert changes[:4] == [
        ("alert", alert_id, "created"),
        ("alert", alert_id, "notified"),
        ("alert", alert_id, "escalated"),
        ("alert", alert_id, "acknowledge"),
    ]
    first = got_admin[0]["data"]
    assert first["agency_id"]
    assert first["status"] == "new"
    assert "_shared_with" not in first
    # the embassy saw nothing until the alert was escalated to it
    assert [e["data"]["change"] for e in got_liaison] == ["escalated", "acknowledge"]
