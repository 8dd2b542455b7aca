"""OwnTracks over MQTT: subscribe to `owntracks/+/+` (and `/event`) on HIFAZAT_MQTT_URL with aiomqtt.

The topic's user level is the Hifazat device identifier (the broker authenticates the device); messages go
through the same decoder and group-commit writer as HTTP. With several workers a shared subscription
(`$share/<group>/...`) hands each message to one worker; a repeat would be a duplicate anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from hifazat.config import get_settings
from hifazat.tracking import accept
from hifazat.tracking.protocols import Rejected, owntracks
from hifazat.tracking.writer import writer

log = logging.getLogger("hifazat.tracking.mqtt")
MESSAGES = Counter("hifazat_mqtt_messages_total", "OwnTracks MQTT messages by outcome", ["outcome"])


def identity(topic: str) -> tuple[str, str] | None:
    """(user, device) from '<prefix...>/<user>/<device>[/event]'."""
    levels = topic.split("/")
    if levels and levels[-1] == "event":
        levels = levels[:-1]
    if len(levels) < 3:
        return None
    return levels[-2], levels[-1]


async def handle(topic: str, payload: bytes) -> str:
    """Store one MQTT message; returns what happened (for logs and tests). Never raises: a message that
    cannot be stored is dropped, logged and counted, and the subscription goes on."""
    try:
        outcome = await _handle(topic, payload)
    except Exception:
        log.exception("mqtt message could not be stored", extra={"topic": topic[:200]})
        outcome = "failed"
    MESSAGES.labels(outcome.split(":")[0]).inc()
    return outcome


async def _handle(topic: str, payload: bytes) -> str:
    ids = identity(topic)
    if ids is None:
        return "ignored: topic"
    user, device_name = ids
    key = f"mqtt:{user[:100]}"  # the broker authenticated this username: no client address reaches us
    if accept.blocked(key):
        return "ignored: limited"
    try:
        msg = owntracks.parse(payload)
        dev = accept.lookup(user) or await run_in_threadpool(accept.lookup_fresh, user)
        if dev is None or not dev.active:
            # Nothing is answered over MQTT; counted so a username the broker lets in but no device has
            # cannot make every message a database read.
            accept.unknown_identifier("mqtt", key, user)
            return "ignored: unknown device"
        decoded = owntracks.decode(msg, dev.identifier, device_name)
        if decoded is None:
            return "ignored: type"
        if accept.is_sign_of_life(decoded):
            await run_in_threadpool(accept.sign_of_life, dev)
            return "sign of life"
        last = await run_in_threadpool(accept.last_known, dev.id) if accept.needs_last(decoded) else None
        fix = accept.to_fix(decoded, dev, "mqtt", last)
        if not await asyncio.wrap_future(writer.submit(fix)):
            accept.unknown_identifier("mqtt", key, user)  # suspended since the cache looked
            return "ignored: unknown device"
        return "stored"
    except Rejected as exc:
        accept.reject("mqtt", key, exc, user)
        return f"rejected: {exc.reason}"


async def mqtt_listener(stop: asyncio.Event) -> None:
    """Background starter: keep a subscription to the broker, reconnecting with back-off."""
    import aiomqtt  # the broker client, only in a process configured to listen

    settings = get_settings()
    url = urlsplit(settings.mqtt_url or "")
    host, port = url.hostname or "127.0.0.1", url.port or 1883
    group = settings.tracking_mqtt_share_group
    filters = [f"$share/{group}/{t}" if group else t for t in settings.tracking_mqtt_topics]
    delay = 1.0
    while not stop.is_set():
        try:
            async with aiomqtt.Client(host, port, username=url.username, password=url.password) as client:
                for f in filters:
                    await client.subscribe(f, qos=1)
                log.info("mqtt subscribed", extra={"filters": filters})
                delay = 1.0
                async for message in _until(client, stop):
                    payload = message.payload if isinstance(message.payload, bytes) else b""
                    await handle(str(message.topic), payload)
        except Exception as exc:
            if stop.is_set():
                return
            log.warning("mqtt connection lost; retrying", extra={"error": str(exc), "delay_s": delay})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, 30.0)


async def _until(client: Any, stop: asyncio.Event) -> AsyncIterator[Any]:
    """Messages until `stop` is set."""
    messages = client.messages.__aiter__()
    while not stop.is_set():
        nxt = asyncio.ensure_future(messages.__anext__())
        waiter = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({nxt, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if nxt in done:
            waiter.cancel()
            yield nxt.result()
        else:
            nxt.cancel()
            return
