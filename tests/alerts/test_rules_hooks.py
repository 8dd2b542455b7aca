"""Tracking events become alerts in the ingest transaction, by rule, with a suppression window."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from hifazat.alerts.from_tracking import on_tracking_events
from hifazat.alerts.models import Alert
from hifazat.core.db import utcnow
from hifazat.platform.composition import current
from hifazat.platform.db import unit_of_work
from hifazat.tracking.hooks import TRACKING_HOOKS, TrackingEventData
from tests.alerts.conftest import Scene, count


def event(scene: Scene, kind: str, person: str = "li", **extra: object) -> TrackingEventData:
    return TrackingEventData(
        id=secrets.token_hex(8),
        kind=kind,
        device_id="dev-" + person,
        device_identifier="phone-" + person,
        owner_kind="person",
        owner_id=scene.ids[person],
        agency_id=scene.world.agency["psc"],
        province="PK-SD",
        lat=24.861,
        lon=67.002,
        at=utcnow().isoformat(),
        **extra,  # type: ignore[arg-type]
    )


def run(events: list[TrackingEventData]) -> None:
    with unit_of_work() as s:
        on_tracking_events(s, events)


def test_hook_is_registered() -> None:
    assert on_tracking_events in current().get(TRACKING_HOOKS)


def test_sos_event_becomes_one_alert_and_repeats_fold_in(scene: Scene) -> None:
    first = event(scene, "sos")
    run([first])
    run([first])  # the same event again: no second alert
    run([event(scene, "sos")])  # a second press within the window: folded
    with unit_of_work(readonly=True) as s:
        [a] = s.scalars(select(Alert)).all()
        assert a.kind == "sos"
        assert a.severity == "critical"
        assert a.source == "tracking"
        assert a.person_id == scene.ids["li"]
        assert a.nationality == "CN"
        assert a.repeat_count == 1
        assert a.title == "SOS: Li Wei"
        assert a.source_event_id == first.id
    run([event(scene, "sos", person="zhang")])  # another person: its own alert
    assert count(Alert) == 2


def test_rules_decide_severity_and_silence(scene: Scene) -> None:
    run([event(scene, "zone_enter", zone_name="Clifton"), event(scene, "device_stale")])
    with unit_of_work(readonly=True) as s:
        assert [(a.kind, a.severity) for a in s.scalars(select(Alert))] == [("device_stale", "low")]
    h = scene.h("psc-admin")
    r = scene.client.put("/api/v1/alert-rules/low_battery", headers=h, json={"severity": None})
    assert r.status_code == 200, r.text
    r = scene.client.put(
        "/api/v1/alert-rules/red_zone_entry", headers=h, json={"severity": "critical", "suppress_s": 0}
    )
    assert r.status_code == 200
    assert (
        scene.client.put("/api/v1/alert-rules/teleport", headers=h, json={"severity": "low"}).status_code
        == 422
    )
    bad = scene.client.put("/api/v1/alert-rules/sos", headers=h, json={"severity": "apocalyptic"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "severity"
    assert (
        scene.client.put(
            "/api/v1/alert-rules/sos", headers=scene.h("psc-operator"), json={"severity": "low"}
        ).status_code
        == 403
    )
    run(
        [
            event(scene, "low_battery", battery=4.0),
            event(scene, "red_zone_entry"),
            event(scene, "red_zone_entry"),
        ]
    )
    with unit_of_work(readonly=True) as s:
        kinds = sorted((a.kind, a.severity) for a in s.scalars(select(Alert)))
    assert kinds == [("device_stale", "low"), ("red_zone_entry", "critical"), ("red_zone_entry", "critical")]
    eff = scene.client.get("/api/v1/alert-rules", headers=h).json()["items"]
    by = {r["event_kind"]: r for r in eff}
    assert by["low_battery"]["severity"] is None
    assert by["sos"]["defined_by"] == "built-in"
