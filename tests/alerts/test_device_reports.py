"""Alerts from device reports (issue 18, deliverable 5): an SOS over a protocol without a password is marked
unauthenticated; the device identifier (a credential) reaches only the owner's agency tree."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hifazat.alerts import escalation
from hifazat.alerts.models import Alert
from hifazat.auth.policy import Principal
from hifazat.platform.db import unit_of_work
from hifazat.tracking import live, mqtt
from hifazat.tracking.events import device_label
from tests.alerts.conftest import KHI, Scene, settle
from tests.alerts.test_escalation import policy
from tests.alerts.test_pages import web


def _device(scene: Scene, **extra: Any) -> dict[str, Any]:
    body = {"kind": "phone", "name": "Li's phone", "owner_kind": "person", "owner_id": scene.ids["li"]}
    body.update(extra)
    return scene.post("psc-admin", "/api/v1/devices", body)


def _osmand_sos(scene: Scene, dev: dict[str, Any]) -> None:
    t = int(time.time()) - 5
    q = f"id={dev['identifier']}&lat={KHI[0]}&lon={KHI[1]}&timestamp={t}&alarm=sos"
    r = scene.client.get(f"/ingest/osmand?{q}")
    assert r.status_code == 200, r.text


def _only_alert() -> Alert:
    with unit_of_work(readonly=True) as s:
        return s.scalars(select(Alert)).one()


def test_osmand_sos_is_an_unauthenticated_device_report(scene: Scene) -> None:
    dev = _device(scene)
    _osmand_sos(scene, dev)
    alert = _only_alert()
    assert (alert.kind, alert.source_authenticated) == ("sos", False)
    got = scene.client.get(f"/api/v1/alerts/{alert.id}", headers=scene.h("psc-operator")).json()
    assert got["source_authenticated"] is False
    operator = web(scene, "psc-operator")
    page = operator.get(f"/alerts/{alert.id}")
    assert page.status_code == 200
    assert "unauthenticated device report" in page.text
    assert "unauthenticated device report" in operator.get("/alerts").text


def test_owntracks_sos_with_its_secret_is_authenticated(scene: Scene) -> None:
    dev = _device(scene, secret="owntracks-secret-1")
    loc = {"_type": "location", "lat": KHI[0], "lon": KHI[1], "tst": int(time.time()) - 5, "alarm": "sos"}
    r = scene.client.post("/ingest/owntracks", json=loc, auth=(dev["identifier"], "owntracks-secret-1"))
    assert r.status_code == 200, r.text
    alert = _only_alert()
    assert alert.source_authenticated is True
    page = web(scene, "psc-operator").get(f"/alerts/{alert.id}")
    assert page.status_code == 200
    assert "unauthenticated device report" not in page.text


def test_owntracks_sos_over_mqtt_is_authenticated(scene: Scene) -> None:
    """The broker let the device's username in (its own credentials): the alert is vouched for."""
    dev = _device(scene)
    loc = {"_type": "location", "lat": KHI[0], "lon": KHI[1], "tst": int(time.time()) - 5, "alarm": "sos"}
    topic = f"owntracks/{dev['identifier']}/phone"
    assert asyncio.run(mqtt.handle(topic, json.dumps(loc).encode())) == "stored"
    alert = _only_alert()
    assert (alert.kind, alert.source, alert.source_authenticated) == ("sos", "tracking", True)


def test_sos_by_a_signed_in_user_is_authenticated(scene: Scene) -> None:
    fix = {"device": _device(scene)["identifier"], "lat": KHI[0], "lon": KHI[1], "at": time.time() - 5}
    a = scene.sos()
    assert a["source_authenticated"] is True
    r = scene.client.post("/api/v1/positions", headers=scene.h("psc-admin"), json=[{**fix, "alarm": "sos"}])
    assert r.status_code == 200, r.text
    with unit_of_work(readonly=True) as s:
        flags = {x.source: x.source_authenticated for x in s.scalars(select(Alert))}
    assert flags == {"api": True, "tracking": True}  # the batch API came with the caller's token


def test_the_identifier_reaches_only_the_owners_tree(scene: Scene) -> None:
    policy(scene)
    dev = _device(scene, name="Gate beacon", owner_kind=None, owner_id=None)
    _osmand_sos(scene, dev)
    alert = _only_alert()
    assert alert.title == "SOS: Gate beacon"  # the name, never the identifier
    settle(alert.id)
    assert escalation.climb("test", now=alert.created_at + timedelta(seconds=61)) == [(alert.id, 1)]
    own = scene.client.get(f"/api/v1/alerts/{alert.id}/timeline", headers=scene.h("psc-operator")).json()
    police = scene.client.get(f"/api/v1/alerts/{alert.id}/timeline", headers=scene.h("police-operator"))
    assert police.status_code == 200, police.text
    created = next(e["data"] for e in own["items"] if e["action"] == "created")
    assert (created["device_identifier"], created["device_name"]) == (dev["identifier"], "Gate beacon")
    seen = next(e["data"] for e in police.json()["items"] if e["action"] == "created")
    assert (seen["device_identifier"], seen["device_name"]) == (None, "Gate beacon")
    page = web(scene, "police-operator").get(f"/alerts/{alert.id}")
    assert page.status_code == 200
    assert dev["identifier"] not in page.text
    assert "unauthenticated device report" in page.text


def test_stream_payloads_show_the_identifier_only_to_the_owners_tree() -> None:
    def principal(agency: str) -> Principal:
        return Principal(
            user_id="u",
            username="u",
            agency_id=agency,
            roles=frozenset({"operator"}),
            tree=frozenset({agency}),
        )

    payload = {"agency_id": "psc", "device_identifier": "secret-ident", "device_name": "Gate", "lat": 24.5}
    assert live.coarsen(dict(payload), principal("psc"))["device_identifier"] == "secret-ident"
    other = live.coarsen(dict(payload), principal("police"))
    assert (other["device_identifier"], other["device_name"]) == (None, "Gate")
    assert device_label("secret-ident", "secret-ident") is None  # named after the identifier: no name
    assert device_label("Gate", "secret-ident") == "Gate"
