"""Live positions for dashboards: at most one `tracking.position` event per device per interval.

Positions are not domain events: the position store is their durable record, so the live update is
published straight to the bus after the positions commit (not through the outbox). A crash between
commit and publish costs one map refresh, which the device's next report replaces. With NATS the bus
carries them to every worker's SSE subscribers; the throttle keeps bulk ingest from flooding browsers.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

from hifazat.auth.policy import Principal, redacted_outside_tree
from hifazat.config import get_settings
from hifazat.core.db import new_id
from hifazat.platform import stream
from hifazat.platform.bus import Event, get_bus
from hifazat.tracking.events import EVENT_KINDS, LivePosition

SUBJECT = LivePosition.SUBJECT


class LivePublisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[str, float] = {}
        self._pending: dict[str, dict[str, Any]] = {}

    def offer(self, latest: dict[str, dict[str, Any]]) -> None:
        if not latest:
            return
        interval = get_settings().tracking_stream_interval_seconds
        now = time.monotonic()
        due: list[dict[str, Any]] = []
        with self._lock:
            for dev, payload in latest.items():
                if now - self._sent.get(dev, -1e9) >= interval:
                    self._sent[dev] = now
                    self._pending.pop(dev, None)
                    due.append(payload)
                else:
                    self._pending[dev] = payload
            if len(self._sent) > 200_000:
                self._sent.clear()
        for p in due:
            _publish(p)

    def flush(self) -> int:
        """Publish held-back updates whose interval has passed (the newest position is never lost)."""
        interval = get_settings().tracking_stream_interval_seconds
        now = time.monotonic()
        due: list[dict[str, Any]] = []
        with self._lock:
            for dev in list(self._pending):
                if now - self._sent.get(dev, -1e9) >= interval:
                    due.append(self._pending.pop(dev))
                    self._sent[dev] = now
        for p in due:
            _publish(p)
        return len(due)


def _publish(latest: dict[str, Any]) -> None:
    position = LivePosition(new_id(), latest)
    get_bus().publish(Event(id=position.id, subject=SUBJECT, payload=position.payload()))


publisher = LivePublisher()


async def flusher(stop: asyncio.Event) -> None:
    """Background starter: send held-back live positions."""
    while not stop.is_set():
        publisher.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)


def coarsen(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """Positions reach coarse-position roles rounded on the stream as in every read; the device identifier
    (a credential) reaches only the owner's agency tree, everyone else has the device's name."""
    from hifazat.tracking.service import coarse_for  # service imports this module (the live publisher)

    hidden = redacted_outside_tree(principal, "devices", data.get("agency_id"))
    if "identifier" in hidden and "device_identifier" in data:
        data["device_identifier"] = None
    dec = coarse_for(principal)
    if dec is not None:
        for key in ("lat", "lon"):
            if isinstance(data.get(key), float):
                data[key] = round(data[key], dec)
    return data


def live_position(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A position as a subscriber sees it, with `device_label`: its name, else (the owner's tree) its
    identifier, else its kind ("phone device"), never an id."""
    data = coarsen(data, principal)
    data["device_label"] = data.get("name") or data.get("device_identifier") or f"{data.get('kind')} device"
    return data


def live_event(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A tracking event as a subscriber sees it, with `device_label` as for positions."""
    data = coarsen(data, principal)
    data["device_label"] = data.get("device_name") or data.get("device_identifier") or "a device"
    return data


# What tracking sends to dashboards: positions, and its events under one SSE name; coarse where asked.
# The owner agency's name is the page's to add (agencies are public; tracking.js holds their names).
STREAM_ROUTES = (
    stream.StreamRoute(SUBJECT, "position", "devices", transform=live_position),
    *(
        stream.StreamRoute(f"tracking.{kind}", "tracking", "devices", transform=live_event)
        for kind in EVENT_KINDS
    ),
)
