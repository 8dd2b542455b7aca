"""SOS and manual alerts through the API: validation, ownership, visibility, timeline, audit, outbox."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.alerts.models import Alert, AlertEvent
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent
from tests.alerts.conftest import KHI, Scene, count


def test_sos_for_a_person_is_owned_by_their_agency_and_durable(scene: Scene) -> None:
    a = scene.sos()
    assert a["kind"] == "sos"
    assert a["severity"] == "critical"
    assert a["status"] == "new"
    assert a["agency_id"] == scene.world.agency["psc"]
    assert a["province"] == "PK-SD"
    assert a["nationality"] == "CN"
    assert a["title"] == "SOS: Li Wei"
    assert a["actions"] == ["acknowledge", "false_alarm", "dispatch", "note"]
    assert a["relations"] == ["owner"]
    with unit_of_work(readonly=True) as s:
        events = s.scalars(
            select(AlertEvent.action).where(AlertEvent.alert_id == a["id"]).order_by(AlertEvent.at)
        ).all()
        assert events[0] == "created"
        assert "notified" in events
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == a["id"]).order_by(AuditEntry.seq)
        ).all()
        assert [e.action for e in audit][:1] == ["create"]
        out = s.scalars(
            select(OutboxEvent).where(OutboxEvent.subject == "alerts.changed").order_by(OutboxEvent.seq)
        ).all()
        assert [o.payload["change"] for o in out] == ["created", "notified"]
        payload = out[0].payload
        assert payload["id"] == a["id"]
        assert payload["agency_id"] == a["agency_id"]
        assert payload["province"] == "PK-SD"
        assert payload["status"] == "new"


def test_sos_for_self_from_the_dashboard(scene: Scene) -> None:
    a = scene.post(
        "police-operator", "/api/v1/alerts", {"kind": "sos", "lat": 24.9, "lon": 67.1, "for_self": True}
    )
    assert a["agency_id"] == scene.world.agency["police"]
    assert a["subject_user_id"] is not None
    assert a["person_id"] is None


def test_bad_sos_is_422_with_field_and_nothing_written(scene: Scene) -> None:
    h = scene.h("psc-operator")
    cases = [
        ({"kind": "sos", "lat": 24.8, "lon": 67.0}, "exactly one of person_id"),
        (
            {"kind": "sos", "lat": 24.8, "lon": 67.0, "person_id": scene.ids["li"], "for_self": True},
            "exactly one",
        ),
        ({"kind": "sos", "lat": 124.8, "lon": 67.0, "person_id": scene.ids["li"]}, "less than or equal"),
        ({"kind": "sos", "lat": 24.8, "person_id": scene.ids["li"]}, "lat and lon go together"),
        ({"kind": "meteor", "lat": 24.8, "lon": 67.0}, "Input should be"),
        (
            {"kind": "sos", "lat": 24.8, "lon": 67.0, "person_id": scene.ids["li"], "colour": "red"},
            "Extra inputs",
        ),
    ]
    for body, reason in cases:
        r = scene.client.post("/api/v1/alerts", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        errors = r.json()["errors"]
        assert errors
        assert all("field" in e and "reason" in e for e in errors)
        assert any(reason in e["reason"] for e in errors), (reason, errors)
    r = scene.client.post(
        "/api/v1/alerts", headers=h, json={"kind": "sos", "lat": 24.8, "lon": 67.0, "person_id": "nope"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "person_id"
    assert count(Alert) == 0


def test_sos_needs_a_signed_in_caller(scene: Scene) -> None:
    r = scene.client.post(
        "/api/v1/alerts", json={"kind": "sos", "lat": KHI[0], "lon": KHI[1], "for_self": True}
    )
    assert r.status_code == 401


def test_manual_alert_needs_a_writing_role(scene: Scene) -> None:
    body = {"kind": "suspicious_activity", "site_id": scene.ids["residence"], "description": "drone overhead"}
    r = scene.client.post("/api/v1/alerts", headers=scene.h("liaison"), json=body)
    assert r.status_code == 403
    a = scene.post("psc-operator", "/api/v1/alerts", body)
    assert a["severity"] == "medium"
    assert a["site_id"] == scene.ids["residence"]
    assert a["province"] == "PK-SD"
    assert a["title"] == "Suspicious activity: Clifton Residence"


def test_visibility_owner_jurisdiction_and_strangers(scene: Scene) -> None:
    a = scene.sos()
    c = scene.client
    assert c.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("psc-operator")).json()["writable"] is True
    police = c.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("police-operator"))
    assert police.status_code == 200
    # the jurisdiction's control room (paged at level 0, so also shared) may acknowledge and add notes; it
    # has no unit of its own to send
    assert police.json()["relations"] == ["jurisdiction", "shared"]
    assert police.json()["actions"] == ["acknowledge", "note"]
    r = c.post(f"/api/v1/alerts/{a['id']}/actions/false_alarm", headers=scene.h("police-operator"))
    assert r.status_code == 403
    r = c.post(f"/api/v1/alerts/{a['id']}/actions/acknowledge", headers=scene.h("police-operator"))
    assert r.status_code == 200
    assert r.json()["actions"] == ["note"]  # resolving is the owner's
    assert c.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("liaison")).status_code == 404
    assert c.get("/api/v1/alerts/does-not-exist", headers=scene.h("liaison")).status_code == 404
    ids = [x["id"] for x in c.get("/api/v1/alerts", headers=scene.h("liaison")).json()["items"]]
    assert a["id"] not in ids
    ids = [
        x["id"] for x in c.get("/api/v1/alerts?open=true", headers=scene.h("police-operator")).json()["items"]
    ]
    assert ids == [a["id"]]


def test_list_is_newest_first_with_a_cursor(scene: Scene) -> None:
    made = [scene.sos()["id"] for _ in range(3)]
    r = scene.client.get("/api/v1/alerts?limit=2", headers=scene.h("psc-operator")).json()
    assert [x["id"] for x in r["items"]] == made[::-1][:2]
    r2 = scene.client.get(
        f"/api/v1/alerts?limit=2&cursor={r['next_cursor']}", headers=scene.h("psc-operator")
    )
    assert [x["id"] for x in r2.json()["items"]] == [made[0]]


def test_alert_json_is_the_alert_out_schema_read_straight_from_the_row(scene: Scene) -> None:
    from hifazat.alerts.schemas import AlertOut
    from hifazat.alerts.service import alert_json
    from hifazat.platform.audit.chain import stamp

    a = scene.sos()
    acknowledged = scene.act("psc-operator", a["id"], "acknowledge")
    assert acknowledged["acknowledged_at"] is not None
    with unit_of_work(readonly=True) as s:
        alert = s.get(Alert, a["id"])
        assert alert is not None
        s.expire(alert, ["status", "acknowledged_at"])  # not loaded: read through the ORM as before
        data = alert_json(alert)
        model = AlertOut.model_validate(alert, from_attributes=True).model_dump(mode="json")
    for key in ("created_at", "updated_at", "acknowledged_at", "resolved_at", "last_seen_at"):
        value = getattr(alert, key)
        model[key] = stamp(value) if value is not None else None
    assert {k: data[k] for k in model} == model
    assert list(data)[: len(model)] == list(model)
    assert data["status"] == "acknowledged"
    assert data["acknowledged_at"] == acknowledged["acknowledged_at"]
    assert isinstance(data["lat"], float)
    assert data["resolved_at"] is None
