"""The notify API: preferences, webhooks, delivery state — scoped, validated, audited, problem+json."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hifazat.config import Settings
from hifazat.notify import service
from hifazat.notify.models import NotificationPreference, Webhook
from hifazat.notify.schemas import Recipient
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.conftest import World
from tests.notify.helpers import user
from tests.web.conftest import cookie_login

PREFS = "/api/v1/me/notification-preferences"


def _problem(r: Any, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


def test_preferences_defaults_update_and_validation(notify_env: Settings, world: World) -> None:
    c, h = world.client, world.headers["police-operator"]
    r = c.get(PREFS, headers=h)
    assert r.status_code == 200
    assert r.json()["channels"]["stream"] == {"enabled": True, "min_severity": "info"}
    body = {
        "email": "me@police.example",
        "channels": {"stream": {"enabled": True, "min_severity": "info"}, "email": {"enabled": False}},
        "topics": {"poll": ["stream"]},
        "quiet_hours": {"start": "22:00", "end": "06:00", "timezone": "Asia/Karachi"},
    }
    r = c.put(PREFS, headers=h, json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["email"] == "me@police.example"
    assert got["effective_email"] == "me@police.example"
    assert got["channels"]["email"]["enabled"] is False
    assert got["topics"] == {"poll": ["stream"]}
    assert c.get(PREFS, headers=h).json() == got

    for bad, field in (
        ({**body, "channels": {"sms": {"enabled": True}}}, "channels"),
        ({**body, "channels": {"email": {"min_severity": "urgent"}}}, "channels.email.min_severity"),
        ({**body, "quiet_hours": {"start": "25:00", "end": "06:00"}}, "quiet_hours.start"),
        (
            {**body, "quiet_hours": {"start": "22:00", "end": "06:00", "timezone": "Mars/Base"}},
            "quiet_hours.timezone",
        ),
        ({**body, "email": "not-an-address"}, "email"),
        ({**body, "topics": {"poll": ["pigeon"]}}, "topics"),
        ({**body, "unknown": 1}, "unknown"),
    ):
        _problem(c.put(PREFS, headers=h, json=bad), 422, field)
    assert c.get(PREFS, headers=h).json() == got  # rejected requests changed nothing
    with unit_of_work(readonly=True) as s:
        n = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "notification_preferences")
        )
    assert n == 1


def test_admin_sets_preferences_of_own_agency_users_only(notify_env: Settings, world: World) -> None:
    c = world.client
    with unit_of_work(readonly=True) as s:
        op_id = user(s, "police-operator").id
    url = f"/api/v1/users/{op_id}/notification-preferences"
    body = {"channels": {"email": {"enabled": True, "min_severity": "critical"}}}
    r = c.put(url, headers=world.headers["police-admin"], json=body)
    assert r.status_code == 200, r.text
    assert r.json()["channels"]["email"]["min_severity"] == "critical"
    assert c.get(url, headers=world.headers["police-admin"]).status_code == 200
    for other in ("psc-admin", "psc-operator", "liaison"):
        r = c.put(url, headers=world.headers[other], json=body)
        assert r.status_code == 404, (other, r.text)
    with unit_of_work(readonly=True) as s:
        pref = s.get(NotificationPreference, op_id)
        assert pref is not None
        assert pref.channels["email"]["min_severity"] == "critical"


def test_webhook_registration_scoped_and_validated(notify_env: Settings, world: World) -> None:
    c = world.client
    h = world.headers["police-admin"]
    r = c.post(
        "/api/v1/webhooks", headers=h, json={"name": "ops room", "url": "https://ops.police.example/hook"}
    )
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["agency_id"] == world.agency["police"]
    assert len(hook["secret"]) >= 32
    assert c.get(f"/api/v1/webhooks/{hook['id']}", headers=h).json()["secret"] is None  # shown once
    assert [
        x["id"] for x in c.get("/api/v1/webhooks", headers=world.headers["police-operator"]).json()["items"]
    ] == [hook["id"]]
    assert c.get("/api/v1/webhooks", headers=world.headers["psc-admin"]).json()["items"] == []
    assert c.get(f"/api/v1/webhooks/{hook['id']}", headers=world.headers["psc-admin"]).status_code == 404
    assert c.delete(f"/api/v1/webhooks/{hook['id']}", headers=world.headers["psc-admin"]).status_code == 404
    r = c.post(
        "/api/v1/webhooks",
        headers=world.headers["police-operator"],
        json={"name": "x", "url": "https://a.example/"},
    )
    assert r.status_code == 403
    _problem(c.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "ftp://a.example/"}), 422, "url")
    _problem(
        c.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "https://u:p@a.example/"}), 422, "url"
    )
    _problem(
        c.post(
            "/api/v1/webhooks", headers=h, json={"name": "x", "url": "https://a.example/", "secret": "short"}
        ),
        422,
        "secret",
    )
    _problem(
        c.post(
            "/api/v1/webhooks",
            headers=h,
            json={"name": "x", "url": "https://a.example/", "agency_id": world.agency["psc"]},
        ),
        422,
        "agency_id",
    )
    r = c.patch(
        f"/api/v1/webhooks/{hook['id']}",
        headers=h,
        json={"secret": "a-new-secret-of-enough-length", "topics": ["alert"]},
    )
    assert r.status_code == 200
    assert r.json()["secret"] == "a-new-secret-of-enough-length"
    assert r.json()["topics"] == ["alert"]
    _problem(c.patch(f"/api/v1/webhooks/{hook['id']}", headers=h, json={"url": "nope"}), 422, "url")
    assert c.delete(f"/api/v1/webhooks/{hook['id']}", headers=h).status_code == 204
    assert c.get(f"/api/v1/webhooks/{hook['id']}", headers=h).status_code == 404
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Webhook)) == 1  # the rejected ones wrote nothing
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "webhooks").order_by(AuditEntry.seq)
        ).all()
        assert actions == ["create", "update", "delete"]
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "webhooks")).all()
        assert all("secret_enc" not in (e.after or {}) for e in entries)


def test_deliveries_visible_to_record_viewers_and_recipients(notify_env: Settings, world: World) -> None:
    c = world.client
    with unit_of_work() as s:
        psc_op = user(s, "psc-operator").id
        service.enqueue(
            s,
            ref_kind="drill",
            ref_id="al-1",
            topic="alert",
            payload={"id": "al-1", "agency_id": world.agency["police"], "severity": "high"},
            recipients=[
                Recipient(role="operator", agency_id=world.agency["police"]),
                Recipient(user_id=psc_op),
            ],
            reason="raised",
        )
    url = "/api/v1/deliveries?ref_kind=drill&ref_id=al-1"
    police = c.get(url, headers=world.headers["police-operator"]).json()["items"]
    assert len(police) == 2
    assert {d["status"] for d in police} == {"delivered"}
    mine = c.get(url, headers=world.headers["psc-operator"]).json()["items"]
    assert [d["user_id"] for d in mine] == [psc_op]  # not the record's agency: only its own delivery
    assert c.get(url, headers=world.headers["liaison"]).json()["items"] == []
    assert (
        c.get("/api/v1/deliveries", headers=world.headers["psc-operator"]).json()["items"][0]["ref_id"]
        == "al-1"
    )
    _problem(c.get("/api/v1/deliveries?ref_kind=alert", headers=world.headers["psc-operator"]), 422, "ref_id")
    assert c.get(url).status_code == 401


def test_notifications_page_lists_mine_and_preferences(
    notify_env: Settings, world: World, client: TestClient
) -> None:
    with unit_of_work() as s:
        op = user(s, "police-operator").id
        service.enqueue(
            s,
            ref_kind="alert",
            ref_id="al-9",
            topic="alert",
            payload={"id": "al-9", "agency_id": world.agency["police"], "severity": "high", "title": "Fire"},
            recipients=[Recipient(user_id=op)],
            reason="raised",
        )
    web = cookie_login(client, "police-operator")
    r = web.get("/notifications")
    assert r.status_code == 200, r.text
    assert 'data-testid="deliveries"' in r.text
    assert "raised" in r.text
    assert "delivered" in r.text
    assert 'id="prefs-form"' in r.text
    assert 'href="/notifications"' in r.text
    r = TestClient(client.app).get("/notifications", follow_redirects=False)
    assert r.status_code == 303
