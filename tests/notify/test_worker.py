"""The delivery worker: webhook signing, retries with backoff, permanent failure, email, leases."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hifazat.config import Settings
from hifazat.core.db import utcnow
from hifazat.notify import service
from hifazat.notify.channels import SendError
from hifazat.notify.channels.webhook import ANSWERED_ERROR, sign, verify
from hifazat.notify.models import Delivery
from hifazat.notify.schemas import Recipient
from hifazat.notify.worker import backoff_seconds, claim, finish
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.notify.conftest import Org, Receiver, SmtpSink
from tests.notify.helpers import add_webhook, deliveries, run_worker_until_settled, user


def _enqueue(org: Org, ref_id: str, recipients: list[Recipient], severity: str = "high") -> list[Delivery]:
    with unit_of_work() as s:
        return service.enqueue(
            s,
            ref_kind="alert",
            ref_id=ref_id,
            topic="alert",
            payload={
                "id": ref_id,
                "agency_id": org.agency["police"],
                "severity": severity,
                "title": "SOS at site",
            },
            recipients=recipients,
            reason="raised",
        )


def test_webhook_delivered_signed_with_idempotency_key(
    org: Org, notify_env: Settings, receiver: Receiver
) -> None:
    hook_id = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    rows = _enqueue(org, "w1", [Recipient(webhook_id=hook_id)])
    assert [d.channel for d in rows] == ["webhook"]
    run_worker_until_settled(notify_env)
    (d,) = deliveries(ref_id="w1")
    assert (d.status, d.attempts, d.delivered_at is not None) == ("delivered", 1, True)
    assert receiver.processed == {d.idempotency_key: 1}
    body = receiver.bodies[d.idempotency_key]
    assert body["ref_id"] == "w1"
    assert body["data"]["title"] == "SOS at site"
    assert body["severity"] == "high"
    req = receiver.requests[0]
    assert req["sig"] == sign(receiver.secret, req["ts"], req["body"])


def test_receiver_fails_twice_then_succeeds(org: Org, notify_env: Settings, receiver: Receiver) -> None:
    receiver.fail_first = 2
    hook_id = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    _enqueue(org, "w2", [Recipient(webhook_id=hook_id)])
    run_worker_until_settled(notify_env)
    (d,) = deliveries(ref_id="w2")
    assert (d.status, d.attempts) == ("delivered", 3)
    assert d.last_error == ANSWERED_ERROR  # the history of the last failed try stays visible
    assert len(receiver.requests) == 3
    assert len(receiver.processed) == 1


def test_permanent_failure_and_exhausted_retries_end_failed(
    org: Org, notify_env: Settings, receiver: Receiver
) -> None:
    receiver.status_always = 410
    hook_id = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    _enqueue(org, "w3", [Recipient(webhook_id=hook_id)])
    run_worker_until_settled(notify_env)
    (d,) = deliveries(ref_id="w3")
    assert (d.status, d.attempts, d.last_error) == ("failed", 1, ANSWERED_ERROR)
    assert d.failed_at is not None
    # A receiver that keeps answering 503 is retried up to max_attempts, then failed.
    receiver.status_always = 503
    with unit_of_work() as s:
        hook2 = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    _enqueue(org, "w4", [Recipient(webhook_id=hook2)])
    with unit_of_work() as s:
        s.execute(Delivery.__table__.update().where(Delivery.ref_id == "w4").values(max_attempts=3))
    run_worker_until_settled(notify_env)
    (d4,) = deliveries(ref_id="w4")
    assert (d4.status, d4.attempts, d4.last_error) == ("failed", 3, ANSWERED_ERROR)
    with unit_of_work(readonly=True) as s:
        failed = s.scalars(select(AuditEntry).where(AuditEntry.action == "delivery_failed")).all()
        assert {e.entity_id for e in failed} == {d.id, d4.id}


def test_wrong_secret_is_rejected_by_receiver(org: Org, notify_env: Settings, receiver: Receiver) -> None:
    hook_id = add_webhook(org.agency["police"], receiver.url, "not-the-receivers-secret-000")
    _enqueue(org, "w5", [Recipient(webhook_id=hook_id)])
    run_worker_until_settled(notify_env)
    (d,) = deliveries(ref_id="w5")
    assert d.status == "failed"
    assert d.last_error == ANSWERED_ERROR
    assert receiver.processed == {}
    assert receiver.rejected == [d.idempotency_key]


def test_signature_verification_and_replay_window() -> None:
    secret, body = "s3cret-0123456789abcdef", b'{"a":1}'
    ts = "1700000000"
    sig = sign(secret, ts, body)
    assert verify(secret, ts, body, sig, 1700000000 + 299)
    assert verify(secret, ts, body.decode(), sig, 1700000000 - 10)
    assert not verify(secret, ts, body, sig, 1700000000 + 301)  # replay older than five minutes
    assert not verify(secret, ts, b'{"a":2}', sig, 1700000000)  # body changed
    assert not verify("other-secret-0123456789", ts, body, sig, 1700000000)
    assert not verify(secret, "1700000001", body, sig, 1700000000)  # timestamp changed
    assert not verify(secret, "", body, sig, 1700000000)
    assert not verify(secret, ts, body, "sha256=" + "0" * 64, 1700000000)


def test_email_delivered_and_retried(org: Org, notify_env: Settings, smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_next = 1
    with unit_of_work() as s:
        op = user(s, "police-operator")
        op.email = "op@police.example"
        op_id = op.id
    _enqueue(org, "e1", [Recipient(user_id=op_id)], severity="critical")
    run_worker_until_settled(notify_env)
    email = [d for d in deliveries(ref_id="e1") if d.channel == "email"]
    assert [(d.status, d.attempts) for d in email] == [("delivered", 2)]
    (rcpts, msg) = smtp_sink.wait_for(1)[0]
    assert rcpts == ["op@police.example"]
    assert msg["Subject"] == "[Hifazat CRITICAL] SOS at site"
    assert msg["X-Hifazat-Idempotency-Key"].strip() == email[0].idempotency_key
    assert "Record: alert e1" in msg.get_content()


def test_backoff_grows_exponentially_with_jitter_and_cap(notify_env: Settings) -> None:
    s = notify_env.model_copy(update={"notify_backoff_base_seconds": 2.0, "notify_backoff_max_seconds": 60.0})
    rng = random.Random(7)
    for attempts, full in ((1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (20, 60.0)):
        for _ in range(20):
            delay = backoff_seconds(attempts, s, rng)
            assert full / 2 <= delay <= full


def test_lease_expiry_lets_another_worker_resume(org: Org, notify_env: Settings, receiver: Receiver) -> None:
    hook_id = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    _enqueue(org, "l1", [Recipient(webhook_id=hook_id)])
    with unit_of_work() as s:
        jobs = claim(s, worker_id="dies", settings=notify_env)
    assert len(jobs) == 1
    with unit_of_work() as s:  # held: nobody else may take it while the lease runs
        assert claim(s, worker_id="other", settings=notify_env) == []
    later = utcnow() + timedelta(seconds=notify_env.notify_lease_seconds + 1)
    with unit_of_work() as s:
        again = claim(s, worker_id="other", settings=notify_env, now=later)
    assert [j.id for j in again] == [jobs[0].id]
    assert again[0].attempt == 2
    with unit_of_work() as s:  # the dead worker's late failure report does not override the new owner
        assert finish(s, jobs[0], SendError("boom"), worker_id="dies", settings=notify_env) is None
    with unit_of_work() as s:
        assert finish(s, again[0], None, worker_id="other", settings=notify_env) == "delivered"
    (d,) = deliveries(ref_id="l1")
    assert (d.status, d.attempts, d.locked_until) == ("delivered", 2, None)


def test_deliveries_for_lists_state(org: Org, notify_env: Settings) -> None:
    _enqueue(org, "x1", [Recipient(role="operator", agency_id=org.agency["police"])])
    with unit_of_work(readonly=True) as s:
        rows: list[Any] = service.deliveries_for(s, "alert", "x1")
    assert [(d.channel, d.status) for d in rows] == [("stream", "delivered")]


def test_transition_table_forbids_leaving_a_final_state() -> None:
    import pytest

    from hifazat.notify.models import Delivery, DeliveryStatus, move

    d = Delivery(id="d1", status="delivered")
    with pytest.raises(ValueError, match="delivered -> sending"):
        move(d, DeliveryStatus.sending)
    d.status = "retrying"
    with pytest.raises(ValueError, match="retrying -> delivered"):
        move(d, DeliveryStatus.delivered)  # a retry must be claimed (sending) first
    move(d, DeliveryStatus.sending)
    assert d.status == "sending"


def test_webhook_changes_after_enqueue(org: Org, notify_env: Settings, receiver: Receiver) -> None:
    from hifazat.notify.models import Webhook

    moved = add_webhook(org.agency["police"], "http://127.0.0.1:9/old-endpoint", receiver.secret)
    gone = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    _enqueue(org, "c1", [Recipient(webhook_id=moved), Recipient(webhook_id=gone)])
    with unit_of_work() as s:
        m, g = s.get(Webhook, moved), s.get(Webhook, gone)
        assert m is not None
        assert g is not None
        m.url = receiver.url  # the partner moved its endpoint: the current URL is used
        g.active = False  # deactivated: nothing is sent
    run_worker_until_settled(notify_env)
    by_hook = {d.recipient_id: d for d in deliveries(ref_id="c1")}
    assert (by_hook[moved].status, by_hook[moved].address) == ("delivered", receiver.url)
    assert (by_hook[gone].status, by_hook[gone].last_error) == (
        "failed",
        "webhook was deactivated or removed",
    )
    assert list(receiver.processed) == [by_hook[moved].idempotency_key]


def test_two_workers_never_send_the_same_delivery(org: Org, notify_env: Settings, receiver: Receiver) -> None:
    import asyncio

    from hifazat.notify.worker import Worker

    hook = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    for i in range(30):
        _enqueue(org, f"tw-{i}", [Recipient(webhook_id=hook)])

    async def work(name: str) -> int:
        async with Worker(notify_env, worker_id=name) as w:
            return await w.drain()

    async def both() -> list[int]:
        return list(await asyncio.gather(work("w-a"), work("w-b")))

    counts = asyncio.run(both())
    assert sum(counts) == 30
    assert len(receiver.requests) == 30
    assert receiver.duplicates == []
    assert {d.status for d in deliveries()} == {"delivered"}
