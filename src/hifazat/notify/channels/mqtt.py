"""MQTT to devices, QoS 1 (the broker acknowledges every message). Topic `<prefix>/<device identifier>`,
or an OwnTracks device's `owntracks/<user>/<device>/cmd` with an OwnTracks `cmd` message. Every message
carries its idempotency key so a device shows a repeated delivery once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

import aiomqtt
import orjson

from hifazat.config import Settings
from hifazat.core.db import new_id
from hifazat.notify.channels import Job, SendError


def broker(url: str) -> tuple[str, int, str | None, str | None]:
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "tcp"} or not parts.hostname:
        raise SendError(f"unsupported MQTT URL {url!r} (use mqtt://host:port)", permanent=True)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, parts.port or 1883, user, password


def payload_for(job: Job) -> bytes:
    msg = job.message()
    if job.address.startswith("owntracks/") and job.address.endswith("/cmd"):
        # OwnTracks shows an `action` command's content as a notification on the phone.
        return orjson.dumps(
            {
                "_type": "cmd",
                "action": "action",
                "content": f"{msg['title']} ({job.severity})",
                "idempotency_key": job.idempotency_key,
                "hifazat": msg,
            }
        )
    return orjson.dumps(msg)


async def send_many(jobs: Sequence[Job], settings: Settings) -> dict[str, SendError | None]:
    """Publish each job at QoS 1 over one connection; returns job id -> None (acknowledged) or the error."""
    if not settings.mqtt_url:
        err = SendError("MQTT is not configured (HIFAZAT_MQTT_URL)", permanent=True)
        return {j.id: err for j in jobs}
    host, port, user, password = broker(settings.mqtt_url)
    timeout = settings.notify_send_timeout_seconds
    results: dict[str, SendError | None] = {}
    try:
        async with aiomqtt.Client(
            host,
            port,
            username=user,
            password=password,
            identifier=f"hifazat-notify-{new_id()[:18]}",
            timeout=timeout,
        ) as client:
            for job in jobs:
                try:
                    await asyncio.wait_for(
                        client.publish(job.address, payload_for(job), qos=1), timeout=timeout
                    )
                    results[job.id] = None
                except (TimeoutError, aiomqtt.MqttError) as exc:
                    results[job.id] = SendError(f"MQTT publish failed: {exc}"[:500])
    except (aiomqtt.MqttError, OSError) as exc:
        err = SendError(f"MQTT broker unreachable: {exc}"[:500])
        for job in jobs:
            results.setdefault(job.id, err)
    return results
