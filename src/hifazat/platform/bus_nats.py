"""NATS JetStream transport for the bus.

Every event is published to JetStream on `hifazat.<subject>` (one subject per event kind) with its id as
`Nats-Msg-Id`, so the server drops duplicates a relay retry may send. Workers fan events out to their local
subscribers through a core NATS subscription on `hifazat.>`; events a worker published itself are delivered
locally at once and their echo from NATS is dropped by id.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import nats
import orjson
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from hifazat.platform.bus import AckCallback, Event, InProcessBus

log = logging.getLogger("hifazat.platform.bus.nats")
STREAM = "HIFAZAT"
PREFIX = "hifazat."


def encode(event: Event) -> bytes:
    return orjson.dumps(
        {
            "id": event.id,
            "subject": event.subject,
            "payload": event.payload,
            "at": event.at,
            "origin": event.origin,
        }
    )


def decode(data: bytes) -> Event:
    obj = orjson.loads(data)
    return Event(
        id=obj["id"],
        subject=obj["subject"],
        payload=obj["payload"],
        at=obj.get("at", ""),
        origin=obj.get("origin", ""),
    )


@dataclass
class NatsBus(InProcessBus):
    nats_url: str = "nats://127.0.0.1:4222"
    stream: str = STREAM
    prefix: str = PREFIX
    max_age_s: float = 7 * 24 * 3600
    name: str = "nats"
    _nc: Any = None
    _js: Any = None
    _loop: asyncio.AbstractEventLoop | None = None
    _seen: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _seen_lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: set[asyncio.Future[Any]] = field(default_factory=set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._nc = await nats.connect(
            self.nats_url, name="hifazat", max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        self._js = self._nc.jetstream()
        config = StreamConfig(
            name=self.stream,
            subjects=[self.prefix + ">"],
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            max_age=self.max_age_s,
            duplicate_window=120,
        )
        try:
            await self._js.add_stream(config)
        except Exception:  # exists with other limits: keep it, make sure it covers our subjects
            await self._js.update_stream(config)
        await self._nc.subscribe(self.prefix + ">", cb=self._on_message)
        # SUB leaves in the client's write buffer; until the server has it, another worker's events miss us.
        await self._nc.flush()

    async def stop(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._nc is not None:
            await self._nc.drain()
            self._nc = None

    def health(self) -> str:
        if self._nc is None:
            return "not connected"
        return "ok" if self._nc.is_connected else "reconnecting"

    def _first_sight(self, event_id: str) -> bool:
        with self._seen_lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            if len(self._seen) > 50_000:
                self._seen.popitem(last=False)
            return True

    async def _on_message(self, msg: Any) -> None:
        try:
            event = decode(msg.data)
        except Exception:
            log.warning("undecodable bus message", extra={"subject": msg.subject})
            return
        if self._first_sight(event.id):
            self.deliver_local(event)

    def publish(self, event: Event, on_ack: AckCallback | None = None) -> None:
        if self._first_sight(event.id):
            self.deliver_local(event)
        if self._loop is None or self._js is None:
            return  # not connected (e.g. a CLI command): the outbox relay of a server publishes it later
        coro = self._publish(event, on_ack)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            task = self._loop.create_task(coro)
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        else:
            asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _publish(self, event: Event, on_ack: AckCallback | None) -> None:
        try:
            await self._js.publish(
                self.prefix + event.subject, encode(event), headers={"Nats-Msg-Id": event.id}
            )
        except Exception:
            log.exception("JetStream publish failed; the relay retries", extra={"subject": event.subject})
            return
        if on_ack is not None:
            on_ack()
