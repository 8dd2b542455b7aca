"""The contract with alerts: an SOS enqueues deliveries (in a transaction of the alerts domain); their state
is visible on the alert (alerts decide who sees it) and at /api/v1/deliveries; the worker sends the email."""

from __future__ import annotations

import time

from hifazat.config import Settings
from hifazat.notify import service
from hifazat.notify.channels.webhook import UNREACHABLE
from hifazat.notify.schemas import Recipient
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import Scene
from tests.alerts.conftest import scene as scene  # the fixture
from tests.conftest import free_port
from tests.notify.conftest import SmtpSink
from tests.notify.helpers import add_webhook, deliveries, run_worker_until_settled, user
from tests.web.conftest import cookie_login


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


def test_alert_deliveries_hide_a_company_webhook_from_other_agencies(
    notify_env: Settings, scene: Scene
) -> None:
    """The finding of 18.4: a police responder (Sindh jurisdiction) on a company's alert saw the company's
    webhook URL and errors. They see that it was notified and how it went; the company sees all of it."""
    url = f"http://127.0.0.1:{free_port()}/company-internal"
    psc = scene.world.agency["psc"]
    hook = add_webhook(psc, url, "company-secret-0123456789")
    alert = scene.sos()
    with unit_of_work() as s:
        service.enqueue(
            s,
            ref_kind="alert",
            ref_id=alert["id"],
            topic="alert",
            payload={"id": alert["id"], "agency_id": psc, "province": "PK-SD", "severity": "high"},
            recipients=[Recipient(webhook_id=hook)],
            reason="company-hook",
        )
    run_worker_until_settled(notify_env)
    path = f"/api/v1/alerts/{alert['id']}/deliveries"

    def hook_row(user: str) -> dict[str, object]:
        r = scene.client.get(path, headers=scene.h(user))
        assert r.status_code == 200, r.text
        (row,) = [d for d in r.json()["items"] if d["recipient_id"] == hook]
        return dict(row)

    own, other = hook_row("psc-operator"), hook_row("police-operator")
    assert (own["address"], own["last_error"]) == (url, UNREACHABLE)
    assert (other["status"], other["attempts"]) == (own["status"], own["attempts"])
    assert (other["address"], other["last_error"], other["redacted"]) == (
        None,
        None,
        ["address", "last_error"],
    )
    page = cookie_login(scene.client, "police-operator").get(f"/alerts/{alert['id']}")
    assert page.status_code == 200, page.text
    assert "company-internal" not in page.text
    assert UNREACHABLE not in page.text
    assert "company-internal" in cookie_login(scene.client, "psc-operator").get(f"/alerts/{alert['id']}").text
