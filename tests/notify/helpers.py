"""Shared helpers for notify tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import select

from hifazat.auth.models import User
from hifazat.config import Settings
from hifazat.notify.models import OPEN_STATUSES, Delivery, Webhook
from hifazat.notify.worker import Worker
from hifazat.platform.db import unit_of_work
from hifazat.security import crypto


def user(session: Any, username: str) -> User:
    u = session.scalar(select(User).where(User.username == username))
    assert u is not None
    return u


def add_webhook(agency_id: str, url: str, secret: str, topics: list[str] | None = None) -> str:
    with unit_of_work() as s:
        hook = Webhook(
            agency_id=agency_id,
            name="partner",
            url=url,
            secret_enc=crypto.encrypt(secret),
            topics=topics or [],
        )
        s.add(hook)
        s.flush()
        return hook.id


def deliveries(**where: Any) -> list[Delivery]:
    with unit_of_work(readonly=True) as s:
        q = select(Delivery).order_by(Delivery.created_at, Delivery.id)
        for k, v in where.items():
            q = q.where(getattr(Delivery, k) == v)
        return list(s.scalars(q))


def run_worker_until_settled(settings: Settings, timeout: float = 15.0) -> int:
    """Drive one worker until no delivery is open (retries wait out their short test backoff)."""

    async def go() -> int:
        total = 0
        deadline = time.monotonic() + timeout
        async with Worker(settings, worker_id="test-worker") as w:
            while True:
                n = await w.tick()
                total += n
                if n == 0:
                    open_ = [d for d in deliveries() if d.status in OPEN_STATUSES]
                    if not open_:
                        return total
                    assert time.monotonic() < deadline, [(d.status, d.attempts, d.last_error) for d in open_]
                    await asyncio.sleep(0.02)

    return asyncio.run(go())
