"""The contract with alerts: an SOS enqueues deliveries (in a transaction of the alerts domain); their state
is visible on the alert (alerts decide who sees it) and at /api/v1/deliveries; the worker sends the email."""

from __future__ import annotations

import time

from hifazat.config import Settings
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import Scene
from tests.alerts.conftest import scene as scene  # the fixture
from tests.notify.conftest import SmtpSink
from tests.notify.helpers import deliveries, run_worker_until_settled, user


def test_sos_notifies_and_deliveries_show_on_the_alert(
    notify_env: Settings, scene: Scene, smtp_sink: SmtpSink
) -> None:
    with unit_of_work() as s:
        op = user(s, "psc-operator")
        op.email = "duty@psc.example"
    alert = scene.sos()
    # Level 0 is told in the SOS transaction or, on the SOS fast lane, by the escalation loop a moment later.
    deadline = time.monotonic() + 10
    while not (rows := deliveries(ref_id=alert["id"])):
        assert time.monotonic() < deadline, "the SOS notified nobody"
        time.sleep(0.02)
    assert {d.ref_kind for d in rows} == {"alert"}
    assert {"stream", "email"} <= {d.channel for d in rows}
    assert all(d.idempotency_key.startswith(f"alert:{alert['id']}:") for d in rows)

    url = f"/api/v1/deliveries?ref_kind=alert&ref_id={alert['id']}"
    seen = scene.client.get(url, headers=scene.h("psc-operator")).json()["items"]
    assert {d["id"] for d in seen} == {d.id for d in rows}  # the alert's agency sees them all
    assert scene.client.get(url, headers=scene.h("liaison")).json()["items"] == []
    r = scene.client.get(f"/api/v1/alerts/{alert['id']}/deliveries", headers=scene.h("psc-operator"))
    assert r.status_code == 200, r.text

    run_worker_until_settled(notify_env)
    email = [d for d in deliveries(ref_id=alert["id"]) if d.channel == "email"]
    assert [(d.status, d.address) for d in email] == [("delivered", "duty@psc.example")]
    (rcpts, msg) = smtp_sink.wait_for(1)[0]
    assert rcpts == ["duty@psc.example"]
    assert alert["id"] in msg.get_content()
