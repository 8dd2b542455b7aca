"""The delivery worker: claims due deliveries under a lease, sends them, records the outcome.

Claiming: PostgreSQL locks candidate rows with FOR UPDATE SKIP LOCKED; both backends then take each row
with a conditional UPDATE (still due, lease free) so two workers can never hold the same delivery.
A claim sets status `sending`, `locked_until` = now + lease and counts the attempt. A worker that dies
mid-send leaves the row `sending` with a lease that runs out; any worker then claims it again and resends.
Receivers dedupe by the delivery's Idempotency-Key, so a resend after a send that succeeded but was not
recorded is not processed twice. Failures retry with exponential backoff and jitter up to max_attempts;
permanent failures (a 4xx webhook answer, a refused mailbox) and exhausted retries end `failed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hifazat.auth.policy import system_actor
from hifazat.config import Settings, get_settings
from hifazat.core.db import new_id, utcnow
from hifazat.core.errors import log_failure
from hifazat.notify.channels import Job, SendError
from hifazat.notify.channels import email as email_channel
from hifazat.notify.channels import mqtt as mqtt_channel
from hifazat.notify.channels import webhook as webhook_channel
from hifazat.notify.events import DELIVERY_SUBJECT, WAKE_SUBJECT
from hifazat.notify.models import Channel, Delivery, DeliveryStatus, Webhook, move
from hifazat.notify.service import delivery_event
from hifazat.platform.audit.writes import audited_action
from hifazat.platform.bus import get_bus
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import emit
from hifazat.security import crypto, targets

log = logging.getLogger("hifazat.notify.worker")
BATCH = 50
WORKER_ID = f"{socket.gethostname()[:40]}:{os.getpid()}:{new_id()[-8:]}"


def backoff_seconds(attempts: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Delay before the next try after `attempts` tries: base * 2^(attempts-1), capped, with equal jitter."""
    delay = min(
        settings.notify_backoff_max_seconds, settings.notify_backoff_base_seconds * 2 ** max(0, attempts - 1)
    )
    r = (rng or random).random()
    return float(delay / 2 + r * delay / 2)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        Delivery.channel != Channel.stream.value,
        or_(
            and_(
                Delivery.status.in_([DeliveryStatus.pending.value, DeliveryStatus.retrying.value]),
                Delivery.next_attempt_at <= now,
            ),
            # A worker died holding it: the lease ran out, anyone may take it again.
            and_(Delivery.status == DeliveryStatus.sending.value, Delivery.locked_until < now),
        ),
    )


def _job(d: Delivery, secret: str | None) -> Job:
    return Job(
        id=d.id,
        idempotency_key=d.idempotency_key,
        channel=d.channel,
        address=d.address,
        recipient_kind=d.recipient_kind,
        recipient_id=d.recipient_id,
        ref_kind=d.ref_kind,
        ref_id=d.ref_id,
        topic=d.topic,
        reason=d.reason,
        severity=d.severity,
        payload=dict(d.payload),
        attempt=d.attempts,
        created_at=d.created_at,
        secret=secret,
    )


def claim(
    session: Session, *, worker_id: str, settings: Settings, limit: int = BATCH, now: datetime | None = None
) -> list[Job]:
    """Take up to `limit` due deliveries for this worker under a lease. Commit right after."""
    now = now or utcnow()
    q = select(Delivery.id).where(_due(now)).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    ids = list(session.scalars(q))
    lease = now + timedelta(seconds=settings.notify_lease_seconds)
    jobs: list[Job] = []
    for did in ids:
        res = session.execute(
            update(Delivery)
            .where(Delivery.id == did, _due(now))
            .values(
                status=DeliveryStatus.sending.value,
                locked_until=lease,
                locked_by=worker_id,
                attempts=Delivery.attempts + 1,
                last_attempt_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(res, "rowcount", 0) != 1:
            continue  # another worker took it between the select and the update
        d = session.get(Delivery, did, populate_existing=True)
        if d is None:  # pragma: no cover - just updated
            continue
        secret = None
        if d.channel == Channel.webhook:
            hook = session.get(Webhook, d.recipient_id)
            problem = None
            if hook is None or hook.deleted_at is not None or not hook.active:
                problem = "webhook was deactivated or removed"
            else:
                try:
                    secret = crypto.decrypt(hook.secret_enc)
                except crypto.KeyMissingError:
                    problem = "webhook secret cannot be decrypted with the configured field key"
                d.address = hook.url  # the endpoint as it is now (it may have moved since enqueue)
            if problem is not None:
                _fail_now(session, d, problem, now)
                continue
        emit(session, DELIVERY_SUBJECT, delivery_event(d))
        jobs.append(_job(d, secret))
    return jobs


def _fail_now(session: Session, d: Delivery, reason: str, now: datetime) -> None:
    """A claimed delivery that cannot be sent at all: failed without a send."""
    move(d, DeliveryStatus.failed)
    d.failed_at = now
    d.last_error = reason
    d.locked_until = None
    d.locked_by = None
    session.flush([d])
    emit(session, DELIVERY_SUBJECT, delivery_event(d))
    audited_action(
        session,
        principal=system_actor("notify-worker", d.ref_agency_id),
        action="delivery_failed",
        entity="deliveries",
        entity_id=d.id,
        after={"channel": d.channel, "attempts": d.attempts, "last_error": reason},
    )


def finish(
    session: Session,
    job: Job,
    error: SendError | None,
    *,
    worker_id: str,
    settings: Settings,
    now: datetime | None = None,
) -> str | None:
    """Record one send's outcome; returns the new status (None when someone else owns the row now)."""
    now = now or utcnow()
    d = session.get(Delivery, job.id, populate_existing=True)
    if d is None or d.status in (DeliveryStatus.delivered.value, DeliveryStatus.failed.value):
        return None
    if error is None:
        move(d, DeliveryStatus.delivered)
        d.delivered_at = now
    elif d.locked_by != worker_id or d.status != DeliveryStatus.sending.value:
        return None  # our lease ran out and another worker retries it; its outcome decides
    elif error.permanent or d.attempts >= d.max_attempts:
        move(d, DeliveryStatus.failed)
        d.failed_at = now
        d.last_error = str(error)[:2000]
    else:
        move(d, DeliveryStatus.retrying)
        d.last_error = str(error)[:2000]
        d.next_attempt_at = now + timedelta(seconds=backoff_seconds(d.attempts, settings))
    d.locked_until = None
    d.locked_by = None
    d.updated_at = now
    session.flush([d])
    emit(session, DELIVERY_SUBJECT, delivery_event(d))
    if d.status == DeliveryStatus.failed.value:
        audited_action(
            session,
            principal=system_actor("notify-worker", d.ref_agency_id),
            action="delivery_failed",
            entity="deliveries",
            entity_id=d.id,
            after={"channel": d.channel, "attempts": d.attempts, "last_error": d.last_error},
        )
        log.warning("delivery failed", extra={"delivery": d.id, "channel": d.channel, "error": d.last_error})
    return d.status


class Worker:
    def __init__(self, settings: Settings | None = None, worker_id: str = WORKER_ID) -> None:
        self.settings = settings or get_settings()
        self.worker_id = worker_id
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Worker:
        # No kept-alive connections: each webhook send connects to the address it has just checked, with its
        # own TLS server name (a pooled connection is keyed by address and would skip both).
        self._http = httpx.AsyncClient(
            follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0)
        )
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._http is not None:
            await self._http.aclose()

    def _claim(self) -> list[Job]:
        with unit_of_work(self.settings) as session:
            return claim(session, worker_id=self.worker_id, settings=self.settings)

    def _finish(self, job: Job, error: SendError | None) -> str | None:
        with unit_of_work(self.settings) as session:
            return finish(session, job, error, worker_id=self.worker_id, settings=self.settings)

    async def _record(self, job: Job, error: SendError | None) -> None:
        try:
            await asyncio.to_thread(self._finish, job, error)
        except Exception:
            # The lease runs out and another pass resends; receivers dedupe by the idempotency key.
            log.exception("could not record delivery outcome", extra={"delivery": job.id})

    async def _one(self, job: Job, send: Callable[[], Awaitable[None]]) -> None:
        error: SendError | None = None
        try:
            await send()
        except SendError as exc:
            error = exc
        except Exception:
            log.exception("channel crashed", extra={"delivery": job.id, "channel": job.channel})
            error = SendError("the channel failed unexpectedly (details in the server log)")
        await self._record(job, error)

    async def _mqtt(self, jobs: list[Job]) -> None:
        results = await mqtt_channel.send_many(jobs, self.settings)
        await asyncio.gather(*(self._record(j, results.get(j.id)) for j in jobs))

    async def tick(self) -> int:
        """Claim one batch and send it; returns how many deliveries were attempted."""
        jobs = await asyncio.to_thread(self._claim)
        if not jobs:
            return 0
        assert self._http is not None, "use the worker as an async context manager"
        http, timeout = self._http, self.settings.notify_send_timeout_seconds
        allow = targets.allow_list(tuple(self.settings.webhook_allow))
        tasks: list[Awaitable[None]] = []
        mqtt_jobs = []
        for job in jobs:
            if job.channel == Channel.webhook:
                tasks.append(self._one(job, lambda j=job: webhook_channel.send(http, j, timeout, allow)))  # type: ignore[misc]
            elif job.channel == Channel.email:
                tasks.append(
                    self._one(job, lambda j=job: asyncio.to_thread(email_channel.send, j, self.settings))  # type: ignore[misc]
                )
            elif job.channel == Channel.mqtt:
                mqtt_jobs.append(job)
            else:
                tasks.append(self._record(job, SendError(f"unknown channel {job.channel!r}", permanent=True)))
        if mqtt_jobs:
            tasks.append(self._mqtt(mqtt_jobs))
        await asyncio.gather(*tasks)
        return len(jobs)

    async def drain(self, *, max_ticks: int = 100) -> int:
        """Tick until nothing is due now (tests and the CLI); returns the number of attempts made."""
        total = 0
        for _ in range(max_ticks):
            n = await self.tick()
            if n == 0:
                break
            total += n
        return total


async def run(stop: asyncio.Event, settings: Settings | None = None) -> None:
    """Deliver until `stop` is set: woken right after an enqueue commits, else every poll interval."""
    settings = settings or get_settings()
    wake = asyncio.Event()
    unsubscribe = get_bus().subscribe(WAKE_SUBJECT, lambda _e: wake.set())
    try:
        async with Worker(settings) as worker:
            while not stop.is_set():
                wake.clear()
                n = 0
                try:
                    n = await worker.tick()
                except Exception as exc:
                    log_failure(log, "delivery tick failed", exc)
                if n >= BATCH:
                    continue
                with contextlib.suppress(TimeoutError):
                    waiter = asyncio.ensure_future(wake.wait())
                    stopper = asyncio.ensure_future(stop.wait())
                    try:
                        await asyncio.wait(
                            {waiter, stopper},
                            timeout=settings.notify_poll_seconds,
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                    finally:
                        waiter.cancel()
                        stopper.cancel()
    finally:
        unsubscribe()


async def starter(stop: asyncio.Event) -> None:
    """`app.state.background` entry: runs the worker in every `hifazat serve` process (if enabled)."""
    settings = get_settings()
    if not settings.notify_worker:
        return
    await run(stop, settings)
