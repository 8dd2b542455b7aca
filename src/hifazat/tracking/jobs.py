"""Periodic jobs: `device_stale` events and position retention. Safe to run in every worker: a device is
flagged stale by a conditional UPDATE, so exactly one worker emits its event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from hifazat.config import get_settings
from hifazat.core.db import new_id, utcnow
from hifazat.core.errors import log_failure
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import emit
from hifazat.tracking.cache import get_cache
from hifazat.tracking.events import device_label
from hifazat.tracking.hooks import TrackingEventData, run_hooks
from hifazat.tracking.ingest import iso_ms
from hifazat.tracking.models import Device, DeviceLast, Position
from hifazat.tracking.zone_events import position_place

log = logging.getLogger("hifazat.tracking.jobs")
STALE_EVERY_S = 30.0
RETENTION_EVERY_S = 6 * 3600.0
RETENTION_FIRST_S = 60.0


def mark_stale(session: Session, now: datetime | None = None) -> list[TrackingEventData]:
    """Flag devices silent longer than the threshold; emit one device_stale each. Never commits."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=get_settings().tracking_stale_after_seconds)
    t: Any = DeviceLast.__table__
    alive = or_(t.c.alive_at.is_(None), t.c.alive_at < cutoff)  # a sign of life without a fix counts
    candidates = (
        session.execute(
            select(t.c.device_id).where(t.c.stale.is_(False), t.c.at.is_not(None), t.c.at < cutoff, alive)
        )
        .scalars()
        .all()
    )
    if not candidates:
        return []
    state = get_cache().fresh(session)
    events: list[TrackingEventData] = []
    for dev_id in candidates:
        row = session.execute(
            update(t)
            .where(t.c.device_id == dev_id, t.c.stale.is_(False), t.c.at < cutoff, alive)
            .values(stale=True)
            .returning(t.c.lat, t.c.lon, t.c.at, t.c.battery)
        ).first()
        dev = state.by_id.get(dev_id)
        if row is None or dev is None or not dev.active:
            continue
        at_ms = round(row[2].timestamp() * 1000)
        events.append(
            TrackingEventData(
                id=new_id(),
                kind="device_stale",
                device_id=dev.id,
                device_identifier=dev.identifier,
                device_name=device_label(dev.name, dev.identifier),
                owner_kind=dev.owner_kind,
                owner_id=dev.owner_id,
                agency_id=dev.agency_id,
                province=dev.province,
                district=dev.district,
                lat=float(row[0]),
                lon=float(row[1]),
                at=iso_ms(at_ms),
                battery=row[3],
                extra={
                    "silent_s": int((now - row[2]).total_seconds()),
                    **position_place(row[0], row[1]),
                },
            )
        )
    for ev in events:
        emit(session, ev.subject, ev.payload())
    run_hooks(session, events)
    return events


def purge_expired(now: datetime | None = None) -> int:
    days = get_settings().tracking_retention_days
    if days <= 0:
        return 0
    before = (now or utcnow()) - timedelta(days=days)
    with unit_of_work() as session:
        keys = session.execute(select(Device.position_key)).scalars().all()
    total = 0
    for key in keys:  # one short transaction per device keeps ingest flowing
        with unit_of_work() as session:
            res = session.execute(delete(Position).where(Position.device_key == key, Position.at < before))
            total += int(getattr(res, "rowcount", 0) or 0)
    return total


async def stale_job(stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=STALE_EVERY_S)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(_stale_tick)
        except Exception as exc:
            log_failure(log, "stale check failed", exc)


def _stale_tick() -> None:
    with unit_of_work() as session:
        mark_stale(session)


async def retention_job(stop: asyncio.Event) -> None:
    # first purge a minute after start: a restart under load should not begin with a burst of deletes
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=RETENTION_FIRST_S)
    while not stop.is_set():
        try:
            n = await asyncio.to_thread(purge_expired)
            if n:
                log.info("purged expired positions", extra={"count": n})
        except Exception as exc:
            log_failure(log, "retention purge failed", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=RETENTION_EVERY_S)
