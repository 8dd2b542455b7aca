"""End to end: a position batch with alarm=sos becomes exactly one alert, in the ingest transaction."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.alerts.models import Alert
from hifazat.core.db import utcnow
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import Scene, count


def test_position_with_sos_alarm_raises_one_alert(scene: Scene) -> None:
    h = scene.h("psc-admin")
    dev = scene.client.post(
        "/api/v1/devices",
        headers=h,
        json={"identifier": "li-phone", "kind": "phone", "owner_kind": "person", "owner_id": scene.ids["li"]},
    )
    assert dev.status_code == 201, dev.text
    fix = {"device": "li-phone", "lat": 24.8615, "lon": 67.0015, "at": utcnow().isoformat(), "alarm": "sos"}
    r = scene.client.post("/api/v1/positions", headers=h, json=[fix])
    assert r.status_code == 200, r.text
    assert count(Alert) == 1
    with unit_of_work(readonly=True) as s:
        a = s.scalars(select(Alert)).one()
        assert (a.kind, a.source, a.person_id) == ("sos", "tracking", scene.ids["li"])
        assert a.device_id == dev.json()["id"]
        assert a.lat == 24.8615
    # the tracked position now places the person for dispatch and polls
    recs = scene.client.get(f"/api/v1/alerts/{a.id}/recommendations", headers=scene.h("psc-operator")).json()
    assert recs["items"][0]["call_sign"] == "QRF-NEAR"
