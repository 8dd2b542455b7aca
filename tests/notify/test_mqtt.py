"""MQTT to devices through the real Mosquitto on 127.0.0.1:1883 (QoS 1, unique topic prefix per test)."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any
from urllib.parse import urlsplit

import aiomqtt
import pytest

from hifazat.config import Settings, get_settings, reset_settings
from hifazat.core.db import new_id
from hifazat.notify import service
from hifazat.notify.schemas import Recipient
from hifazat.notify.worker import Worker
from hifazat.platform.db import unit_of_work
from hifazat.tracking.models import Device
from tests.notify.conftest import Org
from tests.notify.helpers import deliveries

pytestmark = pytest.mark.integration
MQTT_URL = os.environ.get("HIFAZAT_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


@pytest.fixture
def mqtt_env(notify_env: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HIFAZAT_MQTT_URL", MQTT_URL)
    monkeypatch.setenv("HIFAZAT_NOTIFY_MQTT_PREFIX", f"hifazat-test/{new_id()}")
    reset_settings()
    return get_settings()


def _device(org: Org, owner_kind: str, owner_id: str, identifier: str) -> str:
    with unit_of_work() as s:
        d = Device(
            identifier=identifier,
            name=identifier,
            kind="phone",
            agency_id=org.agency["police"],
            owner_kind=owner_kind,
            owner_id=owner_id,
        )
        s.add(d)
        s.flush()
        return d.id


def test_devices_get_qos1_messages(org: Org, mqtt_env: Settings) -> None:
    op = org.users["police-operator"]
    ident = f"phone-{new_id()[-12:]}"
    _device(org, "user", op, ident)
    button = _device(org, "unit", new_id(), f"button-{new_id()[-12:]}")
    with unit_of_work() as s:
        rows = service.enqueue(
            s,
            ref_kind="alert",
            ref_id="m1",
            topic="alert",
            payload={"id": "m1", "agency_id": org.agency["police"], "severity": "critical", "title": "SOS"},
            recipients=[Recipient(user_id=op), Recipient(device_id=button)],
            reason="raised",
        )
    mqtt_rows = [d for d in rows if d.channel == "mqtt"]
    assert len(mqtt_rows) == 2
    assert any(d.address.endswith("/" + ident) for d in mqtt_rows)

    async def go() -> list[Any]:
        got: list[Any] = []
        broker = urlsplit(MQTT_URL)
        async with aiomqtt.Client(
            broker.hostname or "127.0.0.1", broker.port or 1883, identifier=f"test-{new_id()[:12]}"
        ) as sub:
            await sub.subscribe(f"{mqtt_env.notify_mqtt_prefix}/#", qos=1)
            async with Worker(mqtt_env, worker_id="mqtt-test") as w:
                assert await w.tick() == 2
            async with asyncio.timeout(10):
                async for msg in sub.messages:
                    got.append((str(msg.topic), json.loads(bytes(msg.payload))))  # type: ignore[arg-type]
                    if len(got) == 2:
                        break
        return got

    got = asyncio.run(go())
    by_topic = {t.rsplit("/", 1)[1]: p for t, p in got}
    assert set(by_topic) == {d.address.rsplit("/", 1)[1] for d in mqtt_rows}
    for d in mqtt_rows:
        msg = by_topic[d.address.rsplit("/", 1)[1]]
        assert msg["idempotency_key"] == d.idempotency_key
        assert msg["ref_id"] == "m1"
        assert msg["title"] == "SOS"
    assert {d.status for d in deliveries(channel="mqtt")} == {"delivered"}


def test_unreachable_broker_retries(org: Org, notify_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import free_port

    monkeypatch.setenv("HIFAZAT_MQTT_URL", f"mqtt://127.0.0.1:{free_port()}")
    reset_settings()
    s = get_settings()
    dev = _device(org, "person", new_id(), f"tracker-{new_id()[-12:]}")
    with unit_of_work() as session:
        service.enqueue(
            session,
            ref_kind="alert",
            ref_id="m2",
            topic="alert",
            payload={"id": "m2", "agency_id": org.agency["police"], "severity": "high"},
            recipients=[Recipient(device_id=dev)],
            reason="raised",
        )

    async def go() -> int:
        async with Worker(s, worker_id="mqtt-down") as w:
            return await w.tick()

    assert asyncio.run(go()) == 1
    (d,) = deliveries(ref_id="m2")
    assert d.status == "retrying"
    assert d.attempts == 1
    assert "MQTT" in (d.last_error or "")
