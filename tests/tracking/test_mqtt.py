"""OwnTracks over MQTT against the Mosquitto on 127.0.0.1:1883 (unique topic prefix per test)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from hifazat.tracking import mqtt

MQTT_URL = os.environ.get("HIFAZAT_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


def test_topic_identity() -> None:
    assert mqtt.identity("owntracks/alice/phone") == ("alice", "phone")
    assert mqtt.identity("x/owntracks/alice/phone/event") == ("alice", "phone")
    assert mqtt.identity("owntracks") is None


@pytest.mark.integration
def test_owntracks_over_mqtt(
    client: TestClient, admin: dict[str, str], make_device: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiomqtt

    prefix = f"t{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("HIFAZAT_MQTT_URL", MQTT_URL)
    monkeypatch.setenv("HIFAZAT_TRACKING_MQTT_TOPICS", f'["{prefix}/owntracks/+/+"]')
    monkeypatch.setenv("HIFAZAT_TRACKING_MQTT_SHARE_GROUP", "")
    from hifazat.config import reset_settings

    reset_settings()
    d = make_device()
    t = int(time.time()) - 30
    host = MQTT_URL.split("//")[1].split(":")[0]

    async def scenario() -> list[dict[str, Any]]:
        stop = asyncio.Event()
        listener = asyncio.create_task(mqtt.mqtt_listener(stop))
        await asyncio.sleep(1.0)  # subscribed
        async with aiomqtt.Client(host, 1883) as pub:
            topic = f"{prefix}/owntracks/{d['identifier']}/phone"
            await pub.publish(topic, orjson.dumps({"_type": "lwt", "tst": t}), qos=1)
            msg = {"_type": "location", "lat": 24.9, "lon": 67.1, "tst": t, "batt": 70, "alarm": "sos"}
            await pub.publish(topic, orjson.dumps(msg), qos=1)
            await pub.publish(f"{prefix}/owntracks/nobody/phone", orjson.dumps(msg), qos=1)
        items: list[dict[str, Any]] = []
        for _ in range(100):
            await asyncio.sleep(0.1)
            r = await asyncio.to_thread(client.get, f"/api/v1/devices/{d['id']}/positions", headers=admin)
            items = r.json()["items"]
            if items:
                break
        stop.set()
        await asyncio.wait_for(listener, 10)
        return items

    items = asyncio.run(scenario())
    assert len(items) == 1
    assert items[0]["source"] == "mqtt"
    assert items[0]["battery"] == 70
    assert items[0]["attributes"]["owntracks_device"] == "phone"
