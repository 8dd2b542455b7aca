"""Inbound SMS (SOS / SAFE / HELP from registered phones) and "Are you safe?" polls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hifazat.alerts.models import Alert, Poll
from hifazat.alerts.sms import normalise
from hifazat.config import reset_settings
from hifazat.core.db import utcnow
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import KHI, Scene, count

TOKEN = "gateway-secret-123"


@pytest.fixture
def sms(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("HIFAZAT_SMS_WEBHOOK_TOKEN", TOKEN)
    reset_settings()
    return scene


def text(scene: Scene, sender: str, body: str, token: str = TOKEN) -> tuple[int, str]:
    r = scene.client.post(
        "/api/v1/sms/inbound", data={"From": sender, "Body": body}, headers={"X-Hifazat-Token": token}
    )
    return r.status_code, r.text


def test_normalise() -> None:
    assert (
        normalise("+92 300 1234567")
        == normalise("0300-1234567")
        == normalise("00923001234567")
        == "923001234567"
    )


def test_webhook_is_off_without_a_token(scene: Scene) -> None:
    r = scene.client.post("/api/v1/sms/inbound", data={"From": "+923001234567", "Body": "SOS"})
    assert r.status_code == 503


def test_sms_sos_from_a_registered_phone(sms: Scene) -> None:
    assert text(sms, "+923001234567", "SOS", token="wrong")[0] == 401
    status, body = text(sms, "0300 1234567", "sos please")
    assert status == 200
    assert "<Message>" in body
    assert "SOS received" in body
    status, body = text(sms, "+923001234567", "SOS")
    assert status == 200
    assert "already with the control room" in body
    with unit_of_work(readonly=True) as s:
        [a] = s.scalars(select(Alert)).all()
        assert a.source == "sms"
        assert a.person_id == sms.ids["li"]
        assert a.repeat_count == 1
        assert (a.lat, a.lon) == pytest.approx(KHI)  # last known: the residence


def test_unknown_number_is_refused_and_audited_not_alerted(sms: Scene) -> None:
    status, body = text(sms, "+44 20 7946 0000", "SOS")
    assert status == 403
    assert "not registered" in body
    assert "NOT treated as an alert" in body
    assert count(Alert) == 0
    assert count(AuditEntry, AuditEntry.action == "sms_refused") == 1


def test_poll_by_area_answers_by_api_and_sms_and_need_help_raises_an_alert(sms: Scene) -> None:
    sc = sms
    h = sc.h("psc-operator")
    area = {"geometry": {"type": "Point", "coordinates": [KHI[1], KHI[0]]}, "radius_m": 1000}
    poll = sc.post("psc-operator", "/api/v1/polls", {"area": area, "deadline_s": 600})
    assert poll["tally"] == {"total": 2, "safe": 0, "need_help": 0, "no_answer": 0, "pending": 2}
    far = {"geometry": {"type": "Point", "coordinates": [74.35, 31.52]}, "radius_m": 1000}
    r = sc.client.post("/api/v1/polls", headers=h, json={"area": far})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "area"
    both = sc.client.post("/api/v1/polls", headers=h, json={"area": area, "person_ids": [sc.ids["li"]]})
    assert both.status_code == 422
    assert count(Poll) == 1

    status, body = text(sc, "+923001234567", "safe")
    assert status == 200
    assert "marked SAFE" in body
    r = sc.client.post(
        f"/api/v1/polls/{poll['id']}/answers",
        headers=h,
        json={"person_id": sc.ids["zhang"], "answer": "need_help"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["tally"]["safe"] == 1
    assert r.json()["tally"]["need_help"] == 1
    alert_id = r.json()["alert_id"]
    a = sc.client.get(f"/api/v1/alerts/{alert_id}", headers=h).json()
    assert a["kind"] == "need_help"
    assert a["person_id"] == sc.ids["zhang"]
    assert a["poll_id"] == poll["id"]
    got = sc.client.get(f"/api/v1/polls/{poll['id']}", headers=h).json()
    assert {x["name"]: x["channel"] for x in got["recipients"]} == {"Li Wei": "sms", "Zhang Wei": "api"}
    bad = sc.client.post(
        f"/api/v1/polls/{poll['id']}/answers", headers=h, json={"person_id": "x", "answer": "safe"}
    )
    assert bad.status_code == 422

    with unit_of_work() as s:  # the deadline passes
        row = s.get(Poll, poll["id"])
        assert row is not None
        row.deadline = utcnow() - timedelta(seconds=1)
    late = sc.client.post(
        f"/api/v1/polls/{poll['id']}/answers",
        headers=h,
        json={"person_id": sc.ids["li"], "answer": "need_help"},
    )
    assert late.status_code == 409
    final = sc.client.get(f"/api/v1/polls/{poll['id']}", headers=h).json()
    assert final["status"] == "closed"
    assert final["tally"]["no_answer"] == 0
    assert final["tally"]["pending"] == 0


def test_poll_to_a_list_counts_no_answers_after_the_deadline(scene: Scene) -> None:
    poll = scene.post("psc-operator", "/api/v1/polls", {"person_ids": [scene.ids["li"]], "deadline_s": 60})
    assert poll["tally"]["pending"] == 1
    r = scene.client.post(f"/api/v1/polls/{poll['id']}/close", headers=scene.h("psc-operator"))
    assert r.status_code == 200
    assert r.json()["tally"] == {
        "total": 1,
        "safe": 0,
        "need_help": 0,
        "no_answer": 1,
        "pending": 0,
    }
    assert scene.client.get(f"/api/v1/polls/{poll['id']}", headers=scene.h("liaison")).status_code == 404


def test_poll_by_site_and_by_polygon(scene: Scene) -> None:
    by_site = scene.post("psc-operator", "/api/v1/polls", {"area": {"site_id": scene.ids["residence"]}})
    assert by_site["tally"]["total"] == 2
    assert by_site["site_id"] == scene.ids["residence"]
    assert by_site["province"] == "PK-SD"
    lat, lon = KHI
    ring = [
        [lon - 0.01, lat - 0.01],
        [lon + 0.01, lat - 0.01],
        [lon + 0.01, lat + 0.01],
        [lon - 0.01, lat + 0.01],
    ]
    polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    by_shape = scene.post("psc-operator", "/api/v1/polls", {"area": {"geometry": polygon}})
    assert by_shape["tally"]["total"] == 2
    open_ring = {"type": "Polygon", "coordinates": [ring]}
    r = scene.client.post(
        "/api/v1/polls", headers=scene.h("psc-operator"), json={"area": {"geometry": open_ring}}
    )
    assert r.status_code == 422
    assert "not closed" in r.text
    r = scene.client.post("/api/v1/polls", headers=scene.h("liaison"), json={"area": {"geometry": polygon}})
    assert r.status_code == 403
