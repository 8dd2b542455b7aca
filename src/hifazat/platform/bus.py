"""The event bus: in-process fan-out by default; other transports (NATS) plug in behind the same API.

Publishers may be worker threads (sync endpoints); subscribers are asyncio consumers such as the SSE
stream. Delivery is at-least-once; every event carries an `id` so consumers can drop repeats.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hifazat.config import get_settings

log = logging.getLogger("hifazat.platform.bus")

Handler = Callable[["Event"], Awaitable[None] | None]
AckCallback = Callable[[], None]


@dataclass(frozen=True)
class Event:
    id: str
    subject: str
    payload: dict[str, Any]
    at: str = ""
    origin: str = ""


@dataclass
class _Subscription:
    pattern: str
    handler: Handler
    loop: asyncio.AbstractEventLoop | None
    queue_limit: int = 0


@dataclass
class InProcessBus:
    """Fan-out to local subscribers. Thread-safe: publish may be called from any thread."""

    name: str = "inprocess"
    # Also hand every published event to this (the bulk lane's other process), see hifazat.bulk.
    peer: Callable[[Event], None] | None = None
    _subs: list[_Subscription] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, pattern: str, handler: Handler) -> Callable[[], None]:
        """Handler runs on the loop that subscribed (or inline when none runs). Returns an unsubscribe."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        sub = _Subscription(pattern, handler, loop)
        with self._lock:
            self._subs.append(sub)

        def _unsubscribe() -> None:
            with self._lock:
                if sub in self._subs:
                    self._subs.remove(sub)

        return _unsubscribe

    def deliver_local(self, event: Event) -> None:
        with self._lock:
            subs = [s for s in self._subs if fnmatch.fnmatchcase(event.subject, s.pattern)]
        here = _running_loop()
        for sub in subs:
            if sub.loop is None or sub.loop.is_closed():
                _run_handler(sub.handler, event)
            elif sub.loop is here:
                sub.loop.call_soon(_run_handler, sub.handler, event)  # no wake-up write to its own loop
            else:
                sub.loop.call_soon_threadsafe(_run_handler, sub.handler, event)

    def publish(self, event: Event, on_ack: AckCallback | None = None) -> None:
        """Deliver to every subscriber. `on_ack` runs once the transport has the event durably."""
        self.deliver_local(event)
        if self.peer is not None:
            self.peer(event)
        if on_ack is not None:
            on_ack()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def health(self) -> str:
        """ "ok" while events reach the other workers; otherwise what is wrong (for /readyz)."""
        return "ok"


_tasks: set[asyncio.Future[None]] = set()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _run_handler(handler: Handler, event: Event) -> None:
    try:
        result = handler(event)
        if asyncio.iscoroutine(result):
            task = asyncio.ensure_future(result)
            _tasks.add(task)  # keep a reference until done, or the loop may drop it
            task.add_done_callback(_tasks.discard)
    except Exception:
        log.exception("event handler failed", extra={"subject": event.subject})


_bus: InProcessBus | None = None


def make_bus(nats_url: str | None) -> InProcessBus:
    if nats_url:
        from hifazat.platform.bus_nats import NatsBus  # imports this module; nats-py only when configured

        return NatsBus(nats_url=nats_url)
    return InProcessBus()


def get_bus() -> InProcessBus:
    """The process's bus: NATS JetStream when HIFAZAT_NATS_URL is set, else in-process."""
    global _bus
    if _bus is None:
        _bus = make_bus(get_settings().nats_url)
    return _bus


def set_bus(bus: InProcessBus | None) -> None:
    global _bus
    _bus = bus
