"""The inbox alarm: a critical alert still `new` is marked to sound and flash; each user may mute it, and the
mute is their stored preference (so it follows them between workstations)."""

from __future__ import annotations

from tests.alerts.conftest import Scene
from tests.alerts.test_pages import web


def test_inbox_marks_critical_new_alerts_and_sound_is_on_by_default(scene: Scene) -> None:
    a = scene.sos()
    assert a["severity"] == "critical"
    assert a["status"] == "new"
    r = web(scene, "psc-operator").get("/alerts")
    assert r.status_code == 200
    assert f'data-alert-id="{a["id"]}" data-severity="critical" data-status="new"' in r.text
    assert 'data-alarm="on"' in r.text
    assert "/static/js/inbox-alarm.js" in r.text


def test_a_user_mutes_the_alarm_for_themselves_only(scene: Scene) -> None:
    h = scene.h("psc-operator")
    prefs = scene.client.get("/api/v1/me/notification-preferences", headers=h).json()
    assert prefs["alarm_sound"] is True
    body = {k: v for k, v in prefs.items() if k not in ("user_id", "effective_email")}
    body["alarm_sound"] = False
    r = scene.client.put("/api/v1/me/notification-preferences", headers=h, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["alarm_sound"] is False
    assert 'data-alarm="off"' in web(scene, "psc-operator").get("/alerts").text
    assert 'data-alarm="on"' in web(scene, "psc-admin").get("/alerts").text


def test_alarm_sound_must_be_a_boolean(scene: Scene) -> None:
    h = scene.h("psc-operator")
    r = scene.client.put("/api/v1/me/notification-preferences", headers=h, json={"alarm_sound": "loud"})
    assert r.status_code == 422
    assert any(e["field"].endswith("alarm_sound") for e in r.json()["errors"]), r.text
    assert scene.client.get("/api/v1/me/notification-preferences", headers=h).json()["alarm_sound"] is True
