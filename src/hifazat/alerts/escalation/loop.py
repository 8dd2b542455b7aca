"""The escalation loop: every worker runs it for the app's lifetime (an `app.state.background` starter).

It sleeps until the next timer is due (at most `alerts_escalation_poll_s`); a new alert raised in this
worker wakes it at once, to tell its level 0 (`first.fire_first`); each pass also climbs the levels due
(`timers.climb`). Every timer fires once across workers and restarts (see `timers.py`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.alerts.escalation.first import fire_first
from hifazat.alerts.escalation.timers import climb
from hifazat.alerts.models import EscalationTimer, TimerState
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import log_failure
from hifazat.platform.bus import Event, get_bus
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import ORIGIN

log = logging.getLogger("hifazat.alerts.escalation")
SETTLE_S = 0.001  # after a new alert's event, before its level-0 tick


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def next_due(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(EscalationTimer.due_at)).where(EscalationTimer.state == TimerState.pending.value)
    )


def tick(worker: str, *, known_due: bool = False, now: datetime | None = None) -> float:
    """One pass of the loop; returns how long to sleep before the next. `known_due`: a new alert's level-0
    timer is due now, so go straight to telling it without asking for the next due time first. `now`:
    the time the pass takes as now (the present unless a test says otherwise)."""
    poll = get_settings().alerts_escalation_poll_s
    if not known_due:
        with unit_of_work(readonly=True) as session:
            due = next_due(session)
        if due is None:
            return poll
        wait = (due - (now or utcnow())).total_seconds()
        if wait > 0:
            return min(poll, wait)
    now = now or utcnow()
    fired = fire_first(worker, now=now)
    if not known_due:
        fired += climb(worker, now=now)
    return 0.0 if len(fired) >= 50 else min(poll, 0.02)


async def escalation_loop(stop: asyncio.Event) -> None:
    """Runs `tick` until `stop`: a new alert's event wakes it at once (its level-0 timer is due); otherwise
    it sleeps until the next due time."""
    worker = worker_name()
    wake = asyncio.Event()

    def on_alert(event: Event) -> None:
        # Only alerts raised here: another worker fires its own (the poll is the fallback if it died),
        # and this worker racing it for every alert would only take the interpreter from its stream.
        if event.payload.get("change") == "created" and event.origin == ORIGIN:
            wake.set()

    unsubscribe = get_bus().subscribe("alerts.changed", on_alert)
    try:
        while not stop.is_set():
            woken = wake.is_set()
            wake.clear()
            if woken:
                # The new alert's own response and stream event leave first: they wait on this loop, and
                # the tick's thread would otherwise take the interpreter from them at once.
                await asyncio.sleep(SETTLE_S)
            try:
                delay = await asyncio.to_thread(tick, worker, known_due=woken)
            except Exception as exc:
                log_failure(log, "escalation tick failed", exc)
                delay = 1.0
            if delay <= 0 or wake.is_set():
                await asyncio.sleep(0)
                continue
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
    finally:
        unsubscribe()
