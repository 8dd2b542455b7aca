"""Recipient resolution: agency (operators, contact email, subscribed webhooks), unit, phone, device."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hifazat.auth.models import Agency
from hifazat.config import Settings, get_settings, reset_settings
from hifazat.core.db import new_id
from hifazat.notify import service
from hifazat.notify.recipients import quiet_until
from hifazat.notify.schemas import Recipient
from hifazat.platform.db import unit_of_work
from hifazat.registry.models import Person, Unit
from hifazat.tracking.models import Device
from tests.notify.conftest import Org
from tests.notify.helpers import add_webhook, user


@pytest.fixture
def mqtt_on(notify_env: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HIFAZAT_MQTT_URL", "mqtt://127.0.0.1:1883")
    reset_settings()
    return get_settings()


def _enqueue(
    org: Org, ref_id: str, recipients: list[Recipient], topic: str = "alert", severity: str = "high"
) -> Any:
    with unit_of_work() as s:
        rows = service.enqueue(
            s,
            ref_kind="alert",
            ref_id=ref_id,
            topic=topic,
            payload={"id": ref_id, "agency_id": org.agency["police"], "severity": severity},
            recipients=recipients,
            reason="raised",
        )
        return sorted((d.recipient_kind, d.channel, d.address) for d in rows)


def test_agency_means_operators_contact_and_subscribed_webhooks(org: Org, notify_env: Settings) -> None:
    police = org.agency["police"]
    with unit_of_work() as s:
        a = s.get(Agency, police)
        assert a is not None
        a.contact_email = "control@police.example"
        user(s, "police-admin").email = "admin@police.example"  # admins are not "the agency's operators"
    add_webhook(police, "https://all.example/hook", "secret-0123456789abcdef")
    add_webhook(police, "https://polls.example/hook", "secret-0123456789abcdef", topics=["poll"])
    op = org.users["police-operator"]
    assert _enqueue(org, "ag1", [Recipient(agency_id=police)]) == [
        ("agency", "email", "control@police.example"),
        ("user", "stream", f"user:{op}"),
        ("webhook", "webhook", "https://all.example/hook"),
    ]
    polls = _enqueue(org, "ag2", [Recipient(agency_id=police)], topic="poll")
    assert [a for _, ch, a in polls if ch == "webhook"] == [
        "https://all.example/hook",
        "https://polls.example/hook",
    ]


def test_unit_phone_and_device_recipients(org: Org, mqtt_on: Settings) -> None:
    police = org.agency["police"]
    with unit_of_work() as s:
        unit = Unit(agency_id=police, call_sign="QRF-1", kind="quick_reaction", phone="+923001112222")
        person = Person(
            agency_id=police, given_name="Li", family_name="Wei", nationality="CN", phone="+923009998888"
        )
        s.add_all([unit, person])
        s.flush()
        user(s, "police-operator").phone = "+923001112222"  # the unit's phone belongs to its commander
        for ident, kind, owner in (("qrf-radio", "unit", unit.id), ("li-phone", "person", person.id)):
            s.add(
                Device(
                    identifier=ident,
                    name=ident,
                    kind="phone",
                    agency_id=police,
                    owner_kind=kind,
                    owner_id=owner,
                )
            )
        s.add(
            Device(
                identifier="lost-one",
                kind="phone",
                agency_id=police,
                owner_kind="person",
                owner_id=person.id,
                status="lost",
            )
        )
        unit_id = unit.id
    prefix = mqtt_on.notify_mqtt_prefix
    op = org.users["police-operator"]
    assert _enqueue(org, "u1", [Recipient(unit_id=unit_id)], severity="critical") == [
        ("device", "mqtt", f"{prefix}/qrf-radio"),
        ("unit", "stream", f"unit:{unit_id}"),
        ("user", "stream", f"user:{op}"),
    ]
    assert _enqueue(org, "p1", [Recipient(phone="+923009998888")]) == [
        ("device", "mqtt", f"{prefix}/li-phone")
    ]
    assert _enqueue(org, "p2", [Recipient(phone="+920000000000")]) == []  # nobody: nothing written
    assert _enqueue(org, "x1", [Recipient(user_id=new_id()), Recipient(unit_id=new_id())]) == []


def test_quiet_hours_window_across_midnight() -> None:
    q = {"start": "22:00", "end": "06:00", "timezone": "Asia/Karachi"}  # UTC+5
    inside = datetime(2026, 11, 29, 18, 30, tzinfo=UTC)  # 23:30 in Karachi
    assert quiet_until(q, inside) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 06:00 Karachi
    early = datetime(2026, 11, 29, 0, 30, tzinfo=UTC)  # 05:30 in Karachi
    assert quiet_until(q, early) == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert quiet_until(q, datetime(2026, 11, 29, 6, 0, tzinfo=UTC)) is None  # 11:00
    assert quiet_until({}, inside) is None
